"""The Slack app manifest, generated from the core's command table (never copied).

`followthrough slack manifest --url https://... [--oauth] | --socket` prints it as JSON,
which Slack's "Create an app > From a manifest" accepts as it is (YAML is a superset).
"""

from __future__ import annotations

import argparse
import json
from typing import Any
from urllib.parse import urlsplit

from core.services import COMMANDS

# Exactly what the adapter calls: slash commands, DMs and group posts, conversations.open,
# users.info (admin flags, time zone), the export upload, files.info with the download
# of a file a member shares in their DM to import, and what members type in their DM
# with the bot: Slack delivers `message.im` only with `im:history` (its reference page
# for that scope lists the event), the narrowest scope that does it; no channel is ever
# read (no channels:history, groups:history or mpim:history). No user scopes.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "files:write",
    "files:read",
)
BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked", "file_shared", "message.im")
DESCRIPTION_LIMIT = 2000  # Slack's limit on a slash command's description is far lower
COMMAND_DESCRIPTION_LIMIT = 100  # …as is its usage hint
USAGE_HINT_LIMIT = 1000


def slash_commands() -> tuple[str, ...]:
    """The slash commands the app declares and handles: `/lead`, `/followthrough`, ..."""
    return tuple(f"/{spec.name}" for spec in COMMANDS)


def public_url(text: str) -> str:
    """`--url`: the app's public base URL, which must be HTTPS (Slack sends requests to no
    other), without a query or fragment (Slack's paths are appended to it)."""
    try:
        parts = urlsplit(text.strip())
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if host is None or parts.scheme.lower() != "https":
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an https:// URL: Slack sends its requests only to HTTPS, e.g."
            " --url https://bot.example.com (or use --socket: no public URL)"
        )
    if parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{text!r} has a query or fragment: give the base URL, e.g. https://bot.example.com"
        )
    return text.strip().rstrip("/")


def manifest(*, url: str | None = None, oauth: bool = False) -> dict[str, Any]:
    """The manifest for HTTP at `url`, or for Socket Mode when `url` is None. `oauth`
    (HTTP only: installs come back to `url`) declares the OAuth redirect; without it the
    app is installed from its settings page, into one workspace."""
    socket = url is None
    if oauth and url is None:
        raise ValueError("OAuth installs need the public URL Slack redirects to")
    events_url = f"{(url or '').rstrip('/')}/slack/events"
    commands: list[dict[str, Any]] = []
    for spec in COMMANDS:
        command: dict[str, Any] = {
            "command": f"/{spec.name}",
            "description": spec.description[:COMMAND_DESCRIPTION_LIMIT],
            "usage_hint": spec.usage_hint[:USAGE_HINT_LIMIT],
            "should_escape": True,  # channel mentions arrive as <#C123|name>
        }
        if not socket:
            command["url"] = events_url
        commands.append(command)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket,
        "token_rotation_enabled": False,
    }
    if not socket:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
    oauth_config: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if oauth:
        oauth_config["redirect_urls"] = [f"{str(url).rstrip('/')}/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "FollowThrough",
            "description": "Job-search accountability: log leads, get a morning nudge, "
            "follow up with the group.",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,  # off, DMs fail with messages_tab_disabled
                # Members may type there: /lead, or the same words without the slash.
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "FollowThrough", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": oauth_config,
        "settings": settings,
    }


def render(*, url: str | None = None, oauth: bool = False) -> str:
    return json.dumps(manifest(url=url, oauth=oauth), indent=2, ensure_ascii=False)

"""The Slack app manifest, generated from the core's command table (never copied).

`followthrough slack manifest [--socket] [--url https://...]` prints it as JSON, which
Slack's "Create an app > From a manifest" accepts as it is (YAML is a superset).
"""

from __future__ import annotations

import json
from typing import Any

from core.services import COMMANDS

# Exactly what the adapter calls: slash commands, DMs and group posts, conversations.open,
# users.info (admin flags, time zone), the export upload. No user scopes.
BOT_SCOPES = ("commands", "chat:write", "im:write", "users:read", "files:write")
BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")
EXAMPLE_URL = "https://followthrough.example.com"
DESCRIPTION_LIMIT = 2000  # Slack's limit on a slash command's description is far lower
COMMAND_DESCRIPTION_LIMIT = 100  # …as is its usage hint
USAGE_HINT_LIMIT = 1000


def slash_commands() -> tuple[str, ...]:
    """The slash commands the app declares and handles: `/lead`, `/followthrough`, ..."""
    return tuple(f"/{spec.name}" for spec in COMMANDS)


def manifest(*, socket: bool = False, url: str = EXAMPLE_URL) -> dict[str, Any]:
    """The manifest for Socket Mode (`socket`), or for HTTP at `url`."""
    url = url.rstrip("/")
    events_url = f"{url}/slack/events"
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
                "messages_tab_read_only_enabled": False,  # members may type /lead there
            },
            "bot_user": {"display_name": "FollowThrough", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {
            "redirect_urls": [f"{url}/slack/oauth_redirect"],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": settings,
    }


def render(*, socket: bool = False, url: str = EXAMPLE_URL) -> str:
    return json.dumps(manifest(socket=socket, url=url), indent=2, ensure_ascii=False)

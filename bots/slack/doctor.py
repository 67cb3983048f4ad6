"""`followthrough doctor` for Slack: the settings of one mode, the tokens and their
scopes, and each group's channel, through the configured Web API URL."""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.ops.findings import Report
from bots.platforms import GroupChannels
from bots.settings import PREFIX, ConfigError
from bots.slack.manifest import BOT_SCOPES
from bots.slack.secrets import GENERATE, SecretKeyError, TokenCipher
from bots.slack.server import APP_TOKEN_FIX, BOT_TOKEN_FIX
from bots.slack.settings import SlackSettings

TIMEOUT = 10


def check_settings(settings: SlackSettings, report: Report) -> bool:
    """Report what is wrong with Slack's settings; False if its API checks would only
    repeat it."""
    fine = True
    try:
        mode = settings.mode()
    except ConfigError as error:
        report.problem("settings", str(error), "set the Slack variables of one mode (README)")
        fine, mode = False, None
    if settings.bot_token and not settings.bot_token.startswith("xoxb-"):
        report.problem(
            "settings",
            "SLACK_BOT_TOKEN is not a bot token (it should start with xoxb-)",
            "copy the Bot User OAuth Token from the app's OAuth & Permissions page",
        )
        fine = False
    if settings.app_token and not settings.app_token.startswith("xapp-"):
        report.problem(
            "settings",
            "SLACK_APP_TOKEN is not an app-level token (it should start with xapp-)",
            "create one under Basic Information > App-Level Tokens, scope connections:write",
        )
        fine = False
    if mode == "oauth":
        _check_secret_key(settings, report)
    return fine


def _check_secret_key(settings: SlackSettings, report: Report) -> None:
    if not settings.secret_key:
        report.problem(
            "settings",
            f"OAuth mode stores each workspace's bot token in the database; {PREFIX}SECRET_KEY"
            " is not set, so they would be stored unencrypted",
            f"set {PREFIX}SECRET_KEY to a new key: {GENERATE}",
        )
        return
    problem = secret_key_problem(settings.secret_key)
    if problem is not None:
        report.problem("settings", problem, f"set {PREFIX}SECRET_KEY to a new key")


def secret_key_problem(value: str) -> str | None:
    """Why FOLLOWTHROUGH_SECRET_KEY can't be used, or None."""
    try:
        TokenCipher.from_setting(value)
    except SecretKeyError as error:
        return str(error)
    return None


async def check(settings: SlackSettings, report: Report, groups: GroupChannels) -> None:
    """The bot token and its scopes, the app token, and each group's channel."""
    mode = settings.mode()
    api = settings.api_url
    if mode == "oauth":
        report.ok("slack", "OAuth: workspaces install through /slack/install")
        return
    assert settings.bot_token is not None
    client = AsyncWebClient(token=settings.bot_token, base_url=api, timeout=TIMEOUT)
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        report.problem(
            "slack",
            f"Slack refused SLACK_BOT_TOKEN ({code})",
            BOT_TOKEN_FIX,
        )
        return
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        report.problem(
            "slack",
            f"cannot reach the Slack Web API at {api} ({type(error).__name__})",
            f"check the network, or {PREFIX}SLACK_API_URL if you set it",
        )
        return
    team = str(answer.get("team_id"))
    headers = {k.lower(): v for k, v in answer.headers.items()}
    scopes_header = headers.get("x-oauth-scopes")
    if scopes_header is None:
        report.ok("slack", f"bot token works in workspace {team} (scopes not reported)")
    else:
        granted = {s.strip() for s in str(scopes_header).split(",") if s.strip()}
        missing = [scope for scope in BOT_SCOPES if scope not in granted]
        if missing:
            report.problem(
                "slack",
                f"the bot token lacks the scopes {', '.join(missing)}",
                "add them under OAuth & Permissions (or recreate the app from"
                " `followthrough slack manifest`) and reinstall the app",
            )
        else:
            report.ok("slack", f"bot token works in workspace {team}, with every scope needed")
    if settings.app_token is not None:
        app_client = AsyncWebClient(token=settings.app_token, base_url=api, timeout=TIMEOUT)
        try:
            await app_client.apps_connections_open(app_token=settings.app_token)
        except SlackApiError as error:
            report.problem(
                "slack",
                f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')})",
                APP_TOKEN_FIX,
            )
        else:
            report.ok("slack", "Socket Mode: the app token opens a connection")
    for workspace, channel in groups or ():
        if workspace != team:
            report.problem(
                "channels",
                f"Slack workspace {workspace} has a group but SLACK_BOT_TOKEN is for {team}",
                "use that workspace's token, or OAuth for many workspaces",
            )
            continue
        await _channel(client, workspace, channel, report)


async def _channel(client: Any, workspace: str, channel: str | None, report: Report) -> None:
    where = f"Slack workspace {workspace}"
    if channel is None:
        report.ok(
            "channels", f"{where}: no group channel chosen yet (/followthrough group channel)"
        )
        return
    try:
        answer = await client.conversations_info(channel=channel)
    except SlackApiError as error:
        code = error.response.get("error")
        if code == "missing_scope":
            report.ok("channels", f"{where}: channel {channel} not checked (needs channels:read)")
        elif code == "channel_not_found":
            report.problem(
                "channels",
                f"{where}: the group channel {channel} doesn't exist or the bot can't see it",
                "invite the bot to it (/invite @FollowThrough), or an organiser picks another"
                " with /followthrough group channel #name",
            )
        else:
            report.problem("channels", f"{where}: channel {channel}: {code}", "see Slack's error")
        return
    info = answer.get("channel") or {}
    if info.get("is_archived"):
        report.problem(
            "channels",
            f"{where}: the group channel {channel} is archived",
            "an organiser picks another with /followthrough group channel #name",
        )
    elif info.get("is_member") is False:
        report.problem(
            "channels",
            f"{where}: the bot is not a member of the group channel {channel}",
            "invite it there: /invite @FollowThrough",
        )
    else:
        report.ok("channels", f"{where}: group channel {channel} is fine")

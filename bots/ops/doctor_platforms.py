"""The doctor's checks of the platforms: the Slack and Discord tokens, what they may do,
and each group's channel, through the configured API URLs."""

from __future__ import annotations

import math
from typing import Any

import aiohttp

from bots.ops.findings import Report
from bots.settings import PREFIX, Settings

TIMEOUT = 10
GUILDS_PER_SHARD = 2500  # Discord closes a session with 4011 past this
# Application flags that allow the privileged intents (GATEWAY_*, and *_LIMITED).
PRIVILEGED = {
    "members": (1 << 14) | (1 << 15),
    "presences": (1 << 12) | (1 << 13),
    "message_content": (1 << 18) | (1 << 19),
}


async def check_slack(
    settings: Settings, report: Report, groups: list[tuple[str, str | None]] | None
) -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    from bots.slack.manifest import BOT_SCOPES
    from bots.slack.server import APP_TOKEN_FIX, BOT_TOKEN_FIX

    mode = settings.slack_mode()
    api = settings.slack_api_url
    if mode == "oauth":
        report.ok("slack", "OAuth: workspaces install through /slack/install")
        return
    assert settings.slack_bot_token is not None
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=api, timeout=TIMEOUT)
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
    if settings.slack_app_token is not None:
        app_client = AsyncWebClient(token=settings.slack_app_token, base_url=api, timeout=TIMEOUT)
        try:
            await app_client.apps_connections_open(app_token=settings.slack_app_token)
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
        await _slack_channel(client, workspace, channel, report, SlackApiError)


async def _slack_channel(
    client: Any, workspace: str, channel: str | None, report: Report, api_error: type[Exception]
) -> None:
    where = f"Slack workspace {workspace}"
    if channel is None:
        report.ok(
            "channels", f"{where}: no group channel chosen yet (/followthrough group channel)"
        )
        return
    try:
        answer = await client.conversations_info(channel=channel)
    except api_error as error:
        code = error.response.get("error")  # type: ignore[attr-defined]
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


# -- Discord -------------------------------------------------------------------------------


def needed_intents() -> dict[str, bool]:
    """The intents the Discord client asks for (read from the client itself)."""
    from bots.discord.client import Bot
    from core.services.app import FollowThrough
    from core.services.ports import SystemClock

    def no_database() -> Any:
        raise RuntimeError("doctor builds the client only to read its intents")

    bot = Bot(FollowThrough(no_database, SystemClock()).conversation)
    return dict(bot.intents)


async def check_discord(
    settings: Settings, report: Report, groups: list[tuple[str, str | None]] | None
) -> None:
    assert settings.discord_token is not None
    api = settings.discord_api_url
    headers = {"Authorization": f"Bot {settings.discord_token}"}
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        try:
            status, user = await _get(session, f"{api}/users/@me")
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            report.problem(
                "discord",
                f"cannot reach the Discord API at {api} ({type(error).__name__})",
                f"check the network, or {PREFIX}DISCORD_API_URL if you set it",
            )
            return
        if status == 401:
            report.problem(
                "discord",
                "Discord refused DISCORD_TOKEN (401 Unauthorized)",
                "copy the bot token again from the Developer Portal (Bot > Reset Token)",
            )
            return
        if status != 200:
            report.problem("discord", f"GET /users/@me answered {status}", "try again later")
            return
        status, application = await _get(session, f"{api}/applications/@me")
        if status == 404:  # an older API or a proxy: the OAuth2 flavour has the same fields
            status, application = await _get(session, f"{api}/oauth2/applications/@me")
        if status != 200:
            report.problem("discord", f"GET /applications/@me answered {status}", "try again")
            return
        report.ok(
            "discord",
            f"token works for {user.get('username')} (application {application.get('id')})",
        )
        _check_intents(int(application.get("flags") or 0), report)
        guilds = application.get("approximate_guild_count")
        if isinstance(guilds, int):
            shards = max(1, math.ceil(guilds / GUILDS_PER_SHARD))
            advice = (
                "one gateway session is enough"
                if shards == 1
                else (f"run gateway processes with --shard-count {shards} or more")
            )
            report.ok("discord", f"in about {guilds} servers: {advice}")
        for guild, channel in groups or ():
            await _discord_channel(session, api, guild, channel, report)


def _check_intents(flags: int, report: Report) -> None:
    wanted = needed_intents()
    missing = [name for name, bits in PRIVILEGED.items() if wanted.get(name) and not flags & bits]
    if missing:
        report.problem(
            "discord",
            f"the bot asks for the privileged intents {', '.join(missing)}, which the"
            " application doesn't have",
            "turn them on under Bot > Privileged Gateway Intents in the Developer Portal",
        )
        return
    asked = sorted(name for name, on in wanted.items() if on)
    report.ok("discord", f"intents {', '.join(asked)}: none privileged beyond what is allowed")


async def _discord_channel(
    session: aiohttp.ClientSession, api: str, guild: str, channel: str | None, report: Report
) -> None:
    where = f"Discord server {guild}"
    if channel is None:
        report.ok(
            "channels", f"{where}: no group channel chosen yet (/followthrough-group channel)"
        )
        return
    status, _ = await _get(session, f"{api}/channels/{channel}")
    if status == 200:
        report.ok("channels", f"{where}: group channel {channel} is fine")
    elif status == 404:
        report.problem(
            "channels",
            f"{where}: the group channel {channel} no longer exists",
            "an organiser picks another with /followthrough-group channel",
        )
    elif status == 403:
        report.problem(
            "channels",
            f"{where}: the bot cannot see the group channel {channel}",
            "give the bot View Channel, Send Messages and Embed Links there",
        )
    else:
        report.problem("channels", f"{where}: channel {channel}: HTTP {status}", "try again")


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with session.get(url) as response:
        try:
            body = await response.json(content_type=None)
        except (ValueError, aiohttp.ContentTypeError):
            body = {}
        return response.status, body if isinstance(body, dict) else {}

"""`followthrough doctor` for Discord: the token, the application's intents and size,
and each group's channel, through the configured REST URL."""

from __future__ import annotations

import math
from typing import Any

import aiohttp

from bots.discord.settings import DiscordSettings
from bots.ops.findings import Report
from bots.platforms import GroupChannels
from bots.settings import PREFIX

TIMEOUT = 10
GUILDS_PER_SHARD = 2500  # Discord closes a session with 4011 past this
# Application flags that allow the privileged intents (GATEWAY_*, and *_LIMITED).
PRIVILEGED = {
    "members": (1 << 14) | (1 << 15),
    "presences": (1 << 12) | (1 << 13),
    "message_content": (1 << 18) | (1 << 19),
}


def needed_intents() -> dict[str, bool]:
    """The intents the Discord client asks for (read from the client itself)."""
    from bots.discord.client import Bot

    bot = Bot(None)  # no core: only its intents are read
    return dict(bot.intents)


async def check(settings: DiscordSettings, report: Report, groups: GroupChannels) -> None:
    """The token, the application's intents and size, and each group's channel."""
    assert settings.token is not None
    api = settings.api_url
    headers = {"Authorization": f"Bot {settings.token}"}
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

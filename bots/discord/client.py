"""The discord.py client: no privileged intents, buttons registered once, a member's DM
read as their command, guild removal erasing the group, commands synced only when their
definition changed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import platformdirs
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.discord import direct
from bots.discord import tree as commands
from bots.discord.interactions import PLATFORM, Presses
from bots.discord.messenger import DiscordMessenger, InvalidRequests, Window, http_trace
from bots.discord.views import CommandButton
from bots.runtime.workers import CoreWorkers, InFlight
from core.services import Conversation

log = logging.getLogger(__name__)
# The bot never joins voice: discord.py's warnings about missing voice libraries are noise
# in front of every operator command.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False

# View Channel + Send Messages + Embed Links + Attach Files (DISCORD.md §8).
PERMISSIONS = discord.Permissions(52224)
SCOPES = ("bot", "applications.commands")


def point_at(api_url: str, gateway_url: str | None) -> None:
    """Aim discord.py at another REST base and gateway (a proxy, or the tests' fake).

    Both are class attributes of the library: they apply to every client in the process.
    """
    Route.BASE = api_url.rstrip("/")
    if gateway_url is not None:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def sync_state_file(application_id: int) -> Path:
    folder = Path(platformdirs.user_data_dir("followthrough", appauthor=False))
    return folder / f"discord-commands-{application_id}.sha256"


def _read_state(path: Path) -> str:
    """The digest of the commands last synced from here ("" if none)."""
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _write_state(path: Path, digest: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(digest + "\n", encoding="ascii")


@dataclass(frozen=True, slots=True)
class Options:
    sync: bool = True  # sync at start when the tree changed (the process that owns shard 0)
    sync_file: Path | None = None  # default: in the user data dir, per application
    guild_ready_timeout: float = 2.0
    rate: int = 50  # REST requests per second for deliveries (Discord's global limit)


class Bot(discord.Client):
    """FollowThrough on Discord: commands, buttons and guild lifecycle over one client."""

    def __init__(
        self,
        app: Conversation | None,
        options: Options | None = None,
        core: CoreWorkers | None = None,
    ) -> None:
        """`app` None: an operator command that only talks to the REST API. `core`: the
        process's core threads (shared with its other adapters, closed by their owner);
        else one thread of the bot's own."""
        self.options = options or Options()
        intents = discord.Intents.none()
        intents.guilds = True  # not privileged: guild join/remove, and the channel cache
        # Not privileged: what members type in their DM with the bot (bots.discord.direct).
        # DMs keep their content without the privileged message_content intent, and no
        # server channel's messages are sent for this one.
        intents.dm_messages = True
        self.invalid = InvalidRequests()
        # Discord's global limit is per bot token: processes sharing one split it.
        self.window = Window(self.options.rate)
        super().__init__(
            intents=intents,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            chunk_guilds_at_startup=False,
            allowed_mentions=discord.AllowedMentions.none(),
            max_ratelimit_timeout=60.0,
            http_trace=http_trace(self.window, self.invalid),
            guild_ready_timeout=self.options.guild_ready_timeout,
        )
        self.app = app
        self._own_core = core is None
        self.core = core or CoreWorkers()  # the core's calls, off the loop
        self.in_flight = InFlight()  # the interactions being answered
        self.tree = commands.build(self)
        self.presses = Presses()
        remember = app.remember_dm_channel if app is not None else (lambda member, channel: None)
        self.messenger = DiscordMessenger(self, remember)
        self.ended = asyncio.Event()  # set when the gateway session ends for good
        self.synced: bool | None = None  # whether setup_hook synced (None: not asked)

    async def setup_hook(self) -> None:
        # Once per process, after login and before the gateway: never in on_ready,
        # which runs again after every failed RESUME.
        self.add_dynamic_items(CommandButton)
        if self.options.sync:
            self.synced = await self.sync_commands(force=False)

    async def sync_commands(self, *, force: bool) -> bool:
        """Bulk-overwrite the global commands if their definition changed (or `force`)."""
        assert self.application_id is not None
        path = self.options.sync_file or sync_state_file(self.application_id)
        wanted = commands.digest(self.tree)
        # The state file is read and written in a worker thread: never on the loop.
        stored = await asyncio.to_thread(_read_state, path)
        if stored == wanted and not force:
            log.info("Discord commands unchanged; not syncing")
            return False
        synced = await self.tree.sync()
        await asyncio.to_thread(_write_state, path, wanted)
        log.info("Discord commands synced: %d top-level commands", len(synced))
        return True

    async def on_ready(self) -> None:
        log.info("Discord gateway ready: %d guilds", len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """A member typed in their DM with the bot; anything else is left alone."""
        await direct.typed(self, message)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server (kicked, banned, left, deleted): erase its group.

        An outage is GUILD_DELETE with `unavailable`, which discord.py dispatches as
        on_guild_unavailable instead: nothing is erased then.
        """
        assert self.app is not None
        erased = await self.core(self.app.erase_group, PLATFORM, str(guild.id))
        log.info("removed from guild %s: group %s", guild.id, "erased" if erased else "absent")

    async def close(self) -> None:
        # The interactions being answered finish (their core calls, their follow-ups)
        # before the connection closes.
        await self.in_flight.drain()
        if self._own_core:
            await asyncio.to_thread(self.core.close)
        await super().close()

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("Discord event %s failed", event_method)


class BadToken(Exception):
    """Discord refused the token: stop, don't retry (every 401 counts against the IP)."""


async def login(bot: Bot, token: str) -> None:
    try:
        await bot.login(token)
    except discord.LoginFailure:
        await bot.close()
        raise BadToken(
            "Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot token again from"
            " the Developer Portal (Bot -> Reset Token) and restart"
        ) from None

"""Discord as a platform of the bot (bots/platforms.py): its settings, its gateway
sessions (`run --discord`, with `--shards` under a lease in the database), a REST-only
client for workers, `followthrough discord invite|sync`, and its doctor checks. The
heavy libraries are imported when first used."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from bots.discord.settings import NAME, VARIABLES, DiscordSettings
from bots.ops.findings import Report
from bots.platforms import GroupChannels, Host, Plugin
from bots.runtime.delivery import Platform
from bots.settings import ConfigError, Settings

if TYPE_CHECKING:
    from bots.discord.client import Bot
    from bots.discord.lease import Shards
    from bots.platforms import Commands

RANK = 20  # after Slack in the flags, the doctor and the messages


class Discord:
    name = NAME
    title = "Discord"
    description = "serve Discord (DISCORD_TOKEN)"
    needs = "DISCORD_TOKEN"
    setup = "DISCORD_TOKEN"
    # The interaction and webhook tokens in the URLs a library may log.
    token_shapes: tuple[str, ...] = (r"(/(?:interactions/\d+|webhooks/\d+)/)[A-Za-z0-9_.-]+",)

    def variables(self) -> tuple[str, ...]:
        return VARIABLES

    def read_settings(self, env: Mapping[str, str]) -> DiscordSettings:
        return DiscordSettings.from_env(env)

    def add_run_options(self, run: argparse.ArgumentParser) -> None:
        run.add_argument("--shards", help="the Discord gateway shards of this process, e.g. 0-3")
        run.add_argument("--shard-count", type=int, help="Discord shards across all processes")

    def run_options(self, args: argparse.Namespace, named: bool) -> Shards:
        """The gateway shards of this process (shard 0 of 1 without `--shards`)."""
        from bots.discord.lease import ShardRangeError, Shards

        shards, count = getattr(args, "shards", None), getattr(args, "shard_count", None)
        if (shards is not None or count is not None) and not named:
            raise ConfigError(
                "--shards and --shard-count are for the Discord gateway: add --discord"
            )
        try:
            return Shards.parse(shards, count)
        except ShardRangeError as error:
            raise ConfigError(str(error)) from None

    def check_start(self, settings: Settings, *, listening: bool) -> None:
        if listening:
            DiscordSettings.of(settings).require()

    def listener(
        self, host: Host, options: Shards
    ) -> contextlib.AbstractAsyncContextManager[Platform]:
        return _gateways(host, options)

    def sender(self, host: Host) -> contextlib.AbstractAsyncContextManager[Platform]:
        return _rest(host)

    def refused(self, error: BaseException) -> bool:
        # A module never imported raised none of its errors.
        client, lease = (
            sys.modules.get("bots.discord.client"),
            sys.modules.get("bots.discord.lease"),
        )
        return (client is not None and isinstance(error, client.BadToken)) or (
            lease is not None and isinstance(error, lease.ShardConflict)
        )

    def add_commands(self, commands: Commands) -> None:
        dsc = commands.add_parser(NAME, help="Discord: the invite link, the slash commands")
        actions = dsc.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
        invite = actions.add_parser("invite", help="print the link that adds the bot to a server")
        invite.add_argument(
            "--client-id", type=int, help="the application id (default: asked with DISCORD_TOKEN)"
        )
        actions.add_parser("sync", help="publish the slash commands now (globally)")

        def command(args: argparse.Namespace, settings: Settings | None) -> int:
            from bots.discord import serve

            assert settings is not None
            return serve.command(settings, args)

        dsc.set_defaults(handler=command)

    def check_settings(self, settings: Settings, report: Report) -> bool:
        return True  # DISCORD_TOKEN set or not: nothing else to get wrong

    async def doctor(self, settings: Settings, report: Report, groups: GroupChannels) -> None:
        from bots.discord import doctor

        await doctor.check(DiscordSettings.of(settings), report, groups)


def _bot(host: Host, sync: bool) -> Bot:
    from bots.discord.client import Bot, Options, point_at

    services = host.services
    settings = DiscordSettings.of(services.settings)
    point_at(settings.api_url, settings.gateway_url)
    return Bot(services.app.conversation, Options(sync=sync, rate=settings.rate), services.core)


@contextlib.asynccontextmanager
async def _rest(host: Host) -> AsyncIterator[Platform]:
    """Discord's messenger over a REST-only login (a worker): no gateway session."""
    from bots.discord import serve
    from bots.discord.client import login
    from bots.discord.gauges import watch_invalid

    bot = _bot(host, sync=False)
    await login(bot, DiscordSettings.of(host.services.settings).require())
    watch_invalid("rest", bot.invalid.recent)
    try:
        yield serve.platform(bot)
    finally:
        watch_invalid("rest", None)
        await bot.close()


@contextlib.asynccontextmanager
async def _gateways(host: Host, shards: Shards) -> AsyncIterator[Platform]:
    """The lease on `shards`, then one gateway session per shard, and the platform that
    delivers through the first one's REST client. The host's `ended` is set if a session
    ends or the lease is lost."""
    from bots.discord.lease import ShardLease, holding
    from bots.runtime.runner import worker_id

    services = host.services
    lease = ShardLease(services.database.leases, services.app.clock, shards, worker_id())
    async with holding(lease, host.ended), _sessions(host, shards) as platform:
        yield platform


@contextlib.asynccontextmanager
async def _sessions(host: Host, shards: Shards) -> AsyncIterator[Platform]:
    from bots.discord import serve
    from bots.discord.client import login
    from bots.discord.gauges import watch_invalid

    token = DiscordSettings.of(host.services.settings).require()
    bots: list[Bot] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        for shard in shards.ids:
            # Shard 0 receives DMs and publishes the command tree: it syncs, once.
            bot = _bot(host, sync=shard == 0)
            if shards.count > 1:
                bot.shard_id, bot.shard_count = shard, shards.count
                bot._connection.shard_count = shards.count  # discord.py reads it at IDENTIFY
            await login(bot, token)
            bots.append(bot)
            task = asyncio.create_task(bot.connect(reconnect=True), name=f"discord-shard-{shard}")
            task.add_done_callback(lambda _: host.ended.set())
            tasks.append(task)
            label = f"shard {shard}/{shards.count}"
            watch_invalid(label, bot.invalid.recent)
            host.readiness.add(f"discord {label}", _connected(bot))
        yield serve.platform(bots[0])
    finally:
        for bot, shard in zip(bots, shards.ids, strict=False):
            label = f"shard {shard}/{shards.count}"
            host.readiness.remove(f"discord {label}")
            watch_invalid(label, None)
            await bot.close()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)


def _connected(bot: Bot) -> Callable[[], Awaitable[str | None]]:
    async def check() -> str | None:
        ws = bot.ws
        if bot.is_closed() or ws is None or not ws.open:
            return "gateway not connected"
        if not bot.is_ready():
            return "gateway connected, waiting for READY"
        return None

    return check


PLUGIN: Plugin = Discord()

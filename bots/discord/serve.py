"""Discord's platform for delivery, and the operator commands `followthrough discord invite`
and `followthrough discord sync`. `followthrough run` is bots/ops/process.py."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Mapping

from bots.bootstrap import Services
from bots.discord.client import BadToken, Bot, Options, invite_url, login, point_at
from bots.discord.interactions import PLATFORM
from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from bots.runtime.runner import Runner
from bots.settings import ConfigError, Settings

log = logging.getLogger(__name__)


def platform(bot: Bot) -> Platform:
    # The client paces every REST request under the global limit (DM opens too); the
    # runtime's limiter only has to hold routes that answered 429.
    return Platform(bot.messenger, RateLimiter(rate=1000.0))


# `gateway` and `serve` are reached only from bots/slack/server.py's `serve(discord=True)`;
# `followthrough run` goes through bots/ops/process.py (`discord_gateways`, `serve_roles`).
@contextlib.asynccontextmanager
async def gateway(services: Services, *, sync: bool = True) -> AsyncIterator[Bot]:
    """A logged-in bot whose gateway session runs until the block ends.

    Raises BadToken before anything runs if Discord refuses the token. If the gateway
    ends by itself (a token revoked meanwhile: close code 4004), `bot.ended` is set.
    """
    settings = services.settings
    point_at(settings.discord_api_url, settings.discord_gateway_url)
    bot = Bot(services.app, Options(sync=sync, rate=services.settings.discord_rate))
    await login(bot, settings.require_discord())
    task = asyncio.create_task(bot.connect(reconnect=True), name="discord-gateway")
    task.add_done_callback(lambda _: bot.ended.set())
    try:
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def serve(
    services: Services, platforms: Mapping[str, Platform], *, tick_seconds: float = 60
) -> None:
    """The Discord gateway, the minute tick and delivery, in this one event loop."""
    async with gateway(services) as bot:
        runner = Runner(
            services.deliverer({**platforms, PLATFORM: platform(bot)}), tick_seconds=tick_seconds
        )

        async def watch() -> None:
            await bot.ended.wait()
            if not runner.stopping.is_set():
                log.error("the Discord gateway ended; stopping")
                runner.stop()

        watcher = asyncio.create_task(watch())
        try:
            await runner.run()
        finally:
            watcher.cancel()


async def _application_id(settings: Settings) -> int:
    async with _rest_only(settings) as bot:
        assert bot.application_id is not None
        return bot.application_id


@contextlib.asynccontextmanager
async def _rest_only(settings: Settings) -> AsyncIterator[Bot]:
    point_at(settings.discord_api_url, settings.discord_gateway_url)
    bot = Bot(None, Options(sync=False))  # no database: only the REST API is asked
    try:
        await login(bot, settings.require_discord())
        yield bot
    finally:
        await bot.close()


async def _sync(settings: Settings) -> int:
    async with _rest_only(settings) as bot:
        await bot.sync_commands(force=True)
        return len(bot.tree.get_commands())


def command(settings: Settings, args: argparse.Namespace) -> int:
    """Run `followthrough discord ...`."""
    try:
        if args.discord_command == "invite":
            app_id = args.client_id or asyncio.run(_application_id(settings))
            print(invite_url(app_id))
            return 0
        count = asyncio.run(_sync(settings))
        print(f"synced {count} slash commands globally (Discord shows them within a minute)")
        return 0
    except (BadToken, ConfigError) as error:
        print(f"followthrough discord: {error}", file=sys.stderr)
        return 1

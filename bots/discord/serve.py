"""Discord's platform for delivery, and the operator commands `followthrough discord invite`
and `followthrough discord sync`. `followthrough run --discord` is bots/discord/plugin.py."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator

from bots.discord.client import BadToken, Bot, Options, invite_url, login, point_at
from bots.discord.settings import DiscordSettings
from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from bots.settings import ConfigError, Settings

log = logging.getLogger(__name__)


def platform(bot: Bot) -> Platform:
    # The client paces every REST request under the global limit (DM opens too); the
    # runtime's limiter only has to hold routes that answered 429.
    return Platform(bot.messenger, RateLimiter(rate=1000.0))


async def _application_id(settings: Settings) -> int:
    async with _rest_only(settings) as bot:
        assert bot.application_id is not None
        return bot.application_id


@contextlib.asynccontextmanager
async def _rest_only(settings: Settings) -> AsyncIterator[Bot]:
    discord = DiscordSettings.of(settings)
    point_at(discord.api_url, discord.gateway_url)
    bot = Bot(None, Options(sync=False))  # no database: only the REST API is asked
    try:
        await login(bot, discord.require())
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

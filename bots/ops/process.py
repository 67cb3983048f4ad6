"""`followthrough run`: one process in any combination of roles, in one event loop.

- `--slack`, `--discord`, `--console`: the listeners (Slack HTTP or Socket Mode, the
  Discord gateway) and the terminal, with the minute tick and delivery beside them.
  No role at all: every platform the settings configure (what the container runs).
- `--worker`: planning and delivery only, to every configured platform through its
  Web/REST API (no listener, no gateway). Any number of them share one PostgreSQL.
- `--shards 0-3 --shard-count 8` (with `--discord`): this process's gateway sessions;
  a lease in the database refuses a second live process on an overlapping range.

Every process serves /healthz, /readyz and /metrics on FOLLOWTHROUGH_HTTP_HOST:PORT: in
the Slack listener's aiohttp app when this process runs one, on a small server of its
own otherwise. SIGTERM (or SIGINT) stops it cleanly: the Runner finishes the sends in
flight and releases its claims, the gateway closes, the lease is given back, the HTTP
server stops accepting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bots.bootstrap import Services, serve
from bots.discord.lease import ShardConflict, ShardLease, ShardRangeError, Shards, holding
from bots.ops import failures, metrics
from bots.ops.health import HealthServer, Readiness, add_routes, database_check
from bots.ops.metrics import MeasuredFollowThrough, MeasuredMessenger
from bots.runtime.delivery import Platform
from bots.runtime.runner import Runner
from bots.runtime.workers import settle_garbage_collector
from bots.settings import ConfigError, Settings

log = logging.getLogger(__name__)


SINGLE = Shards(0, 0, 1)


@dataclass(frozen=True, slots=True)
class Roles:
    slack: bool = False
    discord: bool = False
    console: bool = False
    worker: bool = False
    shards: Shards = SINGLE
    tick_seconds: float = 60

    @classmethod
    def from_args(cls, args: argparse.Namespace, settings: Settings | None = None) -> Roles:
        """The roles asked for; none at all: every platform `settings` configure (what the
        container runs, so that one image serves Slack, Discord or both)."""
        shards, count = getattr(args, "shards", None), getattr(args, "shard_count", None)
        asked = args.slack or args.discord or args.console or getattr(args, "worker", False)
        if not asked and settings is not None and shards is None and count is None:
            args = argparse.Namespace(**{**vars(args), "slack": settings.slack_mode() is not None,
                                         "discord": bool(settings.discord_token)})  # fmt: skip
        roles = cls(
            slack=bool(args.slack),
            discord=bool(args.discord),
            console=bool(args.console),
            worker=bool(getattr(args, "worker", False)),
            shards=Shards.parse(shards, count),
            tick_seconds=float(args.tick),
        )
        if roles.worker and (roles.slack or roles.discord):
            raise ConfigError(
                "--worker runs no listener: it delivers to every configured platform through"
                " its API; run --slack or --discord in another process"
            )
        if (shards is not None or count is not None) and not roles.discord:
            raise ConfigError(
                "--shards and --shard-count are for the Discord gateway: add --discord"
            )
        if not (roles.slack or roles.discord or roles.console or roles.worker):
            raise ConfigError(
                "nothing to run: configure Slack (SLACK_*) or Discord (DISCORD_TOKEN), or choose"
                " a role: --slack, --discord, --console or --worker"
            )
        return roles


def measure(services: Services) -> None:
    """Swap in the app that records commands and planning (same database, same clock)."""
    if not isinstance(services.app, MeasuredFollowThrough):
        services.app = MeasuredFollowThrough(
            services.database.uow, services.app.clock, catch_up=services.app.catch_up
        )


def measured(platforms: dict[str, Platform]) -> dict[str, Platform]:
    return {
        name: Platform(MeasuredMessenger(name, p.messenger), p.limiter)
        for name, p in platforms.items()
    }


# -- the pieces ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def slack_listener(
    services: Services, readiness: Readiness
) -> AsyncIterator[tuple[Platform, Any]]:
    """The Slack listener with /healthz, /readyz and /metrics on its HTTP server."""
    from bots.slack.config import SlackConfig
    from bots.slack.server import SlackServer

    class Server(SlackServer):
        # The health routes join Bolt's app on the one HTTP port.
        def web_app(self) -> web.Application:
            app = super().web_app()
            add_routes(app, readiness)
            return app

    server = Server(services.app, SlackConfig.from_settings(services.settings), core=services.core)
    # Registered first: /readyz answers 503 while the socket connects, not "ready".
    readiness.add("slack", server.problem)
    try:
        await server.start()
        yield server.platform(), server
    finally:
        readiness.remove("slack")
        await server.stop()


@contextlib.asynccontextmanager
async def slack_sender(services: Services) -> AsyncIterator[Platform]:
    """Slack's messenger alone (a worker): the Web API, the installations' tokens."""
    from bots.runtime.ratelimit import RateLimiter
    from bots.slack.config import SlackConfig
    from bots.slack.messenger import SlackMessenger
    from bots.slack.oauth import Installations
    from bots.slack.server import PROCESS_RATE, check_tokens

    config = SlackConfig.from_settings(services.settings)
    # A refused bot token stops the worker at start, as it stops the listener.
    await check_tokens(config, socket=False)
    installations = Installations(config)  # OAuth: its stored tokens are encrypted
    messenger = SlackMessenger(services.app, config, installations.bot_token)
    try:
        # The messenger paces each channel and workspace itself, as the listener's does.
        yield Platform(messenger, RateLimiter(rate=PROCESS_RATE))
    finally:
        await messenger.close()
        await installations.close()


def _bot(services: Services, sync: bool) -> Any:
    from bots.discord.client import Bot, Options, point_at

    settings = services.settings
    point_at(settings.discord_api_url, settings.discord_gateway_url)
    options = Options(sync=sync, rate=services.settings.discord_rate)
    return Bot(services.app, options, services.core)


@contextlib.asynccontextmanager
async def discord_sender(services: Services) -> AsyncIterator[Platform]:
    """Discord's messenger over a REST-only login (a worker): no gateway session."""
    from bots.discord import serve as discord_serve
    from bots.discord.client import login

    bot = _bot(services, sync=False)
    await login(bot, services.settings.require_discord())
    metrics.watch_discord_invalid("rest", bot.invalid.recent)
    try:
        yield discord_serve.platform(bot)
    finally:
        metrics.watch_discord_invalid("rest", None)
        await bot.close()


@contextlib.asynccontextmanager
async def discord_gateways(
    services: Services, shards: Shards, readiness: Readiness, ended: asyncio.Event
) -> AsyncIterator[Platform]:
    """One gateway session per shard of `shards` (under the lease), and the platform that
    delivers through the first one's REST client. `ended` is set if a session ends."""
    from bots.discord import serve as discord_serve
    from bots.discord.client import login

    token = services.settings.require_discord()
    bots: list[Any] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        for shard in shards.ids:
            # Shard 0 receives DMs and publishes the command tree: it syncs, once.
            bot = _bot(services, sync=shard == 0)
            if shards.count > 1:
                bot.shard_id, bot.shard_count = shard, shards.count
                bot._connection.shard_count = shards.count  # discord.py reads it at IDENTIFY
            await login(bot, token)
            bots.append(bot)
            task = asyncio.create_task(bot.connect(reconnect=True), name=f"discord-shard-{shard}")
            task.add_done_callback(lambda _: ended.set())
            tasks.append(task)
            label = f"shard {shard}/{shards.count}"
            metrics.watch_discord_invalid(label, bot.invalid.recent)
            readiness.add(f"discord {label}", _gateway_check(bot))
        yield discord_serve.platform(bots[0])
    finally:
        for bot, shard in zip(bots, shards.ids, strict=False):
            label = f"shard {shard}/{shards.count}"
            readiness.remove(f"discord {label}")
            metrics.watch_discord_invalid(label, None)
            await bot.close()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)


def _gateway_check(bot: Any) -> Callable[[], Awaitable[str | None]]:
    async def connected() -> str | None:
        ws = bot.ws
        if bot.is_closed() or ws is None or not ws.open:
            return "gateway not connected"
        if not bot.is_ready():
            return "gateway connected, waiting for READY"
        return None

    return connected


# -- the process ---------------------------------------------------------------------------


async def serve_roles(
    services: Services,
    roles: Roles,
    *,
    started: asyncio.Event | None = None,
    settle_gc: bool = False,
) -> None:
    """Run `roles` until SIGTERM/SIGINT (or a gateway session ending for good).

    `settle_gc`: once started, tune the garbage collector for a long-running process
    (what `followthrough run` does; a test process sharing the interpreter does not)."""
    measure(services)
    settings = services.settings
    readiness = Readiness()
    readiness.add("database", database_check(services.database.engine))
    metrics.watch_outbox(services.app.status)
    ended = asyncio.Event()
    platforms: dict[str, Platform] = {}
    async with contextlib.AsyncExitStack() as stack:
        if roles.console:
            from bots.console import console

            platforms[console.PLATFORM] = console.platform()
        http_served = False
        if roles.slack:
            platform, _ = await stack.enter_async_context(slack_listener(services, readiness))
            platforms["slack"] = platform
            http_served = True
        if roles.discord:
            lease = ShardLease(
                services.database.engine, services.app.clock, roles.shards, services_owner()
            )
            await stack.enter_async_context(holding(lease, ended))
            platforms["discord"] = await stack.enter_async_context(
                discord_gateways(services, roles.shards, readiness, ended)
            )
        if roles.worker:
            if settings.slack_mode() is not None:
                platforms["slack"] = await stack.enter_async_context(slack_sender(services))
            if settings.discord_token:
                platforms["discord"] = await stack.enter_async_context(discord_sender(services))
            if not platforms:
                raise ConfigError(
                    "--worker has nothing to deliver to: configure Slack (SLACK_*) or Discord"
                    " (DISCORD_TOKEN)"
                )
        if not http_served:
            health = HealthServer(readiness, settings.http_host, settings.http_port)
            await health.start()
            stack.push_async_callback(health.stop)
        stack.callback(metrics.watch_outbox, None)
        runner = Runner(services.deliverer(measured(platforms)), tick_seconds=roles.tick_seconds)

        async def watch() -> None:
            await ended.wait()
            if not runner.stopping.is_set():
                log.error("a Discord gateway session or its shard lease ended; stopping")
                runner.stop()

        watcher = asyncio.create_task(watch())
        stack.callback(watcher.cancel)
        log.info("running: %s", ", ".join(sorted(platforms)) or "nothing")
        if settle_gc:
            settle_garbage_collector()
        if started is not None:
            loop = asyncio.get_running_loop()
            loop.call_soon(started.set)
        await runner.run()
        if ended.is_set() and not runner.stopping.is_set():
            raise RuntimeError("a Discord gateway session ended")


def services_owner() -> str:
    from bots.runtime.runner import worker_id

    return worker_id()


def run(settings: Settings, args: argparse.Namespace) -> int:
    """`followthrough run ...`: 0 after SIGTERM; 1 (with the reason) if it can't start."""
    try:
        roles = Roles.from_args(args, settings)
        if roles.slack:
            settings.require_slack()
        if roles.slack or roles.worker:
            # OAuth keeps workspaces' tokens in the database: never unencrypted.
            from bots.slack.secrets import require_key

            require_key(settings)
        if roles.discord:
            settings.require_discord()
    except (ConfigError, ShardRangeError) as error:
        print(f"followthrough run: {error}", file=sys.stderr)
        return 2
    with serve(settings) as services:
        try:
            asyncio.run(serve_roles(services, roles, settle_gc=True))
        except (ConfigError, ShardConflict) as error:
            print(f"followthrough run: {error}", file=sys.stderr)
            return 1
        except Exception as error:
            if refused_token(error):
                print(f"followthrough run: {error}", file=sys.stderr)
                return 1
            if failures.explain(error) is not None:
                raise  # the database, the network, a port: one line from the command
            log.exception("followthrough run stopped on an error")
            print(f"followthrough run: stopped: {error}", file=sys.stderr)
            return 1
    return 0


def refused_token(error: Exception) -> bool:
    """Whether a platform refused its token at start (the message says which, and how to
    get a good one): a restart would be refused again."""
    modules = sys.modules  # a platform never imported raised none of its errors
    discord, slack = modules.get("bots.discord.client"), modules.get("bots.slack.server")
    return (discord is not None and isinstance(error, discord.BadToken)) or (
        slack is not None and isinstance(error, slack.BadToken)
    )

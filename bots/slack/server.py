"""Serving the app: aiohttp on FOLLOWTHROUGH_HTTP_HOST:PORT (POST /slack/events, and
GET /slack/install and /slack/oauth_redirect with OAuth), or Socket Mode with an app
token; both in the event loop the Runner ticks in."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Mapping

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bots.bootstrap import Services
from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from bots.runtime.runner import Runner
from bots.settings import ConfigError
from bots.slack import manifest
from bots.slack.app import create_app
from bots.slack.config import SlackConfig
from bots.slack.people import PLATFORM
from core.services import FollowThrough

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
WATCHDOG_SECONDS = 20.0
# The messenger paces every workspace and channel itself; the runtime's limiter only
# has to hold the routes that answered 429, so its own rate is no constraint.
PROCESS_RATE = 1000.0  # a dead Socket Mode link is replaced within a minute


class SlackServer:
    """The Slack listener and its messenger, started and stopped with the process."""

    def __init__(self, services: FollowThrough, config: SlackConfig) -> None:
        self.config = config
        self.app, self.slack = create_app(services, config)
        self.messenger = self.slack.messenger  # the listener's DMs share its cache
        self.socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self.port = config.http_port

    def platform(self) -> Platform:
        """What the Runner's Deliverer sends Slack messages through."""
        return Platform(self.messenger, RateLimiter(rate=PROCESS_RATE))

    def web_app(self) -> web.Application:
        web_app = self.app.web_app(path=EVENTS_PATH, port=self.config.http_port)
        web_app.router.add_get("/slack/health", self._health)
        return web_app

    async def _health(self, request: web.Request) -> web.Response:
        if self.socket is not None and not await self.socket.client.is_connected():
            return web.Response(status=503, text="socket mode disconnected")
        return web.Response(text="ok")

    async def start(self) -> None:
        self._runner = web.AppRunner(self.web_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.http_host, self.config.http_port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        if self.config.socket_mode:
            assert self.config.app_token is not None
            self.socket = AsyncSocketModeHandler(self.app, self.config.app_token)
            await self.socket.connect_async()  # type: ignore[no-untyped-call]
            self._watchdog = asyncio.create_task(self._watch())
            log.info("slack: socket mode connected; health on port %s", self.port)
        else:
            log.info(
                "slack: listening on %s:%s%s (%s)",
                self.config.http_host,
                self.port,
                EVENTS_PATH,
                self.config.mode,
            )

    async def _watch(self) -> None:
        """Reconnect a Socket Mode link that went quiet (slack-sdk's own reconnect has
        been known to stall after network drops)."""
        assert self.socket is not None
        while True:
            await asyncio.sleep(WATCHDOG_SECONDS)
            try:
                if not await self.socket.client.is_connected():
                    log.warning("slack: socket mode link lost; reconnecting")
                    await self.socket.client.connect_to_new_endpoint(force=True)
            except Exception:
                log.exception("slack: socket mode reconnect failed; retrying")

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        if self.socket is not None:
            await self.socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()
        await self.messenger.close()
        await self.slack.installations.close()


@contextlib.asynccontextmanager
async def listening(services: Services) -> AsyncIterator[SlackServer]:
    """The Slack server of these services, from their settings, until the block ends."""
    server = SlackServer(services.app, SlackConfig.from_settings(services.settings))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def serve(
    services: Services,
    platforms: Mapping[str, Platform],
    *,
    tick_seconds: float = 60,
    discord: bool = False,
) -> None:
    """Slack (and Discord, if asked), the minute tick and delivery, in this one loop."""
    async with listening(services) as server:
        platforms = {**platforms, PLATFORM: server.platform()}
        if discord:
            from bots.discord import serve as discord_serve  # loaded only when asked for

            await discord_serve.serve(services, platforms, tick_seconds=tick_seconds)
            return
        await Runner(services.deliverer(platforms), tick_seconds=tick_seconds).run()


def run(
    services: Services,
    platforms: Mapping[str, Platform],
    *,
    tick_seconds: float = 60,
    discord: bool = False,
) -> int:
    """`followthrough run --slack`: 0 after SIGTERM, 1 if the settings or Slack refuse."""
    try:
        asyncio.run(serve(services, platforms, tick_seconds=tick_seconds, discord=discord))
    except ConfigError as error:
        print(f"followthrough run: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the port is taken, or Socket Mode could not connect
        print(f"followthrough run: Slack could not start: {error}", file=sys.stderr)
        return 1
    return 0


def command(args: argparse.Namespace) -> int:
    """`followthrough slack manifest [--socket] [--url https://...]`."""
    print(manifest.render(socket=args.socket, url=args.url))
    return 0

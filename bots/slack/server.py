"""Serving the app: aiohttp on FOLLOWTHROUGH_HTTP_HOST:PORT (POST /slack/events, and
GET /slack/install and /slack/oauth_redirect with OAuth), or Socket Mode with an app
token; both in the event loop the Runner ticks in (`followthrough run --slack` starts it
through bots/ops/process.py)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from bots.runtime.workers import CoreWorkers, threads_for
from bots.slack import manifest
from bots.slack.app import create_app
from bots.slack.config import SlackConfig
from core.services import FollowThrough

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
WATCHDOG_SECONDS = 20.0  # a dead Socket Mode link is replaced within a minute
# The messenger paces every workspace and channel itself; the runtime's limiter only
# has to hold the routes that answered 429, so its own rate is no constraint.
PROCESS_RATE = 1000.0


class SlackServer:
    """The Slack listener and its messenger, started and stopped with the process."""

    def __init__(
        self,
        services: FollowThrough,
        config: SlackConfig,
        *,
        core: CoreWorkers | None = None,
        watchdog_seconds: float = WATCHDOG_SECONDS,
    ) -> None:
        """`core`: the process's core threads, shared with its other adapters (and closed
        by its owner); else the server has threads of its own."""
        self.config = config
        self.watchdog_seconds = watchdog_seconds
        self._own_core = core is None
        core = core or CoreWorkers(threads_for(config.database_url))
        self.app, self.slack = create_app(services, config, core)
        self.messenger = self.slack.messenger  # the listener's DMs share its cache
        self.socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._stopped = False
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
        # Bolt's per-request clients copy the app client's session: one set of kept-open
        # connections to Slack for the listener and deliveries alike.
        self.app.client.session = self.messenger.session()
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
            await asyncio.sleep(self.watchdog_seconds)
            try:
                if not await self.socket.client.is_connected():
                    log.warning("slack: socket mode link lost; reconnecting")
                    await self.socket.client.connect_to_new_endpoint(force=True)
            except Exception:
                log.exception("slack: socket mode reconnect failed; retrying")

    async def stop(self) -> None:
        """Stop listening, let the listeners already acked finish, then close."""
        if self._stopped:
            return
        self._stopped = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        if self.socket is not None:
            await self.socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()  # no new requests
        await self.slack.in_flight.drain()  # the listeners acked already finish
        if self._own_core:
            await asyncio.to_thread(self.slack.core.close)
        await self.messenger.close()
        await self.slack.installations.close()


def command(args: argparse.Namespace) -> int:
    """`followthrough slack manifest --url https://... [--oauth] | --socket`."""
    print(manifest.render(url=args.url, oauth=args.oauth))
    return 0

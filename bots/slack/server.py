"""Serving the app: aiohttp on FOLLOWTHROUGH_HTTP_HOST:PORT (POST /slack/events, and
GET /slack/install and /slack/oauth_redirect with OAuth), or Socket Mode with an app
token; both in the event loop the Runner ticks in (`followthrough run --slack` mounts the
routes on the process's one HTTP server: bots/slack/plugin.py). The tokens are checked
first (a refused one stops the process), and a request Slack didn't sign, or that Bolt
can't read, is refused before Bolt sees it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from bots.runtime.workers import CoreWorkers, threads_for
from bots.slack import manifest
from bots.slack.app import create_app
from bots.slack.config import SlackConfig
from bots.slack.oauth import Installations, Storage
from bots.slack.people import reason
from core.services import Conversation

log = logging.getLogger(__name__)
CHECKS_LOG = logging.getLogger(f"{__name__}.checks")
CHECKS_LOG.setLevel(logging.WARNING)
EVENTS_PATH = "/slack/events"
WATCHDOG_SECONDS = 20.0  # a dead Socket Mode link is replaced within a minute
# The messenger paces every workspace and channel itself; the runtime's limiter only
# has to hold the routes that answered 429, so its own rate is no constraint.
PROCESS_RATE = 1000.0


# Slack's answers to a token it will never accept (a restart would be refused again).
REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)
BOT_TOKEN_FIX = (
    "copy the Bot User OAuth Token (xoxb-...) again from OAuth & Permissions, or reinstall"
    " the app to the workspace"
)
APP_TOKEN_FIX = (
    "enable Socket Mode and create an app-level token with connections:write (Basic"
    " Information > App-Level Tokens)"
)


class BadToken(Exception):
    """Slack refused SLACK_BOT_TOKEN or SLACK_APP_TOKEN: stop, don't retry."""


class SlackServer:
    """The Slack listener and its messenger, started and stopped with the process."""

    def __init__(
        self,
        services: Conversation,
        config: SlackConfig,
        storage: Storage,
        *,
        core: CoreWorkers | None = None,
        watchdog_seconds: float = WATCHDOG_SECONDS,
    ) -> None:
        """`storage`: what Slack keeps in our database (its installations and install
        states), closed with the server. `core`: the process's core threads, shared with
        its other adapters (and closed by its owner); else the server has threads of its own."""
        self.config = config
        self.watchdog_seconds = watchdog_seconds
        self._own_core = core is None
        core = core or CoreWorkers(threads_for(config.database_url))
        installations = Installations(config, storage, services.clock.now)
        self.app, self.slack = create_app(services, config, core, installations)
        self.messenger = self.slack.messenger  # the listener's DMs share its cache
        self.socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._stopped = False
        self.port = config.http_port

    def platform(self) -> Platform:
        """What the Runner's Deliverer sends Slack messages through."""
        return Platform(self.messenger, RateLimiter(rate=PROCESS_RATE))

    def mount(self, web_app: web.Application) -> None:
        """Add Bolt's routes (and /slack/health) to `web_app`, before it serves: requests
        to them are screened first."""
        bolt = self.app.web_app(path=EVENTS_PATH, port=self.config.http_port)
        for route in bolt.router.routes():
            assert route.resource is not None  # Bolt's routes are plain paths
            web_app.router.add_route(route.method, route.resource.canonical, route.handler)
        web_app.middlewares.append(screen(self.config.signing_secret))
        web_app.router.add_get("/slack/health", self._health)

    def web_app(self) -> web.Application:
        """An HTTP application of its own, with the routes mounted."""
        web_app = web.Application()
        self.mount(web_app)
        return web_app

    async def problem(self) -> str | None:
        """Why the listener can't take work (None: it can). In Socket Mode, until the
        socket is connected: from the start, and whenever the link is down."""
        if self.config.socket_mode and (
            self.socket is None or not await self.socket.client.is_connected()
        ):
            return "socket mode not connected"
        return None

    async def _health(self, request: web.Request) -> web.Response:
        problem = await self.problem()
        return (
            web.Response(text="ok") if problem is None else web.Response(status=503, text=problem)
        )

    async def start(self, listen: Callable[[], Awaitable[None]] | None = None) -> None:
        """Check the tokens, listen, and in Socket Mode connect; a refused token raises
        BadToken. Whatever started is stopped again if starting fails.

        `listen`: start the server this was `mount`ed on (the process's); None: serve an
        HTTP application of its own."""
        try:
            await self._start(listen)
        except BaseException:
            await self.stop()
            raise

    async def _start(self, listen: Callable[[], Awaitable[None]] | None) -> None:
        # Bolt's per-request clients copy the app client's session: one set of kept-open
        # connections to Slack for the listener and deliveries alike.
        self.app.client.session = self.messenger.session()
        socket_url = await check_tokens(self.config, session=self.app.client.session)
        if listen is not None:
            await listen()
        else:
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
            # The URL the token check opened: apps.connections.open is Tier 1, and an
            # unused URL would only expire.
            self.socket.client.wss_uri = socket_url
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
            except (SlackApiError, aiohttp.ClientError, OSError) as error:
                # Slack refusing or out of reach: expected while it lasts, one line each.
                log.warning("slack: socket mode reconnect failed (%s); retrying", reason(error))
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
            await self._runner.cleanup()  # no new requests (a mounted server's owner stops it)
        await self.slack.in_flight.drain()  # the listeners acked already finish
        if self._own_core:
            await asyncio.to_thread(self.slack.core.close)
        await self.messenger.close()
        await self.slack.installations.close()


async def check_tokens(
    config: SlackConfig, *, socket: bool = True, session: aiohttp.ClientSession | None = None
) -> str | None:
    """auth.test for the bot token (one workspace; OAuth's come with each install), and
    in Socket Mode (`socket`) apps.connections.open for the app token: its socket URL.
    A refused token raises BadToken; Slack out of reach, the network's error."""
    # Quieter than the app's client: if Slack can't be reached, the one line the operator
    # reads says so, without slack-sdk's notes about retrying before it.
    client = AsyncWebClient(
        base_url=config.api_url,
        session=session,
        logger=CHECKS_LOG,
        retry_handlers=[AsyncConnectionErrorRetryHandler()],
    )
    try:
        if config.bot_token is not None:
            await client.auth_test(token=config.bot_token)
    except SlackApiError as error:
        raise _refused(error, "SLACK_BOT_TOKEN", BOT_TOKEN_FIX) from None
    if not socket or config.app_token is None:
        return None
    try:
        answer = await client.apps_connections_open(app_token=config.app_token)
    except SlackApiError as error:
        raise _refused(error, "SLACK_APP_TOKEN", APP_TOKEN_FIX) from None
    return str(answer["url"])


# -- what reaches Bolt ---------------------------------------------------------------------

SIGNATURE_SECONDS = 60 * 5  # Slack's window, as Bolt's own check has it


def screen(signing_secret: str | None) -> Middleware:
    """Refuse a request to /slack/events that Slack didn't sign (401) or that isn't a
    request Bolt can read (400) before Bolt sees it: Bolt parses the body before checking
    the signature, and answers 500 with a traceback to a body it can't parse."""

    @web.middleware
    async def screened(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != EVENTS_PATH:
            return await handler(request)
        body = await request.read()  # aiohttp keeps it for Bolt to read again
        headers = request.headers
        if not signed(
            signing_secret,
            body,
            headers.get("X-Slack-Request-Timestamp", ""),
            headers.get("X-Slack-Signature", ""),
        ):
            # No signing secret (Socket Mode): nothing that comes over HTTP is Slack's.
            log.info("slack: refused a request without a valid signature")
            return web.json_response({"error": "invalid request"}, status=401)
        problem = unreadable(body, request)
        if problem is not None:  # Bolt would have answered 500, with a traceback
            log.info("slack: refused a signed request Bolt can't read (%s)", problem)
            return web.json_response({"error": "malformed request"}, status=400)
        return await handler(request)

    return screened


def unreadable(body: bytes, request: web.Request) -> str | None:
    """Why Bolt can't read this request (None: it can): it builds its request (parses
    the body, reads ids out of it) before any of our code or its own checks run."""
    try:
        parsed = AsyncBoltRequest(
            body=body.decode("utf-8"),
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]  # as Bolt's adapter passes them
        ).body
    except Exception as error:
        return type(error).__name__
    return None if isinstance(parsed, dict) else "not a JSON object"


def signed(secret: str | None, body: bytes, timestamp: str, signature: str) -> bool:
    """Whether Slack signed `body`: `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the
    signing secret, within 5 minutes of now. Not slack_sdk's SignatureVerifier: it raises
    on exactly the requests this screens (int() of a non-numeric timestamp, decoding a
    body that isn't UTF-8, comparing a non-ASCII signature) instead of answering False."""
    if not secret or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(time.time() - int(timestamp)) > SIGNATURE_SECONDS or not signature.isascii():
        return False
    message = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _refused(error: SlackApiError, name: str, fix: str) -> Exception:
    """BadToken if Slack refused the token; else the error itself (Slack is down...)."""
    code = error.response.get("error")
    if code in REFUSED:
        return BadToken(f"Slack refused {name} ({code}): {fix}, and start again")
    return error


def command(args: argparse.Namespace) -> int:
    """`followthrough slack manifest --url https://... [--oauth] | --socket`."""
    print(manifest.render(url=args.url, oauth=args.oauth))
    return 0

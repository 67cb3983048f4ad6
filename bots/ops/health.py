"""GET /healthz, /readyz and /metrics: what every process serves, whatever its role.

`/healthz` answers 200 while the event loop runs. `/readyz` answers 200 only when every
readiness check passes (the database reachable at the newest migration, plus whatever
the platforms registered: a socket connected, a gateway connected), 503 with one reason
a line otherwise. `/metrics` is the registry of bots/ops/metrics.py.

The three routes are the start of the process's one HTTP application (`HttpServer`), on
which the members' calendar feeds (bots/ops/feeds.py) and the platforms that take HTTP
requests mount their own routes before it listens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bots.ops import metrics
from core.storage import schema

log = logging.getLogger(__name__)

# A reason string when not ready, None when ready.
Check = Callable[[], Awaitable[str | None]]
CHECK_SECONDS = 5.0  # a probe must answer before the orchestrator's own timeout
READINESS: web.AppKey[Readiness] = web.AppKey("followthrough_readiness")


class Readiness:
    """Named checks that must all pass for the process to take work."""

    def __init__(self, timeout: float = CHECK_SECONDS) -> None:
        self.timeout = timeout
        self._checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        """Register (or replace) the check `name`: an adapter's "connected?" question."""
        self._checks[name] = check

    def remove(self, name: str) -> None:
        self._checks.pop(name, None)

    @property
    def names(self) -> list[str]:
        return list(self._checks)

    async def problems(self) -> list[str]:
        """Why the process is not ready, one reason per failing check (empty: ready)."""
        checks = list(self._checks.items())
        results = await asyncio.gather(*(self._run(name, check) for name, check in checks))
        return [reason for reason in results if reason is not None]

    async def _run(self, name: str, check: Check) -> str | None:
        try:
            reason = await asyncio.wait_for(check(), self.timeout)
        except TimeoutError:
            return f"{name}: no answer within {self.timeout:g} s"
        except Exception as error:
            return f"{name}: {schema.short(error)}"
        return None if reason is None else f"{name}: {reason}"


def database_check(engine: schema.Engine) -> Check:
    """The readiness check of the process's database: reachable, at the newest migration."""
    head = schema.head()

    async def check() -> str | None:
        return await asyncio.to_thread(schema.problem, engine, head)

    return check


# -- the routes ----------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def readyz(request: web.Request) -> web.Response:
    problems = await request.app[READINESS].problems()
    if problems:
        return web.Response(status=503, text="".join(f"{p}\n" for p in problems))
    return web.Response(text="ready\n")


async def metrics_page(request: web.Request) -> web.Response:
    body = await asyncio.to_thread(metrics.exposition)  # the outbox gauges read the database
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def application(readiness: Readiness) -> web.Application:
    """An aiohttp application with /healthz, /readyz and /metrics."""
    app = web.Application()
    app[READINESS] = readiness
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
    return app


class HttpServer:
    """The process's one HTTP server: the three routes, and whatever platforms mount on
    `app` before it starts (its routes are fixed from then on)."""

    def __init__(self, readiness: Readiness, host: str, port: int) -> None:
        self.readiness, self.host, self.port = readiness, host, port
        self.app = application(readiness)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen (once: a second call does nothing)."""
        if self._runner is not None:
            return
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        for address in runner.addresses:  # the real port when asked for port 0
            self.port = int(address[1])
            break
        log.info("HTTP on http://%s:%s (/healthz, /readyz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        """Stop accepting requests (again: nothing)."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

"""GET /healthz, /readyz and /metrics: what every process serves, whatever its role.

`/healthz` answers 200 while the event loop runs. `/readyz` answers 200 only when every
readiness check passes (the database reachable at the newest migration, plus whatever
the adapters registered: Socket Mode connected, the gateway connected), 503 with one
reason a line otherwise. `/metrics` is the registry of bots/ops/metrics.py.

The routes go into the Slack listener's aiohttp app when Slack serves HTTP in this
process (`add_routes`), or into a small server of their own (`HealthServer`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from alembic.config import Config
from alembic.script import ScriptDirectory
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from bots.ops import metrics
from core.storage.database import MIGRATIONS

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
            return f"{name}: {_short(error)}"
        return None if reason is None else f"{name}: {reason}"


def schema_head() -> str | None:
    """The newest migration of this release (read from the files, no database needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def schema_problem(engine: Engine, head: str | None) -> str | None:
    """None when the database answers at migration `head`; the reason otherwise.

    Blocking: run it in a thread.
    """
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return "the schema is empty: run `followthrough db upgrade`"
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as error:
        return f"unreachable ({_short(error)})"
    if current != head:
        return (
            f"the schema is at migration {current}, this release needs {head}: run"
            " `followthrough db upgrade`"
        )
    return None


def database_check(engine: Engine) -> Check:
    """The readiness check of the process's database: reachable, at the newest migration."""
    head = schema_head()

    async def check() -> str | None:
        return await asyncio.to_thread(schema_problem, engine, head)

    return check


def _short(error: BaseException) -> str:
    """One line about an error, without the SQL or parameters SQLAlchemy appends."""
    original = getattr(error, "orig", None) or error
    first = str(original).strip().splitlines()[0] if str(original).strip() else ""
    name = type(original).__name__
    return f"{name}: {first[:200]}" if first else name


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


def add_routes(app: web.Application, readiness: Readiness) -> None:
    """Add /healthz, /readyz and /metrics to `app` (e.g. the Slack listener's)."""
    app[READINESS] = readiness
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)


def application(readiness: Readiness) -> web.Application:
    app = web.Application()
    add_routes(app, readiness)
    return app


class HealthServer:
    """The three routes on their own aiohttp server (no Slack HTTP in this process)."""

    def __init__(self, readiness: Readiness, host: str, port: int) -> None:
        self.readiness, self.host, self.port = readiness, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(application(self.readiness), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        for address in self._runner.addresses:  # the real port when asked for port 0
            self.port = int(address[1])
            break
        log.info("health and metrics on http://%s:%s/healthz", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

"""The composition root: settings in, wired services out, closed by whoever built them.

Nothing connects at import. `build` returns `Services` (the measured app over the
database), a context manager: leaving it releases the outbox claims of the deliverers
it made and disposes of the engine. `platforms` starts what one process serves from the
registry of platforms (bots/platforms.py): each listener and sender asked for, beside
the process's one HTTP application (/healthz, /readyz, /metrics, and the routes of the
platforms that take HTTP requests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bots.ops import metrics
from bots.ops.metrics import MeasuredMessenger, measured_app
from bots.platforms import Host, configurable, either, registry
from bots.runtime.delivery import Deliverer, Platform
from bots.runtime.lock import single_process, sqlite_path
from bots.runtime.runner import worker_id
from bots.runtime.workers import CoreWorkers, batches_for, threads_for
from bots.settings import ConfigError, Settings
from core.services.app import FollowThrough
from core.services.ports import Clock, SystemClock
from core.storage import schema
from core.storage.database import Database, is_current, make_engine, upgrade

log = logging.getLogger(__name__)


class SchemaOutdated(Exception):
    pass


@dataclass
class Services:
    """What one process runs on: the settings, the database and the app over it."""

    settings: Settings
    database: Database
    app: FollowThrough
    _workers: list[str] = field(default_factory=list, init=False)
    _closed: bool = field(default=False, init=False)
    # The threads the adapters' calls into the core run on, shared by all of this
    # process's adapters (SQLite: one, its one writer).
    core: CoreWorkers = field(init=False)

    def __post_init__(self) -> None:
        url = self.settings.database_url
        self.core = CoreWorkers(threads_for(url), together=batches_for(url, self.database))

    def deliverer(
        self, platforms: Mapping[str, Platform], worker: str | None = None, **options: Any
    ) -> Deliverer:
        """A Deliverer over this app; its claims are released when the services close."""
        deliverer = Deliverer(self.app.outbox, platforms, worker or worker_id(), **options)
        self._workers.append(deliverer.worker)
        return deliverer

    def close(self) -> None:
        """Give back what this process's deliverers still hold, then disconnect."""
        if self._closed:
            return
        self._closed = True
        try:
            for worker in self._workers:
                self.app.outbox.release(worker=worker)
        except Exception:  # the database may be what failed: still disconnect
            log.exception("could not release the outbox claims of %s", self._workers)
        finally:
            self.core.close()
            self.database.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def build(
    settings: Settings, clock: Clock | None = None, *, migrate: bool | None = None
) -> Services:
    """Connect to the settings' database, bring or check its schema, and wire the services.

    `migrate=None`, what the `followthrough` command uses: SQLite is migrated on start;
    PostgreSQL, shared by several processes, is migrated once per release by the operator
    (`followthrough db upgrade`), and a process refuses an outdated schema. `True` always
    migrates (`db upgrade`, tests); `False` neither migrates nor checks.
    """
    clock = clock or SystemClock()
    url = settings.database_url
    sqlite = url.startswith("sqlite")
    make_sqlite_folder(url)
    engine = make_engine(url)
    try:
        if migrate or (migrate is None and sqlite):
            upgrade(engine)
        elif migrate is None and not is_current(engine):
            raise SchemaOutdated(
                "the database schema is not at the newest migration: run"
                " `followthrough db upgrade` (once, with this release) and start again"
            )
    except BaseException:
        engine.dispose()
        raise
    database = Database(engine, clock)
    # The app that records each command and planning pass for /metrics.
    app = measured_app(database.uow, clock, public_url=settings.public_url)
    return Services(settings, database, app)


@contextmanager
def serve(settings: Settings, clock: Clock | None = None) -> Iterator[Services]:
    """The services of a long-running process: on SQLite, the only process on that file."""
    make_sqlite_folder(settings.database_url)  # the lock file goes beside the database
    with single_process(settings.database_url), build(settings, clock) as services:
        # The database's own error now if it takes no writes (a read-only SQLite file, a
        # PostgreSQL replica), instead of at the first command or tick.
        schema.check_writable(services.database.engine)
        yield services


def make_sqlite_folder(database_url: str) -> None:
    """Create the folder of a SQLite database file, so that a first start just works."""
    path = sqlite_path(database_url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@contextlib.asynccontextmanager
async def platforms(
    services: Services,
    listeners: Mapping[str, Any],
    *,
    worker: bool = False,
    ended: asyncio.Event | None = None,
) -> AsyncIterator[dict[str, Platform]]:
    """What this process delivers through, by platform, once started: the listener of
        each platform in `listeners` (name -> its run options) and, for a `worker`, the
        sender of every platform the settings configure. The process's HTTP server answers
        /healthz, /readyz and /metrics, the members' calendar feeds (bots/ops/feeds.py) and the
    HTTP platforms' routes meanwhile.

        `ended` is set if a platform's session ends for good. Leaving stops the HTTP server
        first (no new requests), then each platform in the reverse order of its start."""
    # Here, not at the top: the one-shot commands never load the HTTP server.
    from bots.ops import feeds
    from bots.ops.health import HttpServer, Readiness, database_check

    settings = services.settings
    readiness = Readiness()
    readiness.add("database", database_check(services.database.engine))
    http = HttpServer(readiness, settings.http_host, settings.http_port)
    feeds.mount(http.app, services.app.calendars, services.core)  # members' calendar feeds
    host = Host(services, readiness, http.app, ended or asyncio.Event(), http.start)
    metrics.watch_outbox(services.app.outbox.status)
    started: dict[str, Platform] = {}
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(metrics.watch_outbox, None)
        stack.push_async_callback(http.stop)  # a platform may start it, and then fail
        for plugin in registry():
            if plugin.name in listeners:
                listener = plugin.listener(host, listeners[plugin.name])
                started[plugin.name] = await stack.enter_async_context(listener)
            elif worker and plugin.name in configured(settings):
                sender = plugin.sender(host)
                if sender is not None:
                    started[plugin.name] = await stack.enter_async_context(sender)
        if worker and not started:
            names = [f"{p.title} ({p.needs})" for p in configurable()]
            raise ConfigError(f"--worker has nothing to deliver to: configure {either(names)}")
        await http.start()  # if no platform started it to mount its routes on
        stack.push_async_callback(http.stop)  # the first thing stopped: no new requests
        yield measured(started)


def measured(platforms: Mapping[str, Platform]) -> dict[str, Platform]:
    """Each platform's messenger wrapped to count its sends by outcome."""
    return {
        name: Platform(MeasuredMessenger(name, platform.messenger), platform.limiter)
        for name, platform in platforms.items()
    }


def configured(settings: Settings) -> list[str]:
    """The names of the platforms `settings` set up, in the registry's order."""
    return [
        plugin.name
        for plugin in registry()
        if plugin.name in settings.platforms and settings.platforms[plugin.name].configured()
    ]

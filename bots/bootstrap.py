"""The composition root: settings in, wired services out, closed by whoever built them.

Nothing connects at import. `build` returns `Services`, a context manager: leaving it
releases the outbox claims of the deliverers it made and disposes of the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, text

from bots.runtime.delivery import Deliverer, Platform
from bots.runtime.lock import single_process, sqlite_path
from bots.runtime.runner import worker_id
from bots.runtime.workers import CoreWorkers, threads_for
from bots.settings import Settings
from core.services.app import FollowThrough
from core.services.ports import Clock, SystemClock
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
        self.core = CoreWorkers(threads_for(self.settings.database_url))

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
    return Services(settings, database, FollowThrough(database.uow, clock))


@contextmanager
def serve(settings: Settings, clock: Clock | None = None) -> Iterator[Services]:
    """The services of a long-running process: on SQLite, the only process on that file."""
    make_sqlite_folder(settings.database_url)  # the lock file goes beside the database
    with single_process(settings.database_url), build(settings, clock) as services:
        check_writable(services.database.engine)
        yield services


def check_writable(engine: Engine) -> None:
    """Raise the database's own error now if it takes no writes (a read-only SQLite file,
    a PostgreSQL replica), instead of at the first command or tick."""
    with engine.connect() as connection, connection.begin() as transaction:
        # Changes nothing, and is rolled back: it only has to be allowed.
        connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        transaction.rollback()


def make_sqlite_folder(database_url: str) -> None:
    """Create the folder of a SQLite database file, so that a first start just works."""
    path = sqlite_path(database_url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)

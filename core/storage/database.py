"""Engines, migrations and the unit of work: the core's door to the database (schema.py
checks the schema for the operator's tools, leases.py keeps the processes' leases,
platforms/ holds each platform's own tables)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import StaticPool

from core.services.ports import (
    ActivityRepository,
    AppliedKeys,
    CalendarRepository,
    Clock,
    Conflict,
    EventRepository,
    GroupRepository,
    ImportRepository,
    InsightRepository,
    LeadRepository,
    LinkRepository,
    MemberRepository,
    Outbox,
)
from core.storage.activities import SqlActivities
from core.storage.applied import SqlApplied
from core.storage.calendars import SqlCalendars
from core.storage.events import SqlEvents
from core.storage.imports import SqlImports
from core.storage.insights import SqlInsights
from core.storage.leases import SqlLeases
from core.storage.links import SqlLinks
from core.storage.outbox import SqlOutbox
from core.storage.repositories import SqlGroups, SqlLeads, SqlMembers

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys and, in memory, one shared connection."""
    options: dict[str, Any] = {}
    if url.startswith("sqlite") and (
        ":memory:" in url or url in ("sqlite://", "sqlite+pysqlite://")
    ):
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (what `followthrough db upgrade` runs)."""
    command.upgrade(alembic_config(engine), "head")


def is_current(engine: Engine) -> bool:
    """Whether the database's schema is at the newest migration."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return False
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


class Batch:
    """One transaction shared by the units of work a thread opens while it lasts (see
    `Database.together`), begun by the first of them: a batch that touches no table
    costs nothing."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None
        self._sqlite: Any = None  # the SQLite connection, and its changes when it began
        self._changes_before = 0

    def session(self) -> Session:
        if self._session is None:
            session = self._sessions()
            try:
                connection = session.connection()
                if connection.dialect.name == "sqlite":
                    # The write lock from the start, as one writer: pysqlite would begin
                    # only at the first write (a savepoint before it would be a
                    # transaction of its own, committed by its release), and a read's
                    # snapshot taken before another connection writes could not be turned
                    # into a write.
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                    self._sqlite = connection.connection.dbapi_connection
                    self._changes_before = self._sqlite.total_changes
            except BaseException:  # the lock not had in time: the next unit of work retries
                session.close()
                raise
            self._session = session
        return self._session

    def changed(self) -> bool:
        """Whether anything was written in it so far, kept or rolled back (on PostgreSQL,
        whether it was used at all)."""
        if self._session is None:
            return False
        if self._sqlite is None:
            return True
        return bool(self._sqlite.total_changes != self._changes_before)

    def commit(self) -> None:
        """Make everything the units of work kept durable, in one commit."""
        if self._session is not None:
            self._session.commit()

    def close(self) -> None:
        if self._session is not None:
            self._session.rollback()  # what was not committed
            self._session.close()
            self._session = None


class SqlUnitOfWork:
    """One transaction: `with uow: ...; uow.commit()`. Leaving without commit rolls back.

    Inside a `Batch`, one savepoint of its transaction instead: a commit keeps what it
    did in the shared transaction (durable once that commits), leaving without one rolls
    back to the savepoint, so what it did alone is undone and the others' work stays."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, batch: Batch | None = None
    ) -> None:
        self._sessions, self._clock, self._batch = sessions, clock, batch
        self._savepoint: SessionTransaction | None = None

    def __enter__(self) -> Self:
        if self._batch is not None:
            self.session = self._batch.session()
            self._savepoint = self.session.begin_nested()
        else:
            self.session = self._sessions()
        now = self._clock.now()
        self.groups: GroupRepository = SqlGroups(self.session, now)
        self.members: MemberRepository = SqlMembers(self.session, now)
        self.leads: LeadRepository = SqlLeads(self.session, now)
        self.events: EventRepository = SqlEvents(self.session)
        self.activities: ActivityRepository = SqlActivities(self.session)
        self.insights: InsightRepository = SqlInsights(self.session)
        self.calendars: CalendarRepository = SqlCalendars(self.session)
        self.imports: ImportRepository = SqlImports(self.session)
        self.links: LinkRepository = SqlLinks(self.session)
        self.outbox: Outbox = SqlOutbox(self.session)
        self.applied: AppliedKeys = SqlApplied(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._savepoint is not None:
            self._undo()
            self._savepoint = None
            return
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        try:
            if self._savepoint is None:
                self.session.commit()
            else:
                self._savepoint.commit()
                self._savepoint = self.session.begin_nested()  # for what may follow
        except IntegrityError as error:
            self.rollback()
            raise Conflict(str(error.orig)) from error

    def rollback(self) -> None:
        if self._savepoint is None:
            self.session.rollback()
        else:
            self._undo()
            self._savepoint = self.session.begin_nested()

    def _undo(self) -> None:
        """Back to this unit of work's savepoint, unless it is gone already."""
        if self.session.get_nested_transaction() is self._savepoint:
            assert self._savepoint is not None
            self._savepoint.rollback()


class Database:
    """An engine, the units of work over it, and the processes' leases."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.leases = SqlLeases(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock
        self._local = threading.local()  # this thread's Batch, while one lasts

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._clock, getattr(self._local, "batch", None))

    @contextmanager
    def together(self) -> Iterator[Batch]:
        """One transaction for every unit of work this thread opens until the block
        ends, each a savepoint of it; `commit()` on what the block gets commits them all
        at once (one fsync for many commands). Leaving without it rolls everything back."""
        batch = Batch(self._sessions)
        self._local.batch = batch
        try:
            yield batch
        finally:
            self._local.batch = None
            batch.close()

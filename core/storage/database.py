"""Engines, migrations and the unit of work: the core's door to the database (schema.py
checks the schema for the operator's tools, leases.py keeps the processes' leases,
platforms/ holds each platform's own tables)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
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
    LeadRepository,
    MemberRepository,
    Outbox,
)
from core.storage.activities import SqlActivities
from core.storage.applied import SqlApplied
from core.storage.calendars import SqlCalendars
from core.storage.events import SqlEvents
from core.storage.imports import SqlImports
from core.storage.leases import SqlLeases
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


class SqlUnitOfWork:
    """One transaction: `with uow: ...; uow.commit()`. Leaving without commit rolls back."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    def __enter__(self) -> Self:
        self.session = self._sessions()
        now = self._clock.now()
        self.groups: GroupRepository = SqlGroups(self.session, now)
        self.members: MemberRepository = SqlMembers(self.session, now)
        self.leads: LeadRepository = SqlLeads(self.session, now)
        self.events: EventRepository = SqlEvents(self.session)
        self.activities: ActivityRepository = SqlActivities(self.session)
        self.calendars: CalendarRepository = SqlCalendars(self.session)
        self.imports: ImportRepository = SqlImports(self.session)
        self.outbox: Outbox = SqlOutbox(self.session)
        self.applied: AppliedKeys = SqlApplied(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(str(error.orig)) from error

    def rollback(self) -> None:
        self.session.rollback()


class Database:
    """An engine, the units of work over it, and the processes' leases."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.leases = SqlLeases(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._clock)

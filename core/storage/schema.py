"""What operations ask of the database without touching SQLAlchemy themselves: is a URL
one we can use, is the schema current, may this user write, which groups have which
channel, and is an error the database's.

The settings, `followthrough doctor`, the readiness check, the one-line failures and the
composition root call these; nothing under bots/ imports SQLAlchemy or Alembic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine as Engine  # what callers hold, without importing SQLAlchemy
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from core.storage.database import MIGRATIONS
from core.storage.tables import GroupRow

DatabaseError = SQLAlchemyError  # any error of the database or its driver

# SQLSTATEs of a database that answers but won't let this user write.
_READ_ONLY_STATES = {"25006", "42501"}  # read_only_sql_transaction, insufficient_privilege
CONNECT_SECONDS = 5  # doctor's patience with a PostgreSQL server that doesn't answer


# -- URLs ----------------------------------------------------------------------------------


def url_problem(url: str) -> str | None:
    """None for a URL of a database we have a dialect for; "unknown" for a database
    SQLAlchemy doesn't know; "invalid" for text that is no database URL."""
    try:
        make_url(url).get_dialect()
    except NoSuchModuleError:
        return "unknown"
    except (ArgumentError, ValueError):
        return "invalid"
    return None


def url_password(url: str) -> str | None:
    """The password in a database URL, if it has one."""
    password = make_url(url).password
    return str(password) if password else None


def backend(url: str) -> str:
    """The database's kind in `url`: "sqlite", "postgresql", ..."""
    return make_url(url).get_backend_name()


def shown(url: str) -> str:
    """`url` as an operator may read it: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


# -- the schema ------------------------------------------------------------------------------


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head() -> str | None:
    """The newest migration of this release (read from the files, no database needed)."""
    return _script().get_current_head()


def known(revision: str) -> bool:
    """Whether `revision` is one of this release's migrations."""
    try:
        return _script().get_revision(revision) is not None
    except Exception:
        return False


def _current(engine: Engine) -> tuple[bool, str | None]:
    """(whether there is a version table, the revision in it)."""
    with engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return False, None
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return True, None if version is None else str(version)


def problem(engine: Engine, newest: str | None) -> str | None:
    """None when the database answers at migration `newest`; the reason otherwise.

    Blocking: run it in a thread.
    """
    try:
        versioned, current = _current(engine)
    except DatabaseError as error:
        return f"unreachable ({short(error)})"
    if not versioned:
        return "the schema is empty: run `followthrough db upgrade`"
    if current != newest:
        return (
            f"the schema is at migration {current}, this release needs {newest}: run"
            " `followthrough db upgrade`"
        )
    return None


@dataclass(frozen=True, slots=True)
class Probe:
    """What `followthrough doctor` found when it connected: the engine to ask further
    questions with (None if it couldn't connect), or the first line of why not."""

    engine: Engine | None
    current: str | None = None
    error: str | None = None


def probe(url: str) -> Probe:
    """Connect to `url` (a PostgreSQL server gets CONNECT_SECONDS to answer) and read the
    schema's migration. The caller disposes of the engine."""
    options: dict[str, Any] = {}
    if backend(url) == "postgresql":
        options["connect_args"] = {"connect_timeout": CONNECT_SECONDS}
    engine = create_engine(url, **options)
    try:
        _, current = _current(engine)
    except DatabaseError as error:
        engine.dispose()
        return Probe(None, error=first_line(error))
    return Probe(engine, current)


def check_writable(engine: Engine) -> None:
    """Raise the database's own error now if it takes no writes (a read-only SQLite file,
    a PostgreSQL replica), instead of at the first command or tick."""
    with engine.connect() as connection, connection.begin() as transaction:
        # Changes nothing, and is rolled back: it only has to be allowed.
        connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
        transaction.rollback()


def group_channels(engine: Engine, platform: str) -> list[tuple[str, str | None]]:
    """(workspace or guild id, channel) of every group on `platform`."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(GroupRow.external_id, GroupRow.channel)
            .where(GroupRow.platform == platform)
            .order_by(GroupRow.external_id)
        )
        return [(str(group), channel) for group, channel in rows]


# -- errors ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unusable:
    """A database that failed in a way an operator fixes: down, or not writable."""

    cause: BaseException  # the driver's own error
    read_only: bool  # it answered, but won't let this user write


def unusable(error: BaseException) -> Unusable | None:
    """What an operator should hear about `error` if it is the database being down or
    read-only; None for any other error (a bug keeps its traceback)."""
    if not isinstance(error, DBAPIError):
        return None
    state = _state(error)
    if not (isinstance(error, OperationalError) or state in _READ_ONLY_STATES):
        return None
    return Unusable(error.orig if error.orig is not None else error, state in _READ_ONLY_STATES)


def _state(error: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error (psycopg calls it `sqlstate`, others `pgcode`)."""
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state if isinstance(state, str) else None


def first_line(error: BaseException) -> str:
    """The first line of the driver's text for `error`, without the SQL and parameters
    SQLAlchemy appends ("" if it says nothing)."""
    original = getattr(error, "orig", None) or error
    words = str(original).strip()
    return words.splitlines()[0][:160] if words else ""


def short(error: BaseException) -> str:
    """One line about an error: the driver error's type and first line."""
    original = getattr(error, "orig", None) or error
    words = str(original).strip()
    first = words.splitlines()[0][:200] if words else ""
    name = type(original).__name__
    return f"{name}: {first}" if first else name

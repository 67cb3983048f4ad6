"""The composition root: settings in, a wired FollowThrough out. Nothing connects at import."""

from __future__ import annotations

from pathlib import Path

from core.services.app import FollowThrough
from core.services.ports import Clock
from core.storage.database import Database, is_current, make_engine, upgrade


class SchemaOutdated(Exception):
    pass


def build(database_url: str, clock: Clock, *, migrate: bool | None = True) -> FollowThrough:
    """Connect to `database_url`, bring or check its schema, and wire the services.

    `migrate=None` is what the `followthrough` command uses: SQLite is migrated on start;
    PostgreSQL, shared by several processes, is migrated once per release by the
    operator (`followthrough db upgrade`), and a process refuses an outdated schema.
    """
    sqlite = database_url.startswith("sqlite")
    if sqlite and database_url.startswith("sqlite:///") and ":memory:" not in database_url:
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    if migrate or (migrate is None and sqlite):
        upgrade(engine)
    elif migrate is None and not is_current(engine):
        engine.dispose()
        raise SchemaOutdated(
            "the database schema is not at the newest migration: run"
            " `followthrough db upgrade` (once, with this release) and start again"
        )
    database = Database(engine, clock)
    return FollowThrough(database.uow, clock)

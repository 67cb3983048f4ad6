"""The composition root: settings in, a wired FollowThrough out. Nothing connects at import."""

from __future__ import annotations

from pathlib import Path

from core.services.app import FollowThrough
from core.services.ports import Clock
from core.storage.database import Database, make_engine, upgrade


def build(database_url: str, clock: Clock, *, migrate: bool = True) -> FollowThrough:
    """Connect to `database_url`, bring its schema up to date, and wire the services.

    SQLite databases are migrated on start; PostgreSQL ones too unless `migrate` is False
    (operators may prefer `followthrough db upgrade` as a release step).
    """
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:///:memory:"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    if migrate:
        upgrade(engine)
    database = Database(engine, clock)
    return FollowThrough(database.uow, clock)

"""Keys of requests applied once: a command's, written in the command's own transaction,
and a platform's events that run no command (kept as long: pruned as new keys come)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.storage.tables import AppliedKeyRow

KEPT = timedelta(days=30)  # a press older than a month is not pressed again by accident


class SqlApplied:
    def __init__(self, session: Session) -> None:
        self._s = session

    def first(self, key: str, now: datetime) -> bool:
        """Record `key`; False if it was recorded before (by this or any process).

        On PostgreSQL a second transaction with the same key waits for the first and then
        finds it: a press that reaches two processes at once is applied by one of them."""
        bind = self._s.get_bind()
        insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(AppliedKeyRow)
            .values(key=key, at=now)
            .on_conflict_do_nothing()
            .returning(AppliedKeyRow.key)  # no row back: the key was there already
        )
        inserted = self._s.execute(statement).scalar() is not None
        if inserted:
            self._s.execute(delete(AppliedKeyRow).where(AppliedKeyRow.at < now - KEPT))
        return inserted

    def forget(self, key: str) -> None:
        self._s.execute(delete(AppliedKeyRow).where(AppliedKeyRow.key == key))

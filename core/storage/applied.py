"""Keys of requests applied once: a command's, written in the command's own transaction,
and a platform's events that run no command (kept as long: pruned as new keys come)."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Delete, Insert, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.storage import mapping
from core.storage.tables import AppliedKeyRow

KEPT = timedelta(days=30)  # a press older than a month is not pressed again by accident
# Keys past their month are deleted by one recording in this many (each write of a key
# would otherwise pay for a DELETE that finds nothing): a key past its month applies
# again whether or not it was deleted yet.
PRUNE_ONE_IN = 64

_KEYS = mapping.table(AppliedKeyRow)


def _first(insert: postgresql.Insert | sqlite.Insert) -> Insert:
    """INSERT the key, or take over a row of it past its month; the key back if either."""
    return insert.on_conflict_do_update(
        index_elements=[_KEYS.c.key],
        set_={"at": insert.excluded.at},
        where=_KEYS.c.at < bindparam("expired"),
    ).returning(_KEYS.c.key)  # no row back: the key was there already, and is kept


_VALUES: dict[str, Any] = {"key": bindparam("key"), "at": bindparam("at")}
# Built once: building one and working out its cache key costs more than running it.
_FIRST = {
    "postgresql": _first(postgresql.insert(_KEYS).values(_VALUES)),
    "sqlite": _first(sqlite.insert(_KEYS).values(_VALUES)),
}
_PRUNE: Delete = delete(_KEYS).where(_KEYS.c.at < bindparam("expired"))
_FORGET: Delete = delete(_KEYS).where(_KEYS.c.key == bindparam("key"))


class SqlApplied:
    def __init__(self, session: Session) -> None:
        self._s = session

    def first(self, key: str, now: datetime) -> bool:
        """Record `key`; False if it was recorded before (by this or any process), less
        than a month ago.

        On PostgreSQL a second transaction with the same key waits for the first and then
        finds it: a press that reaches two processes at once is applied by one of them."""
        expired = now - KEPT
        connection = self._s.connection()
        params = {"key": key, "at": now, "expired": expired}
        found = connection.execute(_FIRST[connection.dialect.name], params).scalar()
        if found is not None and zlib.crc32(key.encode()) % PRUNE_ONE_IN == 0:
            connection.execute(_PRUNE, {"expired": expired})
        return found is not None

    def forget(self, key: str) -> None:
        mapping.run(self._s, _FORGET, {"key": key})

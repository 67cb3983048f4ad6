"""Previewed imports waiting for their confirm: one row per member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from core.domain.importer import PendingImport, Table
from core.storage import mapping
from core.storage.tables import PendingImportRow

_PENDING = mapping.table(PendingImportRow)


class SqlImports:
    def __init__(self, session: Session) -> None:
        self._s = session

    def put(self, pending: PendingImport) -> None:
        # Expired previews go as soon as anyone previews: a file's rows are not kept
        # for a member who never came back to confirm.
        mapping.run(self._s, delete(_PENDING).where(_PENDING.c.expires_at <= pending.created_at))
        self.drop(pending.member_id)
        values = {
            "member_id": pending.member_id,
            "table": pending.table.to_dict(),
            "created_at": pending.created_at,
            "expires_at": pending.expires_at,
        }
        mapping.run(self._s, insert(_PENDING), values)

    def get(self, member_id: int, now: datetime) -> PendingImport | None:
        query = select(_PENDING).where(
            _PENDING.c.member_id == member_id, _PENDING.c.expires_at > now
        )
        row = mapping.run(self._s, query).first()
        if row is None:
            return None
        return PendingImport(member_id, Table.from_dict(row.table), row.created_at, row.expires_at)

    def drop(self, member_id: int) -> None:
        mapping.run(self._s, delete(_PENDING).where(_PENDING.c.member_id == member_id))

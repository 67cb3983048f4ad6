"""Process leases: the rows that keep two live processes off the same work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, insert, select, text, update

from core.services.ports import ProcessLease
from core.storage.tables import ProcessLeaseRow as Lease


def _lease(row: Row[Any]) -> ProcessLease:
    return ProcessLease(
        role=row.role,
        owner=row.owner,
        first=row.first_shard,
        last=row.last_shard,
        count=row.shard_count,
        started_at=row.started_at,
        expires_at=row.expires_at,
        id=row.id,
    )


class SqlLeases:
    """`ProcessLeases` on the `process_leases` table; each call is its own transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, claim: ProcessLease, settle: Callable[[list[ProcessLease]], list[int]]) -> int:
        with self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # One taker at a time: two processes starting together must not both
                # see the table free. Readers (renewals) are not blocked.
                connection.execute(text("LOCK TABLE process_leases IN SHARE ROW EXCLUSIVE MODE"))
            connection.execute(delete(Lease).where(Lease.expires_at < claim.started_at))
            rows = connection.execute(select(Lease).where(Lease.role == claim.role)).all()
            gone = settle([_lease(row) for row in rows])  # raises to refuse: nothing written
            if gone:
                connection.execute(delete(Lease).where(Lease.id.in_(gone)))
            return connection.execute(
                insert(Lease)
                .returning(Lease.id)
                .values(
                    role=claim.role,
                    owner=claim.owner,
                    shard_count=claim.count,
                    first_shard=claim.first,
                    last_shard=claim.last,
                    started_at=claim.started_at,
                    expires_at=claim.expires_at,
                )
            ).scalar_one()

    def renew(self, lease_id: int, owner: str, until: datetime) -> bool:
        with self._engine.begin() as connection:
            result = connection.execute(
                update(Lease)
                .where(Lease.id == lease_id, Lease.owner == owner)
                .values(expires_at=until)
            )
        return bool(result.rowcount)

    def give_back(self, lease_id: int, owner: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(Lease).where(Lease.id == lease_id, Lease.owner == owner))

    def held(self, role: str) -> list[ProcessLease]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(Lease).where(Lease.role == role).order_by(Lease.first_shard)
            ).all()
        return [_lease(row) for row in rows]

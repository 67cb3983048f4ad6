"""The outbox: messages written with the transaction that caused them, claimed for
sending under a lease, and marked sent or failed by the worker that holds the claim."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.domain.messages import Message
from core.services.ports import Delivery, Outgoing
from core.storage import mapping
from core.storage.repositories import as_json, executemany, given
from core.storage.tables import GroupRow, MemberRow, OutboxRow

STATUSES = ("pending", "claimed", "sent", "failed", "missed")


def delivery(
    row: OutboxRow, group: GroupRow, member: MemberRow | None, worker: str, until: datetime
) -> Delivery:
    """A claimed row with its addresses: a DM to `member`, or a post to the channel."""
    dm = None if row.to_channel else member
    return Delivery(
        id=row.id,
        key=row.key,
        platform=group.platform,
        workspace_id=group.external_id,
        user_id=None if dm is None else dm.external_id,
        channel=group.channel,
        recipient_tz=group.tz if dm is None else (dm.tz or group.tz),
        recipient_name="#group" if dm is None else dm.name,
        message=Message.from_dict(row.payload),
        attempts=row.attempts,
        group_id=row.group_id,
        member_id=row.member_id,
        worker=worker,
        lease_until=until,
        dm_channel=None if dm is None else dm.dm_channel,
    )


_OUTBOX = mapping.table(OutboxRow)
_COLUMNS = (
    "key", "group_id", "member_id", "to_channel", "kind", "payload", "created_at",
    "not_before", "status", "attempts", "expires_at",
)  # fmt: skip


def _row(item: Outgoing, now: datetime) -> dict[str, Any]:
    return {
        "key": item.key,
        "group_id": item.group_id,
        "member_id": item.member_id,
        "to_channel": item.to_channel,
        "kind": item.message.kind,
        "payload": item.message.to_dict(),
        "created_at": now,
        "not_before": item.not_before,
        "status": item.status,
        "attempts": 0,
        "expires_at": item.expires_at,
    }


# ON CONFLICT DO NOTHING: two transactions writing one key at once (two planners on
# PostgreSQL) end with one row and no error in either.
_INSERT_EACH = (
    sqlite_insert(_OUTBOX)
    .values({name: bindparam(name) for name in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["key"])
)


@functools.cache
def _insert_given() -> Insert:
    """PostgreSQL's INSERT of the rows given as JSON (see `given`) whose keys are new,
    returning their ids."""
    return (
        postgresql_insert(_OUTBOX)
        .from_select(_COLUMNS, select(*given(_OUTBOX, _COLUMNS).c))
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(_OUTBOX.c.id)
    )


def _still_mine(delivery: Delivery) -> ColumnElement[bool]:
    """The row is still pending and claimed by this delivery's worker."""
    outbox = _OUTBOX.c
    return (
        (outbox.id == delivery.id)
        & (outbox.status == "pending")
        & (outbox.claimed_by == delivery.worker)
    )


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, item: Outgoing, now: datetime) -> bool:
        """Write `item` unless its key was written before; True if written."""
        return self.add_many([item], now) == 1

    def add_many(self, items: list[Outgoing], now: datetime) -> int:
        """Write the items whose keys were never written, in one statement; returns how
        many were written."""
        if not items:
            return 0
        rows = [_row(item, now) for item in items]
        dialect = self._s.get_bind().dialect
        if dialect.name == "postgresql":
            params = {"rows": as_json(dialect, _OUTBOX, rows)}
            return len(mapping.run(self._s, _insert_given(), params).all())
        return executemany(self._s, _INSERT_EACH, _OUTBOX, rows)

    def claim(
        self,
        now: datetime,
        worker: str,
        limit: int,
        lease_seconds: int,
        platforms: frozenset[str] | None = None,
    ) -> list[Delivery]:
        """Claim up to `limit` sendable rows for `worker` until the lease runs out.

        Only rows of live (not suspended) groups on `platforms` (None: any), so that a
        Slack process leaves Discord's messages alone. Rows past their expiry are
        recorded as missed instead. On PostgreSQL, FOR UPDATE SKIP LOCKED lets several
        processes claim side by side; SQLite ignores it and runs a single worker.
        """
        claimable = (OutboxRow.status == "pending") & (
            OutboxRow.claimed_until.is_(None) | (OutboxRow.claimed_until < now)
        )
        self._s.execute(
            update(OutboxRow)
            .where(claimable, OutboxRow.expires_at < now)
            .values(status="missed", claimed_until=None)
        )
        groups = select(GroupRow.id).where(GroupRow.suspended.is_(False))
        if platforms is not None:
            groups = groups.where(GroupRow.platform.in_(platforms))
        ids = list(
            self._s.scalars(
                select(OutboxRow.id)
                .where(claimable, OutboxRow.not_before <= now, OutboxRow.group_id.in_(groups))
                .order_by(OutboxRow.not_before, OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        until = now + timedelta(seconds=lease_seconds)
        self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(claimed_by=worker, claimed_until=until)
        )
        rows = self._s.execute(
            select(OutboxRow, GroupRow, MemberRow)
            .join(GroupRow, GroupRow.id == OutboxRow.group_id)
            .outerjoin(MemberRow, MemberRow.id == OutboxRow.member_id)
            .where(OutboxRow.id.in_(ids))
            .order_by(OutboxRow.not_before, OutboxRow.id)
        )
        return [delivery(o, g, m, worker, until) for o, g, m in rows]

    def direct(self, outbox_id: int) -> tuple[str, str, str, Message] | None:
        """A DM's row as written: (platform, workspace id, the member's external id, the
        message); None if there is no such row, or it is a channel post."""
        row = self._s.execute(
            select(
                GroupRow.platform, GroupRow.external_id, MemberRow.external_id, OutboxRow.payload
            )
            .join(GroupRow, GroupRow.id == OutboxRow.group_id)
            .join(MemberRow, MemberRow.id == OutboxRow.member_id)
            .where(OutboxRow.id == outbox_id, OutboxRow.to_channel.is_(False))
        ).one_or_none()
        if row is None:
            return None
        platform, workspace, user, payload = row
        return platform, workspace, user, Message.from_dict(payload)

    def mark_sent(self, delivery: Delivery, at: datetime, platform_message_id: str | None) -> bool:
        """Record a send; False if the claim was lost meanwhile (another worker has it)."""
        return self._update_mine(
            delivery,
            status="sent",
            sent_at=at,
            platform_message_id=platform_message_id,
            claimed_until=None,
            attempts=_OUTBOX.c.attempts + 1,
        )

    def mark_failed(
        self,
        delivery: Delivery,
        error: str,
        retry_at: datetime | None,
        *,
        count_attempt: bool = True,
    ) -> bool:
        """Record a failed send: retried at `retry_at`, or failed for good if None."""
        values: dict[str, object] = {"error": error[:2000], "claimed_until": None}
        if count_attempt:
            values["attempts"] = _OUTBOX.c.attempts + 1
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["not_before"] = retry_at
        return self._update_mine(delivery, **values)

    def _update_mine(self, delivery: Delivery, **values: object) -> bool:
        """Update the row if this delivery's claim still holds; whether it did."""
        # A Core statement on the table: the ORM's bulk UPDATE path cost more than the
        # statement itself, once for every message sent.
        statement = update(_OUTBOX).where(_still_mine(delivery)).values(values)
        return bool(mapping.run(self._s, statement).rowcount)

    def release(self, outbox_id: int | None = None, worker: str | None = None) -> None:
        """Give back a claim (one row, or all of a worker's unsent rows) for others to take."""
        query = update(OutboxRow).where(OutboxRow.status == "pending")
        if outbox_id is not None:
            query = query.where(OutboxRow.id == outbox_id)
        if worker is not None:
            query = query.where(OutboxRow.claimed_by == worker)
        self._s.execute(query.values(claimed_until=None, claimed_by=None))

    def pending_for(self, member_id: int) -> int:
        """How many messages to or about the member are still to be sent."""
        query = select(func.count()).where(
            (OutboxRow.member_id == member_id) & (OutboxRow.status == "pending")
        )
        return self._s.scalar(query) or 0

    def counts(self, now: datetime) -> dict[str, int]:
        """How many rows are pending, claimed (a live lease), sent, failed and missed."""
        claimed = (OutboxRow.status == "pending") & (OutboxRow.claimed_until >= now)
        state = case((claimed, "claimed"), else_=OutboxRow.status)
        rows = self._s.execute(select(state, func.count()).group_by(state))
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({status: count for status, count in rows})
        return counts

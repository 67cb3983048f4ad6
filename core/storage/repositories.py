"""Repositories: domain objects in, domain objects out, SQLAlchemy in between."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain.leads import Action, Event, Lead, Stage
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.scoring import DEFAULT_POINTS
from core.domain.settings import PlaybookSettings
from core.services.ports import Conflict, Delivery, Outgoing
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow, TallyRow

_MEMBER_FIELDS = tuple(f.name for f in fields(Member) if f.name != "id")
_LEAD_FIELDS = tuple(f.name for f in fields(Lead) if f.name != "id")


# What morning planning changes, written back in bulk by primary key.
_PLANNED_MEMBER_FIELDS = ("next_morning_at", "last_planned_on", "last_pipeline_on")
_PLANNED_LEAD_FIELDS = ("nudge_rule", "nudge_count", "nudged_on", "nudge_asked", "due_on")


def _bulk_update(session: Session, table: Any, objects: list[Any], names: tuple[str, ...]) -> None:
    """One UPDATE ... WHERE id = ?, executed for many rows (compiled once)."""
    if objects:
        columns = table.__table__.c
        statement = (
            update(table.__table__)
            .where(columns.id == bindparam("_id"))
            .values({name: bindparam(name) for name in names})
        )
        rows = [{"_id": o.id, **{name: getattr(o, name) for name in names}} for o in objects]
        session.execute(statement, rows)


def _flush(session: Session) -> None:
    """Flush, turning a unique-key race into the services' Conflict."""
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(str(error.orig)) from error


def _copy(source: Any, target: Any, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(target, name, getattr(source, name))


def _group(row: GroupRow) -> Group:
    return Group(
        platform=row.platform,
        external_id=row.external_id,
        tz=row.tz,
        country=row.country,
        morning=row.morning,
        channel=row.channel,
        settings=PlaybookSettings.from_dict(row.settings),
        points={**DEFAULT_POINTS, **row.settings.get("points", {})},
        next_board_at=row.next_board_at,
        suspended=row.suspended,
        id=row.id,
    )


def _member(row: MemberRow) -> Member:
    return Member(**{name: getattr(row, name) for name in _MEMBER_FIELDS}, id=row.id)


def _lead(row: Any) -> Lead:
    values = {name: getattr(row, name) for name in _LEAD_FIELDS}
    values["stage"] = Stage(row.stage)
    return Lead(**values, id=row.id)


class SqlGroups:
    def __init__(self, session: Session, now: datetime) -> None:
        self._s, self._now = session, now

    def get(self, platform: str, external_id: str) -> Group | None:
        row = self._s.scalar(select(GroupRow).filter_by(platform=platform, external_id=external_id))
        return None if row is None else _group(row)

    def by_id(self, group_id: int) -> Group:
        return _group(self._s.get_one(GroupRow, group_id))

    def add(self, group: Group) -> Group:
        row = GroupRow(
            platform=group.platform,
            external_id=group.external_id,
            created_at=self._now,
        )
        self._fill(row, group)
        self._s.add(row)
        _flush(self._s)
        group.id = row.id
        return group

    def save(self, group: Group) -> None:
        self._fill(self._s.get_one(GroupRow, group.id), group)

    def board_due(self, now: datetime) -> list[Group]:
        rows = self._s.scalars(
            select(GroupRow)
            .where(GroupRow.next_board_at <= now)
            .with_for_update(skip_locked=True)  # one planner per group's board
        )
        return [_group(r) for r in rows]

    def next_board_at(self) -> datetime | None:
        return self._s.scalar(select(func.min(GroupRow.next_board_at)))

    @staticmethod
    def _fill(row: GroupRow, group: Group) -> None:
        row.tz, row.country, row.morning = group.tz, group.country, group.morning
        row.channel, row.next_board_at = group.channel, group.next_board_at
        row.suspended = group.suspended
        row.settings = {**group.settings.to_dict(), "points": dict(group.points)}

    def delete(self, group: Group) -> None:
        if group.id is None:
            return
        # Children first: SQLite enforces ON DELETE CASCADE only with a pragma.
        self._s.execute(delete(OutboxRow).filter_by(group_id=group.id))
        self._s.execute(delete(TallyRow).filter_by(group_id=group.id))
        self._s.execute(delete(EventRow).filter_by(group_id=group.id))
        members = select(MemberRow.id).filter_by(group_id=group.id)
        leads = update(LeadRow).where(LeadRow.member_id.in_(members))
        self._s.execute(leads.values(parent_id=None))
        self._s.execute(delete(LeadRow).where(LeadRow.member_id.in_(members)))
        self._s.execute(delete(MemberRow).filter_by(group_id=group.id))
        self._s.execute(delete(GroupRow).filter_by(id=group.id))


class SqlMembers:
    def __init__(self, session: Session, now: datetime) -> None:
        self._s, self._now = session, now

    def get(self, group_id: int, external_id: str) -> Member | None:
        """The member, locked for this transaction (PostgreSQL): two commands of one
        member run one after the other, and the planner skips a member being served."""
        row = self._s.scalar(
            select(MemberRow)
            .filter_by(group_id=group_id, external_id=external_id)
            .with_for_update()
        )
        return None if row is None else _member(row)

    def add(self, member: Member) -> Member:
        row = MemberRow(created_at=self._now)
        _copy(member, row, _MEMBER_FIELDS)
        self._s.add(row)
        _flush(self._s)
        member.id = row.id
        return member

    def save(self, member: Member) -> None:
        _copy(member, self._s.get_one(MemberRow, member.id), _MEMBER_FIELDS)

    def delete(self, member: Member) -> None:
        # Children first: SQLite enforces ON DELETE CASCADE only with a pragma.
        self._s.execute(delete(OutboxRow).filter_by(member_id=member.id))
        self._s.execute(delete(TallyRow).filter_by(member_id=member.id))
        self._s.execute(delete(EventRow).filter_by(member_id=member.id))
        self._s.execute(update(LeadRow).filter_by(member_id=member.id).values(parent_id=None))
        self._s.execute(delete(LeadRow).filter_by(member_id=member.id))
        self._s.execute(delete(MemberRow).filter_by(id=member.id))

    def by_id(self, member_id: int) -> Member | None:
        row = self._s.get(MemberRow, member_id)
        return None if row is None else _member(row)

    def in_group(self, group_id: int) -> list[Member]:
        rows = self._s.scalars(select(MemberRow).filter_by(group_id=group_id).order_by("id"))
        return [_member(r) for r in rows]

    def morning_due(self, now: datetime, limit: int) -> list[Member]:
        rows = self._s.scalars(
            select(MemberRow)
            .where(MemberRow.next_morning_at <= now)
            .order_by(MemberRow.next_morning_at, MemberRow.id)
            .limit(limit)
            # Several planners on PostgreSQL each take members nobody else is planning.
            .with_for_update(skip_locked=True)
        )
        return [_member(r) for r in rows]

    def next_morning_at(self) -> datetime | None:
        return self._s.scalar(select(func.min(MemberRow.next_morning_at)))

    def organisers(self, group_id: int) -> list[Member]:
        rows = self._s.scalars(
            select(MemberRow).filter_by(group_id=group_id, organiser=True).order_by("id")
        )
        return [_member(r) for r in rows]

    def set_dm_channel(self, member_id: int, channel: str | None) -> None:
        row = self._s.get(MemberRow, member_id)
        if row is not None:
            row.dm_channel = channel

    def save_planned(self, members: list[Member]) -> None:
        """Write what planning changes on members, in one statement."""
        _bulk_update(self._s, MemberRow, members, _PLANNED_MEMBER_FIELDS)


class SqlLeads:
    def __init__(self, session: Session, now: datetime) -> None:
        self._s, self._now = session, now

    def for_member(self, member_id: int) -> list[Lead]:
        rows = self._s.scalars(
            select(LeadRow).filter_by(member_id=member_id).order_by(LeadRow.number)
        )
        return [_lead(r) for r in rows]

    def add(self, lead: Lead) -> Lead:
        row = LeadRow()
        _copy(lead, row, _LEAD_FIELDS)
        row.stage = lead.stage.value
        self._s.add(row)
        _flush(self._s)
        lead.id = row.id
        return lead

    def save(self, lead: Lead) -> None:
        row = self._s.get_one(LeadRow, lead.id)
        if row.member_id != lead.member_id:
            raise PermissionError("a lead can only be saved by its own member")
        _copy(lead, row, _LEAD_FIELDS)
        row.stage = lead.stage.value

    def due(self, days: dict[int, date]) -> list[Lead]:
        """The leads of these members whose due date has come by the member's given day."""
        if not days:
            return []
        # Plain rows, not ORM entities: planning reads tens of thousands of them.
        rows = self._s.execute(
            select(LeadRow.id, *(getattr(LeadRow, name) for name in _LEAD_FIELDS))
            .where(LeadRow.member_id.in_(days), LeadRow.due_on <= max(days.values()))
            .order_by(LeadRow.member_id, LeadRow.number)
        )
        return [_lead(r) for r in rows if r.due_on is not None and r.due_on <= days[r.member_id]]

    def save_planned(self, leads: list[Lead]) -> None:
        """Write what planning changes on leads (the nudge memory), in one statement.

        Only for leads read through `due()`, which already scoped them to their members.
        """
        _bulk_update(self._s, LeadRow, leads, _PLANNED_LEAD_FIELDS)

    def contacts(self, wanted: dict[int, set[int]]) -> dict[int, str]:
        """Contact names of the leads `wanted` names, per member: {member id: {lead ids}}.

        A lead id asked for by a member it doesn't belong to is not returned.
        """
        ids = set().union(*wanted.values()) if wanted else set()
        if not ids:
            return {}
        rows = self._s.execute(
            select(LeadRow.id, LeadRow.member_id, LeadRow.contact).where(
                LeadRow.member_id.in_(wanted), LeadRow.id.in_(ids)
            )
        )
        return {
            lead_id: contact
            for lead_id, member_id, contact in rows
            if lead_id in wanted.get(member_id, ())
        }


class SqlEvents:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, group_id: int, member_id: int, event: Event) -> None:
        self._s.add(
            EventRow(
                group_id=group_id,
                lead_id=event.lead_id,
                member_id=member_id,
                action=event.action.value,
                at=event.at,
                stage_after=event.stage_after.value,
                note=event.note,
            )
        )

    def for_member(self, member_id: int) -> list[Event]:
        rows = self._s.scalars(
            select(EventRow).filter_by(member_id=member_id).order_by(EventRow.at, EventRow.id)
        )
        return [_event(r) for r in rows]

    def in_group(
        self,
        group_id: int,
        start: datetime,
        end: datetime,
        actions: frozenset[Action] | None = None,
    ) -> list[tuple[int, Event]]:
        """(member id, event) for the group's events in [start, end), optionally only
        some actions; without their notes (boards don't read them)."""
        query = select(
            EventRow.member_id,
            EventRow.lead_id,
            EventRow.action,
            EventRow.at,
            EventRow.stage_after,
        ).where(EventRow.group_id == group_id, EventRow.at >= start, EventRow.at < end)
        if actions is not None:
            query = query.where(EventRow.action.in_([a.value for a in actions]))
        return [
            (member_id, Event(lead_id, Action(action), at, Stage(stage)))
            for member_id, lead_id, action, at, stage in self._s.execute(query)
        ]


def _event(r: EventRow) -> Event:
    return Event(r.lead_id, Action(r.action), r.at, Stage(r.stage_after), r.note, r.id)


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, item: Outgoing, now: datetime) -> bool:
        """Write `item` unless its key was written before; True if written."""
        return self.add_many([item], now) == 1

    def add_many(self, items: list[Outgoing], now: datetime) -> int:
        """Write the items whose keys were never written; returns how many were written.

        INSERT ... ON CONFLICT DO NOTHING: two transactions writing one key at once (two
        planners on PostgreSQL) end with one row and no error in either.
        """
        if not items:
            return 0
        dialect = self._s.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        rows = [
            {
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
            for item in items
        ]
        # executemany with RETURNING: one statement compiled once, and only the rows
        # actually inserted come back.
        table = cast(Table, OutboxRow.__table__)
        statement = (
            insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
        )
        return len(self._s.execute(statement, rows).all())

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
        lease_until = now + timedelta(seconds=lease_seconds)
        self._s.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(claimed_by=worker, claimed_until=lease_until)
        )
        rows = self._s.execute(
            select(OutboxRow, GroupRow, MemberRow)
            .join(GroupRow, GroupRow.id == OutboxRow.group_id)
            .outerjoin(MemberRow, MemberRow.id == OutboxRow.member_id)
            .where(OutboxRow.id.in_(ids))
            .order_by(OutboxRow.not_before, OutboxRow.id)
        )
        return [
            Delivery(
                id=o.id,
                key=o.key,
                platform=g.platform,
                workspace_id=g.external_id,
                user_id=None if o.to_channel or m is None else m.external_id,
                channel=g.channel,
                recipient_tz=g.tz if o.to_channel or m is None else (m.tz or g.tz),
                recipient_name="#group" if o.to_channel or m is None else m.name,
                message=Message.from_dict(o.payload),
                attempts=o.attempts,
                group_id=o.group_id,
                member_id=o.member_id,
                worker=worker,
                lease_until=lease_until,
                dm_channel=None if o.to_channel or m is None else m.dm_channel,
            )
            for o, g, m in rows
        ]

    @staticmethod
    def _still_mine(delivery: Delivery) -> Any:
        """The row is still pending and claimed by this delivery's worker."""
        return (
            (OutboxRow.id == delivery.id)
            & (OutboxRow.status == "pending")
            & (OutboxRow.claimed_by == delivery.worker)
        )

    def mark_sent(self, delivery: Delivery, at: datetime, platform_message_id: str | None) -> bool:
        """Record a send; False if the claim was lost meanwhile (another worker has it)."""
        result = self._s.execute(
            update(OutboxRow)
            .where(self._still_mine(delivery))
            .values(
                status="sent",
                sent_at=at,
                platform_message_id=platform_message_id,
                claimed_until=None,
                attempts=OutboxRow.attempts + 1,
            )
        )
        return bool(cast(CursorResult[Any], result).rowcount)

    def mark_failed(
        self,
        delivery: Delivery,
        error: str,
        retry_at: datetime | None,
        *,
        count_attempt: bool = True,
    ) -> bool:
        """Record a failed send: retried at `retry_at`, or failed for good if None."""
        values: dict[str, Any] = {"error": error[:2000], "claimed_until": None}
        if count_attempt:
            values["attempts"] = OutboxRow.attempts + 1
        if retry_at is None:
            values["status"] = "failed"
        else:
            values["not_before"] = retry_at
        result = self._s.execute(
            update(OutboxRow).where(self._still_mine(delivery)).values(**values)
        )
        return bool(cast(CursorResult[Any], result).rowcount)

    def release(self, outbox_id: int | None = None, worker: str | None = None) -> None:
        """Give back a claim (one row, or all of a worker's unsent rows) for others to take."""
        query = update(OutboxRow).where(OutboxRow.status == "pending")
        if outbox_id is not None:
            query = query.where(OutboxRow.id == outbox_id)
        if worker is not None:
            query = query.where(OutboxRow.claimed_by == worker)
        self._s.execute(query.values(claimed_until=None, claimed_by=None))

    def counts(self, now: datetime) -> dict[str, int]:
        """How many rows are pending, claimed (a live lease), sent, failed and missed."""
        claimed = (OutboxRow.status == "pending") & (OutboxRow.claimed_until >= now)
        state = case((claimed, "claimed"), else_=OutboxRow.status)
        rows = self._s.execute(select(state, func.count()).group_by(state))
        counts = dict.fromkeys(("pending", "claimed", "sent", "failed", "missed"), 0)
        counts.update({status: count for status, count in rows})
        return counts

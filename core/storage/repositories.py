"""Repositories for groups, members and leads: domain objects in, domain objects out.

Events and their tallies live in `events.py`, the outbox in `outbox.py`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from core.domain.leads import Lead
from core.domain.members import Group, Member
from core.storage import mapping
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow, TallyRow

# What morning planning changes, written back in bulk by primary key.
_PLANNED_MEMBER_FIELDS = ("next_morning_at", "last_planned_on", "last_pipeline_on")
_PLANNED_LEAD_FIELDS = ("nudge_rule", "nudge_count", "nudged_on", "nudge_asked", "due_on")

# The statements every command runs, built once: building one and working out its cache
# key costs more than running it on a warm connection.
_GROUP = select(GroupRow).where(
    GroupRow.platform == bindparam("platform"), GroupRow.external_id == bindparam("external_id")
)
_MEMBER = select(MemberRow).where(
    MemberRow.group_id == bindparam("group_id"), MemberRow.external_id == bindparam("external_id")
)
_MEMBER_LOCKED = _MEMBER.with_for_update()
_LEADS = select(LeadRow).where(LeadRow.member_id == bindparam("member_id")).order_by(LeadRow.number)


class SqlGroups:
    def __init__(self, session: Session, now: datetime) -> None:
        self._s, self._now = session, now

    def get(self, platform: str, external_id: str) -> Group | None:
        row = self._s.scalar(_GROUP, {"platform": platform, "external_id": external_id})
        return None if row is None else mapping.group(mapping.hold(self._s, [row])[0])

    def by_id(self, group_id: int) -> Group:
        return mapping.group(self._s.get_one(GroupRow, group_id))

    def add(self, group: Group) -> Group:
        row = GroupRow(
            platform=group.platform,
            external_id=group.external_id,
            created_at=self._now,
        )
        mapping.fill_group(row, group)
        self._s.add(row)
        mapping.flush(self._s)
        group.id = row.id
        return group

    def save(self, group: Group) -> None:
        mapping.fill_group(self._s.get_one(GroupRow, group.id), group)

    def board_due(self, now: datetime) -> list[Group]:
        rows = self._s.scalars(
            select(GroupRow)
            .where(GroupRow.next_board_at <= now)
            .with_for_update(skip_locked=True)  # one planner per group's board
        )
        return [mapping.group(r) for r in rows]

    def next_board_at(self) -> datetime | None:
        return self._s.scalar(select(func.min(GroupRow.next_board_at)))

    def delete(self, group: Group) -> None:
        if group.id is None:
            return
        # Children first: SQLite enforces ON DELETE CASCADE only with a pragma.
        for table in (OutboxRow, TallyRow, EventRow):
            self._s.execute(delete(table).filter_by(group_id=group.id))
        members = select(MemberRow.id).filter_by(group_id=group.id)
        leads = update(LeadRow).where(LeadRow.member_id.in_(members))
        self._s.execute(leads.values(parent_id=None))
        self._s.execute(delete(LeadRow).where(LeadRow.member_id.in_(members)))
        self._s.execute(delete(MemberRow).filter_by(group_id=group.id))
        self._s.execute(delete(GroupRow).filter_by(id=group.id))


class SqlMembers:
    def __init__(self, session: Session, now: datetime) -> None:
        self._s, self._now = session, now

    def get(self, group_id: int, external_id: str, *, lock: bool = True) -> Member | None:
        """The member, locked for this transaction (PostgreSQL): two commands of one
        member run one after the other, and the planner skips a member being served.
        `lock=False` for reads (autocomplete, the Home tab), which must never wait."""
        query = _MEMBER_LOCKED if lock else _MEMBER
        row = self._s.scalar(query, {"group_id": group_id, "external_id": external_id})
        return None if row is None else mapping.member(mapping.hold(self._s, [row])[0])

    def add(self, member: Member) -> Member:
        row = MemberRow(created_at=self._now)
        mapping.copy(member, row, mapping.MEMBER_FIELDS)
        self._s.add(row)
        mapping.flush(self._s)
        member.id = row.id
        return member

    def save(self, member: Member) -> None:
        mapping.copy(member, self._s.get_one(MemberRow, member.id), mapping.MEMBER_FIELDS)

    def delete(self, member: Member) -> None:
        # Children first: SQLite enforces ON DELETE CASCADE only with a pragma.
        for table in (OutboxRow, TallyRow, EventRow):
            self._s.execute(delete(table).filter_by(member_id=member.id))
        self._s.execute(update(LeadRow).filter_by(member_id=member.id).values(parent_id=None))
        self._s.execute(delete(LeadRow).filter_by(member_id=member.id))
        self._s.execute(delete(MemberRow).filter_by(id=member.id))

    def by_id(self, member_id: int, *, lock: bool = False) -> Member | None:
        """The member; `lock` holds their row for this transaction (a state change that
        two workers might make at once, such as marking them unreachable)."""
        row = self._s.get(MemberRow, member_id, with_for_update=lock or None)
        return None if row is None else mapping.member(mapping.hold(self._s, [row])[0])

    def in_group(self, group_id: int) -> list[Member]:
        """Every member of the group, locked in id order (PostgreSQL) for saving: a change
        of the group's settings waits for the planner, and never writes over it."""
        query = select(MemberRow).filter_by(group_id=group_id).order_by(MemberRow.id)
        rows = list(self._s.scalars(query.with_for_update()))
        return [mapping.member(r) for r in mapping.hold(self._s, rows)]

    def roster(self, group_id: int) -> list[Member]:
        """The group's members, for reading only (plain rows, not tracked: a board of
        thousands reads them fast); `in_group` is for members to be saved."""
        columns = [getattr(MemberRow, name) for name in mapping.MEMBER_FIELDS]
        query = select(*columns, MemberRow.id).filter_by(group_id=group_id).order_by(MemberRow.id)
        # The columns in the dataclass's order, its id last: built by position.
        return [Member(*row) for row in self._s.execute(query)]

    def organisers(self, group_id: int) -> list[Member]:
        rows = self._s.scalars(
            select(MemberRow).filter_by(group_id=group_id, organiser=True).order_by("id")
        )
        return [mapping.member(r) for r in rows]

    def set_dm_channel(self, member_id: int, channel: str | None) -> None:
        row = self._s.get(MemberRow, member_id)
        if row is not None:
            row.dm_channel = channel

    def morning_due(self, now: datetime, limit: int) -> list[Member]:
        rows = self._s.scalars(
            select(MemberRow)
            .where(MemberRow.next_morning_at <= now)
            .order_by(MemberRow.next_morning_at, MemberRow.id)
            .limit(limit)
            # Several planners on PostgreSQL each take members nobody else is planning.
            .with_for_update(skip_locked=True)
        )
        return [mapping.member(r) for r in rows]

    def next_morning_at(self) -> datetime | None:
        return self._s.scalar(select(func.min(MemberRow.next_morning_at)))

    def save_planned(self, members: list[Member]) -> None:
        """Write what planning changes on members, in one statement."""
        mapping.bulk_update(self._s, MemberRow, members, _PLANNED_MEMBER_FIELDS)


class SqlMemberLeads:
    """One member's leads: nothing read or written here belongs to anybody else."""

    def __init__(self, session: Session, member_id: int) -> None:
        self._s, self.member_id = session, member_id

    def all(self) -> list[Lead]:
        rows = list(self._s.scalars(_LEADS, {"member_id": self.member_id}))
        return [mapping.lead(r) for r in mapping.hold(self._s, rows)]

    def add(self, lead: Lead) -> Lead:
        self._check(lead.member_id)
        row = LeadRow()
        mapping.copy(lead, row, mapping.LEAD_FIELDS)
        row.stage = lead.stage.value
        self._s.add(row)
        mapping.flush(self._s)
        lead.id = row.id
        return lead

    def save(self, lead: Lead) -> None:
        """Write `lead` back; a PermissionError, and nothing written, unless both the
        stored lead and `lead` are this member's."""
        row = self._s.get_one(LeadRow, lead.id)
        self._check(row.member_id)
        self._check(lead.member_id)
        mapping.copy(lead, row, mapping.LEAD_FIELDS)
        row.stage = lead.stage.value

    def _check(self, member_id: int) -> None:
        if member_id != self.member_id:
            raise PermissionError("a lead can only be written by its own member")


class SqlLeads:
    def __init__(self, session: Session, now: datetime) -> None:
        self._s, self._now = session, now

    def of(self, member_id: int) -> SqlMemberLeads:
        """The repository of one member's leads (what a member's command works with)."""
        return SqlMemberLeads(self._s, member_id)

    def for_member(self, member_id: int) -> list[Lead]:
        return self.of(member_id).all()

    def add(self, lead: Lead) -> Lead:
        return self.of(lead.member_id).add(lead)

    def save(self, lead: Lead) -> None:
        """Write `lead` back under its own member; a PermissionError if the stored lead
        is somebody else's. (A member's command should use `of(member_id).save`, which
        also refuses a lead that names another member.)"""
        self.of(lead.member_id).save(lead)

    def due(self, days: dict[int, date]) -> list[Lead]:
        """The leads of these members whose due date has come by the member's given day."""
        if not days:
            return []
        # Plain rows, not ORM entities: planning reads tens of thousands of them.
        rows = self._s.execute(
            select(LeadRow.id, *(getattr(LeadRow, name) for name in mapping.LEAD_FIELDS))
            .where(LeadRow.member_id.in_(days), LeadRow.due_on <= max(days.values()))
            .order_by(LeadRow.member_id, LeadRow.number)
        )
        return [
            mapping.lead(r) for r in rows if r.due_on is not None and r.due_on <= days[r.member_id]
        ]

    def save_planned(self, leads: list[Lead]) -> None:
        """Write what planning changes on leads (the nudge memory), in one statement.

        Only for leads read through `due()`, which already scoped them to their members.
        """
        mapping.bulk_update(self._s, LeadRow, leads, _PLANNED_LEAD_FIELDS)

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

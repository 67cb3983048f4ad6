"""The services' storage ports (core.services.ports) in memory: a unit of work and its
repositories over dictionaries, for service tests that assert answers in milliseconds.

`FakeStorage().uow` is what `Database.uow` is to the real storage: a factory of units
of work. Each unit of work reads a copy of what was committed when it began and writes
to it; `commit` applies its writes, leaving it rolls back. tests/services/
test_ports_contract.py runs the same cases on this, SQLite and PostgreSQL, so that it
behaves as the real storage does. Locks and concurrent planners are not modelled: tests
of those stay on the real databases.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from core.domain.calendar import BusinessCalendar
from core.domain.importer import PendingImport
from core.domain.importer import Table as ImportTable
from core.domain.insights import (
    ACTIVE,
    ALL,
    DUE,
    MILESTONES,
    SECONDS_A_DAY,
    LeadPath,
    StageStay,
    due_now,
    stage_of,
)
from core.domain.leads import Action, Event, Lead, Stage, named
from core.domain.links import Link, LinkCode, Tries
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.report import Facts
from core.domain.scoring import (
    DEFAULT_POINTS,
    REJECTION_CALL_BONUS,
    TALLIED,
    Standings,
    Tally,
    counted,
    scored_as,
)
from core.domain.worklog import Activity
from core.services.ports import (
    ActivityRepository,
    AppliedKeys,
    CalendarRepository,
    Conflict,
    Delivery,
    EventRepository,
    GroupRepository,
    ImportRepository,
    InsightRepository,
    LeadRepository,
    LinkRepository,
    MemberRepository,
    Outbox,
    Outgoing,
    UnitOfWork,
)

KEPT = timedelta(days=30)  # how long an applied key is remembered, as the real store does
STATUSES = ("pending", "claimed", "sent", "failed", "missed")
PLANNED_MEMBER_FIELDS = ("next_morning_at", "last_planned_on", "last_pipeline_on")
PLANNED_LEAD_FIELDS = ("nudge_rule", "nudge_count", "nudged_on", "nudge_asked", "due_on")
SCORING = tuple(Action(a) for a in DEFAULT_POINTS)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class StoredEvent:
    group_id: int
    member_id: int
    event: Event


@dataclass(frozen=True, slots=True)
class StoredActivity:
    group_id: int
    member_id: int
    activity: Activity


@dataclass(frozen=True, slots=True)
class DayTally:
    """What one member's counted actions came to on one group-local day."""

    counts: Mapping[Action, int]
    bonuses: int


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    key: str
    group_id: int
    member_id: int | None
    to_channel: bool
    message: Message
    not_before: datetime
    expires_at: datetime | None
    status: str = "pending"
    attempts: int = 0
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    platform_message_id: str | None = None
    error: str | None = None


TallyKey = tuple[int, int, date]  # group, member, group-local day


class Tables:
    """What is committed: one dictionary per table, rows never changed in place."""

    def __init__(self) -> None:
        self.groups: dict[int, Group] = {}
        self.members: dict[int, Member] = {}
        self.leads: dict[int, Lead] = {}
        self.events: dict[int, StoredEvent] = {}
        self.activities: dict[int, StoredActivity] = {}
        self.imports: dict[int, PendingImport] = {}  # by member
        self.link_codes: dict[int, LinkCode] = {}  # by member
        self.link_tries: dict[int, Tries] = {}  # by member
        self.links: dict[int, Link] = {}  # by secondary member
        self.tallies: dict[TallyKey, DayTally] = {}
        self.outbox: dict[int, OutboxEntry] = {}
        self.applied: dict[str, datetime] = {}


class Table(Generic[K, V]):
    """One table as a transaction sees it: what was committed when it began, and its
    own writes (`changed`, None for a deleted row)."""

    def __init__(self, committed: dict[K, V]) -> None:
        self.rows = dict(committed)
        self.changed: dict[K, V | None] = {}

    def put(self, key: K, value: V) -> None:
        self.rows[key] = value
        self.changed[key] = value

    def drop(self, key: K) -> None:
        if self.rows.pop(key, None) is not None:
            self.changed[key] = None

    def where(self, keep: Callable[[V], bool]) -> list[V]:
        return [row for row in self.rows.values() if keep(row)]


class FakeStorage:
    """The committed tables and their id sequences, shared by every unit of work."""

    def __init__(self) -> None:
        self.tables = Tables()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def uow(self) -> UnitOfWork:
        """A unit of work; typed as the port, so that mypy holds the fake to it."""
        return FakeUnitOfWork(self)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def begin(self) -> Transaction:
        with self._lock:
            return Transaction(self.tables)

    def apply(self, tx: Transaction) -> None:
        """Write a transaction's changes; Conflict (and nothing written) if a group or
        member it added was added meanwhile by another."""
        with self._lock:
            committed = self.tables
            groups = {(g.platform, g.external_id): i for i, g in committed.groups.items()}
            for group in (g for g in tx.groups.changed.values() if g is not None):
                if groups.get((group.platform, group.external_id), _id(group)) != _id(group):
                    raise Conflict(f"group {group.platform} {group.external_id} exists")
            members = {(m.group_id, m.external_id): i for i, m in committed.members.items()}
            for member in (m for m in tx.members.changed.values() if m is not None):
                if members.get((member.group_id, member.external_id), _id(member)) != _id(member):
                    raise Conflict(f"member {member.external_id} exists")
            for name in TABLES:
                table: dict[Any, Any] = getattr(committed, name)
                for key, value in getattr(tx, name).changed.items():
                    if value is None:
                        table.pop(key, None)
                    else:
                        table[key] = value


TABLES = (
    "groups",
    "members",
    "leads",
    "events",
    "activities",
    "imports",
    "link_codes",
    "link_tries",
    "links",
    "tallies",
    "outbox",
    "applied",
)


def _id(row: Group | Member | Lead) -> int:
    assert row.id is not None
    return row.id


class Transaction:
    """The tables as one unit of work sees them."""

    def __init__(self, committed: Tables) -> None:
        self.groups = Table(committed.groups)
        self.members = Table(committed.members)
        self.leads = Table(committed.leads)
        self.events = Table(committed.events)
        self.activities = Table(committed.activities)
        self.imports = Table(committed.imports)
        self.link_codes = Table(committed.link_codes)
        self.link_tries = Table(committed.link_tries)
        self.links = Table(committed.links)
        self.tallies = Table(committed.tallies)
        self.outbox = Table(committed.outbox)
        self.applied = Table(committed.applied)


# -- copies in and out: a caller's object is never the stored one ---------------------


def _group(group: Group) -> Group:
    # Stored settings hold the group's points; read back over the defaults.
    return replace(group, points={**DEFAULT_POINTS, **group.points})


def _member(member: Member) -> Member:
    return replace(member)


def _lead(lead: Lead) -> Lead:
    return replace(lead)


def _lead_values(lead: Lead) -> tuple[Any, ...]:
    return tuple(getattr(lead, f.name) for f in fields(Lead))


class FakeUnitOfWork:
    """One transaction over `FakeStorage`: `with uow: ...; uow.commit()`."""

    def __init__(self, storage: FakeStorage) -> None:
        self._storage = storage
        self.tx = storage.begin()
        self.groups: GroupRepository = FakeGroups(self)
        self.members: MemberRepository = FakeMembers(self)
        self.leads: LeadRepository = FakeLeads(self)
        self.events: EventRepository = FakeEvents(self)
        self.activities: ActivityRepository = FakeActivities(self)
        self.insights: InsightRepository = FakeInsights(self)
        self.calendars: CalendarRepository = FakeCalendars(self)
        self.imports: ImportRepository = FakeImports(self)
        self.links: LinkRepository = FakeLinks(self)
        self.outbox: Outbox = FakeOutbox(self)
        self.applied: AppliedKeys = FakeApplied(self)

    def new_id(self) -> int:
        return self._storage.next_id()

    def __enter__(self) -> Self:
        self.tx = self._storage.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        try:
            self._storage.apply(self.tx)
        finally:
            self.tx = self._storage.begin()  # what comes next sees what is committed

    def rollback(self) -> None:
        self.tx = self._storage.begin()


class FakeGroups:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> Table[int, Group]:
        return self._uow.tx.groups

    def get(self, platform: str, external_id: str) -> Group | None:
        found = self._rows.where(lambda g: (g.platform, g.external_id) == (platform, external_id))
        return _group(found[0]) if found else None

    def by_id(self, group_id: int) -> Group:
        return _group(self._rows.rows[group_id])

    def add(self, group: Group) -> Group:
        if self.get(group.platform, group.external_id) is not None:
            raise Conflict(f"group {group.platform} {group.external_id} exists")
        group.id = self._uow.new_id()
        self._rows.put(group.id, _group(group))
        return group

    def save(self, group: Group) -> None:
        if group.id in self._rows.rows:
            self._rows.put(group.id, _group(group))

    def board_due(self, now: datetime) -> list[Group]:
        due = self._rows.where(lambda g: g.next_board_at is not None and g.next_board_at <= now)
        return [_group(g) for g in sorted(due, key=_id)]

    def next_board_at(self) -> datetime | None:
        return min(
            (g.next_board_at for g in self._rows.rows.values() if g.next_board_at), default=None
        )

    def delete(self, group: Group) -> None:
        if group.id is None:
            return
        tx = self._uow.tx
        for member in tx.members.where(lambda m: m.group_id == group.id):
            self._uow.members.delete(member)
        for entry in tx.outbox.where(lambda o: o.group_id == group.id):
            tx.outbox.drop(entry.id)
        self._rows.drop(group.id)


class FakeMembers:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> Table[int, Member]:
        return self._uow.tx.members

    def _sorted(self, keep: Callable[[Member], bool]) -> list[Member]:
        return [_member(m) for m in sorted(self._rows.where(keep), key=_id)]

    def get(self, group_id: int, external_id: str, *, lock: bool = True) -> Member | None:
        found = self._sorted(lambda m: (m.group_id, m.external_id) == (group_id, external_id))
        return found[0] if found else None

    def add(self, member: Member) -> Member:
        if self.get(member.group_id, member.external_id) is not None:
            raise Conflict(f"member {member.external_id} exists")
        member.id = self._uow.new_id()
        self._rows.put(member.id, _member(member))
        return member

    def save(self, member: Member) -> None:
        if member.id in self._rows.rows:
            self._rows.put(member.id, _member(member))

    def delete(self, member: Member) -> None:
        tx = self._uow.tx
        for entry in tx.outbox.where(lambda o: o.member_id == member.id):
            tx.outbox.drop(entry.id)
        for key in [k for k in tx.tallies.rows if k[1] == member.id]:
            tx.tallies.drop(key)
        for event_id in [i for i, e in tx.events.rows.items() if e.member_id == member.id]:
            tx.events.drop(event_id)
        for row_id in [i for i, a in tx.activities.rows.items() if a.member_id == member.id]:
            tx.activities.drop(row_id)
        if member.id is not None:  # ON DELETE CASCADE
            tx.imports.drop(member.id)
            tx.link_codes.drop(member.id)
            tx.link_tries.drop(member.id)
            for link in tx.links.where(lambda x: member.id in (x.primary_id, x.secondary_id)):
                tx.links.drop(link.secondary_id)
        gone = {_id(lead) for lead in tx.leads.where(lambda lead: lead.member_id == member.id)}
        for lead in tx.leads.where(lambda lead: lead.parent_id in gone):
            tx.leads.put(_id(lead), replace(lead, parent_id=None))  # ON DELETE SET NULL
        for lead_id in gone:
            tx.leads.drop(lead_id)
        if member.id is not None:
            self._rows.drop(member.id)

    def in_group(self, group_id: int) -> list[Member]:
        return self._sorted(lambda m: m.group_id == group_id)

    def by_id(self, member_id: int, *, lock: bool = False) -> Member | None:
        found = self._rows.rows.get(member_id)
        return None if found is None else _member(found)

    def morning_due(self, now: datetime, limit: int) -> list[Member]:
        due = self._rows.where(lambda m: m.next_morning_at is not None and m.next_morning_at <= now)
        due.sort(key=lambda m: (m.next_morning_at, m.id))
        return [_member(m) for m in due[:limit]]

    def save_planned(self, members: list[Member]) -> None:
        for member in members:
            stored = self._rows.rows.get(_id(member))
            if stored is not None:
                planned = {name: getattr(member, name) for name in PLANNED_MEMBER_FIELDS}
                self._rows.put(_id(member), replace(stored, **planned))

    def next_morning_at(self) -> datetime | None:
        times = (m.next_morning_at for m in self._rows.rows.values() if m.next_morning_at)
        return min(times, default=None)

    def roster(self, group_id: int) -> list[Member]:
        return self.in_group(group_id)

    def organisers(self, group_id: int) -> list[Member]:
        return self._sorted(lambda m: m.group_id == group_id and m.organiser)

    def workspaces_of(self, platform: str, external_id: str) -> list[str]:
        groups = self._uow.tx.groups.rows
        return sorted(
            groups[m.group_id].external_id
            for m in self._rows.rows.values()
            if m.external_id == external_id and groups[m.group_id].platform == platform
        )

    def set_dm_channel(self, member_id: int, channel: str | None) -> None:
        stored = self._rows.rows.get(member_id)
        if stored is not None:
            self._rows.put(member_id, replace(stored, dm_channel=channel))


class FakeMemberLeads:
    """One member's leads: saving a lead that is, or was stored as, another member's
    raises PermissionError and writes nothing."""

    def __init__(self, uow: FakeUnitOfWork, member_id: int) -> None:
        self._uow, self.member_id = uow, member_id
        self._seen: dict[int, tuple[Any, ...]] = {}  # as read or written here

    @property
    def _rows(self) -> Table[int, Lead]:
        return self._uow.tx.leads

    def all(self) -> list[Lead]:
        return self._read(lambda _: True)

    def get(self, lead_id: int) -> Lead | None:
        return next(iter(self._read(lambda x: x.id == lead_id)), None)

    def numbered(self, number: int) -> Lead | None:
        return next(iter(self._read(lambda x: x.number == number)), None)

    def named(self, text: str) -> list[Lead]:
        return self._read(lambda x: named(x, text))

    def referred_by(self, lead_id: int) -> list[Lead]:
        return self._read(lambda x: x.parent_id == lead_id)

    def in_stages(self, stages: Collection[Stage]) -> list[Lead]:
        return self._read(lambda x: x.stage in stages)

    def _read(self, keep: Callable[[Lead], bool]) -> list[Lead]:
        """The member's leads that `keep` keeps, in number order, remembered as read."""
        found = sorted(
            self._rows.where(lambda x: x.member_id == self.member_id and keep(x)), key=_number
        )
        for lead in found:
            self._seen[_id(lead)] = _lead_values(lead)
        return [_lead(lead) for lead in found]

    def add(self, lead: Lead) -> Lead:
        self._check(lead.member_id)
        if self._rows.where(lambda x: (x.member_id, x.number) == (lead.member_id, lead.number)):
            raise Conflict(f"lead #{lead.number} of member {lead.member_id} exists")
        lead.id = self._uow.new_id()
        self._rows.put(lead.id, _lead(lead))
        self._seen[lead.id] = _lead_values(lead)
        return lead

    def save(self, lead: Lead) -> None:
        self._check(lead.member_id)
        values = _lead_values(lead)
        if self._seen.get(_id(lead)) == values:
            return  # unchanged since read here: nothing to write
        stored = self._rows.rows.get(_id(lead))
        if stored is None or stored.member_id != self.member_id:
            raise PermissionError("a lead can only be written by its own member")
        self._rows.put(_id(lead), _lead(lead))
        self._seen[_id(lead)] = values

    def _check(self, member_id: int) -> None:
        if member_id != self.member_id:
            raise PermissionError("a lead can only be written by its own member")


def _number(lead: Lead) -> int:
    return lead.number


class FakeLeads:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> Table[int, Lead]:
        return self._uow.tx.leads

    def of(self, member_id: int) -> FakeMemberLeads:
        return FakeMemberLeads(self._uow, member_id)

    def for_member(self, member_id: int) -> list[Lead]:
        return self.of(member_id).all()

    def add(self, lead: Lead) -> Lead:
        return self.of(lead.member_id).add(lead)

    def save(self, lead: Lead) -> None:
        self.of(lead.member_id).save(lead)

    def due(self, days: dict[int, date]) -> list[Lead]:
        found = self._rows.where(
            lambda x: x.member_id in days and x.due_on is not None and x.due_on <= days[x.member_id]
        )
        return [_lead(x) for x in sorted(found, key=lambda x: (x.member_id, x.number))]

    def save_planned(self, leads: list[Lead]) -> None:
        for lead in leads:
            stored = self._rows.rows.get(_id(lead))
            if stored is not None:
                planned = {name: getattr(lead, name) for name in PLANNED_LEAD_FIELDS}
                self._rows.put(_id(lead), replace(stored, **planned))

    def contacts(self, wanted: dict[int, set[int]]) -> dict[int, str]:
        return {
            _id(lead): lead.contact
            for lead in self._rows.rows.values()
            if _id(lead) in wanted.get(lead.member_id, ())
        }


# -- events and their tallies -----------------------------------------------------------

Tallied = Counter[tuple[date, Action]]


def tally(
    events: Iterable[Event], member_cal: BusinessCalendar, group_cal: BusinessCalendar
) -> tuple[Tallied, Tallied]:
    """Times counted and bonuses earned per (group-local day, action) by `events`."""
    times, bonuses = Tallied(), Tallied()
    for event, bonus in counted(events, member_cal):
        action = scored_as(event.action)
        if action.value in DEFAULT_POINTS:
            key = (group_cal.local_date(event.at), action)
            times[key] += 1
            bonuses[key] += bonus
    return times, bonuses


class FakeCalendars:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def owner(self, fingerprint: str) -> Member | None:
        found = self._uow.tx.members.where(lambda m: m.calendar_digest == fingerprint)
        return _member(found[0]) if found else None


class FakeActivities:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add(self, group_id: int, member_id: int, activity: Activity) -> Activity:
        stored = replace(activity, id=self._uow.new_id())
        assert stored.id is not None
        self._uow.tx.activities.put(stored.id, StoredActivity(group_id, member_id, stored))
        return stored

    def for_member(
        self, member_id: int, first: datetime | None = None, until: datetime | None = None
    ) -> list[Activity]:
        found = [
            s.activity
            for s in self._uow.tx.activities.where(lambda s: s.member_id == member_id)
            if (first is None or s.activity.at >= first)
            and (until is None or s.activity.at < until)
        ]
        return sorted(found, key=lambda a: (a.at, a.id or 0))

    def between(
        self, member_ids: list[int], first: datetime, until: datetime
    ) -> dict[int, list[Activity]]:
        found: dict[int, list[Activity]] = {}
        for member_id in member_ids:
            mine = self.for_member(member_id, first, until)
            if mine:
                found[member_id] = mine
        return found


class FakeInsights:
    """What `core.storage.insights` sums up in the database, summed up here in Python."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def leads_page(
        self, member_id: int, which: str, today: date, offset: int, limit: int
    ) -> tuple[list[Lead], int]:
        stage = stage_of(which)
        if which not in (ACTIVE, ALL, DUE) and stage is None:
            raise ValueError(f"no such list: {which!r}")

        def picked(lead: Lead) -> bool:
            if which == ACTIVE:
                return lead.active
            if which == DUE:
                return due_now(lead, today)
            return which == ALL or lead.stage is stage

        mine = self._uow.tx.leads.where(lambda x: x.member_id == member_id and picked(x))
        found = sorted(mine, key=_number)
        return [_lead(lead) for lead in found[offset : offset + limit]], len(found)

    def _added(
        self, member_id: int, first: datetime | None, until: datetime | None
    ) -> dict[int, Lead]:
        return {
            _id(lead): lead
            for lead in self._uow.tx.leads.where(
                lambda x: (
                    x.member_id == member_id
                    and (first is None or x.created_at >= first)
                    and (until is None or x.created_at < until)
                )
            )
        }

    def _history(self, leads: dict[int, Lead]) -> dict[int, list[Event]]:
        found: dict[int, list[Event]] = {lead_id: [] for lead_id in leads}
        stored = self._uow.tx.events.where(lambda s: s.event.lead_id in leads)
        for s in sorted(stored, key=lambda s: (s.event.at, s.event.id)):
            found[s.event.lead_id].append(s.event)
        return found

    def lead_paths(
        self, member_id: int, first: datetime | None, until: datetime | None = None
    ) -> list[LeadPath]:
        leads = self._added(member_id, first, until)
        paths = []
        for lead_id, events in self._history(leads).items():
            firsts: dict[Action, datetime] = {}
            for event in events:
                if event.action in MILESTONES:
                    firsts.setdefault(event.action, event.at)
            lead = leads[lead_id]
            referred = lead.parent_id is not None
            paths.append(LeadPath.of(lead.created_at, lead.via, referred, firsts))
        return paths

    def stage_stays(
        self, member_id: int, first: datetime | None, until: datetime | None = None
    ) -> list[StageStay]:
        stays = []
        for events in self._history(self._added(member_id, first, until)).values():
            changes: list[Event] = []
            for event in events:
                if not changes or changes[-1].stage_after is not event.stage_after:
                    changes.append(event)
            stays += [
                StageStay(a.stage_after, (b.at - a.at).total_seconds() / SECONDS_A_DAY)
                for a, b in itertools.pairwise(changes)
            ]
        return stays

    def group_week(self, group_id: int, monday: date, first: date) -> list[Facts]:
        tx = self._uow.tx
        members = sorted(tx.members.where(lambda m: m.group_id == group_id), key=_id)
        ids = {_id(m) for m in members}
        due: dict[int, Counter[int]] = {m: Counter() for m in ids}
        for lead in tx.leads.rows.values():
            if lead.member_id in ids and lead.due_on is not None:
                offset = (lead.due_on - first).days
                if offset <= 1:
                    due[lead.member_id][max(offset, -1)] += 1
        week = self._uow.events.tallies(group_id, monday)
        return [
            Facts(
                _id(m),
                m.name,
                m.tz,
                m.country,
                m.paused,
                m.graduated,
                m.share_companies,
                m.on_board,
                sum(week[_id(m)].counts.values()) if _id(m) in week else 0,
                m.last_action_at,
                (due[_id(m)][-1], due[_id(m)][0], due[_id(m)][1]),
            )
            for m in members
        ]

    def overdue_companies(
        self, group_id: int, member_ids: list[int], before: date
    ) -> dict[int, list[tuple[date, str]]]:
        members = self._uow.tx.members.rows
        wanted = {m for m in member_ids if m in members and members[m].group_id == group_id}
        found: dict[int, list[tuple[date, str]]] = {}
        leads = sorted(
            self._uow.tx.leads.where(
                lambda x: x.member_id in wanted and x.due_on is not None and x.due_on < before
            ),
            key=lambda x: (x.member_id, x.due_on, x.number),
        )
        for lead in leads:
            assert lead.due_on is not None
            found.setdefault(lead.member_id, []).append((lead.due_on, lead.company))
        return found


class FakeImports:
    """Each member's previewed import, as `pending_imports` keeps it: one per member, the
    expired ones gone at the next preview, unread after they expire."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def put(self, pending: PendingImport) -> None:
        rows = self._uow.tx.imports
        for member_id in [m for m, p in rows.rows.items() if p.expires_at <= pending.created_at]:
            rows.drop(member_id)
        # Stored as the database would store it: what the table's JSON holds.
        table = ImportTable.from_dict(json.loads(json.dumps(pending.table.to_dict())))
        rows.put(pending.member_id, replace(pending, table=table))

    def get(self, member_id: int, now: datetime) -> PendingImport | None:
        found = self._uow.tx.imports.rows.get(member_id)
        return found if found is not None and found.expires_at > now else None

    def drop(self, member_id: int) -> None:
        self._uow.tx.imports.drop(member_id)


class FakeLinks:
    """Links, link codes and wrong tries, as the three link tables keep them."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def put_code(self, code: LinkCode) -> None:
        rows = self._uow.tx.link_codes
        for member_id in [m for m, c in rows.rows.items() if c.expires_at <= code_made(code)]:
            rows.drop(member_id)
        rows.put(code.member_id, code)

    def live_codes(self, now: datetime) -> list[LinkCode]:
        found = self._uow.tx.link_codes.where(lambda c: c.expires_at > now)
        return sorted(found, key=lambda c: c.member_id)

    def drop_code(self, member_id: int) -> None:
        self._uow.tx.link_codes.drop(member_id)

    def tries(self, member_id: int) -> Tries:
        return self._uow.tx.link_tries.rows.get(member_id) or Tries(member_id)

    def put_tries(self, tries: Tries) -> None:
        if tries.member_id in self._uow.tx.members.rows:  # a foreign key, as stored
            self._uow.tx.link_tries.put(tries.member_id, tries)

    def of(self, member_id: int) -> Link | None:
        found = self.among([member_id])
        return found[0] if found else None

    def among(self, member_ids: Collection[int]) -> list[Link]:
        wanted = set(member_ids)
        found = self._uow.tx.links.where(lambda x: bool({x.primary_id, x.secondary_id} & wanted))
        return [replace(link) for link in sorted(found, key=lambda x: x.secondary_id)]

    def add(self, link: Link) -> None:
        rows = self._uow.tx.links
        taken = {m for x in rows.rows.values() for m in (x.primary_id, x.secondary_id)}
        if {link.primary_id, link.secondary_id} & taken:
            raise Conflict("a member is linked already")
        rows.put(link.secondary_id, replace(link))

    def save(self, link: Link) -> None:
        stored = self._uow.tx.links.rows.get(link.secondary_id)
        if stored is not None:
            self._uow.tx.links.put(link.secondary_id, replace(stored, deliver_id=link.deliver_id))

    def drop(self, link: Link) -> None:
        self._uow.tx.links.drop(link.secondary_id)

    def move_lead(self, lead_id: int, member_id: int, number: int) -> None:
        leads = self._uow.tx.leads
        stored = leads.rows.get(lead_id)
        if stored is None:
            return
        if leads.where(
            lambda x: (x.member_id, x.number) == (member_id, number) and x.id != lead_id
        ):
            raise Conflict(f"lead #{number} of member {member_id} exists")
        leads.put(lead_id, replace(stored, member_id=member_id, number=number))


def code_made(code: LinkCode) -> datetime:
    """When a code was made: its expiry less the time codes live."""
    from core.domain.links import VALID_FOR

    return code.expires_at - VALID_FOR


class FakeEvents:
    """Events, and per member and group-local day what they count for: written with
    each event and counted again on `retally`, as the real tallies are."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def _in_order(self, keep: Callable[[StoredEvent], bool]) -> list[Event]:
        stored = self._uow.tx.events.where(keep)
        return [s.event for s in sorted(stored, key=lambda s: (s.event.at, s.event.id))]

    def add(self, group_id: int, member_id: int, event: Event) -> None:
        history = self._in_order(lambda s: s.event.lead_id == event.lead_id)
        event = replace(event, id=self._uow.new_id())
        self._uow.tx.events.put(_event_id(event), StoredEvent(group_id, member_id, event))
        if event.action not in TALLIED:
            return
        member_cal, group_cal = self._calendars(group_id, member_id)
        times_before, bonuses_before = tally(history, member_cal, group_cal)
        times, bonuses = tally([*history, event], member_cal, group_cal)
        times.subtract(times_before)
        bonuses.subtract(bonuses_before)
        self._add_tallies(group_id, member_id, times, bonuses)

    def add_imported(self, group_id: int, member_id: int, events: list[Event]) -> None:
        assert all(event.imported for event in events)
        for event in events:
            event = replace(event, id=self._uow.new_id())
            self._uow.tx.events.put(_event_id(event), StoredEvent(group_id, member_id, event))

    def _held(self, member_ids: Collection[int]) -> dict[int, int]:
        """Lead id -> its member, of the leads these members hold."""
        wanted = set(member_ids)
        return {
            _id(lead): lead.member_id
            for lead in self._uow.tx.leads.rows.values()
            if lead.member_id in wanted
        }

    def for_member(self, member_id: int) -> list[Event]:
        held = self._held([member_id])
        return self._in_order(lambda s: s.event.lead_id in held)

    def for_lead(self, member_id: int, lead_id: int) -> list[Event]:
        if lead_id not in self._held([member_id]):
            return []
        return self._in_order(lambda s: s.event.lead_id == lead_id)

    def times(self, member_id: int, actions: Collection[Action]) -> list[tuple[datetime, datetime]]:
        mine = self.for_member(member_id)
        return [
            (event.at, event.logged)
            for event in mine
            if event.action in actions and not event.imported
        ]

    def between(
        self, member_ids: list[int], first: datetime, until: datetime
    ) -> dict[int, list[Event]]:
        held = self._held(member_ids)
        found: dict[int, list[Event]] = {}
        for stored in sorted(
            self._uow.tx.events.where(
                lambda s: s.event.lead_id in held and first <= s.event.at < until
            ),
            key=lambda s: (s.event.at, s.event.id),
        ):
            found.setdefault(held[stored.event.lead_id], []).append(stored.event)
        return found

    def retally(self, group_id: int, member_id: int | None = None) -> None:
        tallies = self._uow.tx.tallies
        for key in list(tallies.rows):
            if key[0] == group_id and member_id in (None, key[1]):
                tallies.drop(key)
        members = {
            s.member_id
            for s in self._uow.tx.events.rows.values()
            if s.group_id == group_id and member_id in (None, s.member_id)
        }
        for member in sorted(members):
            calendars = self._calendars(group_id, member)
            logged = self._logged(group_id, member)
            self._add_tallies(group_id, member, *tally(logged, *calendars))

    def _logged(self, group_id: int, member_id: int) -> list[Event]:
        """What the member logged in the group (a board's tallies count these)."""
        return self._in_order(lambda s: (s.group_id, s.member_id) == (group_id, member_id))

    def tallies(self, group_id: int, first: date, until: date | None = None) -> dict[int, Tally]:
        result: dict[int, Tally] = {}
        for member_id, days in self._in_range(group_id, first, until).items():
            counts: Counter[Action] = Counter()
            for day in days:
                counts.update(day.counts)
            result[member_id] = Tally(+counts, sum(day.bonuses for day in days))
        return result

    def standings(
        self, group_id: int, first: date, until: date | None, points: Mapping[str, int]
    ) -> Standings:
        found, totals = {}, Counter[Action]()
        for member_id, tally_ in self.tallies(group_id, first, until).items():
            worth = {a: n for a, n in tally_.counts.items() if a in SCORING}
            earned = sum(n * points.get(a.value, 0) for a, n in worth.items())
            found[member_id] = earned + tally_.bonuses * REJECTION_CALL_BONUS
            totals.update(worth)
        return Standings(found, +totals)

    def days(
        self, group_id: int, first: date, until: date, member_id: int | None = None
    ) -> dict[date, Counter[Action]]:
        found: dict[date, Counter[Action]] = {}
        for (group, member, day), row in self._uow.tx.tallies.rows.items():
            if group == group_id and first <= day < until and member_id in (None, member):
                found.setdefault(day, Counter()).update(row.counts)
        return {day: +counts for day, counts in found.items() if +counts}

    def chains_grown(
        self, group_id: int, since: datetime, until: datetime, member_id: int | None = None
    ) -> int:
        leads = self._uow.tx.leads.rows
        firsts: set[int] = set()
        for stored in self._uow.tx.events.rows.values():
            event = stored.event
            if (
                stored.group_id != group_id
                or member_id not in (None, stored.member_id)
                or event.action is not Action.REFERRAL
                or event.imported
                or not since <= event.at < until
                or event.lead_id not in leads
            ):
                continue
            lead, seen = leads[event.lead_id], {event.lead_id}
            while lead.parent_id is not None and lead.parent_id in leads:
                if lead.parent_id in seen:
                    break  # a loop in bad data: the walk ends
                seen.add(lead.parent_id)
                lead = leads[lead.parent_id]
            assert lead.id is not None
            firsts.add(lead.id)
        return len(firsts)

    def _in_range(
        self, group_id: int, first: date, until: date | None
    ) -> dict[int, list[DayTally]]:
        days: dict[int, list[DayTally]] = {}
        for (group, member, day), row in sorted(self._uow.tx.tallies.rows.items()):
            if group == group_id and first <= day and (until is None or day < until):
                days.setdefault(member, []).append(row)
        return days

    def _calendars(
        self, group_id: int, member_id: int
    ) -> tuple[BusinessCalendar, BusinessCalendar]:
        group = self._uow.tx.groups.rows[group_id]
        member = self._uow.tx.members.rows[member_id]
        return (
            BusinessCalendar.of(member.tz or group.tz, member.country or group.country),
            BusinessCalendar.of(group.tz, group.country),
        )

    def _add_tallies(self, group_id: int, member_id: int, times: Tallied, bonuses: Tallied) -> None:
        """Add `times` and `bonuses` (either may be negative) to the member's days; a day
        not stored yet is stored only if it changes anything."""
        tallies = self._uow.tx.tallies
        for day in sorted({d for d, _ in times} | {d for d, _ in bonuses}):
            added = Counter({a: times[day, a] for a in SCORING if times[day, a]})
            extra = sum(bonuses[day, a] for a in SCORING)
            key = (group_id, member_id, day)
            stored = tallies.rows.get(key)
            if stored is None and not (added or extra):
                continue
            counts = Counter(stored.counts if stored else {})
            counts.update(added)
            tallies.put(key, DayTally(counts, (stored.bonuses if stored else 0) + extra))


def _event_id(event: Event) -> int:
    assert event.id is not None
    return event.id


# -- the outbox and the applied keys ------------------------------------------------------


class FakeOutbox:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> Table[int, OutboxEntry]:
        return self._uow.tx.outbox

    def add(self, item: Outgoing, now: datetime) -> bool:
        return self.add_many([item], now) == 1

    def add_many(self, items: list[Outgoing], now: datetime) -> int:
        written, keys = 0, {o.key for o in self._rows.rows.values()}
        for item in items:
            if item.key in keys:
                continue
            keys.add(item.key)
            entry = OutboxEntry(
                id=self._uow.new_id(),
                key=item.key,
                group_id=item.group_id,
                member_id=item.member_id,
                to_channel=item.to_channel,
                message=Message.from_dict(item.message.to_dict()),
                not_before=item.not_before,
                expires_at=item.expires_at,
                status=item.status,
            )
            self._rows.put(entry.id, entry)
            written += 1
        return written

    def claim(
        self,
        now: datetime,
        worker: str,
        limit: int,
        lease_seconds: int,
        platforms: frozenset[str] | None = None,
    ) -> list[Delivery]:
        def claimable(o: OutboxEntry) -> bool:
            return o.status == "pending" and (o.claimed_until is None or o.claimed_until < now)

        for o in self._rows.where(claimable):
            if o.expires_at is not None and o.expires_at < now:
                self._rows.put(o.id, replace(o, status="missed", claimed_until=None))
        groups = self._uow.tx.groups.rows

        def sendable(o: OutboxEntry) -> bool:
            group = groups[o.group_id]
            live = not group.suspended and (platforms is None or group.platform in platforms)
            return claimable(o) and o.not_before <= now and live

        chosen = sorted(self._rows.where(sendable), key=lambda o: (o.not_before, o.id))[:limit]
        until = now + timedelta(seconds=lease_seconds)
        claimed = []
        for o in chosen:
            o = replace(o, claimed_by=worker, claimed_until=until)
            self._rows.put(o.id, o)
            claimed.append(self._delivery(o, worker, until))
        return claimed

    def _delivery(self, o: OutboxEntry, worker: str, until: datetime) -> Delivery:
        group = self._uow.tx.groups.rows[o.group_id]
        member = None if o.member_id is None else self._uow.tx.members.rows.get(o.member_id)
        dm = None if o.to_channel else member
        return Delivery(
            id=o.id,
            key=o.key,
            platform=group.platform,
            workspace_id=group.external_id,
            user_id=None if dm is None else dm.external_id,
            channel=group.channel,
            recipient_tz=group.tz if dm is None else (dm.tz or group.tz),
            recipient_name="#group" if dm is None else dm.name,
            message=o.message,
            attempts=o.attempts,
            group_id=o.group_id,
            member_id=o.member_id,
            worker=worker,
            lease_until=until,
            dm_channel=None if dm is None else dm.dm_channel,
        )

    def mark_sent(self, delivery: Delivery, at: datetime, platform_message_id: str | None) -> bool:
        return self._update_mine(
            delivery,
            lambda o: replace(
                o,
                status="sent",
                sent_at=at,
                platform_message_id=platform_message_id,
                claimed_until=None,
                attempts=o.attempts + 1,
            ),
        )

    def mark_failed(
        self,
        delivery: Delivery,
        error: str,
        retry_at: datetime | None,
        *,
        count_attempt: bool = True,
    ) -> bool:
        def failed(o: OutboxEntry) -> OutboxEntry:
            o = replace(o, error=error[:2000], claimed_until=None)
            if count_attempt:
                o = replace(o, attempts=o.attempts + 1)
            if retry_at is None:
                return replace(o, status="failed")
            return replace(o, not_before=retry_at)

        return self._update_mine(delivery, failed)

    def _update_mine(
        self, delivery: Delivery, change: Callable[[OutboxEntry], OutboxEntry]
    ) -> bool:
        """Change the row if this delivery's claim still holds; whether it did."""
        o = self._rows.rows.get(delivery.id)
        if o is None or o.status != "pending" or o.claimed_by != delivery.worker:
            return False
        self._rows.put(o.id, change(o))
        return True

    def release(self, outbox_id: int | None = None, worker: str | None = None) -> None:
        for o in self._rows.where(
            lambda o: (
                o.status == "pending"
                and outbox_id in (None, o.id)
                and worker in (None, o.claimed_by)
            )
        ):
            self._rows.put(o.id, replace(o, claimed_until=None, claimed_by=None))

    def direct(self, outbox_id: int) -> tuple[str, str, str, Message] | None:
        o = self._rows.rows.get(outbox_id)
        if o is None or o.to_channel or o.member_id is None:
            return None
        member = self._uow.tx.members.rows.get(o.member_id)
        if member is None:
            return None
        group = self._uow.tx.groups.rows[o.group_id]
        return group.platform, group.external_id, member.external_id, o.message

    def pending_for(self, member_id: int) -> int:
        return len(self._rows.where(lambda o: o.member_id == member_id and o.status == "pending"))

    def counts(self, now: datetime) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for o in self._rows.rows.values():
            live = o.claimed_until is not None and o.claimed_until >= now
            counts["claimed" if o.status == "pending" and live else o.status] += 1
        return counts


class FakeApplied:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def first(self, key: str, now: datetime) -> bool:
        applied = self._uow.tx.applied
        if key in applied.rows:
            return False
        applied.put(key, now)
        for old in [k for k, at in applied.rows.items() if at < now - KEPT]:
            applied.drop(old)
        return True

    def forget(self, key: str) -> None:
        self._uow.tx.applied.drop(key)

"""Events, and the tallies written with them so that a board never re-reads history."""

from __future__ import annotations

import functools
import itertools
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    Subquery,
    bindparam,
    delete,
    false,
    func,
    insert,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.domain.calendar import BusinessCalendar
from core.domain.leads import Action, Event, Stage
from core.domain.scoring import (
    ALL_TIME,
    DEFAULT_POINTS,
    REJECTION_CALL_BONUS,
    TALLIED,
    Standings,
    Tally,
    counted,
    scored_as,
)
from core.storage import mapping
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, TallyRow

# Every counted event adds to its day, its month and all time (see TallyRow).
DAY, MONTH, ALL = "day", "month", "all"

# The actions that can earn points, each a column of TallyRow named as the action.
SCORING = tuple(Action(a) for a in DEFAULT_POINTS)

# Per (group-local day, action): how many times an action counted, or its bonuses.
Tallied: TypeAlias = Counter[tuple[date, Action]]

# Built once: the statements every command runs (see repositories.py).
_EVENTS = mapping.table(EventRow)
# A member's history is that of the leads they hold, whoever logged it: a lead that
# came with a link (core.domain.links) brings its history with it, and takes it back.
_HELD = select(LeadRow.id).where(LeadRow.member_id == bindparam("member_id")).scalar_subquery()
_MEMBER_EVENTS = (
    select(_EVENTS).where(EventRow.lead_id.in_(_HELD)).order_by(EventRow.at, EventRow.id)
)
# By the lead alone, its member checked on the rows: with the member in the WHERE,
# SQLite may walk the member's whole history by (member_id, at) for its order.
_LEAD_EVENTS = (
    select(_EVENTS, LeadRow.member_id.label("holder"))
    .join(LeadRow, LeadRow.id == EventRow.lead_id)
    .where(EventRow.lead_id == bindparam("lead_id"))
    .order_by(EventRow.at, EventRow.id)
)
_TIMES = select(EventRow.at, EventRow.logged_at).where(
    EventRow.lead_id.in_(_HELD),
    EventRow.action.in_(bindparam("actions", expanding=True)),
    EventRow.imported.is_(false()),  # history brought in from a file keeps no streak
)
_CALENDARS = (
    select(MemberRow.tz, MemberRow.country, GroupRow.tz, GroupRow.country)
    .join(GroupRow, GroupRow.id == MemberRow.group_id)
    .where(MemberRow.id == bindparam("member_id"), GroupRow.id == bindparam("group_id"))
)
_LEAD_HISTORY = (
    select(EventRow.action, EventRow.at, EventRow.stage_after, EventRow.imported)
    .where(EventRow.lead_id == bindparam("lead_id"))
    .order_by(EventRow.at, EventRow.id)
)


_ADD_EVENT = insert(_EVENTS)


def _column(name: str) -> ColumnElement[int]:
    return TallyRow.__table__.c[name]


class SqlEvents:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, group_id: int, member_id: int, event: Event) -> None:
        """Write the event, and what it changes in the member's tallies.

        The scoring rules look at one lead's history only, so the lead's events before
        and after this one say exactly what it adds (a duplicate adds nothing). An event
        that earns nothing, and changes what no other event earns, adds nothing.
        """
        tallied = event.action in TALLIED
        history = self._lead_history(event.lead_id) if tallied else []  # before it is added
        mapping.run(self._s, _ADD_EVENT, mapping.event_values(group_id, member_id, event))
        if not tallied:
            return
        member_cal, group_cal = calendars(self._s, group_id, member_id)
        times_before, bonuses_before = tally(history, member_cal, group_cal)
        times, bonuses = tally([*history, event], member_cal, group_cal)
        times.subtract(times_before)
        bonuses.subtract(bonuses_before)
        write_tallies(self._s, tally_rows(group_id, member_id, times, bonuses))

    def add_imported(self, group_id: int, member_id: int, events: list[Event]) -> None:
        """Write a file's history in one statement: imported events count for nothing,
        and are the only events of their leads, so no tally changes."""
        assert all(event.imported for event in events)
        if events:
            rows = [mapping.event_values(group_id, member_id, event) for event in events]
            self._s.connection().execute(_ADD_EVENT, rows)

    def retally(self, group_id: int, member_id: int | None = None) -> None:
        """Count a member's (or the whole group's) tallies again from their events: their
        days depend on the zone and holidays, which just changed."""
        rows = delete(TallyRow).where(TallyRow.group_id == group_id)
        if member_id is not None:
            rows = rows.where(TallyRow.member_id == member_id)
        self._s.execute(rows)
        for group, member, times, bonuses in tallied_members(self._s, group_id, member_id):
            write_tallies(self._s, tally_rows(group, member, times, bonuses))

    def for_member(self, member_id: int) -> list[Event]:
        rows = mapping.run(self._s, _MEMBER_EVENTS, {"member_id": member_id})
        return [mapping.event(r) for r in rows]

    def for_lead(self, member_id: int, lead_id: int) -> list[Event]:
        rows = mapping.run(self._s, _LEAD_EVENTS, {"lead_id": lead_id})
        return [mapping.event(r) for r in rows if r.holder == member_id]

    def times(self, member_id: int, actions: Collection[Action]) -> list[tuple[datetime, datetime]]:
        params = {"member_id": member_id, "actions": [action.value for action in actions]}
        return [(at, logged or at) for at, logged in mapping.run(self._s, _TIMES, params)]

    def between(
        self, member_ids: list[int], first: datetime, until: datetime
    ) -> dict[int, list[Event]]:
        found: dict[int, list[Event]] = {}
        for chunk in mapping.chunks(member_ids):
            query = (
                select(_EVENTS, LeadRow.member_id.label("holder"))
                .join(LeadRow, LeadRow.id == EventRow.lead_id)
                .where(LeadRow.member_id.in_(chunk), EventRow.at >= first, EventRow.at < until)
                .order_by(EventRow.at, EventRow.id)
            )
            for row in mapping.run(self._s, query):
                found.setdefault(row.holder, []).append(mapping.event(row))
        return found

    def tallies(self, group_id: int, first: date, until: date | None = None) -> dict[int, Tally]:
        """Each member's tally over the group-local days [first, until) (None: up to now),
        summed from the fewest rows: whole months from month rows, all time from one."""
        ranges = _ranges(first, until)
        result: dict[int, Tally] = {}
        for member_id, bonuses, *counts in self._s.execute(
            _tallies_query(_shape(ranges)), _params(group_id, ranges)
        ):
            found = Counter({a: int(n) for a, n in zip(SCORING, counts, strict=True) if n})
            result[member_id] = Tally(found, int(bonuses))
        return result

    def standings(
        self, group_id: int, first: date, until: date | None, points: Mapping[str, int]
    ) -> Standings:
        """Each member's points over [first, until) at `points`, and the group's count of
        each action, summed in the database from one tally row per member and span (the
        sums `Tally.points` makes: counts times their action's points, plus the bonuses).
        Two reads of the same rows: one number per member, then the totals as one row."""
        ranges = _ranges(first, until)
        per_member, sums = _standings_queries(_shape(ranges))
        params = _params(group_id, ranges)
        worth = {f"points_{a.value}": points.get(a.value, 0) for a in SCORING}
        found = {m: int(total) for m, total in self._s.execute(per_member, params | worth)}
        counts = self._s.execute(sums, params).one()
        totals = Counter({a: int(n or 0) for a, n in zip(SCORING, counts, strict=True)})
        return Standings(found, +totals)  # without the actions that never counted

    def days(
        self, group_id: int, first: date, until: date, member_id: int | None = None
    ) -> dict[date, Counter[Action]]:
        """Each group-local day's count of each scoring action in [first, until), of the
        group (or one member), summed in the database from the day tallies: one query."""
        params: dict[str, object] = {"group_id": group_id, "first": first, "until": until}
        if member_id is not None:
            params["member_id"] = member_id
        found: dict[date, Counter[Action]] = {}
        for start, *counts in self._s.execute(_days_query(member_id is not None), params):
            found[start] = +Counter({a: int(n or 0) for a, n in zip(SCORING, counts, strict=True)})
        return found

    def chains_grown(
        self, group_id: int, since: datetime, until: datetime, member_id: int | None = None
    ) -> int:
        """How many referral chains (counted by their first lead) had a referral obtained
        in [since, until), of the group (or one member): one recursive query up the
        referred leads' parents."""
        params: dict[str, object] = {"group_id": group_id, "since": since, "until": until}
        if member_id is not None:
            params["member_id"] = member_id
        return int(self._s.execute(_chains_query(member_id is not None), params).scalar() or 0)

    def _lead_history(self, lead_id: int) -> list[Event]:
        rows = mapping.run(self._s, _LEAD_HISTORY, {"lead_id": lead_id})
        return [
            Event(lead_id, Action(a), at, Stage(stage), imported=imported)
            for a, at, stage, imported in rows
        ]


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


# Tally rows over a stretch of days: a span, and its first day and end (None: open).
Range: TypeAlias = tuple[str, date | None, date | None]
# What a query over ranges looks like, their dates aside: built once per shape.
Shape: TypeAlias = tuple[tuple[str, bool, bool], ...]


def _ranges(first: date, until: date | None) -> list[Range]:
    """The fewest ranges of tally rows that cover the days [first, until) once each:
    whole months from month rows, the rest from day rows, all time from its own."""
    if until is None and first <= ALL_TIME:
        return [(ALL, None, None)]
    months_from = first if first.day == 1 else _next_month(first)
    months_until = None if until is None else _month(until)
    if months_until is not None and months_from >= months_until:
        return [(DAY, first, until)]  # no whole month inside
    ranges: list[Range] = [(MONTH, months_from, months_until)]
    if first < months_from:
        ranges.append((DAY, first, months_from))
    if until is not None and months_until is not None and months_until < until:
        ranges.append((DAY, months_until, until))
    return ranges


def _shape(ranges: list[Range]) -> Shape:
    return tuple((span, start is not None, end is not None) for span, start, end in ranges)


def _params(group_id: int, ranges: list[Range]) -> dict[str, object]:
    params: dict[str, object] = {"group_id": group_id}
    for n, (_, start, end) in enumerate(ranges):
        if start is not None:
            params[f"from_{n}"] = start
        if end is not None:
            params[f"until_{n}"] = end
    return params


@functools.cache
def _covering(shape: Shape) -> Subquery:
    """The group's tally rows in ranges of this shape. One SELECT per range (UNION ALL),
    so that each reads a contiguous stretch of the key."""
    columns = [_column(name) for name in ("member_id", "bonuses", *(a.value for a in SCORING))]
    selects = []
    for n, (span, bounded_below, bounded_above) in enumerate(shape):
        conditions = [TallyRow.group_id == bindparam("group_id"), TallyRow.span == span]
        if bounded_below:
            conditions.append(TallyRow.start >= bindparam(f"from_{n}"))
        if bounded_above:
            conditions.append(TallyRow.start < bindparam(f"until_{n}"))
        selects.append(select(*columns).where(*conditions))
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery()


@functools.cache
def _tallies_query(shape: Shape) -> Select[Any]:
    rows = _covering(shape)
    sums = [func.sum(rows.c[a.value]) for a in SCORING]
    return select(rows.c.member_id, func.sum(rows.c.bonuses), *sums).group_by(rows.c.member_id)


@functools.cache
def _standings_queries(shape: Shape) -> tuple[Select[Any], Select[Any]]:
    """Each member's points (at the points bound as `points_<action>`), and the group's
    count of each action."""
    rows = _covering(shape)
    earned = rows.c.bonuses * REJECTION_CALL_BONUS
    for action in SCORING:
        earned += rows.c[action.value] * bindparam(f"points_{action.value}", type_=Integer)
    per_member = select(rows.c.member_id, func.sum(earned)).group_by(rows.c.member_id)
    return per_member, select(*(func.sum(rows.c[a.value]) for a in SCORING))


@functools.cache
def _days_query(one_member: bool) -> Select[Any]:
    """The day tallies of a group's days [first, until), summed per day: a contiguous
    stretch of the tallies' key (group, span, start)."""
    conditions = [
        TallyRow.group_id == bindparam("group_id"),
        TallyRow.span == DAY,
        TallyRow.start >= bindparam("first"),
        TallyRow.start < bindparam("until"),
    ]
    if one_member:
        conditions.append(TallyRow.member_id == bindparam("member_id"))
    sums = [func.sum(_column(a.value)) for a in SCORING]
    start = TallyRow.__table__.c.start
    return select(start, *sums).where(*conditions).group_by(start)


@functools.cache
def _chains_query(one_member: bool) -> Select[Any]:
    """The number of distinct first leads above the leads that obtained a referral in
    the window (found by the events' (group_id, at) index).

    Each step up is a lookup of one lead by its key (a scalar subquery): joined instead,
    PostgreSQL hashed the whole leads table at every step. A lead's parent erased leaves
    its parent_id NULL (ON DELETE SET NULL), so a first lead is one without a parent.
    UNION, not UNION ALL: a loop in bad data ends the walk instead of running forever."""
    conditions = [
        EventRow.group_id == bindparam("group_id"),
        EventRow.at >= bindparam("since"),
        EventRow.at < bindparam("until"),
        EventRow.action == Action.REFERRAL.value,
        EventRow.imported.is_(false()),
    ]
    if one_member:
        conditions.append(EventRow.member_id == bindparam("member_id"))
    referred = select(EventRow.lead_id).where(*conditions)
    start = select(LeadRow.id, LeadRow.parent_id).where(LeadRow.id.in_(referred))
    up = start.cte("up", recursive=True)
    parent = LeadRow.__table__.alias("parent")
    above = select(parent.c.parent_id).where(parent.c.id == up.c.parent_id).scalar_subquery()
    up = up.union(select(up.c.parent_id, above).where(up.c.parent_id.is_not(None)))
    return select(func.count(func.distinct(up.c.id))).where(up.c.parent_id.is_(None))


def calendars(
    session: Session, group_id: int, member_id: int
) -> tuple[BusinessCalendar, BusinessCalendar]:
    """The member's calendar (whose local days decide duplicates and the rejection-call
    window) and the group's (whose local days the boards' spans are made of)."""
    params = {"group_id": group_id, "member_id": member_id}
    tz, country, group_tz, group_country = mapping.run(session, _CALENDARS, params).one()
    return (
        BusinessCalendar.of(tz or group_tz, country or group_country),
        BusinessCalendar.of(group_tz, group_country),
    )


def tally(
    events: Iterable[Event], member_cal: BusinessCalendar, group_cal: BusinessCalendar
) -> tuple[Tallied, Tallied]:
    """Times counted and bonuses earned, per (group-local day, action), by one member's
    `events` (or one lead's)."""
    times, bonuses = Tallied(), Tallied()
    for event, bonus in counted(events, member_cal):
        action = scored_as(event.action)
        if action.value not in DEFAULT_POINTS:
            continue  # earns nothing at any points: no board needs it
        key = (group_cal.local_date(event.at), action)
        times[key] += 1
        bonuses[key] += bonus
    return times, bonuses


def tally_rows(
    group_id: int, member_id: int, times: Tallied, bonuses: Tallied
) -> list[dict[str, object]]:
    """The rows that add `times` and `bonuses` (either may be negative) to the member's
    day, month and all-time tallies: one per span, every column given."""
    sums: dict[tuple[str, date], Counter[str]] = defaultdict(Counter)
    for day, action in {*times, *bonuses}:
        for span, start in ((DAY, day), (MONTH, _month(day)), (ALL, ALL_TIME)):
            found = sums[span, start]
            found[action.value] += times[day, action]
            found["bonuses"] += bonuses[day, action]
    return [
        {
            "group_id": group_id,
            "member_id": member_id,
            "span": span,
            "start": start,
            "bonuses": found["bonuses"],
            **{a.value: found[a.value] for a in SCORING},
        }
        for (span, start), found in sums.items()
        if any(found.values())
    ]


def write_tallies(connection: Session | Connection, rows: list[dict[str, object]]) -> None:
    """Add `rows` (from `tally_rows`) to the tallies, creating the rows not there yet."""
    if rows:
        if isinstance(connection, Session):
            connection = connection.connection()  # Core: no ORM bulk insert around it
        connection.execute(_upsert(connection.dialect.name), rows)


def tallied_members(
    connection: Connection | Session, group_id: int | None = None, member_id: int | None = None
) -> Iterator[tuple[int, int, Tallied, Tallied]]:
    """(group id, member id, times, bonuses) of `tally` for every member with events (of
    one group, or one member): what their tallies hold."""
    groups = {
        g.id: BusinessCalendar.of(g.tz, g.country)
        for g in connection.execute(select(GroupRow.id, GroupRow.tz, GroupRow.country))
    }
    zones = connection.execute(
        select(
            MemberRow.id,
            MemberRow.group_id,
            MemberRow.tz,
            MemberRow.country,
            GroupRow.tz,
            GroupRow.country,
        ).join(GroupRow, GroupRow.id == MemberRow.group_id)
    )
    members = {
        m: (g, BusinessCalendar.of(tz or gtz, country or gcountry))
        for m, g, tz, country, gtz, gcountry in zones
    }
    query = select(
        EventRow.member_id,
        EventRow.lead_id,
        EventRow.action,
        EventRow.at,
        EventRow.stage_after,
        EventRow.imported,
    ).order_by(EventRow.member_id, EventRow.at, EventRow.id)
    if group_id is not None:
        query = query.where(EventRow.group_id == group_id)
    if member_id is not None:
        query = query.where(EventRow.member_id == member_id)
    for member_id, rows in itertools.groupby(connection.execute(query), key=lambda r: r[0]):
        events = [
            Event(lead, Action(a), at, Stage(stage), imported=imported)
            for _, lead, a, at, stage, imported in rows
        ]
        group_id, member_cal = members[member_id]
        yield group_id, member_id, *tally(events, member_cal, groups[group_id])


@functools.cache
def _upsert(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """INSERT a tally row, or add to the one already there (built once per dialect)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(mapping.table(TallyRow))
    added = ("bonuses", *(a.value for a in SCORING))
    return statement.on_conflict_do_update(
        index_elements=["group_id", "span", "start", "member_id"],
        set_={c: _column(c) + statement.excluded[c] for c in added},
    )

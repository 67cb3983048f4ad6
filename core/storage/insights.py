"""Reads that sum history up in the database: a page of a member's leads, a member's
funnel and the time their leads spend in each stage, and a group's week for its
organisers. Each reads what its answer needs, summed per lead or per member, never a
whole history into Python."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session

from core.domain.insights import (
    ACTIVE,
    ALL,
    ANSWERS,
    DUE,
    INTERVIEWS,
    OFFERS,
    OUTREACH,
    SECONDS_A_DAY,
    LeadPath,
    StageStay,
    stage_of,
)
from core.domain.leads import Action, Lead, Stage
from core.domain.report import Facts
from core.storage import mapping
from core.storage.events import DAY, SCORING
from core.storage.repositories import among
from core.storage.tables import EventRow, LeadRow, MemberRow, TallyRow, UTCDateTime

_LEADS = mapping.table(LeadRow)
_EVENTS = mapping.table(EventRow)
_MEMBERS = mapping.table(MemberRow)
_LEAD_COLUMNS = (*(_LEADS.c[name] for name in mapping.LEAD_FIELDS), _LEADS.c.id)
_STAGES = {stage.value: stage for stage in Stage}
_AT = UTCDateTime()


def _picked(which: str) -> ColumnElement[bool]:
    """The leads `which` picks, of the member bound as `member_id` (`today` for `due`)."""
    leads = _LEADS.c
    mine = leads.member_id == bindparam("member_id")
    if which == ALL:
        return mine
    if which == ACTIVE:
        return and_(mine, leads.stage != Stage.CLOSED.value)
    if which == DUE:
        today: Any = bindparam("today", type_=LeadRow.__table__.c.due_on.type)
        asked = and_(leads.nudge_asked.is_(true()), leads.nudged_on == today)
        return and_(mine, or_(leads.due_on <= today, asked))
    stage = stage_of(which)
    if stage is None:
        raise ValueError(f"no such list: {which!r}")
    return and_(mine, leads.stage == stage.value)


@functools.cache
def _page(which: str) -> tuple[Select[Any], Select[Any]]:
    """The page's rows and the count of all picked, built once per filter."""
    picked = _picked(which)
    rows = (
        select(*_LEAD_COLUMNS)
        .where(picked)
        .order_by(_LEADS.c.number)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return rows, select(func.count()).select_from(_LEADS).where(picked)


def _in_range(column: Any, bounded_below: bool, bounded_above: bool) -> list[ColumnElement[bool]]:
    found = []
    if bounded_below:
        found.append(column >= bindparam("first", type_=_AT))
    if bounded_above:
        found.append(column < bindparam("until", type_=_AT))
    return found


def _first(actions: tuple[Action, ...]) -> Any:
    """The first time one of `actions` happened, among a lead's events (NULL: never)."""
    events = _EVENTS.c
    found = case((events.action.in_([a.value for a in actions]), events.at))
    return type_coerce(func.min(found), _AT)


@functools.cache
def _paths(bounded_below: bool, bounded_above: bool) -> Select[Any]:
    """One row per lead added in the range: its own columns, and the first time of each
    step of the funnel among its events (NULL where it never came)."""
    leads = _LEADS.c
    return (
        select(
            leads.via,
            leads.parent_id,
            leads.created_at,
            _first(OUTREACH).label("reached"),
            _first((Action.APPLIED,)).label("applied"),
            _first((Action.CALLED,)).label("called"),
            _first(ANSWERS).label("answered"),
            _first(INTERVIEWS).label("interviewed"),
            _first(OFFERS).label("offered"),
        )
        .select_from(_LEADS.outerjoin(_EVENTS, _EVENTS.c.lead_id == leads.id))
        .where(
            leads.member_id == bindparam("member_id"),
            *_in_range(leads.created_at, bounded_below, bounded_above),
        )
        .group_by(leads.id, leads.via, leads.parent_id, leads.created_at)
    )


def _days(dialect: str, first: Any, then: Any) -> Any:
    """The days from `first` to `then` (naive UTC timestamps), as a number."""
    if dialect == "postgresql":
        return func.extract("epoch", then - first) / SECONDS_A_DAY
    return func.julianday(then) - func.julianday(first)


@functools.cache
def _stays(dialect: str, bounded_below: bool, bounded_above: bool) -> Select[Any]:
    """Every stay in a stage that ended, of the leads added in the range, in days: from
    each event that changed a lead's stage (its previous event's stage was another) to
    the next such change."""
    leads, events = _LEADS.c, _EVENTS.c
    order = (events.at, events.id)
    steps = (
        select(
            events.lead_id,
            events.at,
            events.id,
            events.stage_after,
            func.lag(events.stage_after)
            .over(partition_by=events.lead_id, order_by=order)
            .label("before"),
        )
        .join(_LEADS, leads.id == events.lead_id)
        .where(
            events.member_id == bindparam("member_id"),
            leads.member_id == bindparam("member_id"),
            *_in_range(leads.created_at, bounded_below, bounded_above),
        )
        .subquery()
    )
    changes = (
        select(steps.c.lead_id, steps.c.at, steps.c.id, steps.c.stage_after)
        .where(or_(steps.c.before.is_(None), steps.c.before != steps.c.stage_after))
        .subquery()
    )
    left = func.lead(changes.c.at).over(
        partition_by=changes.c.lead_id, order_by=(changes.c.at, changes.c.id)
    )
    stays = select(changes.c.stage_after, changes.c.at, left.label("left")).subquery()
    return select(stays.c.stage_after, _days(dialect, stays.c.at, stays.c.left)).where(
        stays.c.left.is_not(None)
    )


def _due_on(day: str) -> Any:
    return bindparam(day, type_=LeadRow.__table__.c.due_on.type)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


# Per member of the group, their counted actions since Monday: the week's day tallies
# (read in the key's order: the group's day rows of the week are contiguous).
_TALLIES = mapping.table(TallyRow)
_WEEK = (
    select(
        _TALLIES.c.member_id,
        func.sum(
            sum((_TALLIES.c[a.value] for a in SCORING[1:]), _TALLIES.c[SCORING[0].value])
        ).label("actions"),
    )
    .where(
        _TALLIES.c.group_id == bindparam("group_id"),
        _TALLIES.c.span == DAY,
        _TALLIES.c.start >= bindparam("monday", type_=TallyRow.__table__.c.start.type),
    )
    .group_by(_TALLIES.c.member_id)
    .subquery()
)
_DUE = (
    select(
        _LEADS.c.member_id,
        _count(_LEADS.c.due_on < _due_on("first")).label("before"),
        _count(_LEADS.c.due_on == _due_on("first")).label("on"),
        _count(_LEADS.c.due_on > _due_on("first")).label("after"),
    )
    .join(_MEMBERS, _MEMBERS.c.id == _LEADS.c.member_id)
    .where(_MEMBERS.c.group_id == bindparam("group_id"), _LEADS.c.due_on <= _due_on("next"))
    .group_by(_LEADS.c.member_id)
    .subquery()
)
_GROUP_WEEK = (
    select(
        _MEMBERS.c.id,
        _MEMBERS.c.name,
        _MEMBERS.c.tz,
        _MEMBERS.c.country,
        _MEMBERS.c.paused,
        _MEMBERS.c.graduated,
        _MEMBERS.c.share_companies,
        _MEMBERS.c.on_board,
        _WEEK.c.actions,
        _MEMBERS.c.last_action_at,
        _DUE.c.before,
        _DUE.c.on,
        _DUE.c.after,
    )
    .select_from(
        _MEMBERS.outerjoin(_WEEK, _WEEK.c.member_id == _MEMBERS.c.id).outerjoin(
            _DUE, _DUE.c.member_id == _MEMBERS.c.id
        )
    )
    .where(_MEMBERS.c.group_id == bindparam("group_id"))
    .order_by(_MEMBERS.c.id)
)


@functools.cache
def _overdue(dialect: str) -> Select[Any]:
    return (
        select(_LEADS.c.member_id, _LEADS.c.due_on, _LEADS.c.company)
        .join(_MEMBERS, _MEMBERS.c.id == _LEADS.c.member_id)
        .where(
            _MEMBERS.c.group_id == bindparam("group_id"),
            among(_LEADS.c.member_id, "members", dialect),
            _LEADS.c.due_on < _due_on("before"),
        )
        .order_by(_LEADS.c.member_id, _LEADS.c.due_on, _LEADS.c.number)
    )


class SqlInsights:
    def __init__(self, session: Session) -> None:
        self._s = session

    def leads_page(
        self, member_id: int, which: str, today: date, offset: int, limit: int
    ) -> tuple[list[Lead], int]:
        rows, count = _page(which)
        params: dict[str, Any] = {"member_id": member_id}
        if which == DUE:
            params["today"] = today
        total = mapping.run(self._s, count, params).scalar_one()
        if total <= offset:
            return [], total
        found = mapping.run(self._s, rows, params | {"offset": offset, "limit": limit})
        return [mapping.lead(row) for row in found], total

    def lead_paths(
        self, member_id: int, first: datetime | None, until: datetime | None = None
    ) -> list[LeadPath]:
        query = _paths(first is not None, until is not None)
        rows = mapping.run(self._s, query, _range(member_id, first, until))
        paths = []
        for row in rows:
            reached = row.reached
            by = _reached_by(reached, row.applied, row.called)
            referred = row.parent_id is not None
            steps = (row.answered, row.interviewed, row.offered)
            paths.append(LeadPath(row.created_at, row.via, referred, by, reached, *steps))
        return paths

    def stage_stays(
        self, member_id: int, first: datetime | None, until: datetime | None = None
    ) -> list[StageStay]:
        dialect = self._s.get_bind().dialect.name
        query = _stays(dialect, first is not None, until is not None)
        rows = mapping.run(self._s, query, _range(member_id, first, until))
        return [StageStay(_STAGES[stage], float(days)) for stage, days in rows]

    def group_week(self, group_id: int, monday: date, first: date) -> list[Facts]:
        params = {"group_id": group_id, "monday": monday, "first": first}
        params["next"] = first + timedelta(days=1)
        rows = mapping.run(self._s, _GROUP_WEEK, params)
        return [
            Facts(
                member_id,
                name,
                tz,
                country,
                paused,
                graduated,
                shares,
                listed,
                int(actions or 0),
                last_at,
                (int(before or 0), int(on or 0), int(after or 0)),
            )
            for (
                member_id,
                name,
                tz,
                country,
                paused,
                graduated,
                shares,
                listed,
                actions,
                last_at,
                before,
                on,
                after,
            ) in rows
        ]

    def overdue_companies(
        self, group_id: int, member_ids: list[int], before: date
    ) -> dict[int, list[tuple[date, str]]]:
        if not member_ids:
            return {}
        query = _overdue(self._s.get_bind().dialect.name)
        params = {"group_id": group_id, "members": list(member_ids), "before": before}
        found: dict[int, list[tuple[date, str]]] = {}
        for member_id, due_on, company in mapping.run(self._s, query, params):
            found.setdefault(member_id, []).append((due_on, company))
        return found


def _reached_by(
    reached: datetime | None, applied: datetime | None, called: datetime | None
) -> Action | None:
    """Which outreach came first, as `LeadPath.of` tells it (an application before a call
    before an email at the same time): an email and a follow-up both say email."""
    if reached is None:
        return None
    if applied == reached:
        return Action.APPLIED
    return Action.CALLED if called == reached else Action.EMAILED


def _range(member_id: int, first: datetime | None, until: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {"member_id": member_id}
    if first is not None:
        params["first"] = first
    if until is not None:
        params["until"] = until
    return params

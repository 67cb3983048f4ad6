"""Reads that sum history up in the database: a page of a member's leads, a member's
funnel and the time their leads spend in each stage, and a group's week for its
organisers. Each reads what its answer needs, summed per lead or per member, never a
whole history into Python."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session

from core.domain.insights import ACTIVE, ALL, DUE, MILESTONES, LeadPath, StageStay, stage_of
from core.domain.leads import Action, Lead, Stage
from core.domain.scoring import BOOKKEEPING
from core.storage import mapping
from core.storage.repositories import among
from core.storage.tables import EventRow, LeadRow, MemberRow, UTCDateTime

_LEADS = mapping.table(LeadRow)
_EVENTS = mapping.table(EventRow)
_MEMBERS = mapping.table(MemberRow)
_LEAD_COLUMNS = (*(_LEADS.c[name] for name in mapping.LEAD_FIELDS), _LEADS.c.id)
_ACTIONS = tuple(action.value for action in set(Action) - BOOKKEEPING)
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


@functools.cache
def _paths(bounded_below: bool, bounded_above: bool) -> Select[Any]:
    """One row per lead added in the range: its own columns, and the first time of each
    milestone among its events (NULL where it never came)."""
    leads, events = _LEADS.c, _EVENTS.c
    firsts = [
        type_coerce(func.min(case((events.action == action.value, events.at))), _AT).label(
            action.value
        )
        for action in MILESTONES
    ]
    return (
        select(leads.id, leads.created_at, leads.via, leads.parent_id, *firsts)
        .select_from(_LEADS.outerjoin(_EVENTS, events.lead_id == leads.id))
        .where(
            leads.member_id == bindparam("member_id"),
            *_in_range(leads.created_at, bounded_below, bounded_above),
        )
        .group_by(leads.id, leads.created_at, leads.via, leads.parent_id)
    )


@functools.cache
def _stays(bounded_below: bool, bounded_above: bool) -> Select[Any]:
    """Every stay in a stage that ended, of the leads added in the range: the events
    that changed a lead's stage (its previous event's stage was another), each with the
    time of the next such change."""
    leads, events = _LEADS.c, _EVENTS.c
    order = (events.at, events.id)
    steps = (
        select(
            events.lead_id,
            events.at,
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
        select(steps.c.lead_id, steps.c.at, steps.c.stage_after)
        .where(or_(steps.c.before.is_(None), steps.c.before != steps.c.stage_after))
        .subquery()
    )
    left = func.lead(changes.c.at).over(partition_by=changes.c.lead_id, order_by=changes.c.at)
    stays = select(
        changes.c.stage_after, changes.c.at, type_coerce(left, _AT).label("left")
    ).subquery()
    return select(stays.c.stage_after, stays.c.at, stays.c.left).where(stays.c.left.is_not(None))


# The latest action of each member of a group, found from the end of their history by
# the (member_id, at) index: one short walk per member, however long their history.
_LATEST = (
    select(_EVENTS.c.at)
    .where(
        _EVENTS.c.member_id == _MEMBERS.c.id,
        _EVENTS.c.action.in_(_ACTIONS),
        _EVENTS.c.imported.is_(false()),
    )
    .order_by(_EVENTS.c.at.desc())
    .limit(1)
    .scalar_subquery()
)
_LAST_ACTIONS = select(_MEMBERS.c.id, type_coerce(_LATEST, _AT)).where(
    _MEMBERS.c.group_id == bindparam("group_id")
)


def _due_on(day: str) -> Any:
    return bindparam(day, type_=LeadRow.__table__.c.due_on.type)


_DUE_COUNTS = (
    select(
        _LEADS.c.member_id,
        func.sum(case((_LEADS.c.due_on < _due_on("first"), 1), else_=0)),
        func.sum(case((_LEADS.c.due_on == _due_on("first"), 1), else_=0)),
        func.sum(case((_LEADS.c.due_on > _due_on("first"), 1), else_=0)),
    )
    .join(_MEMBERS, _MEMBERS.c.id == _LEADS.c.member_id)
    .where(_MEMBERS.c.group_id == bindparam("group_id"), _LEADS.c.due_on <= _due_on("next"))
    .group_by(_LEADS.c.member_id)
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
        return [
            LeadPath(
                row.created_at,
                row.via,
                row.parent_id is not None,
                {action: at for action in MILESTONES if (at := row._mapping[action.value])},
            )
            for row in rows
        ]

    def stage_stays(
        self, member_id: int, first: datetime | None, until: datetime | None = None
    ) -> list[StageStay]:
        query = _stays(first is not None, until is not None)
        rows = mapping.run(self._s, query, _range(member_id, first, until))
        return [StageStay(_STAGES[stage], at, left) for stage, at, left in rows]

    def last_actions(self, group_id: int) -> dict[int, datetime]:
        rows = mapping.run(self._s, _LAST_ACTIONS, {"group_id": group_id})
        return {member_id: at for member_id, at in rows if at is not None}

    def due_counts(self, group_id: int, first: date) -> dict[int, tuple[int, int, int]]:
        params = {
            "group_id": group_id,
            "first": first,
            "next": date.fromordinal(first.toordinal() + 1),
        }
        rows = mapping.run(self._s, _DUE_COUNTS, params)
        return {m: (int(before), int(on), int(after)) for m, before, on, after in rows}

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


def _range(member_id: int, first: datetime | None, until: datetime | None) -> dict[str, Any]:
    params: dict[str, Any] = {"member_id": member_id}
    if first is not None:
        params["first"] = first
    if until is not None:
        params["until"] = until
    return params

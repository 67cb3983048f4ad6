"""Rows to domain objects and back, and the session helpers every repository uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Row, Table, bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain.leads import Action, Event, Lead, Stage
from core.domain.members import Group, Member
from core.domain.scoring import DEFAULT_POINTS
from core.domain.settings import PlaybookSettings
from core.services.ports import Conflict
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow

MEMBER_FIELDS = tuple(f.name for f in fields(Member) if f.name != "id")
assert fields(Member)[-1].name == "id"  # SqlMembers.roster builds members by position
LEAD_FIELDS = tuple(f.name for f in fields(Lead) if f.name != "id")

# A lead read as a plain row (planning reads tens of thousands: no ORM entities).
LeadValues: TypeAlias = LeadRow | Row[tuple[Any, ...]]


def bulk_update(
    session: Session,
    table: type[MemberRow] | type[LeadRow],
    objects: Sequence[Member] | Sequence[Lead],
    names: tuple[str, ...],
) -> None:
    """One UPDATE ... WHERE id = ?, executed for many rows (compiled once)."""
    if objects:
        core = table.__table__
        assert isinstance(core, Table)  # a plain UPDATE, not the ORM's bulk mode
        statement = (
            update(core)
            .where(core.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in names})
        )
        rows = [{"_id": o.id, **{name: getattr(o, name) for name in names}} for o in objects]
        session.execute(statement, rows)


def flush(session: Session) -> None:
    """Flush, turning a unique-key race into the services' Conflict."""
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(str(error.orig)) from error


def copy(source: Member | Lead, target: MemberRow | LeadRow, names: tuple[str, ...]) -> None:
    for name in names:
        setattr(target, name, getattr(source, name))


def group(row: GroupRow) -> Group:
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


def fill_group(row: GroupRow, group: Group) -> None:
    row.tz, row.country, row.morning = group.tz, group.country, group.morning
    row.channel, row.next_board_at = group.channel, group.next_board_at
    row.suspended = group.suspended
    row.settings = {**group.settings.to_dict(), "points": dict(group.points)}


def member(row: MemberRow | Row[tuple[Any, ...]]) -> Member:
    return Member(**{name: getattr(row, name) for name in MEMBER_FIELDS}, id=row.id)


def lead(row: LeadValues) -> Lead:
    values = {name: getattr(row, name) for name in LEAD_FIELDS}
    values["stage"] = Stage(row.stage)
    return Lead(**values, id=row.id)


def event(row: EventRow) -> Event:
    return Event(
        row.lead_id,
        Action(row.action),
        row.at,
        Stage(row.stage_after),
        row.note,
        row.id,
        row.logged_at,
    )


Held = TypeVar("Held")


def hold(session: Session, rows: list[Held]) -> list[Held]:
    """`rows`, kept for the rest of this unit of work.

    The session's identity map holds rows weakly; a row read to build a domain object
    would be gone by the time that object is saved back, and found again with a SELECT.
    """
    session.info.setdefault("held", []).extend(rows)
    return rows

"""Rows to domain objects and back, and the session helpers every repository uses."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import (
    CursorResult,
    Executable,
    Insert,
    Row,
    Table,
    Update,
    bindparam,
    insert,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain.leads import Action, Event, Lead, Stage
from core.domain.members import Group, Member
from core.domain.scoring import DEFAULT_POINTS
from core.domain.settings import PlaybookSettings
from core.services.ports import Conflict
from core.storage.tables import Base, EventRow, GroupRow, LeadRow, MemberRow

MEMBER_FIELDS = tuple(f.name for f in fields(Member) if f.name != "id")
assert fields(Member)[-1].name == "id"  # SqlMembers.roster builds members by position
LEAD_FIELDS = tuple(f.name for f in fields(Lead) if f.name != "id")

# A lead read as a plain row (planning reads tens of thousands: no ORM entities).
LeadValues: TypeAlias = LeadRow | Row[tuple[Any, ...]]


def run(
    session: Session, statement: Executable, params: dict[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """A Core statement on the unit of work's own connection. (`Session.execute` would
    add its ORM execution path to every statement, a good part of their cost.)"""
    return session.connection().execute(statement, params)


CHUNK = 500  # ids in one IN (...): well under SQLite's and PostgreSQL's limits


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    """`ids` in slices of at most `size`, for statements that list them."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def table(entity: type[Base]) -> Table:
    """The Core table an ORM class is mapped to."""
    core = entity.__table__
    assert isinstance(core, Table)
    return core


Stored = TypeVar("Stored", Group, Member, Lead)


class Seen:
    """The values a unit of work read of one table's rows, by id, so that saving a row
    writes only the columns that changed since (nothing at all if none did), as the
    ORM's unit of work would, without its per-object bookkeeping."""

    def __init__(self) -> None:
        self._values: dict[int, dict[str, Any]] = {}

    def read(
        self,
        rows: Iterable[Row[Any]],
        build: Callable[[Row[Any]], Stored],
        values: Callable[[Stored], dict[str, Any]],
    ) -> list[Stored]:
        """The domain objects `build` makes of `rows`, each remembered as read."""
        found = [build(row) for row in rows]
        for item in found:
            assert item.id is not None
            self._values[item.id] = values(item)
        return found

    def remember(self, row_id: int, values: dict[str, Any]) -> None:
        self._values[row_id] = values

    def save(
        self,
        session: Session,
        table: Table,
        row_id: int,
        values: dict[str, Any],
        owner: tuple[str, int] | None = None,
    ) -> int | None:
        """UPDATE what `values` change in the row (see `update_row`): how many rows that
        matched, None if nothing changed. Remembered as written only if it matched."""
        changes = self.changes(row_id, values)
        if not changes:
            return None
        matched = update_row(session, table, row_id, changes, owner)
        if matched:
            self.remember(row_id, values)
        return matched

    def changes(self, row_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """What `values` change in the row as last read or written (all of them for a
        row not read here); `remember` the values once they are written."""
        before = self._values.get(row_id)
        if before is None:
            return values
        return {name: value for name, value in values.items() if before.get(name) != value}


@functools.cache
def _update(table: str, names: tuple[str, ...], owner: str | None) -> Update:
    core = Base.metadata.tables[table]
    statement = update(core).where(core.c.id == bindparam("_id"))
    if owner is not None:
        statement = statement.where(core.c[owner] == bindparam("_owner"))
    return statement.values({name: bindparam(name) for name in names})


def update_row(
    session: Session,
    table: Table,
    row_id: int | None,
    values: dict[str, Any],
    owner: tuple[str, int] | None = None,
) -> int:
    """UPDATE the row `row_id` of `table` with `values` (only where its `owner` column
    holds the owner's id, if given): how many rows it matched. The statement is built
    once per set of columns."""
    statement = _update(table.name, tuple(sorted(values)), owner and owner[0])
    params = {"_id": row_id, **values}
    if owner is not None:
        params["_owner"] = owner[1]
    return run(session, statement, params).rowcount


def insert_row(session: Session, table: Table, values: dict[str, Any]) -> int:
    """INSERT one row: its new id; a unique-key race is the services' Conflict."""
    try:
        result = run(session, _insert(table.name), values)
    except IntegrityError as error:
        raise Conflict(str(error.orig)) from error
    new_id = result.inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


@functools.cache
def _insert(table: str) -> Insert:
    return insert(Base.metadata.tables[table])


def group(row: GroupRow | Row[tuple[Any, ...]]) -> Group:
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
        log_preset=row.settings.get("log_preset"),
        id=row.id,
    )


def group_values(group: Group) -> dict[str, Any]:
    """A group's row, but for what never changes (its platform, id and creation)."""
    return {
        "tz": group.tz,
        "country": group.country,
        "morning": group.morning,
        "channel": group.channel,
        "next_board_at": group.next_board_at,
        "suspended": group.suspended,
        "settings": {
            **group.settings.to_dict(),
            "points": dict(group.points),
            **({"log_preset": group.log_preset} if group.log_preset else {}),
        },
    }


def member_values(member: Member) -> dict[str, Any]:
    return {name: getattr(member, name) for name in MEMBER_FIELDS}


def lead_values(lead: Lead) -> dict[str, Any]:
    values = {name: getattr(lead, name) for name in LEAD_FIELDS}
    values["stage"] = lead.stage.value
    return values


def event_values(group_id: int, member_id: int, event: Event) -> dict[str, Any]:
    """The `events` row of `event`, a member's in a group."""
    return {
        "group_id": group_id,
        "lead_id": event.lead_id,
        "member_id": member_id,
        "action": event.action.value,
        "at": event.at,
        "stage_after": event.stage_after.value,
        "note": event.note,
        "logged_at": event.logged_at,
        "how": event.how,
        "imported": event.imported,
    }


def member(row: MemberRow | Row[tuple[Any, ...]]) -> Member:
    return Member(**{name: getattr(row, name) for name in MEMBER_FIELDS}, id=row.id)


def lead(row: LeadValues) -> Lead:
    values = {name: getattr(row, name) for name in LEAD_FIELDS}
    values["stage"] = Stage(row.stage)
    return Lead(**values, id=row.id)


def event(row: EventRow | Row[tuple[Any, ...]]) -> Event:
    return Event(
        row.lead_id,
        Action(row.action),
        row.at,
        Stage(row.stage_after),
        row.note,
        row.id,
        row.logged_at,
        row.how,
        row.imported,
    )

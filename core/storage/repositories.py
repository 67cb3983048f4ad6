"""Repositories for groups, members and leads: domain objects in, domain objects out.

Events and their tallies live in `events.py`, the outbox in `outbox.py`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Dialect,
    Integer,
    LargeBinary,
    Row,
    Select,
    String,
    Table,
    TableValuedAlias,
    Update,
    UpdateBase,
    any_,
    bindparam,
    cast,
    column,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from core.domain.leads import Lead, Stage, folded
from core.domain.members import Group, Member
from core.storage import mapping
from core.storage.tables import (
    Base,
    EventRow,
    GroupRow,
    LeadRow,
    MemberRow,
    OutboxRow,
    TallyRow,
)

# What morning planning changes, written back in bulk by primary key.
_PLANNED_MEMBER_FIELDS = ("next_morning_at", "last_planned_on", "last_pipeline_on")
_PLANNED_LEAD_FIELDS = ("nudge_rule", "nudge_count", "nudged_on", "nudge_asked", "due_on")

# Plain rows, read and written with SQLAlchemy Core: the ORM's per-object bookkeeping
# (identity map, change tracking, flush) cost more than the statements of a command.
_GROUPS = mapping.table(GroupRow)
_MEMBERS = mapping.table(MemberRow)
_LEADS_TABLE = mapping.table(LeadRow)
_MEMBER_COLUMNS = (*(_MEMBERS.c[name] for name in mapping.MEMBER_FIELDS), _MEMBERS.c.id)
_LEAD_COLUMNS = (*(_LEADS_TABLE.c[name] for name in mapping.LEAD_FIELDS), _LEADS_TABLE.c.id)

# The statements every command runs, built once: building one and working out its cache
# key costs more than running it on a warm connection.
_GROUP = select(_GROUPS).where(
    _GROUPS.c.platform == bindparam("platform"), _GROUPS.c.external_id == bindparam("external_id")
)
_GROUP_BY_ID = select(_GROUPS).where(_GROUPS.c.id == bindparam("id"))
_MEMBER = select(*_MEMBER_COLUMNS).where(
    _MEMBERS.c.group_id == bindparam("group_id"), _MEMBERS.c.external_id == bindparam("external_id")
)
_MEMBER_LOCKED = _MEMBER.with_for_update()
# Every DM reads this first (a DM names no group): built once, by the members' own index.
_WORKSPACES_OF = (
    select(_GROUPS.c.external_id)
    .join(_MEMBERS, _MEMBERS.c.group_id == _GROUPS.c.id)
    .where(
        _GROUPS.c.platform == bindparam("platform"),
        _MEMBERS.c.external_id == bindparam("user"),
    )
    .order_by(_GROUPS.c.external_id)
)
_MEMBER_BY_ID = select(*_MEMBER_COLUMNS).where(_MEMBERS.c.id == bindparam("id"))
_OWN_LEADS = select(*_LEAD_COLUMNS).where(_LEADS_TABLE.c.member_id == bindparam("member_id"))
_LEADS = _OWN_LEADS.order_by(_LEADS_TABLE.c.number)
_LEAD_BY_ID = _OWN_LEADS.where(_LEADS_TABLE.c.id == bindparam("id"))
_LEAD_NUMBERED = _OWN_LEADS.where(_LEADS_TABLE.c.number == bindparam("number"))
_LEADS_REFERRED_BY = _LEADS.where(_LEADS_TABLE.c.parent_id == bindparam("parent_id"))
_STAGES = {stage.value: stage for stage in Stage}
assert fields(Lead)[-1].name == "id"  # SqlLeads.due builds leads by position
_LEADS_IN_STAGES = _LEADS.where(_LEADS_TABLE.c.stage.in_(bindparam("stages", expanding=True)))


class SqlGroups:
    def __init__(self, session: Session, now: datetime) -> None:
        self._s, self._now = session, now
        self._seen = mapping.Seen()

    def _read(self, rows: Iterable[Row[Any]]) -> list[Group]:
        return self._seen.read(rows, mapping.group, mapping.group_values)

    def get(self, platform: str, external_id: str) -> Group | None:
        rows = mapping.run(self._s, _GROUP, {"platform": platform, "external_id": external_id})
        return next(iter(self._read(rows)), None)

    def by_id(self, group_id: int) -> Group:
        return self._read([mapping.run(self._s, _GROUP_BY_ID, {"id": group_id}).one()])[0]

    def add(self, group: Group) -> Group:
        values = mapping.group_values(group)
        group.id = mapping.insert_row(
            self._s,
            _GROUPS,
            {
                "platform": group.platform,
                "external_id": group.external_id,
                "created_at": self._now,
                **values,
            },
        )
        self._seen.remember(group.id, values)
        return group

    def save(self, group: Group) -> None:
        assert group.id is not None
        self._seen.save(self._s, _GROUPS, group.id, mapping.group_values(group))

    def board_due(self, now: datetime) -> list[Group]:
        rows = mapping.run(
            self._s,
            select(_GROUPS)
            .where(_GROUPS.c.next_board_at <= now)
            .with_for_update(skip_locked=True),  # one planner per group's board
        )
        return self._read(rows)

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
        self._seen = mapping.Seen()

    def _read(self, rows: Iterable[Row[Any]]) -> list[Member]:
        return self._seen.read(rows, mapping.member, mapping.member_values)

    def get(self, group_id: int, external_id: str, *, lock: bool = True) -> Member | None:
        """The member, locked for this transaction (PostgreSQL): two commands of one
        member run one after the other, and the planner skips a member being served.
        `lock=False` for reads (autocomplete, the Home tab), which must never wait."""
        query = _MEMBER_LOCKED if lock else _MEMBER
        rows = mapping.run(self._s, query, {"group_id": group_id, "external_id": external_id})
        return next(iter(self._read(rows)), None)

    def add(self, member: Member) -> Member:
        values = mapping.member_values(member)
        member.id = mapping.insert_row(self._s, _MEMBERS, {**values, "created_at": self._now})
        self._seen.remember(member.id, values)
        return member

    def save(self, member: Member) -> None:
        assert member.id is not None
        self._seen.save(self._s, _MEMBERS, member.id, mapping.member_values(member))

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
        query = _MEMBER_BY_ID.with_for_update() if lock else _MEMBER_BY_ID
        return next(iter(self._read(mapping.run(self._s, query, {"id": member_id}))), None)

    def in_group(self, group_id: int) -> list[Member]:
        """Every member of the group, locked in id order (PostgreSQL) for saving: a change
        of the group's settings waits for the planner, and never writes over it."""
        query = select(*_MEMBER_COLUMNS).filter_by(group_id=group_id).order_by(_MEMBERS.c.id)
        return self._read(mapping.run(self._s, query.with_for_update()))

    def roster(self, group_id: int) -> list[Member]:
        """The group's members, for reading only (plain rows, not tracked: a board of
        thousands reads them fast); `in_group` is for members to be saved."""
        query = select(*_MEMBER_COLUMNS).filter_by(group_id=group_id).order_by(_MEMBERS.c.id)
        # The columns in the dataclass's order, its id last: built by position.
        return [Member(*row) for row in mapping.run(self._s, query)]

    def organisers(self, group_id: int) -> list[Member]:
        query = select(*_MEMBER_COLUMNS).filter_by(group_id=group_id, organiser=True)
        return self._read(mapping.run(self._s, query.order_by(_MEMBERS.c.id)))

    def workspaces_of(self, platform: str, external_id: str) -> list[str]:
        """The external ids of the groups on `platform` where `external_id` is a member."""
        found = self._s.scalars(_WORKSPACES_OF, {"platform": platform, "user": external_id})
        return list(found)

    def set_dm_channel(self, member_id: int, channel: str | None) -> None:
        mapping.update_row(self._s, _MEMBERS, member_id, {"dm_channel": channel})

    def morning_due(self, now: datetime, limit: int) -> list[Member]:
        rows = mapping.run(
            self._s,
            select(*_MEMBER_COLUMNS)
            .where(_MEMBERS.c.next_morning_at <= now)
            .order_by(_MEMBERS.c.next_morning_at, _MEMBERS.c.id)
            .limit(limit)
            # Several planners on PostgreSQL each take members nobody else is planning.
            .with_for_update(skip_locked=True),
        )
        return [Member(*row) for row in rows]  # the columns in the dataclass's order

    def next_morning_at(self) -> datetime | None:
        return self._s.scalar(select(func.min(MemberRow.next_morning_at)))

    def save_planned(self, members: list[Member]) -> None:
        """Write what planning changes on members, in one statement."""
        _write_planned(self._s, _MEMBERS, members, _PLANNED_MEMBER_FIELDS)


class SqlMemberLeads:
    """One member's leads: nothing read or written here belongs to anybody else."""

    def __init__(self, session: Session, member_id: int) -> None:
        self._s, self.member_id = session, member_id
        self._seen = mapping.Seen()  # read here: this member's, as stored

    def all(self) -> list[Lead]:
        return self._read(_LEADS)

    def get(self, lead_id: int) -> Lead | None:
        return next(iter(self._read(_LEAD_BY_ID, id=lead_id)), None)

    def numbered(self, number: int) -> Lead | None:
        return next(iter(self._read(_LEAD_NUMBERED, number=number)), None)

    def named(self, text: str) -> list[Lead]:
        """Exactly the leads whose folded contact or company holds folded `text`. The
        database narrows them down to those that may (see `_maybe_named`); only Python
        folds as `find` does, and it decides among those few before any becomes a lead."""
        dialect = self._s.get_bind().dialect.name
        escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params = {"member_id": self.member_id, "pattern": f"%{escaped}%"}
        rows = mapping.run(self._s, _maybe_named(dialect), params)
        held = (r for r in rows if text in folded(r.contact) or text in folded(r.company))
        return self._seen.read(held, mapping.lead, mapping.lead_values)

    def referred_by(self, lead_id: int) -> list[Lead]:
        return self._read(_LEADS_REFERRED_BY, parent_id=lead_id)

    def in_stages(self, stages: Collection[Stage]) -> list[Lead]:
        return self._read(_LEADS_IN_STAGES, stages=[stage.value for stage in stages])

    def _read(self, query: Select[Any], **params: object) -> list[Lead]:
        rows = mapping.run(self._s, query, {"member_id": self.member_id, **params})
        return self._seen.read(rows, mapping.lead, mapping.lead_values)

    def add(self, lead: Lead) -> Lead:
        self._check(lead.member_id)
        values = mapping.lead_values(lead)
        lead.id = mapping.insert_row(self._s, _LEADS_TABLE, values)
        self._seen.remember(lead.id, values)
        return lead

    def save(self, lead: Lead) -> None:
        """Write `lead` back; a PermissionError, and nothing written, unless both the
        stored lead and `lead` are this member's."""
        self._check(lead.member_id)
        assert lead.id is not None
        # Unchanged (None) means read here: this member's, and as stored. Otherwise the
        # UPDATE matches the lead only where it is stored under this member.
        owner = ("member_id", self.member_id)
        values = mapping.lead_values(lead)
        if self._seen.save(self._s, _LEADS_TABLE, lead.id, values, owner) == 0:
            raise PermissionError("a lead can only be written by its own member")

    def _check(self, member_id: int) -> None:
        if member_id != self.member_id:
            raise PermissionError("a lead can only be written by its own member")


def _write_planned(
    session: Session,
    table: Table,
    objects: Sequence[Member] | Sequence[Lead],
    names: tuple[str, ...],
) -> None:
    """Write `names` of each of `objects` to its row, by id: one UPDATE from the rows
    given as JSON on PostgreSQL, the driver's executemany on SQLite."""
    if not objects:
        return
    dialect = session.get_bind().dialect
    # The id of the row to update: `id_` as a parameter (SQLAlchemy keeps `id` for SET).
    key = "id" if dialect.name == "postgresql" else "id_"
    rows = [{key: o.id, **{name: getattr(o, name) for name in names}} for o in objects]
    if dialect.name == "postgresql":
        params = {"rows": as_json(dialect, table, rows)}
        mapping.run(session, _planned_update_given(table.name, names), params)
    else:
        executemany(session, _planned_update(table.name, names), table, rows)


@functools.cache
def _planned_update(name: str, names: tuple[str, ...]) -> Update:
    table = Base.metadata.tables[name]
    statement = update(table).where(table.c.id == bindparam("id_"))
    return statement.values({name: bindparam(name) for name in names})


@functools.cache
def _planned_update_given(name: str, names: tuple[str, ...]) -> Update:
    table = Base.metadata.tables[name]
    rows = given(table, ("id", *names))
    statement = update(table).where(table.c.id == rows.c.id)
    return statement.values({name: rows.c[name] for name in names})


def among(column: ColumnElement[int], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the list of ids given as the parameter `name`: an array on
    PostgreSQL (`= ANY(:name)`, a statement the driver parses once, whatever the number
    of ids), an expanding IN elsewhere."""
    if dialect == "postgresql":
        ids = ARRAY(Integer)
        return column == any_(cast(bindparam(name, type_=ids), ids))
    return column.in_(bindparam(name, expanding=True))


@functools.cache
def _due(dialect: str) -> Select[Any]:
    """Planning's read: these members' leads due by the latest of their days."""
    leads = _LEADS_TABLE.c
    return (
        select(*_LEAD_COLUMNS)
        .where(among(leads.member_id, "members", dialect), leads.due_on <= bindparam("by"))
        .order_by(leads.member_id, leads.number)
    )


@functools.cache
def _contacts(dialect: str) -> Select[Any]:
    leads = _LEADS_TABLE.c
    return select(leads.id, leads.member_id, leads.contact).where(among(leads.id, "ids", dialect))


# -- many rows at once ------------------------------------------------------------------------


def given(table: Table, names: tuple[str, ...]) -> TableValuedAlias:
    """PostgreSQL's rows of the columns `names` of `table` given as one parameter, `rows`,
    a JSON array of objects (see `as_json`): `json_to_recordset(:rows) AS given(...)`.
    One short statement for any number of rows: an executemany costs a round of the
    pipeline per row, and the driver parses a VALUES list of thousands of parameters
    (or quotes each string of an array) in Python, on every execution."""
    columns = [column(name, table.c[name].type) for name in names]
    rows = func.json_to_recordset(cast(bindparam("rows", type_=String), JSON))
    return rows.table_valued(*columns).render_derived(name="given", with_types=True)


def as_json(dialect: Dialect, table: Table, rows: list[dict[str, Any]]) -> str:
    """`rows`, each keyed by columns of `table`, as the parameter of `given`: each value
    as its column's type writes it (UTC datetimes made naive), a JSON column's nested.
    The rows' values are converted in place."""
    for name, write in _writers(dialect, table.name, tuple(rows[0]), nested=True):
        for row in rows:
            row[name] = write(row[name])
    return json.dumps(rows, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, date):  # and datetimes, which are dates too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def executemany(
    session: Session, statement: UpdateBase, table: Table, rows: list[dict[str, Any]]
) -> int:
    """Run `statement` once per row of `rows` (each keyed by the statement's parameters,
    named as the columns of `table` they are written to) by SQLite's own executemany,
    each value converted as its column's type would: SQLAlchemy takes longer to prepare
    a row's parameters than SQLite takes to run the statement. Returns how many rows
    the statement changed. (For drivers with positional parameters, as SQLite's.)"""
    dialect = session.get_bind().dialect
    sql, order = _compiled(dialect, statement)
    columns = [[row[name] for row in rows] for name in order]
    for name, write in _writers(dialect, table.name, order, nested=False):
        values = columns[order.index(name)]
        values[:] = [write(value) for value in values]
    result = session.connection().exec_driver_sql(sql, list(zip(*columns, strict=True)))
    return result.rowcount


@functools.cache
def _compiled(dialect: Dialect, statement: UpdateBase) -> tuple[str, tuple[str, ...]]:
    """The SQL of `statement` for `dialect`, and the order of its (positional) parameters."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    return compiled.string, tuple(compiled.positiontup)


@functools.cache
def _writers(
    dialect: Dialect, table: str, names: tuple[str, ...], *, nested: bool
) -> list[tuple[str, Callable[[Any], Any]]]:
    """The conversion of each of `names` that the database's driver is given converted
    (a JSON column's too, unless `nested` in JSON); names that are not columns of
    `table` (such as the id an UPDATE matches) go as they are."""
    found: list[tuple[str, Callable[[Any], Any]]] = []
    columns = Base.metadata.tables[table].c
    for name in names:
        kind = columns[name].type if name in columns else None
        if kind is None or (nested and isinstance(kind, JSON)):
            continue
        write = kind.dialect_impl(dialect).bind_processor(dialect)
        if write is not None:
            found.append((name, write))
    return found


@functools.cache
def _maybe_named(dialect: str) -> Select[Any]:
    """The member's leads whose contact or company may hold the LIKE `pattern` (lower
    case, `/` its escape): the ASCII names that hold it, whatever their case, and every
    name that is not ASCII.

    For an ASCII name, folding (NFKC, then casefold) is lowering its ASCII letters:
    SQLite's LIKE ignores the case of ASCII letters by itself (and lower() would double
    the cost of the scan); PostgreSQL's LIKE does not, so it compares the name lowered
    in the "C" collation, which lowers ASCII alone, whatever the database's locale. A
    name with anything beyond ASCII may fold to something else (`Gaßner` to gassner,
    `ＡＣＭＥ` to acme), so it is always read.
    """
    leads = _LEADS_TABLE.c

    def ascii_lower(column: ColumnElement[str]) -> ColumnElement[str]:
        return func.lower(column.collate("C")) if dialect == "postgresql" else column

    def beyond_ascii(column: ColumnElement[str]) -> ColumnElement[bool]:
        # In UTF-8, a text is ASCII when it has as many bytes as characters.
        if dialect == "postgresql":
            size = func.octet_length(column)
        else:
            size = func.length(cast(column, LargeBinary))  # SQLite: a BLOB's length is bytes
        return size != func.length(column)

    names = (leads.contact, leads.company)
    pattern = bindparam("pattern", type_=String)
    return _LEADS.where(
        or_(
            *(ascii_lower(name).like(pattern, escape="/") for name in names),
            *(beyond_ascii(name) for name in names),
        )
    )


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
        # Plain rows built by position, not ORM entities: planning reads tens of thousands.
        query = _due(self._s.get_bind().dialect.name)
        rows = mapping.run(self._s, query, {"members": list(days), "by": max(days.values())})
        found = []
        for row in rows:
            if row.due_on <= days[row.member_id]:
                lead = Lead(*row)
                lead.stage = _STAGES[row.stage]
                found.append(lead)
        return found

    def save_planned(self, leads: list[Lead]) -> None:
        """Write what planning changes on leads (the nudge memory), in one statement.

        Only for leads read through `due()`, which already scoped them to their members.
        """
        _write_planned(self._s, _LEADS_TABLE, leads, _PLANNED_LEAD_FIELDS)

    def contacts(self, wanted: dict[int, set[int]]) -> dict[int, str]:
        """Contact names of the leads `wanted` names, per member: {member id: {lead ids}}.

        A lead id asked for by a member it doesn't belong to is not returned.
        """
        ids = set().union(*wanted.values()) if wanted else set()
        if not ids:
            return {}
        query = _contacts(self._s.get_bind().dialect.name)
        rows = mapping.run(self._s, query, {"ids": list(ids)})
        return {
            lead_id: contact
            for lead_id, member_id, contact in rows
            if lead_id in wanted.get(member_id, ())
        }

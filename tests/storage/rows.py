"""Building blocks the storage tests share: a group, a member, a lead and an outgoing
message added through a unit of work, and a count of rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from core.domain.leads import Lead
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.services.ports import Outgoing
from core.storage.database import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def add_group(uow: SqlUnitOfWork, external_id: str = "T1", **values: object) -> Group:
    return uow.groups.add(Group("slack", external_id, **values))


def add_member(uow: SqlUnitOfWork, group: Group, external_id: str, **values: object) -> Member:
    assert group.id is not None
    return uow.members.add(
        Member(group.id, external_id, values.pop("name", external_id.title()), **values)
    )


def add_lead(uow: SqlUnitOfWork, member: Member, number: int, **values: object) -> Lead:
    assert member.id is not None
    values.setdefault("contact", f"Contact {number}")
    values.setdefault("company", f"Company {number}")
    return uow.leads.add(Lead(member.id, number, created_at=NOW, **values))


def outgoing(
    group: Group, member: Member | None, key: str, not_before: datetime = NOW, **values: object
) -> Outgoing:
    assert group.id is not None
    return Outgoing(
        key,
        group.id,
        None if member is None else member.id,
        Message("digest", f"for {key}"),
        not_before,
        **values,
    )


def count(uow: SqlUnitOfWork, table: type, **where: object) -> int:
    return uow.session.scalar(select(func.count()).select_from(table).filter_by(**where)) or 0

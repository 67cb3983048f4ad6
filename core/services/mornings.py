"""Planning a batch of members' mornings into the outbox, in a handful of statements."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.domain.leads import Lead
from core.domain.members import Group, Member
from core.domain.planning import plan_morning
from core.services.ports import Outgoing, UnitOfWork


def plan_batch(uow: UnitOfWork, members: list[Member], now: datetime, catch_up: timedelta) -> int:
    """Plan these members' due mornings, whatever their number; returns messages written."""
    groups: dict[int, Group] = {}
    days: dict[int, date] = {}
    for member in members:
        if member.group_id not in groups:
            groups[member.group_id] = uow.groups.by_id(member.group_id)
        assert member.id is not None and member.next_morning_at is not None
        days[member.id] = member.calendar(groups[member.group_id]).local_date(
            member.next_morning_at
        )
    due = uow.leads.due(days)
    by_member: dict[int, list[Lead]] = {}
    parents: dict[int, set[int]] = {}
    for lead in due:
        by_member.setdefault(lead.member_id, []).append(lead)
        if lead.parent_id is not None:
            parents.setdefault(lead.member_id, set()).add(lead.parent_id)
    referrers = uow.leads.contacts(parents)  # who referred whom, for the drafts
    digests = []
    for member in members:
        assert member.id is not None and member.next_morning_at is not None
        morning_at = member.next_morning_at
        leads = by_member.get(member.id, [])
        morning = plan_morning(member, groups[member.group_id], leads, referrers, now, catch_up)
        if morning.message is not None:
            digests.append(
                Outgoing(
                    key=f"digest:{member.id}:{morning.day.isoformat()}",
                    group_id=member.group_id,
                    member_id=member.id,
                    message=morning.message,
                    not_before=morning_at,
                    status="missed" if morning.missed else "pending",
                    expires_at=morning_at + catch_up,
                )
            )
    uow.leads.save_planned(due)
    uow.members.save_planned(members)
    return uow.outbox.add_many(digests, now)

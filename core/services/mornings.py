"""Planning a batch of members' mornings into the outbox, in a handful of statements."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.domain.calendar import BusinessCalendar
from core.domain.leads import Lead
from core.domain.members import Group, Member
from core.domain.planning import plan_morning
from core.domain.worklog import LogSettings, period_of, reminder, settings_of, window
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
    logs = log_lines(uow, members, groups, days)
    # Linked members (core.services.links): a secondary's mornings pass quietly (the
    # person's is its primary's), and a primary's goes where the person chose.
    quiet: set[int] = set()
    sent_to: dict[int, Member] = {}
    for link in uow.links.among(list(days)) if days else []:
        quiet.add(link.secondary_id)
        if link.deliver_id != link.primary_id:
            other = uow.members.by_id(link.deliver_id)
            if other is not None:
                sent_to[link.primary_id] = other
    digests = []
    changed: list[Lead] = []
    for member in members:
        assert member.id is not None and member.next_morning_at is not None
        morning_at = member.next_morning_at
        leads = by_member.get(member.id, [])
        group = groups[member.group_id]
        if member.id in sent_to:  # whether it can be sent is the recipient's (not saved)
            member.unreachable = sent_to[member.id].unreachable
        morning = plan_morning(member, group, leads, referrers, now, catch_up, logs.get(member.id))
        changed += morning.changed
        if morning.message is not None and member.id not in quiet:
            to = sent_to.get(member.id, member)
            digests.append(
                Outgoing(
                    key=f"digest:{member.id}:{morning.day.isoformat()}",
                    group_id=to.group_id,
                    member_id=to.id,
                    message=morning.message,
                    not_before=morning_at,
                    status="missed" if morning.missed else "pending",
                    expires_at=morning_at + catch_up,
                )
            )
    uow.leads.save_planned(changed)  # the other due leads are as they were read
    uow.members.save_planned(members)
    return uow.outbox.add_many(digests, now)


def log_lines(
    uow: UnitOfWork, members: list[Member], groups: dict[int, Group], days: dict[int, date]
) -> dict[int, str]:
    """The digest's line of each member who is behind their work-search log's minimum on
    the morning planned, read for all of them in two statements (most have no minimum:
    they cost nothing)."""
    wanted: dict[int, tuple[LogSettings, BusinessCalendar, date]] = {}
    spans: list[tuple[datetime, datetime]] = []
    for member in members:
        group = groups[member.group_id]
        settings = settings_of(member.log_settings, group.log_preset)
        if settings.minimum is None or member.paused or member.unreachable:
            continue
        assert member.id is not None
        cal, day = member.calendar(group), days[member.id]
        wanted[member.id] = (settings, cal, day)
        spans.append(window(*period_of(day, settings), cal))
    if not wanted:
        return {}
    first, until = min(s[0] for s in spans), max(s[1] for s in spans)
    events = uow.events.between(list(wanted), first, until)
    activities = uow.activities.between(list(wanted), first, until)
    lines = {}
    for member_id, (settings, cal, day) in wanted.items():
        line = reminder(
            settings, day, cal, events.get(member_id, []), activities.get(member_id, [])
        )
        if line is not None:
            lines[member_id] = line
    return lines

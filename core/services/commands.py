"""Use cases behind every command a member types, on any platform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from core.domain import grammar as g
from core.domain import replies
from core.domain.calendar import check_country, zone
from core.domain.digest import today_message
from core.domain.errors import DomainError, NotAllowed
from core.domain.group_posts import chain, chain_celebration, graduation
from core.domain.leads import Action, Event, Lead, apply, find
from core.domain.members import Group, Member
from core.domain.messages import Message, reply
from core.domain.planning import context, nudges_for_day, refresh, schedule
from core.domain.rules import Context
from core.domain.scoring import BOOKKEEPING, points_with, score
from core.services import boards
from core.services.ports import Outgoing, UnitOfWork


@dataclass(frozen=True, slots=True)
class Identity:
    """Who typed the command, as the platform tells it."""

    platform: str
    workspace_id: str
    user_id: str
    name: str
    is_admin: bool = False


class Call:
    """One command being handled: the caller's group, member and (lazily) leads."""

    def __init__(
        self, uow: UnitOfWork, now: datetime, group: Group, member: Member, who: Identity
    ) -> None:
        self.uow, self.now, self.group, self.member, self.who = uow, now, group, member, who
        self._leads: list[Lead] | None = None

    @property
    def leads(self) -> list[Lead]:
        if self._leads is None:
            assert self.member.id is not None
            self._leads = self.uow.leads.for_member(self.member.id)
        return self._leads

    @property
    def context(self) -> Context:
        return context(self.member, self.group)

    @property
    def today(self) -> date:
        return self.member.calendar(self.group).local_date(self.now)

    def lead(self, ref: str) -> Lead:
        return find(ref, self.leads)

    def log(self, lead: Lead, action: Action, note: str = "") -> None:
        apply(lead, action, self.now)
        assert lead.id is not None and self.member.id is not None and self.group.id is not None
        event = Event(lead.id, action, self.now, lead.stage, note)
        self.uow.events.add(self.group.id, self.member.id, event)
        if action not in BOOKKEEPING:
            cal = self.member.calendar(self.group)
            self.member.streak = self.member.streak.logged(cal.local_date(self.now), cal)

    def post(self, key: str, message: Message | None) -> None:
        """Write a group-channel post about this member (if the group has a channel)."""
        if message is None or self.group.channel is None:
            return
        assert self.group.id is not None and self.member.id is not None
        self.uow.outbox.add(
            Outgoing(
                f"{key}:{self.member.id}",
                self.group.id,
                self.member.id,
                message,
                self.now,
                to_channel=True,
            ),
            self.now,
        )

    def celebrate(self, lead: Lead, action: Action) -> None:
        """Celebrate a referral chain that grew, or reached an interview or an offer."""
        by_id = {x.id: x for x in self.leads if x.id is not None}
        message = chain_celebration(
            self.member.name, chain(lead, by_id), action, self.member.share_companies
        )
        self.post(f"chain:{lead.id}:{action.value}", message)

    def new_lead(
        self,
        contact: str,
        company: str,
        role: str | None = None,
        via: str | None = None,
        network: bool = False,
        parent: Lead | None = None,
    ) -> Lead:
        assert self.member.id is not None
        lead = self.uow.leads.add(
            Lead(
                member_id=self.member.id,
                number=self.member.next_lead_number,
                contact=contact,
                company=company,
                role=role,
                via=via,
                network=network,
                parent_id=None if parent is None else parent.id,
                created_at=self.now,
                stage_since=self.now,
            )
        )
        self.member.next_lead_number += 1
        self.leads.append(lead)
        self.log(lead, Action.ADDED)
        return lead

    def save(self) -> None:
        """Recompute what planning reads, then write the member and their leads."""
        if self._leads is not None:
            refresh(self.member, self.group, self._leads)
            for lead in self._leads:
                self.uow.leads.save(lead)
        self.uow.members.save(self.member)


def add(call: Call, cmd: g.AddLead) -> Message:
    lead = call.new_lead(cmd.contact, cmd.company, cmd.role, cmd.via, cmd.network)
    call.save()
    next_step = (
        "I'll remind you to keep in touch."
        if lead.network
        else f"Once you've written to them: /lead emailed {lead.ref}"
    )
    return reply(f"Added {lead.label}. {next_step}")


def log(call: Call, cmd: g.LogAction) -> Message:
    lead = call.lead(cmd.ref)
    call.log(lead, cmd.action, cmd.note)
    call.celebrate(lead, cmd.action)
    if cmd.action is Action.ACCEPTED:
        graduate(call, lead)
    call.save()
    return replies.logged(cmd.action.value, lead, call.context, call.today)


def graduate(call: Call, lead: Lead) -> None:
    """An accepted offer ends the search: celebrate it, and stop the mornings."""
    member = call.member
    assert member.id is not None
    _, counts = score(
        call.uow.events.for_member(member.id), member.calendar(call.group), call.group.points
    )
    call.post(f"graduation:{lead.id}", graduation(member.name, call.leads, counts))
    member.graduated = True
    schedule(member, call.group, call.now)


def referral(call: Call, cmd: g.AddReferral) -> Message:
    parent = call.lead(cmd.ref)
    call.log(parent, Action.REFERRAL, f"-> {cmd.contact} at {cmd.company}")
    child = call.new_lead(cmd.contact, cmd.company, cmd.role, via="intro", parent=parent)
    call.celebrate(child, Action.REFERRAL)
    call.save()
    return reply(
        f"Referral logged: {child.label}, referred by {parent.contact} ({parent.ref})."
        " Warm introductions go cold quickly: reach out by tomorrow morning."
    )


def note(call: Call, cmd: g.AddNote) -> Message:
    lead = call.lead(cmd.ref)
    call.log(lead, Action.NOTE, cmd.text)
    call.save()
    return reply(f"Noted on {lead.label}.")


def snooze(call: Call, cmd: g.Snooze) -> Message:
    lead = call.lead(cmd.ref)
    cal = call.member.calendar(call.group)
    lead.snoozed_until = cal.local_date(call.now) + timedelta(days=cmd.days)
    call.log(lead, Action.SNOOZED, f"{cmd.days} days")
    call.save()
    return reply(f"Snoozed {lead.label} until {replies.day(lead.snoozed_until)}.")


def drop(call: Call, cmd: g.Drop) -> Message:
    lead = call.lead(cmd.ref)
    call.log(lead, Action.DROPPED)
    call.save()
    return reply(f"Dropped {lead.label}. It stays in your history (`/lead list all`).")


def list_leads(call: Call, cmd: g.ListLeads) -> Message:
    return replies.pipeline(call.leads, call.context, call.today, cmd.include_closed)


def show(call: Call, cmd: g.Show) -> Message:
    lead = call.lead(cmd.ref)
    assert call.member.id is not None
    events = call.uow.events.for_member(call.member.id)
    return replies.show(lead, call.leads, events, call.context, call.today)


def today(call: Call, cmd: g.Today) -> Message:
    member, group = call.member, call.group
    cal = member.calendar(group)
    day = cal.local_date(call.now)
    # Evaluate "today" without touching what planning remembers.
    probe = replace(member, next_morning_at=cal.at(day, member.morning(group)))
    referrers = {lead.id: lead.contact for lead in call.leads if lead.id is not None}
    nudges = nudges_for_day(probe, group, call.leads, referrers, record=False)
    return today_message(member.name, day, nudges)


def my_settings(call: Call, cmd: g.MySettings) -> Message:
    member = call.member
    if cmd.nudge_time is not None:
        member.nudge_time = cmd.nudge_time
    if cmd.tz is not None:
        member.tz = cmd.tz
    if cmd.country is not None:
        member.country = cmd.country
    schedule(member, call.group, call.now)
    _ = call.leads  # the calendar changed: every due date is recomputed on save
    call.save()
    cal = member.calendar(call.group)
    assert member.next_morning_at is not None
    local = member.next_morning_at.astimezone(cal.tz)
    return reply(
        f"Your mornings: {member.morning(call.group):%H:%M} {cal.tz.key}, holidays of"
        f" {cal.country or 'no country'}. Next digest: {replies.day(local.date())}"
        f" at {local:%H:%M} (if anything is due)."
    )


def pause(call: Call, cmd: g.Pause) -> Message:
    member = call.member
    if not member.paused:
        member.paused, member.paused_on = True, call.today
    call.save()
    return reply(
        "Paused: no morning digests, and your streak is frozen, until you `/followthrough resume`."
    )


def resume(call: Call, cmd: g.Resume) -> Message:
    member = call.member
    if member.paused and member.paused_on is not None:
        cal = member.calendar(call.group)
        member.streak = member.streak.resumed(member.paused_on, call.today, cal)
    member.paused, member.paused_on, member.graduated = False, None, False
    schedule(member, call.group, call.now)
    call.save()
    return reply("Welcome back: your morning digests start again.")


def share(call: Call, cmd: g.ShareCompanies) -> Message:
    call.member.share_companies = cmd.on
    call.save()
    return reply(
        "Group posts may now name your companies (never your contacts)."
        if cmd.on
        else "Group posts won't name your companies."
    )


def board(call: Call, cmd: g.Board) -> Message:
    call.member.on_board = cmd.on
    call.save()
    return reply(
        "You're on the leaderboard."
        if cmd.on
        else "You're off the leaderboard; your actions still count in the group's totals."
    )


def export(call: Call, cmd: g.Export) -> Message:
    assert call.member.id is not None
    events = call.uow.events.for_member(call.member.id)
    cal = call.member.calendar(call.group)
    return replies.export(call.member.name, call.leads, events, cal, call.now)


def forget_me(call: Call, cmd: g.ForgetMe) -> Message:
    count = len(call.leads)
    call.uow.members.delete(call.member)
    return reply(
        f"Done: your {count} leads, their history and every pending message are erased."
        " If you type a command again, you start afresh."
    )


def _admin(call: Call) -> None:
    if not call.who.is_admin:
        raise NotAllowed("Only the group's admins can change group settings; nothing changed.")


def group_points(call: Call, cmd: g.GroupPoints) -> Message:
    _admin(call)
    call.group.points = points_with(call.group.points, cmd.action, cmd.points)
    call.uow.groups.save(call.group)
    return reply(
        f"`{cmd.action}` now earns {cmd.points} points. Boards are computed from the logged"
        " actions, so past weeks are re-scored the same way."
    )


def leaderboard(call: Call, cmd: g.Leaderboard) -> Message:
    board = boards.board(call.uow, call.group, cmd.period, call.now)
    return replace(board, kind="reply")


def group_setting(call: Call, cmd: g.GroupSetting) -> Message:
    _admin(call)
    group = call.group
    match cmd.name:
        case "channel":
            group.channel = cmd.value.lstrip("#")
        case "time":
            group.morning = g.parse_time(cmd.value, "group")
            group.schedule_board(call.now)
        case "tz":
            zone(cmd.value)
            group.tz = cmd.value
            group.schedule_board(call.now)
        case "country":
            group.country = check_country(cmd.value)
        case name:
            group.settings = group.settings.with_value(name, int(cmd.value))
    call.uow.groups.save(group)
    _reschedule_group(call)
    return reply(f"Group setting changed: {cmd.name} = {cmd.value}.")


def _reschedule_group(call: Call) -> None:
    """Mornings and due dates of every member may have moved with the group's settings."""
    assert call.group.id is not None
    for member in call.uow.members.in_group(call.group.id):
        assert member.id is not None
        schedule(member, call.group, call.now)
        leads = call.uow.leads.for_member(member.id)
        refresh(member, call.group, leads)
        for lead in leads:
            call.uow.leads.save(lead)
        call.uow.members.save(member)


def help_(call: Call, cmd: g.Help) -> Message:
    return reply(g.HELP)


HANDLERS: dict[type[Any], Callable[[Call, Any], Message]] = {
    g.AddLead: add,
    g.LogAction: log,
    g.AddReferral: referral,
    g.AddNote: note,
    g.Snooze: snooze,
    g.Drop: drop,
    g.ListLeads: list_leads,
    g.Show: show,
    g.Today: today,
    g.MySettings: my_settings,
    g.Pause: pause,
    g.Resume: resume,
    g.ShareCompanies: share,
    g.Board: board,
    g.Export: export,
    g.ForgetMe: forget_me,
    g.GroupSetting: group_setting,
    g.GroupPoints: group_points,
    g.Leaderboard: leaderboard,
    g.Help: help_,
}


def error_reply(error: DomainError) -> Message:
    return reply(str(error))

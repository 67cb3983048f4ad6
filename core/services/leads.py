"""Handlers that move leads: add, log an action, referrals, notes, snoozes, drops."""

from __future__ import annotations

from datetime import timedelta

from core.domain import commands as c
from core.domain import replies
from core.domain.group_posts import graduation
from core.domain.leads import Action, Lead
from core.domain.messages import Message
from core.domain.planning import schedule
from core.domain.scoring import score
from core.services.turn import Turn


def add(turn: Turn, cmd: c.AddLead) -> Message:
    lead = turn.new_lead(
        cmd.contact, cmd.company, cmd.role, cmd.via, cmd.network, details=cmd.details
    )
    turn.save()
    return replies.added(lead)


def log(turn: Turn, cmd: c.LogAction) -> Message:
    lead = turn.lead(cmd.ref)
    at = turn.moment(cmd.when, lead)
    turn.record(lead, cmd.action, cmd.note, at, cmd.how)
    turn.celebrate(lead, cmd.action)
    if cmd.action is Action.ACCEPTED:
        graduate(turn, lead)
    turn.save()
    on = None if at == turn.now else turn.member.calendar(turn.group).local_date(at)
    return replies.logged(cmd.action.value, lead, turn.context, turn.today, on)


def graduate(turn: Turn, lead: Lead) -> None:
    """An accepted offer ends the search: celebrate it, and stop the mornings."""
    member = turn.member
    _, counts = score(turn.events(), member.calendar(turn.group), turn.group.points)
    # Posted where it was typed, under the name that group knows (a linked member's).
    turn.post(f"graduation:{lead.id}", graduation(turn.acting.name, turn.leads, counts))
    member.graduated = True
    schedule(member, turn.group, turn.now)


def referral(turn: Turn, cmd: c.AddReferral) -> Message:
    parent = turn.lead(cmd.ref)
    at = turn.moment(cmd.when, parent)
    turn.record(parent, Action.REFERRAL, f"-> {cmd.contact} at {cmd.company}", at)
    child = turn.new_lead(cmd.contact, cmd.company, cmd.role, via="intro", parent=parent)
    turn.celebrate(child, Action.REFERRAL)
    turn.save()
    return replies.referred(child, parent)


def note(turn: Turn, cmd: c.AddNote) -> Message:
    lead = turn.lead(cmd.ref)
    turn.record(lead, Action.NOTE, cmd.text)
    turn.save()
    return replies.noted(lead)


def snooze(turn: Turn, cmd: c.Snooze) -> Message:
    lead = turn.lead(cmd.ref)
    lead.snoozed_until = turn.today + timedelta(days=cmd.days)
    turn.record(lead, Action.SNOOZED, f"{cmd.days} days")
    turn.save()
    return replies.snoozed(lead, lead.snoozed_until, turn.today)


def drop(turn: Turn, cmd: c.Drop) -> Message:
    lead = turn.lead(cmd.ref)
    turn.record(lead, Action.DROPPED)
    turn.save()
    return replies.dropped(lead)

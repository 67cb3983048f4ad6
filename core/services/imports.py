"""Importing a member's search from a file: the preview (stored, nothing else written),
then the confirm (everything in the command's one transaction) or the cancel."""

from __future__ import annotations

from core.domain import commands as c
from core.domain import import_replies, importer
from core.domain.errors import DomainError
from core.domain.importer import Plan, Step, Table
from core.domain.leads import Action, Event, Lead, Stage, StageError, apply
from core.domain.messages import Message, reply
from core.domain.planning import refresh
from core.domain.worklog import Activity
from core.services.turn import Turn


def preview(turn: Turn, cmd: c.ImportFile) -> Message:
    """Read the file and say what importing it would do; keep what it holds (only what
    would be imported) for the member's confirm, in place of any earlier preview."""
    assert turn.member.id is not None
    table = importer.read(cmd.filename, cmd.data, cmd.size)
    found = _plan(turn, table)
    turn.uow.imports.drop(turn.member.id)
    if not found.empty:
        turn.uow.imports.put(
            importer.PendingImport(turn.member.id, table, turn.now, turn.now + importer.PENDING_FOR)
        )
    return import_replies.preview_message(found)


def act(turn: Turn, cmd: c.Import) -> Message:
    """`import` alone: how to send the file; `confirm`: import what the preview said;
    `cancel`: forget the preview."""
    if cmd.action is None:
        return import_replies.how_to_send(turn.who.platform)
    assert turn.member.id is not None
    pending = turn.uow.imports.get(turn.member.id, turn.now)
    if pending is None:
        raise DomainError(import_replies.NOTHING_PENDING)
    turn.uow.imports.drop(turn.member.id)
    if cmd.action == "cancel":
        return reply(import_replies.CANCELLED)
    found = _plan(turn, pending.table, cmd.dates)
    if found.dates.asked:
        raise DomainError(import_replies.ask_dates(found))  # rolled back: the preview waits
    if found.empty:
        return reply(import_replies.NOTHING_LEFT)
    numbers, asking = _write(turn, found)
    turn.save()
    return import_replies.imported_message(found, numbers, asking)


def _plan(turn: Turn, table: Table, said: str | None = None) -> Plan:
    cal = turn.member.calendar(turn.group)
    mine = importer.known(turn.leads, turn.events(), cal)
    return importer.plan(table, mine, cal, turn.now, said)


def _write(turn: Turn, found: Plan) -> tuple[list[int], int]:
    """Write the plan's leads and their history, dated as the file says and marked
    imported (no points, no streak), and its activities; the lead numbers made, and
    how many leads ask "still pursuing?" before anything else.

    Each lead is worked out before it is stored (its stage, and what planning reads of
    it), and the history goes in one statement: thousands of rows stay one short
    transaction."""
    member, group = turn.member, turn.group
    assert member.id is not None and group.id is not None
    made: list[tuple[Lead, list[tuple[Step, Stage]]]] = []
    for new in found.leads:
        lead = Lead(
            member_id=member.id,
            number=member.next_lead_number,
            contact=new.contact,
            company=new.company,
            created_at=new.created_at,
            role=new.role,
            url=new.url,
            stage_since=new.created_at,
        )
        member.next_lead_number += 1
        history = []
        for step in new.steps:
            if step.action is not Action.ADDED:
                try:
                    apply(lead, step.action, step.at)
                except StageError:
                    continue  # an accept without an offer before it: not history we can tell
            history.append((step, lead.stage))
        made.append((lead, history))
    leads = [lead for lead, _ in made]
    refresh(member, group, [*turn.leads, *leads])  # the offers the rules read, and due dates
    ctx, today = turn.context, turn.today
    events: list[Event] = []
    for lead, history in made:
        importer.settle(lead, ctx, today)
        turn.own_leads.add(lead)
        assert lead.id is not None
        events += [
            Event(lead.id, s.action, s.at, stage, s.note, logged_at=turn.now, imported=True)
            for s, stage in history
        ]
    turn.uow.events.add_imported(group.id, member.id, events)
    turn.leads.extend(leads)
    for activity in found.activities:
        turn.uow.activities.add(
            group.id,
            member.id,
            Activity(activity.kind, activity.at, activity.what, logged_at=turn.now),
        )
    return [lead.number for lead in leads], sum(lead.nudge_count > 0 for lead in leads)

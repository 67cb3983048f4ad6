"""`/lead interview`: an interview to come, set, moved or called off, answered with its
calendar file."""

from __future__ import annotations

import secrets

from core.domain import agenda, replies
from core.domain import commands as c
from core.domain.errors import DomainError
from core.domain.leads import Action, Lead, clear_interview, schedule_interview
from core.domain.messages import Attachment, Message
from core.reports import ics
from core.services.turn import Turn


def interview(turn: Turn, cmd: c.Interview) -> Message:
    lead = turn.lead(cmd.ref)
    cal = turn.member.calendar(turn.group)
    if cmd.cancel:
        if lead.interview_at is None:
            raise DomainError(replies.no_interview(lead))
        local = lead.interview_at.astimezone(cal.tz)
        # The event as the member's calendar has it, one change further: cancelled.
        gone = agenda.interview(lead, cal, private=True, cancelled=True)
        turn.record(lead, Action.INTERVIEW, f"called off (was {local:%Y-%m-%d %H:%M})")
        clear_interview(lead)
        turn.save()
        return replies.interview_cancelled(lead, local, turn.today, _file(turn, lead, gone))
    assert cmd.when is not None and cmd.at is not None
    day = cmd.when.ahead(turn.today)
    # In the member's zone: 14:00 stays 14:00 across a daylight-saving change; a time
    # that doesn't exist that day (02:30 as clocks spring forward) moves forward.
    at = cal.at(day, cmd.at)
    local = at.astimezone(cal.tz)
    if at <= turn.now:
        raise DomainError(replies.interview_passed(local, turn.today))
    moved = lead.interview_at is not None
    verb = "moved to" if moved else "set for"
    turn.record(lead, Action.INTERVIEW, f"{verb} {local:%Y-%m-%d %H:%M} {cal.tz.key}")
    schedule_interview(lead, at, f"interview-{lead.id}-{secrets.token_hex(6)}@{agenda.DOMAIN}")
    turn.save()
    entry = agenda.interview(lead, cal, private=True)
    return replies.interview_set(
        lead, local, cal.tz.key, turn.today, moved, _file(turn, lead, entry)
    )


def _file(turn: Turn, lead: Lead, entry: agenda.Entry) -> Attachment:
    """The member's own .ics of one interview (it may name the contact: it is theirs)."""
    day = entry.start.isoformat()[:10]
    return Attachment(
        f"interview-{lead.number}-{day}.ics", ics.calendar([entry], turn.now), ics.MEDIA_TYPE
    )

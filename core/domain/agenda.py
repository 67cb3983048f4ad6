"""What a member's calendar holds: their interviews to come, as timed events in their own
zone, and the next follow-up of each lead, as an all-day event on the day it is due.

Follow-ups are all-day events, not events at the member's morning time: a follow-up is a
task for the day, not an appointment. Timed, it would show the member busy at 08:00
every business day, ring an alarm the digest already rings, and move whenever the member
changes their morning; all-day (and marked free), it sits at the top of the day, and its
description says at what time the digest with the draft comes. An interview is an
appointment: one hour at its time, in the member's zone, marked busy.

Events are data here; core.reports.ics writes them as iCalendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.domain.calendar import BusinessCalendar
from core.domain.leads import Lead
from core.domain.rules import Context, Rule, due_on, waiting_for

INTERVIEW_LENGTH = timedelta(hours=1)
FEED_DAYS = 28  # how far ahead a feed shows follow-ups: the next four weeks
DOMAIN = "followthrough"  # the right-hand side of every UID

# How a follow-up is named in a calendar, per rule: a verb and the company.
STEPS = {
    Rule.EMAIL_FOLLOW_UP: "Follow up (Re:)",
    Rule.CALL_AFTER_FOLLOW_UP: "Call",
    Rule.POST_INTERVIEW_CHECK_IN: "Check in",
    Rule.REJECTION_CALL: "Rejection call",
    Rule.REACH_REFERRAL: "Reach out",
    Rule.KEEP_IN_TOUCH: "Keep in touch",
    Rule.OFFER_LEVERAGE: "Tell them about your offer",
    Rule.STILL_PURSUING: "Still pursuing?",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One calendar event. `start` is an aware datetime (a timed event, `length` long) or
    a date (an all-day event); `sequence` counts the changes made to it; `busy` False
    leaves the member free; `cancelled` takes it out of a calendar that has it."""

    uid: str
    summary: str
    start: datetime | date
    description: str = ""
    length: timedelta | None = None
    sequence: int = 0
    busy: bool = True
    cancelled: bool = False


def interview(
    lead: Lead, cal: BusinessCalendar, *, private: bool, cancelled: bool = False
) -> Entry:
    """The event of `lead`'s interview to come, at its time in the member's zone.

    `private`: for the member's own file, which may name the contact; a feed, fetched by
    whatever calendar service the member subscribes with, names the company only."""
    assert lead.interview_at is not None and lead.interview_uid is not None
    lines = []
    if private and lead.contact:
        title = f" ({lead.title})" if lead.title else ""
        lines.append(f"With {lead.contact}{title}.")
    if private and lead.role:
        lines.append(f"Role: {lead.role}.")
    lines.append(f"FollowThrough lead {lead.ref}. Afterwards: /lead interviewed {lead.ref}")
    return Entry(
        uid=lead.interview_uid,
        summary=f"Interview: {lead.company}",
        start=lead.interview_at.astimezone(cal.tz),
        description="\n".join(lines),
        length=INTERVIEW_LENGTH,
        # A cancellation is one more change to the event the calendar has.
        sequence=lead.interview_sequence + (1 if cancelled else 0),
        cancelled=cancelled,
    )


def follow_up(lead: Lead, ctx: Context, today: date, morning: time) -> Entry | None:
    """The next follow-up `lead` waits for, on the business day it will be in the digest
    (today at the earliest), or None: nothing due, an interview to come (its own event),
    or further ahead than FEED_DAYS."""
    due, on = waiting_for(lead, ctx), due_on(lead, ctx)
    if due is None or on is None or due.rule not in STEPS or lead.interview_at is not None:
        return None
    day = ctx.calendar.on_or_after(max(on, today))
    if (day - today).days > FEED_DAYS:
        return None
    zone = ctx.calendar.tz.key
    return Entry(
        uid=f"follow-up-{lead.id}@{DOMAIN}",
        summary=f"{STEPS[due.rule]}: {lead.company}",
        start=day,
        description=(
            f"FollowThrough lead {lead.ref} ({lead.stage.value.replace('_', ' ')}). Your"
            f" morning digest at {morning:%H:%M} ({zone}) says how, with a draft."
        ),
        busy=False,
    )


def feed(leads: list[Lead], ctx: Context, today: date, morning: time) -> list[Entry]:
    """A member's feed: every interview to come, and each active lead's next follow-up in
    the next FEED_DAYS days, in the order they come."""
    entries = [
        interview(lead, ctx.calendar, private=False)
        for lead in leads
        if lead.interview_at is not None and lead.interview_uid is not None and lead.active
    ]
    entries += [
        entry
        for lead in leads
        for entry in [follow_up(lead, ctx, today, morning)]
        if entry is not None
    ]
    return sorted(entries, key=lambda e: (_day(e.start), e.uid))


def _day(start: datetime | date) -> date:
    return start.date() if isinstance(start, datetime) else start

"""The morning digest: the actions due for one member on one morning, as a message."""

from __future__ import annotations

from datetime import date

from core.domain.drafts import Nudge
from core.domain.leads import Action
from core.domain.messages import Button, Message, MessageKind, Section, plural, reply
from core.domain.rules import Rule
from core.domain.text import typed

SNOOZE_DAYS = 2

# What pressing "Done" logs, per nudge kind.
DONE = {
    Rule.EMAIL_FOLLOW_UP: Action.FOLLOWED_UP,
    Rule.CALL_AFTER_FOLLOW_UP: Action.CALLED,
    Rule.POST_INTERVIEW_CHECK_IN: Action.EMAILED,
    Rule.REJECTION_CALL: Action.CALLED,
    Rule.REACH_REFERRAL: Action.EMAILED,
    Rule.KEEP_IN_TOUCH: Action.EMAILED,
    Rule.OFFER_LEVERAGE: Action.EMAILED,
}


def buttons(nudge: Nudge) -> tuple[Button, ...]:
    lead = nudge.lead
    if lead is None:
        return ()
    ref = lead.ref
    if nudge.rule is Rule.STILL_PURSUING:
        return (
            Button("Yes: remind me in a week", f"/lead snooze {ref} 7", "keep"),
            Button("No, drop it", f"/lead drop {ref}", "drop"),
        )
    return (
        Button("Done", f"/lead {DONE[nudge.rule].value} {ref}", "done"),
        Button("They replied", f"/lead replied {ref}", "replied"),
        Button(f"Snooze {SNOOZE_DAYS} days", f"/lead snooze {ref} {SNOOZE_DAYS}", "snooze"),
    )


def section(nudge: Nudge) -> Section:
    return Section(nudge.what, nudge.why, nudge.draft, buttons(nudge))


def digest(member_name: str, day: date, nudges: list[Nudge]) -> Message:
    count = len(nudges)
    headline = (
        f"Good morning, {typed(member_name)}! {plural(count, 'thing')} to do"
        f" this {day:%A}, {day:%B} {day.day}:"
    )
    return Message(
        MessageKind.DIGEST,
        headline,
        tuple(section(n) for n in nudges),
        rules=tuple(n.rule.value for n in nudges),
    )


def today_message(member_name: str, day: date, nudges: list[Nudge]) -> Message:
    """The answer to `/lead today`: the same sections, as a reply."""
    if not nudges:
        return reply(f"Nothing is due today, {typed(member_name)}. Nice work.")
    m = digest(member_name, day, nudges)
    return Message(
        MessageKind.REPLY, f"Due today ({day:%A}, {day:%B} {day.day}):", m.sections, m.rules
    )

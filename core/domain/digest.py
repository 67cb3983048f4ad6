"""The morning digest: the actions due for one member on one morning, as a message."""

from __future__ import annotations

from datetime import date

from core.domain.drafts import Nudge
from core.domain.leads import Action
from core.domain.messages import Button, Message, MessageKind, Section, plural, reply
from core.domain.rules import Rule
from core.domain.text import escaped_length, typed

SNOOZE_DAYS = 2
# A digest is one message on every platform: it shows the most pressing actions, at most
# DIGEST_ACTIONS of them, while what they say (member text counted as escaped) stays within
# DIGEST_CHARACTERS; the rest are counted, and `/lead today` shows them all. Each action's
# buttons are a row, and a Discord message holds 5 rows and 6,000 characters of embeds
# (the rest of that is room for the ticks a press adds); on Slack five actions take about
# 23 of a message's 50 blocks, each well under a block's 3,000 characters.
DIGEST_ACTIONS = 5
DIGEST_CHARACTERS = 5000

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
    if nudge.rule is Rule.INTERVIEW_DAY:
        return ()  # nothing to press before it: the answer comes the day after
    if nudge.rule is Rule.HOW_DID_IT_GO:
        on = "" if nudge.day is None else f" on {nudge.day.isoformat()}"
        return (
            Button("It took place", f"/lead interviewed {ref}{on}", "done"),
            Button("It was called off", f"/lead interview {ref} cancel", "called_off"),
        )
    return (
        Button("Done", f"/lead {DONE[nudge.rule].value} {ref}", "done"),
        Button("They replied", f"/lead replied {ref}", "replied"),
        Button(f"Snooze {SNOOZE_DAYS} days", f"/lead snooze {ref} {SNOOZE_DAYS}", "snooze"),
    )


def section(nudge: Nudge) -> Section:
    return Section(nudge.what, nudge.why, nudge.draft, buttons(nudge))


def told(nudges: list[Nudge]) -> list[Nudge]:
    """The nudges a digest shows of those due (most pressing first): the first
    DIGEST_ACTIONS, fewer if their words would not fit in one message (very long names)."""
    shown: list[Nudge] = []
    size = 0
    for n in nudges[:DIGEST_ACTIONS]:
        size += sum(escaped_length(part or "") for part in (n.what, n.why, n.draft))
        if shown and size > DIGEST_CHARACTERS:
            break
        shown.append(n)
    return shown


def digest(member_name: str, day: date, nudges: list[Nudge], log: str | None = None) -> Message:
    """The morning's one message: the most pressing actions (`nudges` come sorted), and
    how many more there are, which `/lead today` shows; and `log`, the line about the
    member's work-search log when they are behind (the digest's only line, if nothing
    else is due)."""
    count = len(nudges)
    headline = (
        f"Good morning, {typed(member_name)}! {plural(count, 'thing')} to do"
        f" this {day:%A}, {day:%B} {day.day}:"
        if count
        else f"Good morning, {typed(member_name)}!"
    )
    shown = told(nudges)
    sections = [section(n) for n in shown]
    if count > len(shown):
        sections.append(
            Section(
                f"{plural(count - len(shown), 'more thing')} to do today:"
                " `/lead today` shows them all."
            )
        )
    if log is not None:
        sections.append(Section(log))
    return Message(
        MessageKind.DIGEST, headline, tuple(sections), rules=tuple(n.rule.value for n in shown)
    )


def today_message(
    member_name: str, day: date, nudges: list[Nudge], *, paused: bool, log: str | None = None
) -> Message:
    """The answer to `/lead today`: every action due, in the digest's order and words,
    and the digest's line about the work-search log; a paused member is told they are
    paused, and still sees what is due."""
    note = PAUSED_NOTE if paused else ""
    after = () if log is None else (Section(log),)
    if not nudges:
        text = f"Nothing is due today, {typed(member_name)}. Nice work.{note}"
        return (
            reply(text, *after) if log is None else reply(text.replace(" Nice work.", ""), *after)
        )
    return Message(
        MessageKind.REPLY,
        f"Due today ({day:%A}, {day:%B} {day.day}):{note}",
        (*(section(n) for n in nudges), *after),
        tuple(n.rule.value for n in nudges),
    )


PAUSED_NOTE = "\nYour morning digests are paused (`/followthrough resume` starts them again)."

"""A member's overview (Slack's App Home) and the lead choices of autocomplete."""

from __future__ import annotations

from datetime import time, timedelta

from core.domain import replies
from core.domain.digest import section
from core.domain.leads import Lead, folded, named
from core.domain.messages import Message
from core.domain.scoring import score
from core.domain.text import plain
from core.services.reads import nudges_today
from core.services.turn import Turn


def stranger() -> Message:
    """The overview of someone who hasn't used a command yet."""
    return replies.stranger()


def overview(turn: Turn) -> Message:
    member, group, today = turn.member, turn.group, turn.today
    cal = member.calendar(group)
    monday = today - timedelta(days=today.weekday())
    points, _ = score(turn.events(), cal, group.points, since=cal.at(monday, time(0)))
    standing = replies.Standing(
        streak=member.streak.current(member.paused_on or today, cal),
        points=points,
        settings=turn.preferences(),
    )
    pipeline = replies.pipeline(turn.leads, turn.context, today, include_closed=False)
    actions = [section(n) for n in nudges_today(turn)]
    return replies.overview(today, actions, pipeline.text, standing)


def choices(leads: list[Lead], typed: str, limit: int) -> list[tuple[str, str]]:
    """(label, `#ref`) of the leads matching `typed` on number, contact or company,
    active and recently touched first."""
    text = folded(typed).removeprefix("#")  # compared as `/lead` commands compare them

    def matches(lead: Lead) -> bool:
        return not text or str(lead.number).startswith(text) or named(lead, text)

    def recent(lead: Lead) -> tuple[bool, float]:
        at = lead.last_touch_at or lead.created_at
        return (not lead.active, -at.timestamp())

    found = sorted((lead for lead in leads if matches(lead)), key=recent)[:limit]
    return [(plain(f"{lead.label} · {lead.stage.value}"), lead.ref) for lead in found]

"""A member's overview (Slack's App Home) and the lead choices of autocomplete."""

from __future__ import annotations

from datetime import time, timedelta

from core.domain import replies
from core.domain.catalog import HELP
from core.domain.digest import section
from core.domain.leads import Lead, folded, named
from core.domain.messages import Message, Section, plural, reply
from core.domain.scoring import score
from core.domain.text import plain
from core.services.reads import nudges_today
from core.services.turn import Turn


def stranger() -> Message:
    """The overview of someone who hasn't used a command yet."""
    return reply("Welcome to FollowThrough. Add your first lead to begin.", Section(HELP))


def overview(turn: Turn) -> Message:
    member, group, today = turn.member, turn.group, turn.today
    cal = member.calendar(group)
    nudges = nudges_today(turn)
    monday = today - timedelta(days=today.weekday())
    points, _ = score(turn.events(), cal, group.points, since=cal.at(monday, time(0)))
    streak = member.streak.current(member.paused_on or today, cal)
    pipeline = replies.pipeline(turn.leads, turn.context, today, include_closed=False)
    state = "paused" if member.paused else "on"
    settings = (
        f"Mornings {member.morning(group):%H:%M} {cal.tz.key}, holidays of"
        f" {cal.country or 'no country'} · digests {state}"
        f" · companies {'shared' if member.share_companies else 'private'}"
        f" · leaderboard {'on' if member.on_board else 'off'}"
    )
    return reply(
        f"Today ({replies.day(today)}): {plural(len(nudges), 'action')}",
        *(section(n) for n in nudges),
        Section(pipeline.text),
        Section(f"Streak: {plural(streak, 'business day')} · This week: {plural(points, 'point')}"),
        Section(settings, "Change them: /followthrough me time 07:30 tz Europe/Berlin"),
    )


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

"""Leaderboards: on demand, and posted to the group channel every Monday morning."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

from core.domain.group_posts import BoardRow, leaderboard
from core.domain.leads import Action, Event
from core.domain.members import Group
from core.domain.messages import Message
from core.domain.replies import day
from core.domain.scoring import score
from core.services.ports import Outgoing, UnitOfWork

# A rejection call earns its bonus up to a business day after the rejection: read that
# far (and a long weekend) before a board's window.
LOOKBACK = timedelta(days=10)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
STALE_BOARD = timedelta(days=1)


def window(group: Group, period: str, now: datetime) -> tuple[datetime, str]:
    """The start of `period` (week, month, all) in the group's zone, and its title."""
    cal = group.calendar()
    today = cal.local_date(now)
    if period == "all":
        return EPOCH, "All-time board"
    if period == "month":
        first = today.replace(day=1)
        return cal.at(first, time(0)), f"Board for {first:%B %Y}"
    monday = today - timedelta(days=today.weekday())
    return cal.at(monday, time(0)), f"This week's board (since {day(monday)})"


def rows_and_totals(
    uow: UnitOfWork,
    group: Group,
    start: datetime,
    end: datetime,
    as_of: date,
) -> tuple[list[BoardRow], Counter[Action]]:
    """One row per member (opted-out ones unlisted) and the group's totals."""
    assert group.id is not None
    by_member: dict[int, list[Event]] = defaultdict(list)
    # Before the window, only rejections matter (for the rejection-call bonus).
    lookback = uow.events.in_group(
        group.id, max(start - LOOKBACK, EPOCH), start, frozenset({Action.REJECTED})
    )
    for member_id, event in lookback + uow.events.in_group(group.id, start, end):
        by_member[member_id].append(event)
    rows, totals = [], Counter[Action]()
    for member in uow.members.in_group(group.id):
        assert member.id is not None
        cal = member.calendar(group)
        points, counts = score(by_member.get(member.id, []), cal, group.points, since=start)
        totals.update(counts)
        # A paused member's streak is frozen at the day they paused.
        day = member.paused_on if member.paused and member.paused_on else as_of
        streak = member.streak.current(day, cal)
        rows.append(BoardRow(member.name, points, streak, listed=member.on_board))
    return rows, totals


def board(uow: UnitOfWork, group: Group, period: str, now: datetime) -> Message:
    """The board of `period` so far, as the member asking sees it."""
    start, title = window(group, period, now)
    as_of = group.calendar().local_date(now)
    # Up to and including this instant: what was just logged counts.
    rows, totals = rows_and_totals(uow, group, start, now + timedelta(microseconds=1), as_of)
    return leaderboard(title, rows, totals)


def post_weekly_boards(uow: UnitOfWork, now: datetime) -> int:
    """Post last week's board to each group whose Monday morning has come."""
    written = 0
    for group in uow.groups.board_due(now):
        assert group.id is not None and group.next_board_at is not None
        cal = group.calendar()
        monday = cal.local_date(group.next_board_at)
        start, end = cal.at(monday - timedelta(days=7), time(0)), cal.at(monday, time(0))
        sunday = monday - timedelta(days=1)
        title = f"Last week's board ({day(monday - timedelta(days=7))} to {day(sunday)})"
        rows, totals = rows_and_totals(uow, group, start, end, monday)
        # A board found days late (the bot was down) is stale news: skip to the next one.
        fresh = now - group.next_board_at <= STALE_BOARD
        if group.channel is not None and fresh:
            written += uow.outbox.add(
                Outgoing(
                    f"board:{group.id}:{monday.isoformat()}",
                    group.id,
                    None,
                    leaderboard(title, rows, totals),
                    group.next_board_at,
                    to_channel=True,
                    expires_at=group.next_board_at + STALE_BOARD,
                ),
                now,
            )
        group.schedule_board(now)
        uow.groups.save(group)
    return written

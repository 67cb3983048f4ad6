"""Leaderboards: on demand, and posted to the group channel every Monday morning."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from core.domain.group_posts import BoardRow, board_title, leaderboard
from core.domain.leads import Action
from core.domain.members import Group
from core.domain.messages import Message
from core.domain.scoring import ALL_TIME
from core.services.ports import Outgoing, UnitOfWork

STALE_BOARD = timedelta(days=1)


def window(group: Group, period: str, now: datetime) -> tuple[date, str]:
    """The first day of `period` (week, month, all) in the group's zone, and its title."""
    today = group.calendar().local_date(now)
    if period == "all":
        first = ALL_TIME
    elif period == "month":
        first = today.replace(day=1)
    else:
        first = today - timedelta(days=today.weekday())
    return first, board_title(period, first)


def rows_and_totals(
    uow: UnitOfWork,
    group: Group,
    first: date,
    until: date | None,
    as_of: date,
) -> tuple[list[BoardRow], Counter[Action]]:
    """One row per member (opted-out ones unlisted) and the group's totals, over the
    group-local days [first, until) (None: so far), at the group's current points."""
    assert group.id is not None
    standings = uow.events.standings(group.id, first, until, group.points)
    rows = []
    # The business day before each member's day, once per calendar and day.
    yesterdays: dict[tuple[str, str | None, date], date] = {}
    for member in uow.members.roster(group.id):
        assert member.id is not None
        # A paused member's streak is frozen at the day they paused.
        day = member.paused_on if member.paused and member.paused_on else as_of
        key = (member.tz or group.tz, member.country or group.country, day)
        if key not in yesterdays:
            yesterdays[key] = member.calendar(group).previous_business_day(day)
        streak = member.streak.alive_after(yesterdays[key])
        points = standings.points.get(member.id, 0)
        rows.append(BoardRow(member.name, points, streak, member.on_board))
    return rows, standings.totals


def board(uow: UnitOfWork, group: Group, period: str, now: datetime) -> Message:
    """The board of `period` so far (what was just logged included), as the member
    asking sees it."""
    first, title = window(group, period, now)
    as_of = group.calendar().local_date(now)
    rows, totals = rows_and_totals(uow, group, first, None, as_of)
    return leaderboard(title, rows, totals)


def post_weekly_boards(uow: UnitOfWork, now: datetime) -> int:
    """Post last week's board to each group whose Monday morning has come."""
    written = 0
    for group in uow.groups.board_due(now):
        assert group.id is not None and group.next_board_at is not None
        cal = group.calendar()
        monday = cal.local_date(group.next_board_at)
        sunday = monday - timedelta(days=1)
        title = board_title("week", monday - timedelta(days=7), sunday)
        rows, totals = rows_and_totals(uow, group, monday - timedelta(days=7), monday, monday)
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

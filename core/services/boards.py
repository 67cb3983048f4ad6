"""Leaderboards: on demand, and posted to the group channel every Monday morning."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date, datetime, time, timedelta

from core.domain.group_posts import BoardRow, board_title, leaderboard
from core.domain.leads import Action
from core.domain.members import Group, Member
from core.domain.messages import Attachment, Message, Section
from core.domain.scoring import ALL_TIME
from core.domain.weekly import DAYS, Week, fallback
from core.reports import chart
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


def week(uow: UnitOfWork, group: Group, first: date, member: Member | None = None) -> Week:
    """The group's (or one member's) week from Monday `first`, read in bulk: the day
    tallies summed per day, and the referral chains that grew, in two queries."""
    assert group.id is not None
    cal = group.calendar()
    until = first + timedelta(days=DAYS)
    member_id = None if member is None else member.id
    counts = uow.events.days(group.id, first, until, member_id)
    since, before = cal.at(first, time()), cal.at(until, time())
    chains = uow.events.chains_grown(group.id, since, before, member_id)
    return Week(first, counts, chains, "The group's" if member is None else "Your")


def with_picture(message: Message, week: Week, pictures: bool) -> Message:
    """`message` with the week's picture (its alt text and words with it), or, where no
    picture is drawn, with those words as its last section."""
    if pictures:
        return dataclasses.replace(
            message, attachments=(*message.attachments, chart.attachment(week))
        )
    return dataclasses.replace(message, sections=(*message.sections, Section(fallback(week))))


def my_week_picture(uow: UnitOfWork, group: Group, member: Member, now: datetime) -> Attachment:
    """The member's own week so far (Monday to Sunday in the group's days, as the board
    counts them) as a picture, for an answer to attach. Draws for a few tens of
    milliseconds: call it where the services run, off the event loop."""
    today = group.calendar().local_date(now)
    monday = today - timedelta(days=today.weekday())
    return chart.attachment(week(uow, group, monday, member), "my-week")


def post_weekly_boards(uow: UnitOfWork, now: datetime, *, pictures: bool = True) -> int:
    """Post last week's board to each group whose Monday morning has come, with the
    week's picture (`pictures`), or its words where pictures can't be shown.

    Everything is read and drawn before anything is written: on SQLite the write lock
    is taken at the first write, so no command waits while a picture is drawn."""
    posts: list[Outgoing] = []
    due = uow.groups.board_due(now)
    for group in due:
        assert group.id is not None and group.next_board_at is not None
        cal = group.calendar()
        monday = cal.local_date(group.next_board_at)
        first, sunday = monday - timedelta(days=7), monday - timedelta(days=1)
        title = board_title("week", first, sunday)
        # A board found days late (the bot was down) is stale news: skip to the next one.
        fresh = now - group.next_board_at <= STALE_BOARD
        if group.channel is None or not fresh:
            continue
        rows, totals = rows_and_totals(uow, group, first, monday, monday)
        board = leaderboard(title, rows, totals)
        shown = week(uow, group, first)
        if shown.total:  # a quiet week's board says so; a picture of nothing adds nothing
            board = with_picture(board, shown, pictures)
        posts.append(
            Outgoing(
                f"board:{group.id}:{monday.isoformat()}",
                group.id,
                None,
                board,
                group.next_board_at,
                to_channel=True,
                expires_at=group.next_board_at + STALE_BOARD,
            )
        )
    written = sum(uow.outbox.add(post, now) for post in posts)
    for group in due:
        group.schedule_board(now)
        uow.groups.save(group)
    return written

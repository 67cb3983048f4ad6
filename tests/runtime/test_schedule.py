"""Mornings on the real runtime: a ticking clock, planning, the outbox and the deliverer.

Each test drives the kit's `Bot` (SQLite and PostgreSQL): the app with a simulated clock
and a recording messenger, ticked like the production scheduler does: plan, then drain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.services import Identity
from core.services.ports import SimulatedClock
from testkit.kit import PLATFORM, WORKSPACE, Bot, Sent, member

QUARTER = timedelta(minutes=15)
MORNING = time(8, 0)
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def start() -> datetime:
    return datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # Monday, after the US DST change


@pytest.fixture
def bot(database_url: str, start: datetime) -> Iterator[Bot]:
    with Bot(database_url, SimulatedClock(start)) as bot:
        bot.app.groups.setup_group(PLATFORM, WORKSPACE, tz="UTC")
        yield bot


def keep_a_nudge_due_every_morning(bot: Bot, who: Identity, *, contact: str) -> None:
    """An emailed lead whose follow-up, once due, is repeated every business morning.

    The admin raises `ignored_before_asking` so that the ignored nudge never turns into the
    one-off "still pursuing?" question.
    """
    admin = Identity(who.platform, who.workspace_id, who.user_id, who.name, is_admin=True)
    changed = bot.app.conversation.handle(
        admin, "/followthrough", "group setting ignored_before_asking 365"
    )
    assert "ignored_before_asking = 365" in changed.plain_text()
    assert (
        bot.app.conversation.handle(who, "/lead", f"add {contact} at Acme")
        .plain_text()
        .startswith("Added")
    )
    assert bot.app.conversation.handle(who, "/lead", "emailed #1").plain_text().startswith("Logged")


def local(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=tz)


def key_day(sent: Sent) -> date:
    return date.fromisoformat(sent.key.rsplit(":", 1)[1])


# -- (c) the bot was down around a morning ------------------------------------------------


def test_a_digest_due_while_the_bot_was_briefly_down_arrives_at_restart(bot: Bot) -> None:
    """Down 07:55-08:20 local: the 08:00 digest goes out on the first tick after restart."""
    ana = member("U-ana", "Ana")
    bot.app.conversation.join(ana, tz="America/New_York")
    keep_a_nudge_due_every_morning(bot, ana, contact="Julie Martin")  # due Thursday 12 March
    thursday = date(2026, 3, 12)

    bot.tick_every(QUARTER, until=local(thursday, time(7, 45), NEW_YORK))
    bot.tick_at(local(thursday, time(7, 55), NEW_YORK))
    before = bot.messenger.digests()
    assert [key_day(s) for s in before] == [date(2026, 3, 10)]  # Tuesday's pipeline nudge

    restart = local(thursday, time(8, 20), NEW_YORK)
    bot.tick_at(restart)
    late = bot.messenger.digests()[len(before) :]
    assert [(key_day(s), s.local) for s in late] == [(thursday, restart)]
    assert "email-follow-up" in late[0].rules

    bot.tick_every(QUARTER, until=local(date(2026, 3, 13), time(12, 0), NEW_YORK))
    after = bot.messenger.digests()[len(before) + 1 :]
    assert [(key_day(s), s.local) for s in after] == [
        (date(2026, 3, 13), local(date(2026, 3, 13), MORNING, NEW_YORK))
    ]
    assert bot.app.outbox.status()["missed"] == 0


def test_a_digest_found_hours_late_is_recorded_as_missed_not_sent(bot: Bot) -> None:
    """Down 07:55-11:30 local: no digest at 11:30, the outbox says "missed", and the next
    business morning (after a weekend) is on time again."""
    ana = member("U-ana", "Ana")
    bot.app.conversation.join(ana, tz="America/New_York")
    keep_a_nudge_due_every_morning(bot, ana, contact="Julie Martin")
    friday = date(2026, 3, 13)

    bot.tick_every(QUARTER, until=local(friday, time(7, 45), NEW_YORK))
    bot.tick_at(local(friday, time(7, 55), NEW_YORK))
    sent_before = len(bot.messenger.digests())
    assert bot.app.outbox.status()["missed"] == 0

    bot.tick_at(local(friday, time(11, 30), NEW_YORK))
    assert len(bot.messenger.digests()) == sent_before
    status = bot.app.outbox.status()
    assert status["missed"] == 1
    assert status["pending"] == status["claimed"] == status["failed"] == 0

    monday = date(2026, 3, 16)
    bot.tick_every(QUARTER, until=local(monday, time(12, 0), NEW_YORK))
    later = bot.messenger.digests()[sent_before:]
    assert [(key_day(s), s.local) for s in later] == [(monday, local(monday, MORNING, NEW_YORK))]
    assert friday not in {key_day(s) for s in bot.messenger.digests()}
    assert bot.app.outbox.status()["missed"] == 1


# -- (d) moving west after today's digest ------------------------------------------------


@pytest.fixture
def tokyo_start() -> datetime:
    return local(date(2026, 3, 9), time(12, 0), TOKYO)  # Monday noon in Tokyo


@pytest.mark.parametrize(
    "moved_at",
    [
        # Right after Friday's digest: it is still Thursday afternoon in Los Angeles.
        local(date(2026, 3, 13), time(7, 45), TOKYO),
        # Late Friday in Tokyo: Friday morning in Los Angeles, before their nudge time.
        local(date(2026, 3, 13), time(23, 0), TOKYO),
    ],
    ids=["right-after-the-digest", "before-the-LA-morning-of-that-date"],
)
def test_a_member_who_moves_west_gets_no_second_digest_that_date(
    database_url: str, tokyo_start: datetime, moved_at: datetime
) -> None:
    bot = Bot(database_url, SimulatedClock(tokyo_start))
    try:
        bot.app.groups.setup_group(PLATFORM, WORKSPACE, tz="UTC")
        kenji = member("U-kenji", "Kenji")
        bot.app.conversation.join(kenji, tz="Asia/Tokyo", nudge_time=time(7, 30))
        keep_a_nudge_due_every_morning(bot, kenji, contact="Julie Martin")
        friday, monday = date(2026, 3, 13), date(2026, 3, 16)

        bot.tick_every(QUARTER, until=local(friday, time(7, 30), TOKYO))
        fridays = [s for s in bot.messenger.digests() if key_day(s) == friday]
        assert [s.local for s in fridays] == [local(friday, time(7, 30), TOKYO)]

        bot.clock.advance_to(moved_at)
        answer = bot.app.conversation.handle(kenji, "/followthrough", "me tz America/Los_Angeles")
        assert "America/Los_Angeles" in answer.plain_text()
        assert "07:30" in answer.plain_text()
        seen = len(bot.messenger.digests())

        bot.tick_every(QUARTER, until=local(monday, time(12, 0), LOS_ANGELES))
        after = bot.messenger.digests()[seen:]
        assert [(key_day(s), s.local) for s in after] == [
            (monday, local(monday, time(7, 30), LOS_ANGELES))
        ]
        # One digest per local date over the whole story, and none on a weekend.
        days = [key_day(s) for s in bot.messenger.digests()]
        assert len(days) == len(set(days))
        assert all(d.weekday() < 5 for d in days)
    finally:
        bot.close()


# -- (e) daylight-saving changes ------------------------------------------------------


ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago")


def offset_changes(tz_name: str, year: int) -> dict[date, datetime]:
    """`tz_name`'s offset changes in `year`: the local date each happens on (as the clocks
    read just before it) -> its UTC instant. Found by scanning every 30 minutes."""
    tz = ZoneInfo(tz_name)
    changes = {}
    at = datetime(year, 1, 1, tzinfo=UTC)
    previous = at.astimezone(tz).utcoffset()
    while at.year == year:
        at += timedelta(minutes=30)
        offset = at.astimezone(tz).utcoffset()
        if offset != previous:
            assert previous is not None
            changes[at.astimezone(timezone(previous)).date()] = at
            previous = offset
    return changes


# The 2026 changes the issue names, as local dates in each zone.
DST_CHANGES_2026 = {
    "America/New_York": (date(2026, 3, 8), date(2026, 11, 1)),
    "Europe/London": (date(2026, 3, 29), date(2026, 10, 25)),
    "Australia/Lord_Howe": (date(2026, 4, 5), date(2026, 10, 4)),
    "America/Santiago": (date(2026, 4, 5), date(2026, 9, 6)),
}


@pytest.mark.parametrize("tz_name", ZONES)
def test_the_2026_dst_changes_are_the_ones_zoneinfo_knows(tz_name: str) -> None:
    # Santiago's April change happens at 24:00 on the 4th (00:00 on the 5th, old offset),
    # which the new offset calls 23:00 on the 4th; Lord Howe's moves by 30 minutes.
    assert list(offset_changes(tz_name, 2026)) == list(DST_CHANGES_2026[tz_name])
    if tz_name == "Australia/Lord_Howe":
        for instant in offset_changes(tz_name, 2026).values():
            before = (instant - timedelta(minutes=30)).astimezone(ZoneInfo(tz_name))
            after = instant.astimezone(ZoneInfo(tz_name))
            assert abs(after.utcoffset() - before.utcoffset()) == timedelta(minutes=30)  # type: ignore[operator]


CHANGES = [
    pytest.param(tz_name, change, id=f"{tz_name.split('/')[1]}-{change:%m-%d}")
    for tz_name, dates in DST_CHANGES_2026.items()
    for change in dates
]


@pytest.mark.parametrize(("changing_zone", "change_day"), CHANGES)
def test_one_digest_per_business_morning_across_a_dst_change(
    database_url: str, changing_zone: str, change_day: date
) -> None:
    """Members in four zones, ticked every 15 minutes from 2 days before a DST change to
    3 days after it: each gets exactly one digest per local business date, at 08:00
    local, none on weekends."""
    change = offset_changes(changing_zone, 2026)[change_day]
    window_start = change - timedelta(days=2)
    window_end = change + timedelta(days=3)
    bot = Bot(database_url, SimulatedClock(window_start - timedelta(days=7)))
    try:
        bot.app.groups.setup_group(PLATFORM, WORKSPACE, tz="UTC")
        users = {}
        for n, tz_name in enumerate(ZONES):
            who = member(f"U{n}", tz_name.split("/")[1])
            users[tz_name] = who.user_id
            bot.app.conversation.join(who, tz=tz_name)
            keep_a_nudge_due_every_morning(bot, who, contact=f"Contact {n}")

        # The week before the window only makes the follow-ups due; skip it in one jump.
        bot.tick_at(window_start)
        bot.messenger.sent.clear()
        bot.tick_every(QUARTER, until=window_end)

        for tz_name, user in users.items():
            tz = ZoneInfo(tz_name)
            expected = []
            day = window_start.astimezone(tz).date() - timedelta(days=1)
            while local(day, MORNING, tz) <= window_end:
                at = local(day, MORNING, tz)
                if at > window_start and day.weekday() < 5:
                    expected.append((day, at))
                day += timedelta(days=1)
            got = [(key_day(s), s.local) for s in bot.messenger.digests(user)]
            assert got == expected, tz_name
            # The wall clock too: 08:00 in the zone, on the date of the key.
            for day, at in got:
                assert (at.date(), at.timetz().replace(tzinfo=None)) == (day, MORNING)
        assert bot.app.outbox.status()["pending"] == bot.app.outbox.status()["claimed"] == 0
    finally:
        bot.close()

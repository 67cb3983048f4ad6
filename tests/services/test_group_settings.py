"""A group's settings (core.services.group_settings): organisers alone change them, before
any value is read; the group's morning, zone and country move every member's next digest;
the channel takes a name or an id; a bad value gets its own usage."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from core.domain.text import plain
from core.services import FollowThrough, MessageKind
from core.storage.database import Database
from core.storage.tables import GroupRow
from tests.services.test_handlers import ANA, COACH, member, say


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    app.conversation.join(COACH)  # known already: no welcome in the answers below
    return app


def group(db: Database) -> GroupRow:
    with db.uow() as uow:
        row = uow.session.scalars(select(GroupRow)).one()
        uow.session.expunge(row)
        return row


def test_members_cannot_change_group_settings_and_nothing_changes(
    app: FollowThrough, db: Database
) -> None:
    say(app, COACH, "/followthrough group tz Europe/Paris")
    for setting in (
        "time 09:00",
        "tz America",
        "country FR",
        "channel #general",
        "tz " + "x" * 5000,
    ):
        answer = app.conversation.handle(ANA, "/followthrough", f"group {setting}")
        assert answer.kind is MessageKind.ERROR
        assert "organisers" in answer.text, setting  # refused before the value is read
    row = group(db)
    assert (row.tz, row.channel, row.morning) == ("Europe/Paris", None, time(8, 0))


def test_the_group_morning_moves_every_members_next_digest(
    app: FollowThrough, db: Database
) -> None:
    say(app, ANA, "/lead today")
    assert say(app, COACH, "/followthrough group time 07:15") == (
        "Group setting changed: time = 07:15."
    )
    assert group(db).morning == time(7, 15)
    assert member(db, ANA).next_morning_at == datetime(2026, 3, 2, 7, 15, tzinfo=UTC)
    assert member(db, COACH).organiser


def test_the_group_zone_and_country_set_the_members_calendar(
    app: FollowThrough, db: Database
) -> None:
    say(app, ANA, "/lead today")
    say(app, COACH, "/followthrough group tz America/New_York")
    say(app, COACH, "/followthrough group country us")
    row = group(db)
    assert (row.tz, row.country) == ("America/New_York", "US")
    # 08:00 in New York on Monday 2 March is 13:00 UTC.
    assert member(db, ANA).next_morning_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert "holidays of US" in say(app, ANA, "/followthrough me time 08:00")


def test_the_group_channel_takes_a_name_or_an_id(app: FollowThrough, db: Database) -> None:
    assert say(app, COACH, "/followthrough group channel #job-search").endswith(
        "channel = job-search."
    )
    assert group(db).channel == "job-search"
    say(app, COACH, "/followthrough group channel C0123456789")
    assert group(db).channel == "C0123456789"
    answer = app.conversation.handle(COACH, "/followthrough", "group channel " + "c" * 65)
    assert answer.kind is MessageKind.ERROR and group(db).channel == "C0123456789"


def test_a_bad_group_value_from_an_organiser_gets_its_own_usage(app: FollowThrough) -> None:
    answer = app.conversation.handle(COACH, "/followthrough", "group tz America")
    assert answer.kind is MessageKind.ERROR
    assert "America is not a time zone I know" in plain(answer.text)
    assert "Usage: /followthrough group tz Zone/Name" in answer.text
    assert "Example: /followthrough group tz Europe/London" in answer.text

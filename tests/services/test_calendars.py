"""A member's private calendar feed (core.services.calendars): its address, shown once and
kept as a fingerprint; reset; and the feed itself, read back with the icalendar library,
event by event, for two members who each see only their own."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import text as sql

from core.domain.messages import Message
from core.domain.text import plain
from core.services import FollowThrough, Identity
from core.services.ports import SimulatedClock
from core.storage.database import Database
from testkit.storage import FakeStorage

URL = "https://bot.example.com"
ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T1", "U-ben", "Ben")
ADDRESS = re.compile(r"^https://bot\.example\.com/calendar/([A-Za-z0-9_-]{43})\.ics$")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def app(clock: SimulatedClock) -> FollowThrough:
    """The app of a bot whose operator set its public URL, in memory."""
    app = FollowThrough(FakeStorage().uow, clock, public_url=URL)
    app.conversation.join(ANA, tz="Europe/Paris", country="FR")
    app.conversation.join(BEN, tz="America/New_York", country="US")
    return app


def say(app: FollowThrough, line: str, who: Identity = ANA) -> Message:
    command, _, text = line.partition(" ")
    return app.conversation.handle(who, command, text)


def text(message: Message) -> str:
    return plain(message.plain_text())


def subscribe(app: FollowThrough, who: Identity = ANA, line: str = "calendar") -> str:
    """The member's feed token, from the address `/followthrough calendar` shows."""
    answer = say(app, f"/followthrough {line}", who)
    addresses = [s.draft for s in answer.sections if s.draft]
    assert len(addresses) == 1, text(answer)
    found = ADDRESS.match(addresses[0] or "")
    assert found is not None, addresses
    return found[1]


def feed(app: FollowThrough, token: str) -> icalendar.Calendar:
    body = app.calendars.feed(token)
    assert body is not None
    return icalendar.Calendar.from_ical(body)


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


# -- the address ---------------------------------------------------------------------


def test_the_address_is_shown_once_then_only_a_new_one_can_be(app: FollowThrough) -> None:
    answer = say(app, "/followthrough calendar")
    assert text(answer).startswith("Your private calendar feed:")
    assert "this is the one time I can show it" in text(answer)
    token = subscribe(app, BEN)  # another member's, for the contrast below
    again = say(app, "/followthrough calendar")
    assert text(again).startswith("You have a calendar feed already.")
    assert not any(s.draft for s in again.sections) and token not in text(again)
    (button,) = [b for s in again.sections for b in s.buttons]
    assert (button.label, button.command) == ("Make a new address", "/followthrough calendar reset")


def test_a_reset_address_answers_nothing_at_once_and_the_new_one_works(
    app: FollowThrough,
) -> None:
    old = subscribe(app)
    assert app.calendars.feed(old) is not None
    new = subscribe(app, line="calendar reset")
    assert new != old
    assert app.calendars.feed(old) is None
    assert app.calendars.feed(new) is not None
    reset = say(app, "/followthrough me calendar reset")  # also after `me`
    assert "the old address stopped working" in text(reset)


@pytest.mark.parametrize("token", ["", "x", "../../etc/passwd", "a" * 65, "é" * 43, "a b"])
def test_what_is_no_token_opens_nothing(app: FollowThrough, token: str) -> None:
    subscribe(app)
    assert app.calendars.feed(token) is None


def test_without_a_public_address_there_is_no_feed_and_nothing_is_kept(
    clock: SimulatedClock,
) -> None:
    storage = FakeStorage()
    app = FollowThrough(storage.uow, clock)
    answer = say(app, "/followthrough calendar")
    assert answer.kind == "error" and "FOLLOWTHROUGH_PUBLIC_URL" in text(answer)
    assert all(m.calendar_digest is None for m in storage.tables.members.values())


# -- the feed ------------------------------------------------------------------------


def test_the_feed_holds_interviews_and_the_next_follow_ups_as_events(app: FollowThrough) -> None:
    say(app, "/lead add Julie Martin at Acme")
    say(app, "/lead emailed julie")  # Monday: the Re: is due Thursday
    say(app, "/lead add Sam Lee at Globex")
    say(app, "/lead interview sam on wed 10:00")
    say(app, "/lead add Li Wei at Initech")
    say(app, "/lead rejected #3")  # the rejection call, Tuesday
    say(app, "/lead add Kim at Umbrella network")  # keep in touch in 30 days: too far
    say(app, "/lead add Jo at Hooli")
    say(app, "/lead drop jo")
    cal = feed(app, subscribe(app))

    assert str(cal["x-wr-calname"]) == "FollowThrough"
    assert cal["refresh-interval"].dt == timedelta(hours=1)
    found = events(cal)
    assert sorted(found) == [
        "Follow up (Re:): Acme",
        "Interview: Globex",
        "Rejection call: Initech",
    ]

    interview = found["Interview: Globex"]
    assert interview.decoded("dtstart") == datetime(2026, 3, 4, 10, 0, tzinfo=PARIS)
    assert interview["dtstart"].params["TZID"] == "Europe/Paris"
    assert interview.decoded("duration") == timedelta(hours=1)
    assert str(interview["transp"]) == "OPAQUE"
    assert str(interview["description"]) == (
        "FollowThrough lead #2. Afterwards: /lead interviewed #2"
    )
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]

    follow_up = found["Follow up (Re:): Acme"]
    assert follow_up.decoded("dtstart") == date(2026, 3, 5)  # all day, Thursday
    assert follow_up.decoded("dtend") == date(2026, 3, 6)
    assert str(follow_up["transp"]) == "TRANSPARENT"  # a task: the member stays free
    assert str(follow_up["description"]) == (
        "FollowThrough lead #1 (emailed). Your morning digest at 08:00 (Europe/Paris) says"
        " how, with a draft."
    )
    assert found["Rejection call: Initech"].decoded("dtstart") == date(2026, 3, 3)
    # Contact names stay out of a feed, which calendar services fetch: the companies and
    # lead numbers are enough for the member, who has the rest.
    body = app.calendars.feed(subscribe(app, line="calendar reset"))
    assert body is not None
    for name in (b"Julie", b"Martin", b"Sam", b"Lee", b"Wei", b"Kim"):
        assert name not in body


def test_a_follow_up_further_than_four_weeks_is_left_out(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/lead add Kim at Umbrella network")  # keep in touch: Wed 1 April
    token = subscribe(app)
    assert events(feed(app, token)) == {}
    clock.advance_to(datetime(2026, 3, 4, 7, 0, tzinfo=UTC))  # 28 days before
    assert list(events(feed(app, token))) == ["Keep in touch: Umbrella"]


def test_a_moved_interview_is_the_same_event_in_the_feed(app: FollowThrough) -> None:
    say(app, "/lead add Sam at Globex")
    say(app, "/lead interview sam on wed 10:00")
    token = subscribe(app)
    before = events(feed(app, token))["Interview: Globex"]
    say(app, "/lead interview sam on thu 15:30")
    after = events(feed(app, token))["Interview: Globex"]
    assert after["uid"] == before["uid"]
    assert (int(before["sequence"]), int(after["sequence"])) == (0, 1)
    assert after.decoded("dtstart") == datetime(2026, 3, 5, 15, 30, tzinfo=PARIS)
    say(app, "/lead interview sam cancel")
    assert "Interview: Globex" not in events(feed(app, token))


def test_two_members_each_see_only_their_own(app: FollowThrough) -> None:
    say(app, "/lead add Julie at Acme")
    say(app, "/lead interview julie on thu 14:00")
    say(app, "/lead add Sam at Globex", BEN)
    say(app, "/lead interview sam on thu 9:00", BEN)
    say(app, "/lead emailed sam", BEN)
    ana, ben = subscribe(app), subscribe(app, BEN)

    ana_feed, ben_feed = feed(app, ana), feed(app, ben)
    assert list(events(ana_feed)) == ["Interview: Acme"]
    assert list(events(ben_feed)) == ["Interview: Globex"]
    ben_event = events(ben_feed)["Interview: Globex"]
    assert ben_event.decoded("dtstart") == datetime(
        2026, 3, 5, 9, 0, tzinfo=ZoneInfo("America/New_York")
    )
    assert [str(tz["tzid"]) for tz in ben_feed.walk("VTIMEZONE")] == ["America/New_York"]
    body = app.calendars.feed(ana)
    assert body is not None and b"Globex" not in body and b"New_York" not in body


def test_forget_me_takes_the_feed_with_it(app: FollowThrough) -> None:
    token = subscribe(app)
    say(app, "/followthrough forget-me confirm")
    assert app.calendars.feed(token) is None


# -- on the databases ----------------------------------------------------------------


def test_only_the_tokens_fingerprint_is_stored_and_the_feed_reads_it_back(
    db: Database, clock: SimulatedClock
) -> None:
    app = FollowThrough(db.uow, clock, public_url=URL)
    say(app, "/lead add Julie at Acme")
    say(app, "/lead interview julie on thu 14:00")
    token = subscribe(app)
    with db.engine.connect() as connection:
        rows = connection.execute(sql("SELECT * FROM members")).mappings().all()
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert token not in stored
    assert [row["calendar_digest"] for row in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert list(events(feed(app, token))) == ["Interview: Acme"]
    renewed = subscribe(app, line="calendar reset")
    assert app.calendars.feed(token) is None and app.calendars.feed(renewed) is not None

"""Calendar events written as iCalendar (core.reports.ics), read back with the icalendar
library as a calendar app would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from core.domain.agenda import Entry
from core.reports.ics import calendar

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")
SYDNEY = ZoneInfo("Australia/Sydney")


def read(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_a_timed_event_names_its_zone_and_carries_the_zones_rules() -> None:
    # Sydney leaves daylight saving on 5 April 2026: an event after it keeps 09:00.
    start = datetime(2026, 4, 7, 9, 0, tzinfo=SYDNEY)
    cal = read(calendar([Entry("a@x", "Interview: Acme", start, length=timedelta(hours=1))], NOW))
    (event,) = cal.walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Australia/Sydney"
    assert event.decoded("dtstart") == start
    assert event.decoded("dtstart").utcoffset() == timedelta(hours=10)  # AEST, not AEDT
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Australia/Sydney"
    assert event.decoded("dtstamp") == NOW
    assert event.decoded("duration") == timedelta(hours=1)


def test_an_all_day_event_is_a_date_of_one_day_and_leaves_one_free() -> None:
    entry = Entry("b@x", "Call: Globex", date(2026, 3, 5), description="a, b; c", busy=False)
    cal = read(calendar([entry], NOW))
    (event,) = cal.walk("VEVENT")
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (
        date(2026, 3, 5),
        date(2026, 3, 6),
    )
    assert str(event["transp"]) == "TRANSPARENT" and str(event["description"]) == "a, b; c"
    assert cal.walk("VTIMEZONE") == []  # no zone without a timed event


def test_a_feed_says_its_name_and_how_often_to_fetch_it_a_file_does_not() -> None:
    feed = read(calendar([], NOW, name="FollowThrough"))
    assert str(feed["x-wr-calname"]) == "FollowThrough"
    assert feed["refresh-interval"].dt == timedelta(hours=1)
    assert b"X-PUBLISHED-TTL:PT1H" in calendar([], NOW, name="FollowThrough")
    single = read(calendar([], NOW))
    assert "x-wr-calname" not in single and str(single["method"]) == "PUBLISH"


def test_events_in_two_zones_get_both_zones_and_a_cancelled_one_says_so() -> None:
    entries = [
        Entry("c@x", "Interview: A", datetime(2026, 3, 9, 10, 0, tzinfo=TOKYO)),
        Entry("d@x", "Interview: B", datetime(2026, 3, 9, 10, 0, tzinfo=SYDNEY), sequence=2,
              cancelled=True),
    ]  # fmt: skip
    cal = read(calendar(entries, NOW))
    assert sorted(str(z["tzid"]) for z in cal.walk("VTIMEZONE")) == [
        "Asia/Tokyo",
        "Australia/Sydney",
    ]
    statuses = {str(e["uid"]): (str(e["status"]), int(e["sequence"])) for e in cal.walk("VEVENT")}
    assert statuses == {"c@x": ("CONFIRMED", 0), "d@x": ("CANCELLED", 2)}

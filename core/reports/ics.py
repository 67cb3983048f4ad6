"""Calendar events as iCalendar (RFC 5545), written with the `icalendar` library: one
interview's file, or a member's feed.

Every timed event carries its zone by name (`DTSTART;TZID=Europe/Paris:...`) with the
zone's rules in a VTIMEZONE, so that a calendar in another zone, or one that meets a
daylight-saving change before the event, shows it at the time the member set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import icalendar

from core.domain.agenda import Entry

PRODUCT = "-//FollowThrough//Job search//EN"
REFRESH = timedelta(hours=1)  # how often a subscribed calendar should fetch the feed again
MEDIA_TYPE = "text/calendar"


def calendar(entries: Sequence[Entry], now: datetime, *, name: str | None = None) -> bytes:
    """`entries` as one iCalendar file, stamped `now`; `name`: a feed's, which tells
    calendar apps what to call it and how often to fetch it again."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name is not None:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    stamp = now.astimezone(UTC)
    for entry in entries:
        cal.add_component(_event(entry, stamp))
    days = [_day(entry.start) for entry in entries if isinstance(entry.start, datetime)]
    if days:
        # Each zone's rules over the span of its events (a year around them), not the
        # library's default of 1970 to 2038: the same times, in a file a tenth the size.
        cal.add_missing_timezones(
            first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366)
        )
    written: bytes = cal.to_ical()
    return written


def _event(entry: Entry, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", entry.sequence)
    event.add("summary", entry.summary)
    event.add("dtstart", entry.start)
    if isinstance(entry.start, datetime):
        event.add("duration", entry.length or timedelta(hours=1))
    else:
        event.add("dtend", entry.start + timedelta(days=1))  # an all-day event: one day
    if entry.description:
        event.add("description", entry.description)
    event.add("transp", "OPAQUE" if entry.busy else "TRANSPARENT")
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    return event


def _day(start: datetime | date) -> date:
    return start.date() if isinstance(start, datetime) else start

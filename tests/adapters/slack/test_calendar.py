"""`/lead interview` on Slack: the answer in the member's DM with the interview's .ics,
uploaded byte for byte, as Slack would let a member open it in their calendar."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from testkit.slack_harness import ADA, harness, wait_until


async def test_an_interview_is_answered_with_its_ics_uploaded_to_the_dm(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("add Julie Martin at Acme")
        answer = await h.ask("interview julie on thu 14:00")
        assert "Set: interview with Julie Martin at Acme (#1), Thu Mar 5 at 14:00" in answer
        assert "(Europe/Berlin)" in answer  # Ada's zone, from her Slack profile
        await wait_until(lambda: h.fake.calls_to("files.completeUploadExternal"))
        ((name, data),) = h.fake.shared(h.fake.dm_channel(ADA))
        assert name == "interview-1-2026-03-05.ics"
        (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert event.decoded("dtstart") == datetime(
            2026, 3, 5, 14, 0, tzinfo=ZoneInfo("Europe/Berlin")
        )
        assert str(event["summary"]) == "Interview: Acme"

        await h.ask("interview #1 on fri 9:00")  # moved: the same event, one change on
        await wait_until(lambda: len(h.fake.shared(h.fake.dm_channel(ADA))) == 2)
        (moved,) = icalendar.Calendar.from_ical(h.fake.shared(h.fake.dm_channel(ADA))[1][1]).walk(
            "VEVENT"
        )
        assert (moved["uid"], int(moved["sequence"])) == (event["uid"], 1)


async def test_a_calendar_feed_needs_the_operators_public_url(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        answer = await h.ask("calendar", command="/followthrough")
        assert "FOLLOWTHROUGH_PUBLIC_URL" in answer

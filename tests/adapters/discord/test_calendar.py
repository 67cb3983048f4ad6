"""`/lead interview` and `/followthrough calendar` on Discord, as typed options: the .ics in
the ephemeral answer, the days to come offered for `when`, and the feed's address."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from bots.bootstrap import build
from bots.settings import Settings
from core.services.ports import SimulatedClock
from testkit import discord_payloads as p
from testkit.discord_harness import START, Harness, text_of

URL = "https://bot.example.com"


@asynccontextmanager
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """The Discord harness over services whose operator set the public URL."""
    url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    settings = Settings(database_url=url, public_url=URL)
    with build(settings, SimulatedClock(START), migrate=True) as services:
        async with Harness(tmp_path, services=services) as h:
            yield h


async def test_an_interview_typed_as_options_is_answered_with_its_ics(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.interact(p.command("followthrough", "me", p.option("tz", "Europe/Paris")))
        await h.interact(
            p.command(
                "lead", "add", p.option("contact", "Julie Martin"), p.option("company", "Acme")
            )
        )
        answer = await h.interact(
            p.command(
                "lead",
                "interview",
                p.option("lead", "julie"),
                p.option("when", "2026-03-05"),
                p.option("time", "14:00"),
            )
        )
        assert answer["flags"] & 64
        assert "Set: interview with Julie Martin at Acme (#1), Thu Mar 5 at 14:00" in text_of(
            answer
        )
        ((name, data),) = answer["_files"].items()
        assert name == "interview-1-2026-03-05.ics"
        (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert event.decoded("dtstart") == datetime(
            2026, 3, 5, 14, 0, tzinfo=ZoneInfo("Europe/Paris")
        )

        called_off = await h.interact(
            p.command("lead", "interview", p.option("lead", "#1"), p.option("cancel", True))
        )
        ((_, gone),) = called_off["_files"].items()
        (cancelled,) = icalendar.Calendar.from_ical(gone).walk("VEVENT")
        assert (cancelled["uid"], str(cancelled["status"])) == (event["uid"], "CANCELLED")


async def test_the_days_offered_for_an_interview_are_the_days_to_come(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.interact(
            p.command("lead", "add", p.option("contact", "Julie"), p.option("company", "Acme"))
        )
        complete = p.command(
            "lead",
            "interview",
            p.option("lead", "#1"),
            p.option("when", "", focused=True),
            autocomplete=True,
        )
        await h.interact(complete)
        [callback] = h.fake.callbacks[int(complete["id"])]
        offered = [(c["name"], c["value"]) for c in callback["data"]["choices"]]
        assert offered[:3] == [
            ("Today", "today"),
            ("Tomorrow", "tomorrow"),
            ("Wed Mar 4", "2026-03-04"),
        ]


async def test_the_feed_address_is_shown_once_and_a_reset_replaces_it(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        first = text_of(await h.interact(p.command("followthrough", "calendar")))
        address = re.search(r"https://bot\.example\.com/calendar/[A-Za-z0-9_-]{43}\.ics", first)
        assert address is not None
        again = text_of(await h.interact(p.command("followthrough", "calendar")))
        assert "You have a calendar feed already" in again and address[0] not in again
        reset = text_of(
            await h.interact(p.command("followthrough", "calendar", p.option("reset", True)))
        )
        renewed = re.search(r"https://bot\.example\.com/calendar/[A-Za-z0-9_-]{43}\.ics", reset)
        assert renewed is not None and renewed[0] != address[0]
        token = address[0].rsplit("/", 1)[1].removesuffix(".ics")
        assert h.app.calendars.feed(token) is None

"""The calendar feed over real HTTP: the process's one HTTP server (as bootstrap starts it)
on 127.0.0.1, a real client, and the address a member was given."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import icalendar

from bots import bootstrap
from bots.bootstrap import Services, build
from bots.settings import Settings
from core.services import Identity
from core.services.ports import SimulatedClock
from tests.conftest import START

ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T1", "U-ben", "Ben")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(database_url: str) -> AsyncIterator[Services]:
    """A process's services and HTTP server (no platform), its public URL its own port."""
    port = free_port()
    settings = Settings(
        database_url=database_url, http_port=port, public_url=f"http://127.0.0.1:{port}/"
    )
    with build(settings, SimulatedClock(START), migrate=True) as services:
        async with bootstrap.platforms(services, {}):
            yield services


def address(services: Services, who: Identity, line: str = "calendar") -> str:
    answer = services.app.conversation.handle(who, "/followthrough", line)
    (url,) = [s.draft for s in answer.sections if s.draft]
    assert url is not None
    return url


async def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, allow_redirects=False) as response,
    ):
        return response.status, dict(response.headers), await response.read()


async def test_the_feed_is_served_with_calendar_headers_to_its_token_only(
    database_url: str,
) -> None:
    async with serving(database_url) as services:
        conversation = services.app.conversation
        conversation.join(ANA, tz="Europe/Paris")
        conversation.handle(ANA, "/lead", "add Julie at Acme")
        conversation.handle(ANA, "/lead", "interview julie on thu 14:00")
        conversation.handle(BEN, "/lead", "add Sam at Globex")
        conversation.handle(BEN, "/lead", "interview sam on fri 9:00")
        ana, ben = address(services, ANA), address(services, BEN)
        assert ana.startswith(f"http://127.0.0.1:{services.settings.http_port}/calendar/")

        status, headers, body = await get(ana)
        assert status == 200
        assert headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert headers["Cache-Control"] == "private, max-age=300"
        assert headers["X-Content-Type-Options"] == "nosniff"
        cal = icalendar.Calendar.from_ical(body)
        assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Interview: Acme"]
        assert b"Globex" not in body
        ben_body = (await get(ben))[2]
        assert b"Globex" in ben_body and b"Acme" not in ben_body

        head = await get(ana, "HEAD")
        assert (head[0], head[1]["Content-Type"]) == (200, "text/calendar; charset=utf-8")

        base = ana.rsplit("/", 1)[0]
        for wrong in (f"{base}/{'A' * 43}.ics", f"{base}/x.ics", ana[:-4], ana + "x"):
            status, headers, body = await get(wrong)
            assert status == 404 and b"VCALENDAR" not in body, wrong
            assert "text/calendar" not in headers.get("Content-Type", "")
        status, headers, body = await get(f"{base}/{'A' * 43}.ics")  # no such token
        assert (body, headers["Cache-Control"]) == (b"not found\n", "no-store")


async def test_a_reset_answers_404_at_the_old_address_and_200_at_the_new(
    database_url: str,
) -> None:
    async with serving(database_url) as services:
        old = address(services, ANA)
        assert (await get(old))[0] == 200
        new = address(services, ANA, "calendar reset")
        assert (await get(old))[0] == 404
        assert (await get(new))[0] == 200


async def test_without_a_public_url_there_is_no_address_and_the_route_finds_nothing(
    tmp_path: Path,
) -> None:
    port = free_port()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ft.db'}", http_port=port)
    with build(settings, SimulatedClock(START), migrate=True) as services:
        async with bootstrap.platforms(services, {}):
            answer = services.app.conversation.handle(ANA, "/followthrough", "calendar")
            assert answer.kind == "error"
            status, _, _ = await get(f"http://127.0.0.1:{port}/calendar/{'A' * 43}.ics")
            assert status == 404

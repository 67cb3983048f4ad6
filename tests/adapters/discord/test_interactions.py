"""Every command through the client's own interaction handling, after a REST-only login:
typed options in, one ephemeral answer out."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bots.bootstrap import build
from bots.settings import Settings
from core.services import SAYINGS
from core.services.ports import SimulatedClock
from testkit import discord_payloads as p
from testkit.discord_harness import START, Harness, text_of, who
from tests.adapters.attachments import CSV, LOG, LOG_CSV, PDF, answer_with_files

USER = 730000000000000001
OTHER = 730000000000000002


def lead(*parts: Any, **kwargs: Any) -> dict[str, Any]:
    return p.command("lead", *parts, **kwargs)


async def test_every_member_command_answers_ephemerally(tmp_path: Path) -> None:
    steps: list[tuple[dict[str, Any], str]] = [
        (
            lead(
                "add",
                p.option("contact", "Julie Martin"),
                p.option("company", "Acme"),
                p.option("role", "EM"),
                p.option("via", "email"),
            ),
            "Added #1 Julie Martin",
        ),
        (lead("emailed", p.option("lead", "julie"), p.option("note", "sent at 8")), "emailed"),
        (
            lead(
                "referral",
                p.option("lead", "#1"),
                p.option("contact", "Sam Lee"),
                p.option("company", "Globex"),
            ),
            "Referral logged",
        ),
        (lead("note", p.option("lead", "sam"), p.option("text", "likes calls")), "Noted"),
        (lead("snooze", p.option("lead", "sam"), p.option("days", 7)), "Snoozed"),
        (lead("show", p.option("lead", "#1")), "Julie Martin"),
        (lead("list"), "active lead"),
        (lead("list", p.option("all", True)), "Julie Martin"),
        (lead("today"), ""),
        (lead("drop", p.option("lead", "sam")), "Dropped"),
        (p.command("leaderboard", p.option("period", "month")), ""),
        (
            p.command(
                "followthrough",
                "me",
                p.option("time", "07:45"),
                p.option("tz", "Europe/Berlin"),
                p.option("country", "DE"),
            ),
            "07:45",
        ),
        (p.command("followthrough", "pause"), "Paused"),
        (p.command("followthrough", "resume"), "back"),
        (p.command("followthrough", "share", p.option("companies", "on")), "companies"),
        (p.command("followthrough", "board", p.option("board", "off")), "leaderboard"),
        (p.command("followthrough", "help"), "/lead add"),
    ]

    async with Harness(tmp_path) as h:
        for payload, expected in steps:
            answer = await h.interact(payload)
            [callback] = h.fake.callbacks[int(payload["id"])]
            assert callback == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
            assert answer["flags"] & 64, payload["data"]
            assert expected in text_of(answer), (payload["data"], text_of(answer))
            assert answer["allowed_mentions"] == {"parse": []}


async def test_the_first_reply_says_which_zone_and_country_the_mornings_use(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        first = text_of(await h.interact(lead("list", nick="Ada L.")))
        second = text_of(await h.interact(lead("list", nick="Ada L.")))
        assert "UTC" in first and "/followthrough me" in first and "Ada L." in first
        assert "Welcome" not in second


async def test_a_usage_error_answers_with_the_usage_and_writes_nothing(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        answer = await h.interact(lead("emailed", p.option("lead", "nobody")))
        assert answer["flags"] & 64
        assert "nobody" in text_of(answer)
        listing = text_of(await h.interact(lead("list")))
        assert "#1" not in listing


async def test_export_arrives_as_files_in_the_ephemeral_reply(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        await h.interact(lead("add", p.option("contact", "Julie"), p.option("company", "Acme")))
        payload = p.command("followthrough", "export")
        answer = await h.interact(payload)
        call = h.fake.requests("POST", "/webhooks/")[-1]
        assert call.files, "sent as multipart attachments"
        names = set(answer["_files"])
        assert {n.rsplit(".", 1)[-1] for n in names} >= {"json", "csv"}
        data = next(v for n, v in answer["_files"].items() if n.endswith(".json"))
        assert b"Julie" in data and json.loads(data)
        assert answer["flags"] & 64


async def test_a_binary_file_arrives_in_the_ephemeral_answer_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_with_files(monkeypatch)  # a PDF (not UTF-8) and a CSV with a non-ASCII name
    async with Harness(tmp_path) as h:
        await h.interact(lead("add", p.option("contact", "Julie"), p.option("company", "Acme")))
        answer = await h.interact(p.command("followthrough", "export"))
        assert answer["_files"] == {LOG.filename: PDF, LOG_CSV.filename: CSV.encode()}
        sizes = {a["filename"]: a["size"] for a in answer["attachments"]}
        assert sizes == {LOG.filename: len(PDF), LOG_CSV.filename: len(CSV.encode())}
        assert answer["flags"] & 64


async def test_files_over_the_interactions_limit_are_told_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_with_files(monkeypatch)
    async with Harness(tmp_path) as h:
        await h.interact(lead("add", p.option("contact", "Julie"), p.option("company", "Acme")))
        payload = p.command("followthrough", "export")
        payload["attachment_size_limit"] = len(PDF) + len(CSV)  # characters: the bytes are more
        answer = await h.interact(payload)
        assert text_of(answer) == SAYINGS["too_big"] and not answer["_files"]


async def test_an_export_too_big_to_attach_answers_the_cores_saying(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        await h.interact(lead("add", p.option("contact", "Julie"), p.option("company", "Acme")))
        payload = p.command("followthrough", "export")
        payload["attachment_size_limit"] = 10  # bytes: nothing fits
        answer = await h.interact(payload)
        assert text_of(answer) == SAYINGS["too_big"]
        assert not answer["_files"] and answer["flags"] & 64


async def test_a_command_this_build_does_not_know_says_it_is_being_updated(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        answer = await h.interact(p.command("retired", "thing"))
        assert answer["flags"] & 64 and text_of(answer) == SAYINGS["updating"]


async def test_forget_me_asks_first_and_its_button_erases_the_member(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        await h.interact(lead("add", p.option("contact", "Julie"), p.option("company", "Acme")))
        asked = await h.interact(p.command("followthrough", "forget-me"))
        assert asked["flags"] & 64 and "Nothing is erased until you confirm" in text_of(asked)
        assert "Julie" in text_of(await h.interact(lead("list")))
        (erase,) = p.custom_ids(asked)
        assert erase.endswith(":followthrough:forget-me confirm")
        press = p.press_in_guild(erase, user_id=USER, message=asked)
        h.feed(press)
        await h.answered(press)
        assert "Done: your 1 lead" in str(h.fake.originals[press["token"]])
        assert "Julie" not in text_of(await h.interact(lead("list")))


async def test_forget_me_confirm_as_a_typed_option_erases_at_once(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        await h.interact(lead("add", p.option("contact", "Julie"), p.option("company", "Acme")))
        answer = await h.interact(
            p.command("followthrough", "forget-me", p.option("confirm", True))
        )
        assert "erased" in text_of(answer)
        assert "Julie" not in text_of(await h.interact(lead("list")))


async def test_members_only_reach_their_own_leads(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        await h.interact(lead("add", p.option("contact", "Julie"), p.option("company", "Acme")))
        answer = await h.interact(lead("show", p.option("lead", "#1"), user_id=OTHER))
        assert "Julie" not in text_of(answer)


# -- organisers ------------------------------------------------------------------------


def group(*parts: Any, **kwargs: Any) -> dict[str, Any]:
    return p.command("followthrough-group", *parts, **kwargs)


async def test_a_non_organiser_is_refused(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        payload = group("time", p.option("time", "09:00"))
        answer = await h.interact(payload)
        assert answer["flags"] & 64
        assert "organis" in text_of(answer).lower()
        assert "changed" not in text_of(answer).lower() or "nothing" in text_of(answer).lower()


async def test_an_organiser_picks_the_channel_with_no_cache(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        channel = 740000000000000001
        assert h.bot is not None and h.bot.get_channel(channel) is None  # not cached
        payload = group(
            "channel",
            p.option("channel", str(channel), kind=7),
            permissions=p.MANAGE_GUILD | p.MEMBER_PERMISSIONS,
            resolved=p.resolved_channel(channel),
        )
        answer = await h.interact(payload)
        assert str(channel) in text_of(answer) or "channel" in text_of(answer)
        assert "organis" not in text_of(answer).lower()
        admin = await h.interact(
            group("tz", p.option("tz", "Europe/Paris"), permissions=p.ADMINISTRATOR)
        )
        assert "Europe/Paris" in text_of(admin)


async def test_the_synced_organiser_command_is_marked_for_manage_server(tmp_path: Path) -> None:
    async with Harness(tmp_path, sync=True) as h:
        commands = {c["name"]: c for c in h.fake.requests("PUT", "/commands$")[0].body}
    admin = commands["followthrough-group"]
    assert int(admin["default_member_permissions"]) == 1 << 5
    assert admin["contexts"] == [0]
    assert commands["lead"]["default_member_permissions"] is None
    assert "group" not in {o["name"] for o in commands["followthrough"]["options"]}
    channel = next(o for o in admin["options"] if o["name"] == "channel")["options"][0]
    assert channel["type"] == 7 and channel["channel_types"] == [0, 5]
    snooze = next(o for o in commands["lead"]["options"] if o["name"] == "snooze")
    days = next(o for o in snooze["options"] if o["name"] == "days")
    assert (days["min_value"], days["max_value"]) == (1, 365)
    emailed = next(o for o in commands["lead"]["options"] if o["name"] == "emailed")
    assert emailed["options"][0] == {
        **emailed["options"][0],
        "name": "lead",
        "autocomplete": True,
        "required": True,
    }
    for command in commands.values():
        assert counted_characters(command) <= 8000, command["name"]


def counted_characters(node: Any) -> int:
    """What Discord counts against a command's 8,000 characters: every name, description
    and choice value in it, its options' and choices' included (DISCORD.md)."""
    if isinstance(node, list):
        return sum(counted_characters(item) for item in node)
    if not isinstance(node, dict):
        return 0
    own = sum(len(str(node[key])) for key in ("name", "description", "value") if key in node)
    return (
        own
        + counted_characters(node.get("options", []))
        + counted_characters(node.get("choices", []))
    )


# -- timing and failures -----------------------------------------------------------------


class SlowApp:
    """The app over a database that takes `delay` seconds to answer."""

    def __init__(self, app: Any, delay: float) -> None:
        self._app, self._delay = app, delay

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._app, name)
        if not callable(target):
            return target

        def slow(*args: Any, **kwargs: Any) -> Any:
            time.sleep(self._delay)
            return target(*args, **kwargs)

        return slow


async def test_a_slow_database_never_misses_the_three_seconds(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.bot.app = SlowApp(h.app.conversation, 2.0)  # type: ignore[assignment]
        payload = lead("list")
        started = time.monotonic()
        h.feed(payload)
        await h.fake.wait(lambda: int(payload["id"]) in h.fake.callbacks, 1.0)
        first = h.fake.requests("POST", "/callback")[-1].at - started
        assert first < 0.5
        await h.answered(payload, timeout=5)
        assert len(h.fake.followups[payload["token"]]) == 1


async def test_a_close_lets_the_interactions_being_answered_finish(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.bot.app = SlowApp(h.app.conversation, 0.5)  # type: ignore[assignment]
        payload = lead("add", p.option("contact", "Julie"), p.option("company", "Acme"))
        h.feed(payload)
        await h.fake.wait(lambda: int(payload["id"]) in h.fake.callbacks, 1.0)
        await h.stop_bot()  # while the command is in the core
        assert "Julie" in text_of(h.fake.followups[payload["token"]][0])
        assert "Julie" in h.app.conversation.handle(who(USER), "/lead", "list").plain_text()


async def test_a_failure_answers_once(tmp_path: Path) -> None:
    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("database on fire")

    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.bot.app = Broken()  # type: ignore[assignment]
        payload = lead("list")
        answer = await h.interact(payload)
        assert answer["flags"] & 64 and "nothing was changed" in text_of(answer)
        await asyncio.sleep(0.1)
        assert len(h.fake.callbacks[int(payload["id"])]) == 1
        assert len(h.fake.followups[payload["token"]]) == 1


async def test_a_command_done_but_not_shown_says_so_and_is_not_done_twice(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.fake.fail("POST", r"/webhooks/\d+/[^/]+$", 400, 50035)  # the answer, once
        payload = lead("add", p.option("contact", "Julie"), p.option("company", "Acme"))
        answer = await h.interact(payload)
        assert answer["flags"] & 64
        assert text_of(answer) == SAYINGS["shown_not"]  # not "nothing was changed"
        assert len(h.fake.followups[payload["token"]]) == 1
        listed = h.app.conversation.handle(who(USER), "/lead", "list").plain_text()
        assert listed.count("Julie") == 1  # done, once


async def test_a_refusal_not_shown_says_nothing_was_changed(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.fake.fail("POST", r"/webhooks/\d+/[^/]+$", 400, 50035)
        answer = await h.interact(lead("show", p.option("lead", "#9")))
        assert text_of(answer) == SAYINGS["broken"]


async def test_a_dead_interaction_token_is_left_alone(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.fake.fail("POST", "/callback$", 404, 10062)
        payload = lead("list")
        h.feed(payload)
        await h.fake.wait(lambda: bool(h.fake.requests("POST", "/callback$")))
        await asyncio.sleep(0.2)
        assert payload["token"] not in h.fake.followups
        assert len(h.fake.requests("POST", "/callback$")) == 1


async def test_no_answer_can_ping_a_crowd(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        snowflake = "123456789012345678"
        nasty = f"@everyone @here <@&{snowflake}> <@{snowflake}> <#{snowflake}> **x**"
        await h.interact(lead("add", p.option("contact", nasty), p.option("company", "Acme")))
        for payload in (lead("list"), lead("show", p.option("lead", "#1"))):
            answer = await h.interact(payload)
            text = text_of(answer)
            for ping in ("@everyone", "@here", "<@&1", "<@1", "<#1"):
                assert ping not in text, (ping, text)
            # A list quotes the first 40 characters of a name; `show`, all of it.
            assert "\\*\\*x\\*\\*" in text or text.endswith("… at Acme · new")
        for messages in h.fake.followups.values():
            for message in messages:
                assert message["allowed_mentions"] == {"parse": []}


# -- the work-search log ------------------------------------------------------------------


async def test_the_work_search_log_is_built_from_typed_options_and_attached(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        settings = await h.interact(
            p.command("followthrough", "me", p.option("log_preset", "US-NY"))
        )
        assert "3 activities a week, on different days" in text_of(settings)
        await h.interact(
            lead(
                "add",
                p.option("company", "Acme"),
                p.option("role", "Data Engineer"),
                p.option("email", "jobs@acme.com"),
            )
        )
        applied = await h.interact(
            lead("applied", p.option("lead", "acme"), p.option("how", "mail"))
        )
        assert "applied #1 Acme" in text_of(applied)
        fair = await h.interact(
            lead(
                "activity",
                p.option("kind", "fair"),
                p.option("what", "Tech Expo"),
                p.option("where", "Javits"),
                p.option("hours", "2.5h"),
            )
        )
        assert "Logged: job fair Tech Expo at Javits, 2.5 h." in text_of(fair)
        answer = await h.interact(p.command("followthrough", "log"))
        assert "2 of 3 activities" in text_of(answer) and answer["flags"] & 64
        files = answer["_files"]
        pdf = next(data for name, data in files.items() if name.endswith(".pdf"))
        sheet = next(data for name, data in files.items() if name.endswith(".csv"))
        assert pdf.startswith(b"%PDF-")
        assert b"jobs@acme.com" in sheet and b"Tech Expo" in sheet


async def test_a_bad_detail_typed_as_an_option_is_refused(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        answer = await h.interact(
            lead("add", p.option("company", "Acme"), p.option("email", "jobs-at-acme"))
        )
        assert "doesn't look like an email address" in text_of(answer)
        assert "#1" not in text_of(await h.interact(lead("list")))


# -- an interview to come, and the calendar feed ----------------------------------------

URL = "https://bot.example.com"


@asynccontextmanager
async def with_public_url(tmp_path: Path) -> AsyncIterator[Harness]:
    """The Discord harness over services whose operator set the public URL."""
    url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    settings = Settings(database_url=url, public_url=URL)
    with build(settings, SimulatedClock(START), migrate=True) as services:
        async with Harness(tmp_path, services=services) as h:
            yield h


async def test_an_interview_typed_as_options_is_answered_with_its_ics(tmp_path: Path) -> None:
    async with with_public_url(tmp_path) as h:
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


async def test_the_feed_address_is_shown_once_and_a_reset_replaces_it(tmp_path: Path) -> None:
    async with with_public_url(tmp_path) as h:
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


# -- pages of a list, and the organisers' report ------------------------------------------

HOSTILE = "*_`~|>#-[]()\\@everyone <@1> " * 6  # escapes double it: the worst a name can be


async def test_a_long_list_is_paged_with_buttons_each_page_one_message_within_limits(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        ada, bo = who(730000000000000001), who(730000000000000002, "Bo")
        for n in range(1, 26):
            h.app.conversation.handle(ada, "/lead", f"add {HOSTILE}{n} at {HOSTILE}Co {n}")
        h.app.conversation.handle(bo, "/lead", "add Zed at Initech")
        asked = lead("list", p.option("filter", "all"))
        first = await h.interact(asked)  # the fake refuses what Discord would refuse
        assert len(h.answers(asked)) == 1 and first["flags"] & 64
        assert "(1–10)" in text_of(first) and "@everyone" not in text_of(first).replace("\\", "")
        (forward,) = p.custom_ids(first)
        assert forward == "ft2:r:0:lead:list all page 2"
        shown = first
        for custom_id, heading in [
            (forward, "(11–20)"),
            ("ft2:r:0:lead:list all page 3", "(21–25)"),
            ("ft2:r:0:lead:list all page 2", "(11–20)"),
            ("ft2:r:0:lead:list all page 3", "(21–25)"),  # again: a read, shown again
        ]:
            assert custom_id in p.custom_ids(shown)  # the page shown has that button
            press = p.press_in_guild(custom_id, user_id=730000000000000001, message=shown)
            h.feed(press)
            token = press["token"]
            await h.fake.wait(
                lambda heading=heading, token=token: (
                    heading in text_of(h.fake.originals.get(token) or {})
                )
            )
            shown = {**h.fake.originals[token], "id": first["id"]}  # the same message
            assert len(shown["embeds"]) == 1
        # Bo pressing the same button is shown his own leads: the button is only a page.
        theirs = p.press_in_guild(forward, user_id=730000000000000002, message=first)
        h.feed(theirs)
        await h.fake.wait(lambda: "lead" in text_of(h.fake.originals.get(theirs["token"]) or {}))
        assert "Co 1" not in text_of(h.fake.originals[theirs["token"]])


async def test_the_report_is_an_organisers_and_answers_only_them(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(
            who(730000000000000002, "Bo"), "/lead", "add Zed Secret at Initech"
        )
        refused = await h.interact(group("report"))
        assert refused["flags"] & 64 and "organis" in text_of(refused).lower()
        assert "Bo" not in text_of(refused)
        report = await h.interact(
            group("report", permissions=p.MANAGE_GUILD | p.MEMBER_PERMISSIONS)
        )
        assert report["flags"] & 64
        assert "Group report" in text_of(report) and "Bo" in text_of(report)
        assert "Zed" not in text_of(report) and "Secret" not in text_of(report)


async def test_a_report_page_of_hostile_names_and_shared_companies_fits_one_message(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        assert h.clock is not None
        for n in range(12):
            member = who(730000000000000100 + n, f"{HOSTILE[:100]}{n}")
            h.app.conversation.handle(member, "/followthrough", "share companies on")
            for lead in range(4):
                h.app.conversation.handle(member, "/lead", f"add X at {HOSTILE[:190]}{lead}")
                h.app.conversation.handle(member, "/lead", f"emailed #{lead + 1}")
        h.clock.advance_to(START + timedelta(days=8))  # type: ignore[attr-defined]
        asked = group("report", permissions=p.MANAGE_GUILD | p.MEMBER_PERMISSIONS)
        report = await h.interact(asked)  # the fake refuses what Discord would refuse
        assert len(h.answers(asked)) == 1 and report["flags"] & 64
        assert "4 overdue (" in text_of(report) and "+1)" in text_of(report)
        assert p.custom_ids(report) == ["ft2:r:0:followthrough:group report page 2"]
        assert "@everyone" not in text_of(report).replace("\\", "")  # kept apart: no ping
        assert report["allowed_mentions"] == {"parse": []}

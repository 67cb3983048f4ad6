"""Digest buttons (owner, double press, layout limits), autocomplete, guild removal."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bots.discord import render
from bots.discord.views import CommandButton, Pointer, reply_id, sent_id, view
from core.domain.replies import ALREADY_DONE
from core.domain.text import typed
from core.services import SAYINGS, Button, Message, MessageKind, Section, country_names
from testkit import discord_payloads as p
from testkit.discord_harness import GUILD, Harness, deliver, due_digest, text_of, who
from tests.adapters.discord.test_commands import SlowApp

USER = 730000000000000001
OTHER = 730000000000000002


def press_of(h: Harness, message: dict[str, Any], index: int = 0, user: int = USER) -> Any:
    return p.press(
        p.custom_ids(message)[index],
        user_id=user,
        message=message,
        dm_channel=h.fake.dm_channels[USER],
    )


async def test_a_double_press_logs_once(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, USER)
        await deliver(h)
        [dm] = h.fake.dm(USER)
        first, second = press_of(h, dm), press_of(h, dm)
        h.feed(first)
        h.feed(second)
        await h.fake.wait(lambda: "footer" in str(h.fake.originals.get(first["token"])))
        await asyncio.sleep(0.2)
        history = h.app.conversation.handle(who(USER), "/lead", "show #1").plain_text()
        assert history.count("followedup") == 1
        assert h.fake.callbacks[int(second["id"])] == [{"type": 6}]  # acknowledged only


async def test_a_press_by_someone_else_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, USER)
        h.app.conversation.handle(who(OTHER, "Bo"), "/lead", "add Zed at Initech")
        h.app.conversation.handle(who(OTHER, "Bo"), "/lead", "emailed #1")
        await deliver(h)
        dm = h.fake.dm(USER)[0]
        intruder = press_of(h, dm, user=OTHER)
        answer = await h.interact(intruder)
        assert answer["flags"] & 64 and "someone else" in text_of(answer)
        assert (
            "followedup"
            not in h.app.conversation.handle(who(OTHER), "/lead", "show #1").plain_text()
        )
        assert (
            "followedup"
            not in h.app.conversation.handle(who(USER), "/lead", "show #1").plain_text()
        )


async def test_a_press_that_the_core_refuses_answers_and_keeps_the_buttons(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, USER)
        await deliver(h)
        [dm] = h.fake.dm(USER)
        h.app.conversation.handle(who(USER), "/followthrough", "forget-me confirm")
        answer = await h.interact(press_of(h, dm))
        assert answer["flags"] & 64
        assert press_of(h, dm)["token"] not in h.fake.originals


async def test_a_press_applied_but_not_shown_says_so_and_a_retry_logs_nothing_twice(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, USER)
        await deliver(h)
        [dm] = h.fake.dm(USER)
        h.fake.fail("PATCH", "/messages/@original$", 400, 50035)  # the tick, once
        first = press_of(h, dm)
        answer = await h.interact(first)
        assert answer["flags"] & 64
        assert text_of(answer) == SAYINGS["shown_not"]  # not "nothing was changed"
        again = press_of(h, dm)
        h.feed(again)
        await h.fake.wait(lambda: int(again["id"]) in h.fake.callbacks)
        await asyncio.sleep(0.2)
        assert h.fake.callbacks[int(again["id"])] == [{"type": 6}]  # still claimed
        assert again["token"] not in h.fake.followups
        history = h.app.conversation.handle(who(USER), "/lead", "show #1").plain_text()
        assert history.count("followedup") == 1


async def test_a_press_applied_before_a_restart_says_so_and_leaves_the_message(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, USER)
        await deliver(h)
        [dm] = h.fake.dm(USER)
        h.fake.fail("PATCH", "/messages/@original$", 400, 50035)  # the tick, once
        await h.interact(press_of(h, dm))  # logged: the buttons stay
        await h.restart()  # a new process: no claims of its own
        again = press_of(h, dm)
        answer = await h.interact(again)
        assert answer["flags"] & 64 and text_of(answer) == ALREADY_DONE
        assert h.fake.callbacks[int(again["id"])] == [{"type": 6}]
        assert again["token"] not in h.fake.originals, "the message is not edited"
        history = h.app.conversation.handle(who(USER), "/lead", "show #1").plain_text()
        assert history.count("followedup") == 1


async def test_a_refused_press_not_shown_can_be_pressed_again(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, USER)
        await deliver(h)
        [dm] = h.fake.dm(USER)
        h.app.conversation.handle(who(USER), "/followthrough", "forget-me confirm")
        h.fake.fail("POST", r"/webhooks/\d+/[^/]+$", 400, 50035)  # the refusal, once
        answer = await h.interact(press_of(h, dm))
        assert text_of(answer) == SAYINGS["broken"]
        again = press_of(h, dm)
        answer = await h.interact(again)  # released: the core is asked again
        assert answer["flags"] & 64 and text_of(answer) != SAYINGS["broken"]


async def test_a_press_that_fails_before_the_core_can_be_pressed_again(tmp_path: Path) -> None:
    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("database on fire")

    async with Harness(tmp_path) as h:
        due_digest(h, USER)
        await deliver(h)
        [dm] = h.fake.dm(USER)
        assert h.bot is not None
        app, h.bot.app = h.bot.app, Broken()  # type: ignore[assignment]
        answer = await h.interact(press_of(h, dm))
        assert text_of(answer) == SAYINGS["broken"]
        h.bot.app = app
        again = press_of(h, dm)
        h.feed(again)
        await h.fake.wait(lambda: "footer" in str(h.fake.originals.get(again["token"])))
        history = h.app.conversation.handle(who(USER), "/lead", "show #1").plain_text()
        assert history.count("followedup") == 1


def test_a_long_digest_stays_within_discords_limits() -> None:
    buttons = (
        Button("Done", "/lead followedup #12", "done"),
        Button("They replied", "/lead replied #12", "replied"),
        Button("Snooze 2 days", "/lead snooze #12 2", "snooze"),
    )
    sections = tuple(
        Section(f"#{n} " + "x" * 900, "why " * 100, "draft line\n" * 300, buttons)
        for n in range(12)
    )
    message = Message(MessageKind.DIGEST, "y" * 5000, sections)
    parts = render.parts(message)
    assert len(parts) > 1
    for part in parts:
        assert len(part.content or "") <= 2000
        assert len(part.embeds) <= 10 and part.size() <= 6000
        assert all(len(e.description or "") <= 4096 for e in part.embeds)
        assert len(part.rows) <= 5
        built = view(part, 41)
        assert (built is not None) == bool(part.rows)
        for item in built.children if built else ():
            assert len(item.custom_id or "") <= 100  # type: ignore[attr-defined]
    assert sum(len(part.embeds) for part in parts) == 12
    # The long text is spread over messages, not cut.
    assert "".join(part.content or "" for part in parts) == "y" * 5000
    assert all("```" in e.description for part in parts for e in part.embeds)  # type: ignore[operator]


def test_a_custom_id_is_a_pointer_not_a_tenant() -> None:
    template = CommandButton.__discord_ui_compiled_template__
    sent = sent_id(9_999_999_999, 3, 12, 2)  # a delivered DM's row, and where the button is
    assert sent == "ft2:s:9999999999:3:12:2" and template.fullmatch(sent)
    assert Pointer.parse(sent) == Pointer(3, row=9_999_999_999, section=12, index=2)
    reply = reply_id(0, Button("Yes, erase", "/followthrough forget-me confirm", "drop"))
    assert reply == "ft2:r:0:followthrough:forget-me confirm" and template.fullmatch(reply)
    old = f"ft1:{GUILD}:{USER}:3:lead:followedup #12"  # digests sent before: still pressed
    assert template.fullmatch(old)
    assert Pointer.parse(old) == Pointer(3, command="lead", text="followedup #12", guild=GUILD)


# -- autocomplete --------------------------------------------------------------------------


def complete(option: str, typed: str, *path: str, **kwargs: Any) -> dict[str, Any]:
    command, *subs = path
    return p.command(
        command, *subs, p.option(option, typed, focused=True), autocomplete=True, **kwargs
    )


def choices(h: Harness, payload: dict[str, Any]) -> list[dict[str, Any]]:
    [callback] = h.fake.callbacks[int(payload["id"])]
    assert callback["type"] == 8
    result: list[dict[str, Any]] = callback["data"]["choices"]
    return result


async def test_lead_autocomplete_offers_at_most_25_short_choices_of_ones_own_leads(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        for n in range(30):
            h.app.conversation.handle(who(USER), "/lead", f"add {'N' * 150}{n} at Acme{n}")
        h.app.conversation.handle(who(OTHER), "/lead", "add Stranger at Acme")
        payload = complete("lead", "", "lead", "emailed")
        await h.interact(payload)
        found = choices(h, payload)
        assert 0 < len(found) <= 25
        assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in found)
        assert not any("Stranger" in c["name"] for c in found)
        narrow = complete("lead", "acme29", "lead", "emailed")
        await h.interact(narrow)
        assert [c["value"] for c in choices(h, narrow)] == ["#30"]


async def test_lead_autocomplete_on_a_slow_database_answers_empty_in_time(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.bot.app = SlowApp(h.app.conversation, 2.5)  # type: ignore[assignment]
        payload = complete("lead", "ju", "lead", "emailed")
        started = time.monotonic()
        await h.interact(payload)
        assert time.monotonic() - started < 2.8
        assert choices(h, payload) == []


async def test_zone_and_country_autocomplete(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        tz = complete("tz", "berl", "followthrough", "me")
        await h.interact(tz)
        assert "Europe/Berlin" in [c["value"] for c in choices(h, tz)]
        every = complete("tz", "", "followthrough", "me")
        await h.interact(every)
        assert len(choices(h, every)) == 25
        country = complete("country", "ger", "followthrough", "me")
        await h.interact(country)
        assert "DE" in [c["value"] for c in choices(h, country)]
        named = dict(country_names())
        for choice in choices(h, country):  # the core's names, labelled "code · name"
            code = choice["value"]
            assert choice["name"] in (f"{code} · {named[code]}", code)
        assert {"name": "DE · Germany", "value": "DE"} in choices(h, country)


# -- guilds ---------------------------------------------------------------------------------


async def test_removal_from_a_server_erases_its_group_but_an_outage_does_not(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        state = h.bot._connection
        state.parse_guild_create(p.guild())  # type: ignore[arg-type]
        h.app.conversation.handle(who(USER), "/lead", "add Julie at Acme")
        state.parse_guild_delete({"id": GUILD, "unavailable": True})  # type: ignore[arg-type]
        await asyncio.sleep(0.1)
        assert h.app.conversation.lead_choices(who(USER), "") != []
        state.parse_guild_create(p.guild())  # type: ignore[arg-type]
        state.parse_guild_delete({"id": GUILD})  # type: ignore[arg-type]
        for _ in range(100):
            if h.app.conversation.lead_choices(who(USER), "") == []:
                break
            await asyncio.sleep(0.02)
        assert h.app.conversation.lead_choices(who(USER), "") == []
        assert h.app.groups.erase_group("discord", GUILD) is False  # nothing left


def test_member_text_is_escaped_in_linear_time_and_drafts_cannot_break_their_fence() -> None:
    hostile = "[](" * 700  # escape_markdown's link pattern backtracks on this
    section = Section(typed(hostile) * 30, None, "Hi ````` [x](http://e.x) @everyone")
    (piece,) = render.embeds(section)[-1:]
    description = piece.description or ""
    assert description.count("```") == 2  # the draft's own fence, opened and closed
    assert "](" not in render.escape(hostile)


def test_a_long_history_spills_into_further_embeds_instead_of_being_cut() -> None:
    history = Section(
        "History:\n" + "\n".join(f"Mon Mar {n}: note " + "n" * 150 for n in range(60))
    )
    pieces = render.embeds(history)
    assert len(pieces) == 3 and all(len(e.description or "") <= 4096 for e in pieces)
    assert "Mon Mar 59" in (pieces[-1].description or "")

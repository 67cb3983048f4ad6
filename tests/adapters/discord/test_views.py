"""Digest buttons (bots.discord.views): the owner alone presses, a double press logs once, a
refused or failed press can be pressed again, and a custom id is a pointer, never a tenant."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bots.discord.views import CommandButton, Pointer, reply_id, sent_id
from core.domain.replies import ALREADY_DONE
from core.services import SAYINGS, Button
from testkit import discord_payloads as p
from testkit.discord_harness import GUILD, Harness, deliver, due_digest, text_of, who

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

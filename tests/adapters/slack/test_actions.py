"""Buttons (bots.slack.actions): the morning DM in Block Kit and its buttons, presses in
the App Home tab, and the export upload."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bots.slack.blocks import ACTION_IDS
from core.domain.replies import ALREADY_DONE
from core.services import SAYINGS, Failure, Identity, SendError
from core.services.ports import SimulatedClock
from testkit.slack import TEAM, FakeSlack
from testkit.slack_harness import ADA, ORG, Harness, harness, wait_until
from tests.adapters.attachments import CSV, LOG, LOG_CSV, PDF, answer_with_files
from tests.adapters.slack.test_messenger import delivery
from tests.conftest import START

THURSDAY = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)  # 08:30 in Berlin, Ada's zone


async def morning_digest(h: Harness, clock: SimulatedClock) -> tuple[str, str, dict[str, Any]]:
    """Ada emails a lead on Monday; Thursday's digest reaches her DM. (channel, ts, args)."""
    await h.ask("add Julie Martin at Acme")
    await h.ask("emailed julie")
    clock.advance_to(THURSDAY)
    h.services.app.planner.plan()
    deliverer = h.services.deliverer({"slack": h.server.platform()})
    assert await deliverer.drain() == 1
    (post,) = h.fake.posts()
    (key,) = [k for k, v in h.fake.messages.items() if v is post]
    return key[0], key[1], post


def press(h: Harness, channel: str, ts: str, post: dict[str, Any], action: str) -> dict[str, Any]:
    """The block_actions payload Slack sends when Ada presses `action` in that message."""
    row = next(b for b in post["blocks"] if b["type"] == "actions")
    button = next(e for e in row["elements"] if e["action_id"] == action)
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": ADA, "name": "ada", "team_id": TEAM},
        "api_app_id": "A0APP00001",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"ts": ts, "text": post["text"], "blocks": post["blocks"]},
        "response_url": h.fake.response_url("press"),
        "trigger_id": "trigger-press",
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": row["block_id"],
                "value": button["value"],
                "action_ts": "1700000000.1",
            }
        ],
    }


async def test_the_digest_is_block_kit_in_the_members_dm_with_the_three_buttons(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, _, post = await morning_digest(h, clock)
        assert channel == h.fake.dm_channel(ADA)  # a D... id, never the U... id
        assert post["text"] and "Julie" in post["text"]  # the fallback
        assert post["blocks"][0]["type"] == "header"
        (row,) = [b for b in post["blocks"] if b["type"] == "actions"]
        ids = [e["action_id"] for e in row["elements"]]
        assert ids == ["digest_done", "digest_replied", "digest_snooze_2d"]
        assert all(e["value"].startswith("/lead ") for e in row["elements"])
        assert any(
            b["type"] == "section" and b["text"]["text"].startswith("```") for b in post["blocks"]
        ), "the draft, easy to copy"
        assert len(h.fake.calls_to("conversations.open")) == 1


async def test_done_logs_once_and_the_message_shows_it_without_its_buttons(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)
        payload = press(h, channel, ts, post, ACTION_IDS["done"])
        status, body = await h.interact(payload)
        assert (status, body) == (200, "")
        await wait_until(lambda: h.fake.calls_to("chat.update"))
        again = await h.interact(payload)  # a double click: the same payload again
        assert again[0] == 200
        await wait_until(lambda: len(h.fake.calls_to("views.publish")) >= 1)
        (update,) = h.fake.calls_to("chat.update")
        assert update.args["channel"] == channel and update.args["ts"] == ts
        assert not [b for b in update.args["blocks"] if b["type"] == "actions"]
        row = payload["actions"][0]["block_id"]
        (logged,) = [b for b in update.args["blocks"] if b.get("block_id") == f"{row}-done"]
        assert "Julie" in json.dumps(logged), update.args["blocks"]
        shown = await h.ask("show julie")
        assert shown.split("History:")[1].count("followedup") == 1, shown


async def test_a_press_applied_already_tells_the_presser_alone_and_leaves_the_message(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)
        h.fake.fail_next("chat.update", "internal_error")  # logged, but not shown
        payload = press(h, channel, ts, post, ACTION_IDS["done"])
        assert (await h.interact(payload))[0] == 200
        await wait_until(lambda: h.fake.calls_to("chat.update"))
        # The buttons are still there: Ada presses again (a new response_url, as
        # Slack gives every press).
        again = {**payload, "response_url": h.fake.response_url("again")}
        assert (await h.interact(again))[0] == 200
        (answer,) = await h.answers("again")
        assert answer["response_type"] == "ephemeral" and not answer["replace_original"]
        assert answer["text"] == ALREADY_DONE
        await _settle()
        assert len(h.fake.calls_to("chat.update")) == 1, "the repeat edits nothing"
        # The first press was logged: its presser was told so, though the edit failed.
        (first,) = [r for r in h.fake.responses if r[0] == "press"]
        assert "followed up" in json.dumps(first).lower(), first
        shown = await h.ask("show julie")
        assert shown.split("History:")[1].count("followedup") == 1, shown


async def test_a_home_tab_press_applied_already_says_so_if_it_can_and_is_silent_otherwise(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)
        payload = press(h, channel, ts, post, ACTION_IDS["snooze"])
        payload["container"] = {"type": "view", "view_id": "V1"}
        payload["view"] = {"id": "V1", "hash": "1.a", "type": "home", "blocks": []}
        del payload["message"], payload["channel"]
        before = len(h.fake.calls_to("views.publish"))
        assert (await h.interact(payload))[0] == 200
        await wait_until(lambda: len(h.fake.calls_to("views.publish")) > before)
        published = len(h.fake.calls_to("views.publish"))
        assert [r for r in h.fake.responses if r[0] == "press"] == []
        again = {**payload, "response_url": h.fake.response_url("again")}
        assert (await h.interact(again))[0] == 200
        (answer,) = await h.answers("again")
        assert answer["response_type"] == "ephemeral" and answer["text"] == ALREADY_DONE
        silent = {k: v for k, v in payload.items() if k != "response_url"}
        assert (await h.interact(silent))[0] == 200
        await _settle()
        assert [r[0] for r in h.fake.responses if r[0] in ("press", "again")] == ["again"]
        assert len(h.fake.calls_to("views.publish")) == published, "nothing changed"
        assert h.fake.calls_to("chat.update") == []


async def test_a_press_in_the_home_tab_republishes_the_view(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)
        payload = press(h, channel, ts, post, ACTION_IDS["snooze"])
        payload["container"] = {"type": "view", "view_id": "V1"}
        payload["view"] = {"id": "V1", "hash": "1.a", "type": "home", "blocks": []}
        del payload["message"], payload["response_url"], payload["channel"]
        before = len(h.fake.calls_to("views.publish"))
        status, _ = await h.interact(payload)
        assert status == 200
        await wait_until(lambda: len(h.fake.calls_to("views.publish")) > before)
        assert h.fake.calls_to("chat.update") == []
        assert h.fake.responses == [r for r in h.fake.responses if r[0] != "press"]


async def test_app_home_is_published_for_the_home_tab_only(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("add Julie Martin at Acme")
        await wait_until(lambda: h.fake.calls_to("views.publish"))
        published = len(h.fake.calls_to("views.publish"))
        event = {"type": "app_home_opened", "user": ADA, "channel": "D1", "tab": "messages"}
        assert (await h.event(event, event_id="Ev1"))[0] == 200
        await h.event({**event, "tab": "home"}, event_id="Ev2")
        await wait_until(lambda: len(h.fake.calls_to("views.publish")) > published)
        await _settle()
        assert len(h.fake.calls_to("views.publish")) == published + 1
        view = h.fake.calls_to("views.publish")[-1].args
        assert view["user_id"] == ADA and view["view"]["type"] == "home"
        assert "Julie" in json.dumps(view["view"]["blocks"])
        assert len(view["view"]["blocks"]) <= 100


async def test_the_export_is_uploaded_to_the_members_dm_in_three_steps(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("add Julie Martin at Acme")
        await h.ask("export", command="/followthrough")
        await wait_until(lambda: h.fake.calls_to("files.completeUploadExternal"))
        await wait_until(lambda: len(h.fake.calls_to("files.completeUploadExternal")) >= 2)
        steps = h.fake.calls_to("files.getUploadURLExternal")
        assert {c.args["filename"] for c in steps} >= {f for f in _names(steps)}
        completes = h.fake.calls_to("files.completeUploadExternal")
        assert {c.args["channel_id"] for c in completes} == {h.fake.dm_channel(ADA)}
        contents = b"".join(h.fake.uploads.values())
        assert b"Julie" in contents


async def test_a_binary_file_reaches_the_members_dm_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_with_files(monkeypatch)  # a PDF (not UTF-8) and a CSV with a non-ASCII name
    async with harness(tmp_path) as h:
        await h.ask("export", command="/followthrough")
        await wait_until(lambda: len(h.fake.calls_to("files.completeUploadExternal")) >= 2)
        assert h.fake.shared(h.fake.dm_channel(ADA)) == [
            (LOG.filename, PDF),
            (LOG_CSV.filename, CSV.encode()),
        ]
        announced = [int(c.args["length"]) for c in h.fake.calls_to("files.getUploadURLExternal")]
        assert announced == [len(PDF), len(CSV.encode())]  # bytes, not characters


async def test_files_over_the_workspaces_limit_are_told_to_the_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_with_files(monkeypatch)
    async with harness(tmp_path, fake=FakeSlack(upload_limit=len(PDF) - 1)) as h:
        status, _, hook = await h.command("export", command="/followthrough")
        assert status == 200
        answer, sorry = await h.answers(hook, 2)
        assert "[followthrough-log.pdf]" in answer["text"]
        assert sorry["text"] == SAYINGS["too_big"], "told the files didn't come"
        assert h.fake.calls_to("files.completeUploadExternal") == []
        assert h.fake.invalid == [("files.getUploadURLExternal", "file_upload_size_restricted")]
        h.fake.invalid.clear()


def _names(calls: list[Any]) -> set[str]:
    return {str(c.args["filename"]) for c in calls}


async def _settle() -> None:
    import asyncio

    await asyncio.sleep(0.2)


async def test_a_refused_press_keeps_the_buttons_and_can_be_tried_again(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)
        await h.ask("forget-me confirm", command="/followthrough")  # lead #1 is gone
        await _settle()
        published = len(h.fake.calls_to("views.publish"))
        payload = press(h, channel, ts, post, ACTION_IDS["done"])
        assert (await h.interact(payload))[0] == 200
        (answer,) = await h.answers("press")
        assert answer["response_type"] == "ephemeral" and not answer["replace_original"]
        assert "no lead #1" in answer["text"]
        assert h.fake.calls_to("chat.update") == []  # the digest keeps its buttons
        await _settle()
        assert len(h.fake.calls_to("views.publish")) == published, "nothing to show at Home"
        await h.ask("add Julie Martin at Acme")  # #1 again
        await h.interact(payload)  # the press was not used up: it applies now
        await wait_until(lambda: h.fake.calls_to("chat.update"))


async def test_a_press_is_applied_when_users_info_cannot_be_reached(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)
        h.server.slack.people.forget(TEAM)  # nothing cached to fall back on
        h.fake.drop["users.info"] = 100  # every try, the client's retries included
        payload = press(h, channel, ts, post, ACTION_IDS["done"])
        assert (await h.interact(payload))[0] == 200
        await wait_until(lambda: h.fake.calls_to("chat.update"))
        assert h.fake.drop["users.info"] < 100, "users.info was cut off"
        h.fake.drop.clear()
        shown = await h.ask("show julie")
        assert shown.split("History:")[1].count("followedup") == 1, shown


async def test_a_press_that_fails_before_it_is_applied_can_be_pressed_again(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)
        core = h.server.slack.services
        real = core.handle
        failed: list[str] = []

        def down(*args: Any, **kwargs: Any) -> Any:
            if not failed:
                # After a while, as a database connection times out. (Bolt answers 404
                # to a listener that fails within 10 ms of its ack: a race of its own.)
                time.sleep(0.05)
                failed.append("once")
                raise ConnectionError("the database went away")
            return real(*args, **kwargs)

        core.handle = down  # type: ignore[method-assign,assignment]
        try:
            payload = press(h, channel, ts, post, ACTION_IDS["done"])
            assert (await h.interact(payload))[0] == 200
            await wait_until(lambda: failed)
            await _settle()
            assert h.fake.calls_to("chat.update") == []
            await h.interact(payload)  # no key was kept: the same press applies
            await wait_until(lambda: h.fake.calls_to("chat.update"))
        finally:
            del core.handle
        shown = await h.ask("show julie")
        assert shown.split("History:")[1].count("followedup") == 1, shown


async def test_the_listener_dms_a_member_where_deliveries_found_them(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, _, _ = await morning_digest(h, clock)  # opens Ada's DM, once
        await h.ask("export", command="/followthrough")
        await wait_until(lambda: h.fake.calls_to("files.completeUploadExternal"))
        completes = h.fake.calls_to("files.completeUploadExternal")
        assert {c.args["channel_id"] for c in completes} == {channel}
        assert len(h.fake.calls_to("conversations.open")) == 1


async def test_after_a_429_on_conversations_open_the_listener_waits_like_deliveries(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        await h.ask("add Julie Martin at Acme")
        h.fake.fail_next("conversations.open", "ratelimited", status=429, retry_after=30)
        with pytest.raises(SendError) as held:  # a delivery to Ada: Slack says wait 30 s
            await h.server.messenger.send(delivery(ADA))
        assert held.value.kind is Failure.RATE_LIMITED
        status, _, hook = await h.command("export", command="/followthrough")
        assert status == 200
        answer, sorry = await h.answers(hook, 2)
        assert "followthrough-" in answer["text"]  # the files it would attach
        assert sorry["text"] == SAYINGS["broken"], "the export could not reach the DM"
        assert len(h.fake.calls_to("conversations.open")) == 1, "no open inside the hold"
        assert h.fake.calls_to("files.completeUploadExternal") == []


async def test_a_press_that_fails_after_the_ack_is_logged_and_the_presser_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt answers Slack 404 for a listener that raises after its ack (Slack then shows
    the member an error of its own): the listener logs it and tells the presser itself."""

    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        channel, ts, post = await morning_digest(h, clock)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the database went away")

        monkeypatch.setattr(h.services.app.conversation, "handle", broken)
        payload = press(h, channel, ts, post, ACTION_IDS["done"])
        assert (await h.interact(payload))[0] == 200
        (answer,) = await h.answers("press")
        assert answer["response_type"] == "ephemeral"
        assert answer["text"] == SAYINGS["unsure"]
        assert h.fake.calls_to("chat.update") == []
    assert "slack listener pressed failed" in caplog.text


async def test_forget_me_asks_with_a_button_in_the_ephemeral_answer_and_its_press_erases(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        await h.ask("add Julie Martin at Acme")
        status, _, hook = await h.command("forget-me", command="/followthrough")
        (asked,) = await h.answers(hook)
        assert status == 200 and asked["response_type"] == "ephemeral"
        assert "Nothing is erased until you confirm" in asked["text"]
        (row,) = [b for b in asked["blocks"] if b["type"] == "actions"]
        (button,) = row["elements"]
        assert button["value"] == "/followthrough forget-me confirm"
        assert "Julie" in await h.ask("list")  # nothing erased yet
        ts, channel = "1700000000.000200", "D0CHANNEL1"
        payload = press(h, channel, ts, asked, button["action_id"])
        # An ephemeral message: Slack sends no copy of it, and chat.update can't
        # change it.
        payload["container"]["is_ephemeral"] = True
        del payload["message"], payload["channel"]
        assert (await h.interact(payload))[0] == 200
        (answer,) = await h.answers("press")
        assert answer["text"].startswith("Done: your 1 lead")
        assert answer["replace_original"], "the confirmation's button is gone"
        assert h.fake.calls_to("chat.update") == []  # Slack can't update an ephemeral
        assert "Julie" not in await h.ask("list")


async def test_many_actions_due_are_one_dm_within_slacks_limits(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        await h.ask("list")  # Ada, with her profile's zone
        core = h.services.app
        ada = Identity("slack", TEAM, ADA, "Ada")
        for n in range(1, 13):
            core.conversation.handle(
                ada, "/lead", f"add Contact{n} Person at Company{n} as Engineer"
            )
            core.conversation.handle(ada, "/lead", f"emailed #{n}")
        clock.advance_to(THURSDAY)
        core.planner.plan()
        deliverer = h.services.deliverer({"slack": h.server.platform()})
        assert await deliverer.drain() == 1
        (post,) = h.fake.posts()
        assert len(post["blocks"]) <= 50
        rows = [b for b in post["blocks"] if b["type"] == "actions"]
        assert len(rows) == 5
        assert "7 more things to do today: `/lead today` shows them all." in post["text"]


async def test_the_work_search_log_is_uploaded_to_the_dm_as_pdf_and_csv(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("add at Acme as Data Engineer")
        await h.ask("applied acme online")
        await h.ask("log", command="/followthrough")
        await wait_until(lambda: len(h.fake.calls_to("files.completeUploadExternal")) >= 2)
        shared = dict(h.fake.shared(h.fake.dm_channel(ADA)))
        pdf = next(data for name, data in shared.items() if name.endswith(".pdf"))
        sheet = next(data for name, data in shared.items() if name.endswith(".csv"))
        assert pdf.startswith(b"%PDF-")
        assert b"Acme" in sheet and b"application" in sheet


# -- pages of a list, and the organisers' report ------------------------------------------

HOSTILE = "*_~`@here <!channel> &<>" * 7  # Slack's escapes and markers: the worst a name can be


def page_press(h: Harness, answer: dict[str, Any], label: str, hook: str) -> dict[str, Any]:
    """The block_actions payload of Ada pressing `label` under an ephemeral answer."""
    row = next(b for b in answer["blocks"] if b["type"] == "actions")
    button = next(e for e in row["elements"] if e["text"]["text"] == label)
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": ADA, "name": "ada", "team_id": TEAM},
        "api_app_id": "A0APP00001",
        "container": {"type": "message", "is_ephemeral": True, "message_ts": "1.2"},
        "response_url": h.fake.response_url(hook),
        "trigger_id": f"trigger-{hook}",
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": row["block_id"],
                "value": button["value"],
                "action_ts": "1700000000.1",
            }
        ],
    }


async def test_a_long_list_is_paged_by_buttons_that_replace_the_answer(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        for n in range(1, 26):
            h.services.app.conversation.handle(
                Identity("slack", TEAM, ADA, "Ada"), "/lead", f"add {HOSTILE} {n} at {HOSTILE}"
            )
        status, _, hook = await h.command("list all")
        assert status == 200
        (first,) = await h.answers(hook)  # the fake refuses blocks Slack would refuse
        assert "(1–10)" in first["text"] and len(first["blocks"]) <= 50
        assert "<!channel>" not in json.dumps(first["blocks"])
        published = len(h.fake.calls_to("views.publish"))
        shown = first
        for label, heading, press_hook in [
            ("Next", "(11–20)", "p1"),
            ("Next", "(21–25)", "p2"),
            ("Previous", "(11–20)", "p3"),
        ]:
            assert (await h.interact(page_press(h, shown, label, press_hook)))[0] == 200
            (shown,) = await h.answers(press_hook)
            assert shown["replace_original"] and shown["response_type"] == "ephemeral"
            assert heading in shown["text"]
        assert h.fake.invalid == []
        await _settle()
        assert len(h.fake.calls_to("views.publish")) == published, "a read redraws nothing"


async def test_the_report_is_answered_to_an_organiser_alone(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        h.fake.add_user(ORG, "Org", admin=True)
        await h.ask("add Julie Secret at Acme")
        refused = await h.ask("group report", command="/followthrough")
        assert "organisers" in refused
        report = await h.ask("group report", command="/followthrough", user=ORG)
        assert "Group report" in report and "Ada" in report and "Julie" not in report

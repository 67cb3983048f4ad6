"""Slash commands over real HTTP (bots.slack.commands): signed, acked at once, answered
ephemerally (an interview's .ics uploaded to the DM); `/lead` with no text opens the
add-lead modal, which validates with inline errors."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import text

from bots.slack import blocks
from bots.slack.blocks import MORE
from bots.slack.context import Gate
from core.domain.leads import Action
from core.domain.weekly import Week
from core.reports import chart
from core.services import SAYINGS, Identity, Message, Section
from core.services.ports import SimulatedClock
from testkit.slack import BOT_TOKEN, TEAM, FakeSlack
from testkit.slack_harness import ADA, BEA, Harness, harness, listeners_done, wait_until
from tests.adapters.attachments import answer_with_files
from tests.conftest import START


async def test_a_signed_command_is_answered_ephemerally_in_its_ack(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        status, ack, _ = await h.command("add Julie Martin at Acme as EM")
        assert status == 200
        answer = json.loads(ack)  # one round trip: nothing on the response_url
        assert answer["response_type"] == "ephemeral"
        assert "Julie Martin" in answer["text"]
        assert answer["blocks"]
        listed = await h.ask("list")
        assert "Acme" in listed
        assert [name for name, _ in h.fake.responses] == []


async def test_an_answer_not_ready_in_time_follows_an_empty_ack_on_the_response_url(
    tmp_path: Path,
) -> None:
    # Slack's users.info answers in 0.5 s: Bea's first answer isn't ready in 0.1 s.
    async with harness(tmp_path, fake=FakeSlack(delay=0.5), answer_in_ack=0.1) as h:
        await h.ask("list")  # the first request pays auth.test once
        started = time.monotonic()
        status, ack, hook = await h.command("add Julie Martin at Acme", user=BEA)
        assert (status, ack) == (200, "")
        assert time.monotonic() - started < 0.45  # the empty ack did not wait
        (answer,) = await h.answers(hook)
        assert answer["response_type"] == "ephemeral"
        assert "Julie Martin" in answer["text"]


async def test_the_first_answer_names_the_zone_taken_from_the_slack_profile(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        answer = await h.ask("list", user=BEA)
        assert "America/New_York" in answer


async def test_the_home_tab_is_published_after_a_change_not_after_a_read_or_a_refusal(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        await h.ask("add Julie Martin at Acme")
        await wait_until(lambda: len(h.fake.calls_to("views.publish")) == 1)
        refused = await h.ask("emailed nobody-like-that")
        assert "nobody-like-that" in refused.lower() or "no lead" in refused.lower()
        await h.ask("list")
        await h.ask("leaderboard", command="/leaderboard")
        await asyncio.sleep(0.3)
        assert len(h.fake.calls_to("views.publish")) == 1, "nothing changed to show"
        await h.ask("emailed julie")
        await wait_until(lambda: len(h.fake.calls_to("views.publish")) == 2)
        (view,) = [c.args for c in h.fake.calls_to("views.publish")][1:]
        assert view["user_id"] == ADA and "Julie" in json.dumps(view["view"]["blocks"])


async def test_the_home_tab_after_a_burst_of_changes_shows_every_one_of_them(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        contacts = ("Julie Martin", "Omar Diaz", "Carla Sousa")
        await asyncio.gather(*(h.ask(f"add {name} at Acme") for name in contacts))

        def last_view() -> str:
            views = h.fake.calls_to("views.publish")
            return json.dumps(views[-1].args["view"]["blocks"]) if views else ""

        # Redraws asked for while one is queued are folded into it, but a change
        # always has a redraw that starts after it: the last one shows all three.
        await wait_until(lambda: all(name in last_view() for name in contacts))
        assert len(h.fake.calls_to("views.publish")) <= len(contacts)


async def adas_home(h: Harness) -> tuple[AsyncWebClient, Identity]:
    """Ada with a lead, her Home tab drawn once; a client and her identity for redraws."""
    await h.ask("add Julie Martin at Acme")
    await wait_until(lambda: len(h.fake.calls_to("views.publish")) == 1)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=h.fake.api_url)
    return client, Identity("slack", TEAM, ADA, "Ada")


async def test_home_tab_redraws_asked_for_while_one_waits_for_the_core_are_one_redraw(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        client, who = await adas_home(h)
        slack = h.server.slack
        started, release = threading.Event(), threading.Event()

        def busy() -> None:  # the core's one thread, answering somebody else
            started.set()
            release.wait(5)

        blocked = asyncio.ensure_future(slack.core(busy))
        assert await asyncio.to_thread(started.wait, 5)
        redraws = [asyncio.ensure_future(slack.refresh_home(client, who)) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert len(h.fake.calls_to("views.publish")) == 1, "none before the core is free"
        release.set()
        await asyncio.gather(blocked, *redraws)
        assert len(h.fake.calls_to("views.publish")) == 2, "three asked for, one drawn"
        await slack.refresh_home(client, who)  # nothing queued any more: drawn again
        assert len(h.fake.calls_to("views.publish")) == 3


async def test_a_change_during_a_redraw_gets_one_more_redraw_however_many_follow_it(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        client, who = await adas_home(h)
        slack, app = h.server.slack, h.server.slack.services
        real_home = app.home
        drawing, drawn = threading.Event(), threading.Event()

        def slow_home(who: Identity) -> Any:  # the first redraw takes its time
            drawing.set()
            drawn.wait(5)
            return real_home(who)

        busy, free = threading.Event(), threading.Event()

        def answering() -> None:  # an answer the core gives after that redraw
            busy.set()
            free.wait(5)

        app.home = slow_home  # type: ignore[method-assign]
        first = asyncio.ensure_future(slack.refresh_home(client, who))
        assert await asyncio.to_thread(drawing.wait, 5)
        app.home = real_home  # type: ignore[method-assign]
        answer = asyncio.ensure_future(slack.core(answering))
        second = asyncio.ensure_future(slack.refresh_home(client, who))  # a change
        await asyncio.sleep(0.05)
        drawn.set()
        await first
        assert await asyncio.to_thread(busy.wait, 5)
        third = asyncio.ensure_future(slack.refresh_home(client, who))  # another
        await asyncio.sleep(0.05)
        free.set()
        await asyncio.gather(answer, second, third)
        # The first redraw, then one for both changes made while it was drawn.
        assert len(h.fake.calls_to("views.publish")) == 3


async def test_a_stop_lets_an_acked_command_finish_and_answer(tmp_path: Path) -> None:
    async with harness(tmp_path, answer_in_ack=0.05) as h:
        await h.ask("list")  # Ada is known; the first request paid auth.test
        core = h.server.slack.services
        real = core.handle

        def slow(*args: Any, **kwargs: Any) -> Any:
            time.sleep(0.4)  # a slow database: the ack goes empty first
            return real(*args, **kwargs)

        core.handle = slow  # type: ignore[method-assign]
        try:
            status, ack, hook = await h.command("add Julie Martin at Acme")
            assert (status, ack) == (200, "")
            await h.server.stop()  # while the command is in the core
            (answer,) = await h.answers(hook, timeout=1)
            assert "Julie Martin" in answer["text"]
        finally:
            del core.handle
        listed = core.handle(Identity("slack", TEAM, ADA, "Ada"), "/lead", "list")
        assert "Julie Martin" in listed.plain_text()


THURSDAY = datetime(2026, 3, 5, 7, 30, tzinfo=UTC)  # three business days after Monday
ADA_ID = Identity("slack", TEAM, ADA, "Ada")


def follow_ups(h: Harness, clock: SimulatedClock, count: int) -> Message:
    """Ada emails `count` leads on Monday; on Thursday each is due: `/lead today`'s
    answer, as the core gives it."""
    app = h.services.app
    for n in range(count):
        app.conversation.handle(ADA_ID, "/lead", f"add Contact{n} Person at Company{n}")
        app.conversation.handle(ADA_ID, "/lead", f"emailed contact{n}")
    clock.advance_to(THURSDAY)
    return app.conversation.handle(ADA_ID, "/lead", "today")


def more_press(h: Harness, value: str, hook: str) -> dict[str, Any]:
    """The block_actions payload of Ada pressing "Show more" (a new response_url)."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": ADA, "name": "ada", "team_id": TEAM},
        "api_app_id": "A0APP00001",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "D0CHANNEL1",
            "is_ephemeral": True,
        },
        "channel": {"id": "D0CHANNEL1", "name": "directmessage"},
        "response_url": h.fake.response_url(hook),
        "trigger_id": f"trigger-{hook}",
        "actions": [
            {
                "type": "button",
                "action_id": MORE,
                "block_id": MORE,
                "value": value,
                "action_ts": "1700000000.1",
            }
        ],
    }


def more_button(post: dict[str, Any]) -> str | None:
    """The value of the post's "Show more" button, if it has one."""
    rows = [b for b in post["blocks"] if b.get("block_id") == MORE]
    return rows[0]["elements"][0]["value"] if rows else None


async def every_post(h: Harness, hook: str, left: int) -> list[dict[str, Any]]:
    """The posts on `hook`'s response_url, once they end in "Show more" or hold the
    `left` blocks of the answer still to show (the first replaces the pressed page)."""

    def posts() -> list[dict[str, Any]]:
        return [body for name, body in h.fake.responses if name == hook]

    def complete() -> bool:
        got = posts()[1:]
        return bool(got) and (
            more_button(got[-1]) is not None or sum(len(p["blocks"]) for p in got) >= left
        )

    await wait_until(complete)
    return posts()


async def test_a_long_answer_reaches_the_member_whole_in_five_posts_a_response_url(
    tmp_path: Path,
) -> None:
    """Slack takes five posts on a response_url: an answer of more pages ends its fifth
    in "Show more", whose press (with a response_url of its own) shows the rest."""

    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        answer = follow_ups(h, clock, 70)
        expected = blocks.message_blocks(answer)
        assert len(blocks.pages(answer)) > 5, "more pages than a response_url takes"
        status, ack, hook = await h.command("today")
        assert (status, ack) == (200, "")  # several pages: all on the response_url
        posts = await h.answers(hook, 5)
        shown = [b for post in posts for b in post["blocks"] if b.get("block_id") != MORE]
        presses = 0
        while (token := more_button(posts[-1])) is not None:
            presses += 1
            hook = f"more{presses}"
            assert (await h.interact(more_press(h, token, hook)))[0] == 200
            posts = await every_post(h, hook, len(expected) - len(shown))
            assert posts[0]["replace_original"], "the used button is taken away"
            assert posts[0]["blocks"] == [b for b in shown[-(blocks.MAX_BLOCKS - 1) :]], (
                "the page it was under stays"
            )
            shown += [b for post in posts[1:] for b in post["blocks"] if b.get("block_id") != MORE]
        assert presses >= 1
        assert shown == expected, "every block of the answer, once, in order"
        counts = Counter(name for name, _ in h.fake.responses)
        assert max(counts.values()) <= 5 and h.fake.used_up == []
        assert all(len(post["blocks"]) <= 50 for _, post in h.fake.responses)
        # A double click on a used "Show more" shows nothing twice.
        again = more_press(h, more_button(h.fake.responses[4][1]) or "", "again")
        assert (await h.interact(again))[0] == 200
        await asyncio.sleep(0.2)
        assert "again" not in counts and "again" not in h.fake.answered


async def test_a_show_more_this_process_no_longer_has_says_to_ask_again(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("list")
        assert (await h.interact(more_press(h, "not-a-kept-token", "gone")))[0] == 200
        (answer,) = await h.answers("gone")
        assert answer["text"] == SAYINGS["more_gone"]
        assert answer["response_type"] == "ephemeral"


async def test_an_answer_its_response_url_refuses_is_logged_and_reaches_the_member_by_dm(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bots.slack.context"):
        async with harness(tmp_path, answer_in_ack=0) as h:
            await h.ask("add Julie Martin at Acme")
            used = AsyncWebhookClient(h.fake.response_url("used"))
            for n in range(5):  # another five posts used this response_url up
                assert (await used.send(text=f"post {n}")).status_code == 200
            _, body = h.command_body("list", hook="used")
            assert (await h.post(body)) == (200, "")
            await wait_until(lambda: len(h.fake.posts(h.fake.dm_channel(ADA))) == 2)
            note, listed = h.fake.posts(h.fake.dm_channel(ADA))
            assert note["text"] == SAYINGS["by_dm"]
            assert "Julie Martin" in listed["text"]
            assert h.fake.used_up == ["used"]
    assert "slack refused post 1 of 1 to a response_url: 404 used_url" in caplog.text


def most_in_any_window(times: list[float], window: float) -> int:
    """The most of `times` that fall within any `window` seconds."""
    times = sorted(times)
    return max(
        (sum(1 for t in times[i:] if t < start + window) for i, start in enumerate(times)),
        default=0,
    )


async def test_a_burst_of_home_redraws_keeps_to_the_workspaces_views_publish_limit(
    tmp_path: Path,
) -> None:
    """400 redraws asked for across 20 members: each member's fold into one, and the
    workspace's views.publish calls keep to its limit (here 10 a second, Slack's Tier 4
    scaled down; the adapter keeps to half that so that a second's worth of calls that
    arrive late, on a busy test machine, cannot crowd into the next), and what each
    shows is what is true after the burst."""

    fake = FakeSlack(publish_per_window=10, publish_window=1.0)
    async with harness(tmp_path, fake=fake, home_limit=5, home_window=1.0) as h:
        client, ada = await adas_home(h)
        slack = h.server.slack
        members = [ada] + [Identity("slack", TEAM, f"U0MEMBER{n:02d}", f"M{n}") for n in range(19)]
        redraws = [
            asyncio.ensure_future(slack.refresh_home(client, who))
            for _ in range(10)
            for who in members
        ]
        await asyncio.sleep(0)
        h.services.app.conversation.handle(ada, "/lead", "add Omar Diaz at Initech")  # mid-burst
        redraws += [
            asyncio.ensure_future(slack.refresh_home(client, who))
            for _ in range(10)
            for who in members
        ]
        await asyncio.gather(*redraws)
        publishes = h.fake.calls_to("views.publish")[1:]
        assert h.fake.limited["views.publish"] == 0, "Slack never had to say wait"
        assert most_in_any_window([c.at for c in publishes], 1.0) <= 10
        assert len(publishes) <= 2 * len(members), "a member's redraws fold into one"
        assert {c.args["user_id"] for c in publishes} == {m.user_id for m in members}
        last = [c for c in publishes if c.args["user_id"] == ADA][-1]
        assert "Omar" in json.dumps(last.args["view"]["blocks"]), "the last state shows"


async def test_a_home_redraw_slack_rate_limits_waits_its_retry_after_with_the_workspace(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bots.slack.context"):
        async with harness(tmp_path) as h:
            client, ada = await adas_home(h)
            slack = h.server.slack
            h.fake.fail_next("views.publish", "ratelimited", status=429, retry_after=1)
            await slack.refresh_home(client, ada)  # refused, then drawn after 1 s
            refused, drawn = h.fake.calls_to("views.publish")[1:]
            assert drawn.at - refused.at >= 1.0
            assert drawn.args["user_id"] == ADA
            bea = Identity("slack", TEAM, BEA, "Bea")
            h.fake.fail_next("views.publish", "ratelimited", status=429, retry_after=1)
            first = asyncio.ensure_future(slack.refresh_home(client, ada))
            await wait_until(lambda: len(h.fake.calls_to("views.publish")) == 4)
            await slack.refresh_home(client, bea)  # the workspace is held: Bea waits too
            await first
            held, *after = h.fake.calls_to("views.publish")[3:]
            assert {c.args["user_id"] for c in after} == {ADA, BEA} and len(after) == 2
            assert all(c.at - held.at >= 1.0 for c in after)
    assert "views.publish rate limited in T0TEAM0001: held 1s" in caplog.text


def test_the_home_gate_keeps_a_workspace_to_its_limit_in_any_window_and_holds_on_a_429() -> None:
    now = [0.0]
    gate = Gate(limit=3, window=10.0, clock=lambda: now[0])
    assert [gate.reserve("T1") for _ in range(7)] == [0, 0, 0, 10, 10, 10, 20]
    assert gate.reserve("T2") == 0.0  # another workspace has its own slots
    now[0] = 40.0
    gate.hold("T2", 5)
    assert gate.free_in("T2") == 5.0 and gate.reserve("T2") == 5.0
    assert gate.free_in("T1") == 0.0


# -- the add-lead modal: opened by `/lead` alone, validated inline -------------------


GUEST_HOME = "T0GUEST001"  # a Slack Connect member's own workspace, which never installed us


def submission(h: Harness, view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        name, kind = block["block_id"], block["element"]["type"]
        value = values.get(name)
        if kind == "plain_text_input":
            state[name] = {"value": {"type": kind, "value": value}}
        elif kind == "static_select":
            chosen = None if value is None else {"value": value}
            state[name] = {"value": {"type": kind, "selected_option": chosen}}
        else:
            picked = [] if value is None else [{"value": "yes"}]
            state[name] = {"value": {"type": kind, "selected_options": picked}}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": ADA, "name": "ada", "team_id": TEAM},
        "api_app_id": "A0APP00001",
        "trigger_id": "trigger-submit",
        "view": {
            **view,
            "id": "V0MODAL001",
            "team_id": TEAM,
            "state": {"values": state},
            "hash": "1.x",
        },
    }


async def opened_modal(h: Harness) -> dict[str, Any]:
    status, ack, _ = await h.command("")
    assert (status, ack) == (200, "")
    await wait_until(lambda: h.fake.calls_to("views.open"))
    (call,) = h.fake.calls_to("views.open")
    assert call.args["trigger_id"].startswith("trigger-")
    view: dict[str, Any] = call.args["view"]
    return view


async def test_lead_with_no_text_opens_the_modal_with_the_cores_fields(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        assert view["type"] == "modal"
        details = ["title", "email", "phone", "website", "address", "ref", "url"]
        assert [b["block_id"] for b in view["blocks"]] == [
            "contact",
            "company",
            "role",
            "via",
            "network",
            *details,
        ]
        optional = {b["block_id"]: b["optional"] for b in view["blocks"]}
        # An employer with no person yet is a lead: only the company is required.
        assert {name for name, opt in optional.items() if not opt} == {"company"}


async def test_a_valid_submission_closes_the_modal_and_adds_the_lead(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(
            h, view, {"contact": "Julie Martin", "company": "Acme", "via": "email"}
        )
        status, body = await h.interact(payload)
        assert (status, body) == (200, "")
        await wait_until(lambda: h.fake.posts(h.fake.dm_channel(ADA)))
        (dm,) = h.fake.posts(h.fake.dm_channel(ADA))
        assert "Julie Martin" in dm["text"]
        assert "Acme" in await h.ask("list")


async def test_an_invalid_submission_answers_with_an_inline_error_and_adds_nothing(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(h, view, {"contact": "Julie", "company": "A" * 300})
        status, body = await h.interact(payload)
        assert status == 200
        answer = json.loads(body)
        assert answer["response_action"] == "errors"
        assert list(answer["errors"]) == ["company"]
        assert h.fake.posts() == []
        assert "Julie" not in await h.ask("list")


async def test_an_ssn_in_the_form_is_refused_under_its_own_field(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        values = {"contact": "Julie", "company": "Acme", "address": "SSN 123-45-6789"}
        status, body = await h.interact(submission(h, view, values))
        answer = json.loads(body)
        assert status == 200 and list(answer["errors"]) == ["address"]
        assert "never stores one" in answer["errors"]["address"]
        assert "6789" not in str(body)
        assert "Julie" not in await h.ask("list")


async def test_a_long_answer_to_a_submission_reaches_the_dm_in_full(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        core = h.server.slack.services
        real = core.run

        def long(*args: Any, **kwargs: Any) -> Message:  # the real answer, and more
            answer = real(*args, **kwargs)  # than 50 blocks
            extra = tuple(Section(f"line {n}") for n in range(60))
            return replace(answer, sections=(*answer.sections, *extra))

        core.run = long  # type: ignore[method-assign,assignment]
        try:
            view = await opened_modal(h)
            payload = submission(h, view, {"contact": "Julie Martin", "company": "Acme"})
            assert (await h.interact(payload))[0] == 200
            await wait_until(lambda: len(h.fake.posts(h.fake.dm_channel(ADA))) == 2)
        finally:
            del core.run
        first, second = h.fake.posts(h.fake.dm_channel(ADA))
        assert "Julie Martin" in json.dumps(first["blocks"])
        assert "line 59" in json.dumps(second["blocks"])
        assert len(first["blocks"]) + len(second["blocks"]) > 60


def leads_of(h: Harness) -> list[tuple[str, str, str]]:
    """(workspace, member, contact) of every lead in the database."""
    with h.services.database.engine.connect() as connection:
        query = text(
            "SELECT g.external_id, m.external_id, l.contact FROM leads l"
            " JOIN members m ON m.id = l.member_id JOIN groups g ON g.id = m.group_id"
        )
        return [(str(g), str(m), str(c)) for g, m, c in connection.execute(query)]


async def test_a_submission_from_a_member_of_another_workspace_is_filed_where_it_was_authorised(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(h, view, {"contact": "Julie Martin", "company": "Acme"})
        # Slack Connect: Ada's home workspace is another one; ours authorised this.
        payload["user"]["team_id"] = GUEST_HOME
        payload["view"]["team_id"] = GUEST_HOME
        assert (await h.interact(payload))[0] == 200
        await wait_until(lambda: h.fake.posts(h.fake.dm_channel(ADA)))
        assert leads_of(h) == [(TEAM, ADA, "Julie Martin")]
        assert not h.has_group(GUEST_HOME)
        assert "Julie Martin" in await h.ask("list")


async def test_a_submission_that_arrives_twice_adds_one_lead(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(h, view, {"contact": "Julie Martin", "company": "Acme"})
        for _ in range(3):  # the same signed body, replayed within its 5 minutes
            assert await h.interact(payload) == (200, "")
        await wait_until(lambda: h.fake.posts(h.fake.dm_channel(ADA)))
        await listeners_done()
        assert leads_of(h) == [(TEAM, ADA, "Julie Martin")]
        assert len(h.fake.posts(h.fake.dm_channel(ADA))) == 1  # one confirmation


# -- an interview to come, and the calendar feed ----------------------------------------


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


# -- a member's own picture as an answer (what `/lead stats` will attach) -------------------

MY_WEEK = Week(date(2026, 3, 2), {date(2026, 3, 3): Counter({Action.EMAILED: 2})}, whose="Your")


async def test_a_picture_in_an_answer_reaches_the_dm_with_its_alt_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picture = chart.attachment(MY_WEEK, "my-week")
    answer_with_files(monkeypatch, picture)
    async with harness(tmp_path) as h:
        await h.ask("export", command="/followthrough")
        await wait_until(lambda: h.fake.calls_to("files.completeUploadExternal"))
        (upload,) = h.fake.files.values()
        assert upload.channel == h.fake.dm_channel(ADA)
        assert (upload.data, upload.alt_txt) == (picture.data, picture.alt)
        assert upload.alt_txt == (
            "Bar chart of your week, Mon Mar 2 to Sun Mar 8: 2 actions, most on Tuesday (2);"
            " no referral chain grew."
        )


async def test_where_the_workspace_takes_no_files_the_answer_gives_the_pictures_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_with_files(monkeypatch, chart.attachment(MY_WEEK, "my-week"))
    async with harness(tmp_path) as h:
        h.fake.uploads_disabled = True
        status, _, hook = await h.command("export", command="/followthrough")
        assert status == 200
        _, words = await h.answers(hook, 2)
        assert words["text"] == (
            "Your week, Mon Mar 2 to Sun Mar 8: 2 actions.\n"
            "By day: Mon 0 · Tue 2 · Wed 0 · Thu 0 · Fri 0 · Sat 0 · Sun 0.\n"
            "By kind: 2 emails.\n"
            "No referral chain grew."
        )
        assert h.fake.calls_to("files.completeUploadExternal") == []

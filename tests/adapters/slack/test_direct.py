"""What a member types in their DM with the bot (bots.slack.direct): signed `message.im`
events to the real Bolt app, answered in the DM with chat.postMessage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from core.services.ports import SimulatedClock
from testkit.slack import BOT_USER, FakeSlack
from testkit.slack_harness import ADA, BEA, Harness, harness, listeners_done, wait_until
from tests.adapters.slack.test_actions import THURSDAY, press
from tests.conftest import START


async def said(h: Harness, count: int, user: str = ADA) -> list[dict[str, Any]]:
    """The bot's first `count` posts in `user`'s DM, once they are there."""
    await wait_until(lambda: len(h.dm_answers(user)) >= count)
    return h.dm_answers(user)


def leads(h: Harness) -> str:
    with h.services.database.uow() as uow:
        rows = uow.session.execute(text("SELECT contact, stage FROM leads ORDER BY id")).all()
    return "; ".join(f"{contact} {stage}" for contact, stage in rows)


async def test_words_typed_in_the_dm_run_as_the_command_and_are_answered_there(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        await h.ask("list")  # Ada is a member of the workspace's group
        await h.dm("add Julie Martin at Acme via email")
        await h.dm("lead emailed julie")
        await h.dm("emailed julie, no answer yet")

        first, second, third = await said(h, 3)
        assert "Julie Martin" in first["text"] and first["blocks"]
        assert "emailed" in second["text"].lower()
        assert leads(h) == "Julie Martin emailed"
        assert third["channel"] == h.fake.dm_channel(ADA)  # a D... id


async def test_a_message_in_a_thread_of_the_dm_is_answered_in_that_thread(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        await h.ask("list")
        await h.dm("today", thread_ts="1700000001.000100")
        (answer,) = await said(h, 1)
        assert answer["thread_ts"] == "1700000001.000100"
        await h.dm("list")
        assert "thread_ts" not in (await said(h, 2))[1]


async def test_a_retried_event_is_applied_and_answered_once(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("list")
        event, event_id = await h.dm("add Julie at Acme")
        await said(h, 1)
        status, _ = await h.event(event, event_id=event_id, retry=1)
        assert status == 200
        # The same message under another event id (Slack sent it twice): logged once.
        await h.event(event, event_id="Ev-other")
        await listeners_done()
        assert leads(h) == "Julie new"
        answers = h.dm_answers()
        assert len(answers) == 2 and "that command arrived before" in answers[1]["text"]


async def test_the_bots_own_posts_other_bots_edits_and_channels_are_never_answered(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        await h.ask("list")
        await h.dm("add Julie at Acme", user=BOT_USER)  # the bot's own post in Ada's DM
        await h.dm("add Julie at Acme", bot_id="B0OTHER001", subtype="bot_message")
        await h.dm("add Julie at Acme", subtype="message_changed")
        await h.dm("add Julie at Acme", subtype="message_deleted")
        await h.dm("add Julie at Acme", channel_type="channel", channel="C0GROUP001")
        await h.dm("done", bot_id="B0OTHER001")
        await listeners_done()
        assert h.fake.posts() == []
        assert leads(h) == ""


async def test_anything_not_understood_gets_the_short_help_once(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("list")
        await h.dm("thanks! <!channel> <@U0BEA00001> you're great")
        (answer,) = await said(h, 1)
        assert "I didn't understand" in answer["text"]
        assert "emailed julie" in answer["text"]
        # Member text is shown, never as a live mention of a crowd or a person.
        everything = answer["text"] + str(answer["blocks"])
        assert "<!channel>" not in everything and "<@U0BEA00001>" not in everything
        assert "channel" in everything  # the word, shown inert
        # Our own answer, delivered back as an event, is not answered.
        await h.dm(answer["text"], user=BOT_USER, bot_id="B0BOT00001")
        await listeners_done()
        assert len(h.dm_answers()) == 1


async def test_a_crowd_ping_in_a_lead_is_not_echoed_as_a_ping(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        await h.ask("list")
        await h.dm("add <!here> at <!everyone> Labs")
        (answer,) = await said(h, 1)
        everything = answer["text"] + str(answer["blocks"])
        assert "<!here>" not in everything and "<!everyone>" not in everything
        assert "here" in everything and "Labs" in everything


async def test_someone_not_in_the_group_is_told_how_to_start_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        await h.dm("add Julie at Acme", user=BEA)
        (answer,) = await said(h, 1, user=BEA)
        assert "not in a FollowThrough group yet" in answer["text"]
        assert leads(h) == ""
        assert not h.has_group()


async def test_done_after_the_digest_presses_its_one_action(tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        await h.ask("add Julie Martin at Acme")
        await h.ask("emailed julie")
        clock.advance_to(THURSDAY)
        h.services.app.planner.plan()
        assert await h.services.deliverer({"slack": h.server.platform()}).drain() == 1

        await h.dm("done")

        digest, answer = await said(h, 2)
        assert "Julie" in digest["text"]
        assert "followed up" in answer["text"].lower()
        assert leads(h) == "Julie Martin followed_up"


async def test_done_after_a_digest_of_several_actions_offers_a_button_each(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock) as h:
        for name in ("Julie", "Omar"):
            await h.ask(f"add {name} at Acme")
            await h.ask(f"emailed {name}")
        clock.advance_to(THURSDAY)

        await h.dm("done")

        (question,) = await said(h, 1)
        rows = [b for b in question["blocks"] if b["type"] == "actions"]
        values = [e["value"] for row in rows for e in row["elements"]]
        assert values == ["/lead followedup #1", "/lead followedup #2"]
        assert leads(h) == "Julie emailed; Omar emailed"

        # Pressing one of them logs that one alone, as the digest's own button would.
        ts = next(k[1] for k, v in h.fake.messages.items() if v is question)
        channel = h.fake.dm_channel(ADA)
        payload = press(h, channel, ts, question, rows[1]["elements"][0]["action_id"])
        payload["actions"][0]["block_id"] = rows[1]["block_id"]
        payload["actions"][0]["value"] = values[1]
        status, _ = await h.interact(payload)
        assert status == 200
        await wait_until(lambda: "Omar followed_up" in leads(h))
        assert leads(h) == "Julie emailed; Omar followed_up"


async def test_without_im_history_slack_sends_no_dm_to_read(tmp_path: Path) -> None:
    fake = FakeSlack(scopes={"commands", "chat:write", "im:write"})
    assert fake.typed_in_dm(ADA, "today") is None

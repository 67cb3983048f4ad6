"""The Messenger port against the fake: DM channels opened once, nonces, and every
Discord error code mapped to the runtime's failure class (none retried blindly)."""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bots.discord.messenger import nonce
from core.domain.leads import Action
from core.domain.weekly import Week
from core.reports import chart
from core.services import SAYINGS, Attachment, Delivery, Failure, Message, MessageKind, SendError
from testkit import discord_payloads as p
from testkit.discord import FILE_LIMIT, FakeDiscord
from testkit.discord_harness import (
    GUILD,
    Harness,
    deliver,
    due_digest,
    text_of,
    who,
)
from tests.adapters.attachments import CSV, LOG, LOG_CSV, PDF, queue_dm

USER = 730000000000000001
ADMIN = 730000000000000009
CHANNEL = 740000000000000001


def delivery(**changes: Any) -> Delivery:
    base = Delivery(
        id=1,
        key="digest:1:2026-03-05",
        platform="discord",
        workspace_id=GUILD,
        user_id=str(USER),
        channel=None,
        recipient_tz="UTC",
        recipient_name="Ada",
        message=Message(MessageKind.DIGEST, "Good morning"),
        attempts=0,
        group_id=1,
        member_id=None,
        worker="w",
        lease_until=datetime(2030, 1, 1, tzinfo=UTC),
    )
    return replace(base, **changes)


def with_channel(h: Harness) -> None:
    """An organiser sets the group channel (which makes them the organiser)."""
    h.fake.add_channel(CHANNEL)
    answer = h.app.conversation.run(
        who(ADMIN, "Org", admin=True), "followthrough", "group channel", {"channel": str(CHANNEL)}
    )
    assert answer.kind is not MessageKind.ERROR, answer.text


async def test_the_dm_channel_is_opened_once_ever(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        due_digest(h, USER)
        assert await deliver(h) == 1
        await h.restart()  # a new process reads the stored channel id
        assert h.bot is not None
        for day in range(1, 12):  # the mornings after: whatever is due is DMed
            h.clock.advance_to(datetime(2026, 3, 5, 8, 1, tzinfo=UTC) + timedelta(days=day))  # type: ignore[attr-defined]
            h.app.planner.plan()
            await deliver(h)
        assert len(h.fake.dm(USER)) >= 2
        assert h.fake.dm_opens == 1


@pytest.mark.parametrize("name", ["Person", "*" * 190])
async def test_many_actions_due_are_one_dm_within_discords_limits(
    tmp_path: Path, name: str
) -> None:
    """Five actions with their buttons (one row each), and how many more there are; names
    of the longest kind (every character escaped) fit fewer actions, never two messages."""

    async with Harness(tmp_path) as h:
        for n in range(1, 13):
            h.app.conversation.handle(who(USER), "/lead", f"add {name}{n} at {name}Co{n} as {name}")
            h.app.conversation.handle(who(USER), "/lead", f"emailed #{n}")
        due_digest(h, USER, leads=0)  # Thursday: all twelve follow-ups are due
        assert await deliver(h) == 1
        (dm,) = h.fake.dm(USER)  # the fake refuses more than 5 rows or 6,000 characters
        shown = len(dm["components"])
        assert shown == 5 if name == "Person" else 1 <= shown < 5
        assert f"{12 - shown} more things to do today: `/lead today`" in text_of(dm)


async def test_a_resend_with_the_same_key_returns_the_first_message(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        d = delivery()
        first = await h.bot.messenger.send(d)
        again = await h.bot.messenger.send(replace(d, dm_channel=str(h.fake.dm_channels[USER])))
        assert first == again
        assert len(h.fake.dm(USER)) == 1
        assert nonce(d.key) == h.fake.dm(USER)[0]["nonce"] and len(nonce(d.key)) <= 25
        assert nonce(d.key) != nonce("digest:1:2026-03-06")


async def test_a_stored_dm_channel_that_is_gone_is_opened_again_once(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        await h.bot.messenger.send(delivery(dm_channel="799999999999999999", key="a"))
        assert h.fake.dm_opens == 1 and len(h.fake.dm(USER)) == 1


CASES = [
    # (status, code, the channel or a DM, failure)
    (403, 50007, False, Failure.UNREACHABLE),
    (400, 50007, False, Failure.UNREACHABLE),
    (403, 50278, False, Failure.UNREACHABLE),
    (404, 10013, False, Failure.UNREACHABLE),
    (404, 10003, True, Failure.CHANNEL_GONE),
    (403, 50001, True, Failure.CHANNEL_GONE),
    (400, 50001, True, Failure.CHANNEL_GONE),
    (403, 50013, True, Failure.CHANNEL_GONE),
    (401, 0, False, Failure.FATAL),
    (401, 0, True, Failure.FATAL),
    (503, 0, False, Failure.TRANSIENT),
    (400, 50035, False, Failure.PAYLOAD),
    (400, 50035, True, Failure.PAYLOAD),
]


@pytest.mark.parametrize(("status", "code", "channel", "failure"), CASES)
async def test_each_error_code_maps_to_its_failure_without_a_blind_retry(
    tmp_path: Path, status: int, code: int, channel: bool, failure: Failure
) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.add_channel(CHANNEL)
        target = (
            delivery(user_id=None, channel=str(CHANNEL), key="board")
            if channel
            else delivery(dm_channel=str(h.fake.new_id()))
        )
        if not channel:
            h.fake.dm_channels[USER] = int(target.dm_channel or 0)
        h.fake.fail("POST", r"/channels/\d+/messages$", status, code)
        with pytest.raises(SendError) as raised:
            await h.bot.messenger.send(target)
        assert raised.value.kind is failure
        assert raised.value.tell_in_channel is (code in (50007, 50278))
        assert len(h.fake.requests("POST", r"/channels/\d+/messages$")) == 1
        if status in (401, 403):
            assert h.bot.invalid.recent() == 1


async def test_closed_dms_when_opening_the_channel_are_unreachable(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.fail("POST", "/users/@me/channels$", 400, 50007)
        with pytest.raises(SendError) as raised:
            await h.bot.messenger.send(delivery())
        assert raised.value.kind is Failure.UNREACHABLE


async def test_a_short_429_is_waited_out_by_the_library_and_counted(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.fail("POST", r"/channels/\d+/messages$", 429, retry_after=0.05)
        assert await h.bot.messenger.send(delivery())
        assert [c.status for c in h.fake.requests("POST", r"/messages$")] == [429, 200]
        assert h.bot.invalid.recent() == 1


async def test_a_long_429_goes_back_to_the_outbox_with_its_wait(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.fail("POST", r"/channels/\d+/messages$", 429, retry_after=120)
        with pytest.raises(SendError) as raised:
            await h.bot.messenger.send(delivery())
        assert raised.value.kind is Failure.RATE_LIMITED and raised.value.retry_after == 120
        assert len(h.fake.requests("POST", r"/messages$")) == 1


async def test_a_cloudflare_ban_is_not_retried(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.fail("POST", r"/channels/\d+/messages$", 429, retry_after=600, cloudflare=True)
        with pytest.raises(SendError) as raised:
            await h.bot.messenger.send(delivery())
        assert raised.value.kind is Failure.RATE_LIMITED and raised.value.retry_after == 600
        assert len(h.fake.requests("POST", r"/messages$")) == 1


async def test_closed_dms_get_one_channel_notice_that_mentions_only_that_member(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        with_channel(h)
        h.fake.closed_dms.add(USER)
        due_digest(h, USER)
        await deliver(h)  # the digest fails: 403 50007
        await deliver(h)  # what that caused: the notice, the organiser's DM
        [notice] = h.fake.sent(CHANNEL)
        assert notice["content"].startswith(f"<@{USER}> ")
        assert "allow direct messages" in notice["content"]
        assert notice["allowed_mentions"] == {"parse": [], "users": [USER]}
        [admin_dm] = [m for m in h.fake.dm(ADMIN) if "Ada" in text_of(m)]
        assert admin_dm["allowed_mentions"] == {"parse": []}
        # The next morning: no DM is tried, and no second notice.
        tries = len(h.fake.requests("POST", r"/messages$"))
        h.clock.advance_to(datetime(2026, 3, 6, 8, 1, tzinfo=UTC))  # type: ignore[attr-defined]
        h.app.planner.plan()
        await deliver(h)
        assert len(h.fake.requests("POST", r"/messages$")) == tries


async def test_a_group_channel_that_is_gone_tells_the_organisers_by_dm(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        with_channel(h)
        h.fake.gone.add(CHANNEL)
        # A referral posts a celebration to the group channel.
        h.app.conversation.handle(who(USER), "/lead", "add Julie at Acme")
        h.app.conversation.handle(who(USER), "/lead", "referral julie -> Sam Lee at Globex")
        await deliver(h)
        await deliver(h)
        assert h.fake.sent(CHANNEL) == []
        assert len([m for m in h.fake.dm(ADMIN) if "channel" in text_of(m)]) == 1
        assert h.fake.dm(USER) == []


async def test_every_request_stays_under_the_global_limit_even_past_discord_py_buckets(
    tmp_path: Path,
) -> None:
    from bots.discord.client import Bot, Options, login
    from testkit.discord import FakeDiscord

    fake = FakeDiscord()
    async with Harness(tmp_path, fake=fake) as h:
        await asyncio.sleep(1.05)  # the harness's own (unpaced) login is out of the window
        fake.global_limit = 5
        bot = Bot(h.app.conversation, Options(sync=False, rate=5))
        await login(bot, fake.token)
        try:
            for n in range(6):  # 6 DM opens (one shared bucket) + 6 sends
                await bot.messenger.send(delivery(user_id=str(USER + n), key=f"k{n}"))
        finally:
            await bot.close()
        assert fake.rate_limited == 0
        assert fake.dm_opens == 6


async def test_a_request_answered_late_stays_in_the_window_until_discord_can_have_counted_it() -> (
    None
):
    """A pause on the way in holds a request we let go on time: Discord counts it late,
    so the window keeps it until its answer's arrival less the fastest round trip."""
    import time

    from bots.discord.messenger import Window

    window = Window(limit=1, period=0.3, margin=0.0)
    first = await window.acquire("POST /channels/{id}/messages")
    window.answered(first)  # at once: the fastest round trip, ~0
    second = await window.acquire("POST /channels/{id}/messages")
    assert second.granted - first.granted >= 0.29
    await asyncio.sleep(0.2)  # its answer takes 0.2 s longer than the fastest
    window.answered(second)
    assert second.seen - second.granted >= 0.19
    third = await window.acquire("POST /channels/{id}/messages")
    # Not 0.3 s after `second` left, but 0.3 s after Discord can have counted it.
    assert third.granted - second.granted >= 0.48
    assert time.monotonic() - third.granted < 0.1


async def test_a_request_in_flight_holds_its_place_in_the_window() -> None:
    from bots.discord.messenger import Window

    window = Window(limit=1, period=0.2, margin=0.0)
    first = await window.acquire("GET /users/@me")
    with pytest.raises(TimeoutError):  # no answer yet: it may still be counted
        await asyncio.wait_for(window.acquire("GET /users/@me"), 0.5)
    window.failed(first)  # the connection broke: counted until now at the latest
    second = await window.acquire("GET /users/@me")
    assert second.granted - first.seen >= 0.19


# -- what Discord refuses ------------------------------------------------------------------


def button(custom_id: str = "b", label: str = "Done") -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label}


def embed(description: str = "", **more: Any) -> dict[str, Any]:
    return {"type": "rich", "description": description, **more}


OVER_THE_LIMIT: dict[str, dict[str, Any]] = {
    "content": {"content": "x" * 2001},
    "embeds": {"embeds": [embed("x")] * 11},
    "embeds.0.description": {"embeds": [embed("x" * 4097)]},
    "embeds.0.title": {"embeds": [embed(title="x" * 257)]},
    "embeds.0.footer.text": {"embeds": [embed(footer={"text": "x" * 2049})]},
    "embeds.0.author.name": {"embeds": [embed(author={"name": "x" * 257})]},
    "embeds.0.fields": {"embeds": [embed(fields=[{"name": "n", "value": "v"}] * 26)]},
    "embeds.0.fields.0.value": {"embeds": [embed(fields=[{"name": "n", "value": "x" * 1025}])]},
    "embeds (6,000 in all)": {"embeds": [embed("x" * 4000), embed("y" * 2001)]},
    "components": {"components": [{"type": 1, "components": [button(f"r{n}")]} for n in range(6)]},
    "components.0.components": {
        "components": [{"type": 1, "components": [button(f"b{n}") for n in range(6)]}]
    },
    "components.0.components.0.custom_id": {
        "components": [{"type": 1, "components": [button("x" * 101)]}]
    },
    "components.0.components.0.label": {
        "components": [{"type": 1, "components": [button(label="x" * 81)]}]
    },
    "nonce": {"content": "hi", "nonce": "x" * 26},
}


@pytest.mark.parametrize("where", list(OVER_THE_LIMIT))
async def test_the_fake_refuses_a_message_discord_would_refuse(tmp_path: Path, where: str) -> None:
    from discord.http import Route

    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.add_channel(CHANNEL)
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=CHANNEL)
        with pytest.raises(discord.HTTPException) as refused:
            await h.bot.http.request(route, json=OVER_THE_LIMIT[where])
        assert refused.value.status == 400 and refused.value.code == 50035
        assert "Invalid Form Body" in str(refused.value)
        assert where.split(" ")[0] in str(refused.value)  # where it broke, as Discord says
        assert h.fake.sent(CHANNEL) == []
        # At the limits exactly, Discord takes it.
        fits = {
            "content": "x" * 2000,
            "nonce": "x" * 25,
            "embeds": [embed("x" * 4096, title="t" * 256), embed("y" * (6000 - 4352))],
            "components": [
                {"type": 1, "components": [button(f"{r}{n}" * 50, "l" * 80) for n in range(5)]}
                for r in range(5)
            ],
        }
        await h.bot.http.request(route, json=fits)
        assert len(h.fake.sent(CHANNEL)) == 1


async def test_the_fake_refuses_interaction_answers_over_the_limits(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        async with aiohttp.ClientSession() as session:
            base = h.fake.api_url
            too_long = {"type": 4, "data": {"embeds": [embed("x" * 4097)]}}
            choices = {"type": 8, "data": {"choices": [{"name": "n", "value": "v"}] * 26}}
            for body in (too_long, choices):
                url = f"{base}/interactions/{p.new_id()}/token/callback"
                async with session.post(url, json=body) as response:
                    assert response.status == 400
                    answer = await response.json()
                    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
                    assert "data" in answer["errors"]
            url = f"{base}/webhooks/{p.new_id()}/token"
            async with session.post(url, json={"content": "x" * 2001}) as response:
                assert response.status == 400
                assert (await response.json())["errors"]["content"]["_errors"]
            async with session.patch(f"{url}/messages/@original", json=too_long["data"]) as r:
                assert r.status == 400
        assert h.fake.callbacks == {} and h.fake.followups == {}


async def test_a_dm_with_a_binary_file_comes_out_of_the_outbox_byte_for_byte(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(USER), "/lead", "add Julie at Acme")  # a member
        message = Message(MessageKind.REPLY, "Your work-search log.", attachments=(LOG, LOG_CSV))
        queue_dm(h.services, "discord", GUILD, str(USER), message)  # stored as JSON, read back
        assert await deliver(h) == 1
        (sent,) = h.fake.dm(USER)
        assert "Your work-search log." in text_of(sent)
        assert sent["_files"] == {LOG.filename: PDF, LOG_CSV.filename: CSV.encode()}


async def test_a_dm_whose_files_are_over_discords_limit_tells_the_member_instead(
    tmp_path: Path,
) -> None:
    big = Attachment("followthrough-log.pdf", PDF * (FILE_LIMIT // len(PDF) + 1), "application/pdf")
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        await h.bot.messenger.send(
            delivery(message=Message(MessageKind.REPLY, "Log", attachments=(big,)))
        )
        (sent,) = h.fake.dm(USER)
        assert text_of(sent) == SAYINGS["too_big"] and not sent["_files"]


async def test_discord_refuses_a_file_over_its_limit(tmp_path: Path) -> None:
    async with Harness(tmp_path, fake=FakeDiscord(attachment_limit=len(PDF) - 1)) as h:
        assert h.bot is not None
        message = Message(MessageKind.REPLY, "Log", attachments=(LOG,))
        with pytest.raises(SendError) as refused:
            await h.bot.messenger.send(delivery(message=message))
        assert refused.value.kind is Failure.PAYLOAD and "413" in str(refused.value)
        assert h.fake.dm(USER) == []


# -- the Monday board's picture ----------------------------------------------------------

WEEK = Week(
    date(2026, 3, 2),
    {date(2026, 3, 3): Counter({Action.EMAILED: 4, Action.CALLED: 1})},
    chains=1,
)
PICTURE = chart.attachment(WEEK)
BOARD = Message(
    MessageKind.LEADERBOARD, "Last week's board (Mon Mar 2 to Sun Mar 8):", attachments=(PICTURE,)
)


def board(message: Message = BOARD) -> Delivery:
    return delivery(key="board:1:2026-03-09", user_id=None, channel=str(CHANNEL), message=message)


async def test_the_monday_board_goes_with_its_picture_described_for_screen_readers(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.add_channel(CHANNEL)

        await h.bot.messenger.send(board())

        (sent,) = h.fake.sent(CHANNEL)
        assert text_of(sent).startswith("Last week's board")
        assert sent["_files"] == {PICTURE.filename: PICTURE.data}
        (attached,) = sent["attachments"]
        assert (
            attached["description"]
            == PICTURE.alt
            == (
                "Bar chart of the group's week, Mon Mar 2 to Sun Mar 8: 5 actions, most on"
                " Tuesday (5); 1 referral chain grew."
            )
        )


async def test_a_channel_without_attach_files_gets_the_board_and_the_pictures_words(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.add_channel(CHANNEL)
        h.fake.no_files.add(CHANNEL)

        first = await h.bot.messenger.send(board())

        posted, words = h.fake.sent(CHANNEL)
        assert first == posted["id"]
        assert text_of(posted).startswith("Last week's board") and not posted["_files"]
        assert text_of(words) == (
            "The group's week, Mon Mar 2 to Sun Mar 8: 5 actions.\n"
            "By day: Mon 0 · Tue 5 · Wed 0 · Thu 0 · Fri 0 · Sat 0 · Sun 0.\n"
            "By kind: 4 emails · 1 call.\n"
            "1 referral chain grew."
        )
        # Sent again (a crash before it was recorded), the nonces return the same two.
        await h.bot.messenger.send(board())
        assert len(h.fake.sent(CHANNEL)) == 2


async def test_a_channel_the_bot_cant_post_in_at_all_is_still_gone_words_or_not(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.add_channel(CHANNEL)
        h.fake.forbidden.add(CHANNEL)

        with pytest.raises(SendError) as refused:
            await h.bot.messenger.send(board())

        assert refused.value.kind is Failure.CHANNEL_GONE
        assert h.fake.sent(CHANNEL) == []


async def test_a_description_is_cut_to_what_discord_takes_and_the_fake_refuses_more(
    tmp_path: Path,
) -> None:
    long = replace(PICTURE, alt="A" * 1500)
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.fake.add_channel(CHANNEL)

        await h.bot.messenger.send(board(replace(BOARD, attachments=(long,))))
        (sent,) = h.fake.sent(CHANNEL)
        assert sent["attachments"][0]["description"] == "A" * 1024

        client = h.bot.messenger.client
        channel = client.get_partial_messageable(CHANNEL, type=discord.ChannelType.text)
        too_long = discord.File(io.BytesIO(PICTURE.data), "a.png", description="A" * 1025)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("x", file=too_long)
        assert (refused.value.status, refused.value.code) == (400, 50035)

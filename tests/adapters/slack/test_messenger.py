"""The Messenger port: DMs to a D... id opened once, group posts, each failure class."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.slack import blocks
from bots.slack.messenger import Pacer, SlackMessenger
from core.domain.leads import Action
from core.domain.weekly import Week
from core.reports import chart
from core.services import (
    Attachment,
    Button,
    Delivery,
    Failure,
    Message,
    MessageKind,
    Section,
    SendError,
)
from core.services.ports import SimulatedClock
from testkit.kit import services
from testkit.slack import BOT_TOKEN, TEAM, FakeSlack
from testkit.slack_harness import ADA, config_for, harness
from tests.adapters.attachments import CSV, LOG, LOG_CSV, PDF, queue_dm
from tests.conftest import START

GROUP_CHANNEL = "C0GROUP001"


def delivery(
    user: str | None = ADA,
    *,
    dm: str | None = None,
    kind: str = "digest",
    channel: str | None = GROUP_CHANNEL,
) -> Delivery:
    return Delivery(
        id=1,
        key="k1",
        platform="slack",
        workspace_id=TEAM,
        user_id=user,
        channel=channel,
        recipient_tz="UTC",
        recipient_name="Ada",
        message=Message(MessageKind(kind), "Good morning, Ada"),
        attempts=0,
        group_id=1,
        member_id=None,
        worker="w",
        lease_until=START + timedelta(minutes=5),
        dm_channel=dm,
    )


@asynccontextmanager
async def sending(
    tmp_path: Path, token: str | None = BOT_TOKEN
) -> AsyncIterator[tuple[FakeSlack, SlackMessenger]]:
    """The fake Slack and a messenger sending to it with `token`; afterwards, Slack would
    have shown everything sent."""
    with services(f"sqlite:///{tmp_path / 'db.sqlite'}", SimulatedClock(START)) as built:
        async with FakeSlack() as fake:

            async def token_for(team: str) -> str | None:
                return token

            messenger = SlackMessenger(built.app.conversation, config_for(fake, ""), token_for)
            try:
                yield fake, messenger
            finally:
                await messenger.close()
            assert fake.invalid == [], f"Slack would refuse these: {fake.invalid}"


async def failure_of(messenger: SlackMessenger, item: Delivery) -> SendError:
    with pytest.raises(SendError) as raised:
        await messenger.send(item)
    return raised.value


async def test_a_dm_goes_to_the_d_channel_opened_once_per_member(tmp_path: Path) -> None:
    async with sending(tmp_path) as (fake, messenger):
        first = await messenger.send(delivery())
        second = await messenger.send(delivery())
        stored = await messenger.send(delivery("U0OTHER001", dm="D0STORED01"))
        assert first and first.startswith(fake.dm_channel(ADA) + ":")
        assert second and second != first
        assert stored and stored.startswith("D0STORED01:")
        opened = [c.args["users"] for c in fake.calls_to("conversations.open")]
        assert opened == [ADA]
        assert all(p["text"] for p in fake.posts())


async def test_a_long_digest_goes_as_messages_slack_takes_each_with_its_fallback(
    tmp_path: Path,
) -> None:
    async with sending(tmp_path) as (fake, messenger):
        sections = tuple(
            Section(
                f"Follow up with Contact{n} & co <{n}>",
                why="It has been three business days",
                draft="Hi, " + "just checking in. " * 200,
                buttons=(Button("Done", f"/lead followedup #{n}", "done"),),
            )
            for n in range(40)
        )
        long = Message(MessageKind.DIGEST, "Good morning, Ada! 40 things to do", sections)
        sent = await messenger.send(replace(delivery(dm="D0ADA00001"), message=long))
        assert sent and sent.startswith("D0ADA00001:")
        posts = fake.posts("D0ADA00001")
        assert len(posts) == len(blocks.pages(long)) > 1
        assert [b for p in posts for b in p["blocks"]] == blocks.message_blocks(long)
        assert all(p["text"] for p in posts)  # fake.invalid is checked when it ends


async def test_an_admin_notice_stores_the_dm_it_opened_for_its_organiser(tmp_path: Path) -> None:
    async with sending(tmp_path) as (fake, messenger):
        stored: list[tuple[int, str]] = []

        def remember(member: int, channel: str) -> None:
            stored.append((member, channel))

        messenger.app.remember_dm_channel = remember  # type: ignore[method-assign,assignment]
        notice = replace(delivery("U0ORG00001", kind="admin"), member_id=7)  # the organiser
        sent = await messenger.send(notice)
        assert sent and sent.startswith(fake.dm_channel("U0ORG00001") + ":")
        assert stored == [(7, fake.dm_channel("U0ORG00001"))]


async def test_a_stale_dm_channel_is_opened_again_once(tmp_path: Path) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.channel_errors["D0STALE001"] = "channel_not_found"
        sent = await messenger.send(delivery(dm="D0STALE001"))
        assert sent and sent.startswith(fake.dm_channel(ADA))


@pytest.mark.parametrize("code", ["user_not_found", "user_disabled", "cannot_dm_bot"])
async def test_a_member_slack_will_not_let_us_dm_is_unreachable(tmp_path: Path, code: str) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.unreachable[ADA] = code
        error = await failure_of(messenger, delivery())
        assert error.kind is Failure.UNREACHABLE and code in str(error)


@pytest.mark.parametrize(
    "code", ["invalid_auth", "account_inactive", "token_revoked", "team_disabled"]
)
async def test_a_dead_workspace_token_is_fatal(tmp_path: Path, code: str) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.fail_next("conversations.open", code)
        error = await failure_of(messenger, delivery())
        assert error.kind is Failure.FATAL


async def test_a_workspace_without_an_installation_is_fatal(tmp_path: Path) -> None:
    async with sending(tmp_path, token=None) as (_, messenger):
        assert (await failure_of(messenger, delivery())).kind is Failure.FATAL


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_a_group_channel_that_is_gone_says_so(tmp_path: Path, code: str) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.channel_errors[GROUP_CHANNEL] = code
        error = await failure_of(messenger, delivery(None, kind="leaderboard"))
        assert error.kind is Failure.CHANNEL_GONE


async def test_a_group_post_reaches_the_channel(tmp_path: Path) -> None:
    async with sending(tmp_path) as (fake, messenger):
        sent = await messenger.send(delivery(None, kind="leaderboard"))
        assert sent and sent.startswith(GROUP_CHANNEL + ":")
        assert fake.calls_to("conversations.open") == []


async def test_a_429_is_rate_limited_with_its_retry_after(tmp_path: Path) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.fail_next("chat.postMessage", "ratelimited", status=429, retry_after=7)
        error = await failure_of(messenger, delivery(dm="D0ADA00001"))
        assert error.kind is Failure.RATE_LIMITED and error.retry_after == 7


@pytest.mark.parametrize(
    "status,code", [(500, "internal_error"), (503, "service_unavailable"), (200, "fatal_error")]
)
async def test_slack_having_a_bad_moment_is_transient(
    tmp_path: Path, status: int, code: str
) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.fail_next("chat.postMessage", code, status=status)
        error = await failure_of(messenger, delivery(dm="D0ADA00001"))
        assert error.kind is Failure.TRANSIENT


async def test_slack_unreachable_is_transient(tmp_path: Path) -> None:
    with services(f"sqlite:///{tmp_path / 'db.sqlite'}", SimulatedClock(START)) as built:
        async with FakeSlack() as fake:
            config = config_for(fake, "")
        # The fake is gone: its port refuses connections.

        async def token_for(team: str) -> str | None:
            return BOT_TOKEN

        messenger = SlackMessenger(built.app.conversation, config, token_for)
        try:
            error = await failure_of(messenger, delivery(dm="D0ADA00001"))
        finally:
            await messenger.close()
        assert error.kind is Failure.TRANSIENT


@pytest.mark.parametrize("code", ["invalid_blocks", "msg_too_long", "no_text"])
async def test_what_slack_refuses_to_show_is_a_payload_bug(tmp_path: Path, code: str) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.fail_next("chat.postMessage", code)
        error = await failure_of(messenger, delivery(dm="D0ADA00001"))
        assert error.kind is Failure.PAYLOAD


def test_the_pacer_keeps_a_channel_to_one_a_second_and_a_workspace_to_its_rate() -> None:
    now = [0.0]
    pacer = Pacer(rate=4.0, clock=lambda: now[0])
    waits = [pacer.reserve("T1", f"D{i}") for i in range(4)]
    assert waits == [0.0, 0.25, 0.5, 0.75]
    assert pacer.reserve("T1", "D0") == 1.0  # D0's next second, after the queue
    assert pacer.reserve("T2", "D0") == 0.0  # another workspace has its own budget


async def test_a_dm_with_a_binary_file_comes_out_of_the_outbox_byte_for_byte(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        await h.ask("add Julie Martin at Acme")  # Ada is a member
        message = Message(MessageKind.REPLY, "Your work-search log.", attachments=(LOG, LOG_CSV))
        queue_dm(h.services, "slack", TEAM, ADA, message)  # stored as JSON, read back
        deliverer = h.services.deliverer({"slack": h.server.platform()})
        assert await deliverer.drain() == 1
        dm = h.fake.dm_channel(ADA)
        assert [p["text"] for p in h.fake.posts(dm)][-1].startswith("Your work-search log.")
        assert h.fake.shared(dm) == [(LOG.filename, PDF), (LOG_CSV.filename, CSV.encode())]


async def test_a_file_slack_refuses_fails_the_delivery_for_good(tmp_path: Path) -> None:
    async with sending(tmp_path) as (fake, messenger):
        empty = Message(
            MessageKind.REPLY, "Nothing", attachments=(Attachment("x.csv", "", "text/csv"),)
        )
        error = await failure_of(messenger, replace(delivery(dm="D0ADA00001"), message=empty))
        assert error.kind is Failure.PAYLOAD and "missing_argument" in str(error)
        assert fake.invalid == [("files.getUploadURLExternal", "missing_argument")]
        fake.invalid.clear()


async def test_the_fake_takes_only_the_bytes_announced_and_shares_them_in_a_conversation(
    tmp_path: Path,
) -> None:
    async with FakeSlack() as fake, aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {BOT_TOKEN}"}

        async def call(method: str, **args: Any) -> dict[str, Any]:
            async with http.post(fake.api_url + method, json=args, headers=auth) as response:
                return dict(await response.json())

        announced = await call("files.getUploadURLExternal", filename="log.pdf", length=10)
        async with http.post(announced["upload_url"], data=PDF[:9]) as short:
            assert short.status != 200  # not the length announced
        async with http.post(announced["upload_url"], data=PDF[:10]) as exact:
            assert exact.status == 200
        files = [{"id": announced["file_id"], "title": "log.pdf"}]
        refused = await call("files.completeUploadExternal", files=files, channel_id=ADA)
        assert refused["error"] == "invalid_channel"  # a U... id, never a conversation
        shared = await call("files.completeUploadExternal", files=files, channel_id="D0ADA00001")
        assert shared["ok"] and fake.shared("D0ADA00001") == [("log.pdf", PDF[:10])]
        assert [code for _, code in fake.invalid] == [
            "10 bytes announced, 9 posted",
            "invalid_channel",
        ]
        fake.invalid.clear()


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


def board() -> Delivery:
    return replace(delivery(None), message=BOARD)


async def test_the_monday_board_goes_with_its_picture_and_the_pictures_alt_text(
    tmp_path: Path,
) -> None:
    async with sending(tmp_path) as (fake, messenger):
        sent = await messenger.send(board())

        assert sent and sent.startswith(GROUP_CHANNEL + ":")
        (post,) = fake.posts(GROUP_CHANNEL)
        assert post["text"].startswith("Last week's board")
        (upload,) = [f for f in fake.files.values() if f.channel == GROUP_CHANNEL]
        assert (upload.filename, upload.data) == (PICTURE.filename, PICTURE.data)
        assert (
            upload.alt_txt
            == PICTURE.alt
            == (
                "Bar chart of the group's week, Mon Mar 2 to Sun Mar 8: 5 actions, most on"
                " Tuesday (5); 1 referral chain grew."
            )
        )


@pytest.mark.parametrize(
    "refusal", ["workspace takes no files", "channel takes no files", "upload failed"]
)
async def test_where_the_picture_cant_go_its_words_follow_the_board_instead(
    tmp_path: Path, refusal: str
) -> None:
    async with sending(tmp_path) as (fake, messenger):
        if refusal == "workspace takes no files":
            fake.uploads_disabled = True
        elif refusal == "channel takes no files":
            fake.file_errors[GROUP_CHANNEL] = "not_in_channel"  # posts by chat:write.public
        else:
            fake.fail_next("files.getUploadURLExternal", "internal_error", status=500)

        sent = await messenger.send(board())

        assert sent and sent.startswith(GROUP_CHANNEL + ":")
        board_post, words = fake.posts(GROUP_CHANNEL)
        assert board_post["text"].startswith("Last week's board")
        assert (
            words["text"]
            == PICTURE.fallback
            == (
                "The group's week, Mon Mar 2 to Sun Mar 8: 5 actions.\n"
                "By day: Mon 0 · Tue 5 · Wed 0 · Thu 0 · Fri 0 · Sat 0 · Sun 0.\n"
                "By kind: 4 emails · 1 call.\n"
                "1 referral chain grew."
            )
        )
        assert fake.shared(GROUP_CHANNEL) == []


async def test_a_revoked_token_fails_the_board_rather_than_posting_words_nobody_can_send(
    tmp_path: Path,
) -> None:
    async with sending(tmp_path) as (fake, messenger):
        fake.fail_next("files.getUploadURLExternal", "token_revoked")

        error = await failure_of(messenger, board())

        assert error.kind is Failure.FATAL
        assert len(fake.posts(GROUP_CHANNEL)) == 1  # the board, before the upload


async def test_alt_text_is_cut_to_what_slack_takes_and_the_fake_refuses_more(
    tmp_path: Path,
) -> None:
    long = replace(PICTURE, alt="A" * 1500)
    async with sending(tmp_path) as (fake, messenger):
        await messenger.send(replace(board(), message=replace(BOARD, attachments=(long,))))
        (upload,) = fake.files.values()
        assert upload.alt_txt == "A" * 1000

    async with FakeSlack() as fake, aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {BOT_TOKEN}"}
        args = {"filename": "a.png", "length": 10, "alt_txt": "A" * 1001}
        async with http.post(
            fake.api_url + "files.getUploadURLExternal", json=args, headers=auth
        ) as response:
            assert (await response.json())["error"] == "alt_txt_too_large"
        assert fake.invalid == [("files.getUploadURLExternal", "alt_txt_too_large")]

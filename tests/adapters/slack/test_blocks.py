"""Block Kit within Slack's limits; member text escaped, never a crowd ping."""

from __future__ import annotations

import json

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.slack import blocks
from core.domain.text import typed
from core.services import Button, Message, MessageKind, Section
from testkit.slack import BOT_TOKEN, FakeSlack


def test_member_text_is_escaped_and_kept_from_formatting() -> None:
    message = Message(MessageKind.REPLY, "Added " + typed("<!channel> *Acme* & _co_") + " <lead>")
    (block,) = blocks.message_blocks(message)
    said = block["text"]["text"]
    assert "<" not in said and ">" not in said
    assert "&lt;!channel&gt;" in said and "&amp;" in said
    assert "\u200b*\u200bAcme\u200b*\u200b" in said
    assert said.endswith("&lt;lead&gt;")  # the core's own text is escaped too
    assert "<" not in blocks.fallback(message)


def test_the_one_allowed_mention_is_the_messages_own() -> None:
    message = Message(MessageKind.NOTICE, "I couldn't DM you", mention="U0ADA00001")
    assert blocks.fallback(message).startswith("<@U0ADA00001> ")
    forged = Message(MessageKind.NOTICE, "Hi", mention="!channel")
    assert "<" not in json.dumps(blocks.message_blocks(forged)) + blocks.fallback(forged)


def test_a_long_section_is_split_under_3000_characters() -> None:
    message = Message(MessageKind.REPLY, "x" * 7000)
    parts = blocks.message_blocks(message)
    assert len(parts) == 3 and all(len(b["text"]["text"]) <= 3000 for b in parts)
    assert "".join(b["text"]["text"] for b in parts) == "x" * 7000


def test_many_sections_are_paginated_at_50_blocks_with_a_fallback_each() -> None:
    sections = tuple(
        Section(f"Follow up {i}", why="because", buttons=(Button("Done", f"/lead emailed #{i}"),))
        for i in range(30)
    )
    pages = blocks.pages(Message(MessageKind.DIGEST, "Good morning", sections))
    assert len(pages) >= 2 and all(len(page) <= 50 for page in pages)
    assert len(blocks.fallback(Message(MessageKind.DIGEST, "x" * 9000))) <= 3000


def test_a_home_view_keeps_to_100_blocks() -> None:
    many = [{"type": "divider"}] * 150
    view = blocks.view_blocks(many)
    assert len(view) == 100 and view[-1]["type"] == "context"


def test_buttons_carry_their_command_and_stable_action_ids() -> None:
    section = Section(
        "Follow up with Julie",
        buttons=(
            Button("Done", "/lead followedup #12", "done"),
            Button("They replied", "/lead replied #12", "replied"),
            Button("Snooze 2 days", "/lead snooze #12 2", "snooze"),
            Button("Too long", "/lead note #12 " + "x" * 2000, "keep"),
        ),
    )
    (row,) = [b for b in blocks.section_blocks(section, 0) if b["type"] == "actions"]
    assert [e["action_id"] for e in row["elements"]] == [
        "digest_done",
        "digest_replied",
        "digest_snooze_2d",
    ]
    assert next(e["value"] for e in row["elements"]) == "/lead followedup #12"


def test_incoming_text_is_undone_in_linear_time_and_channels_keep_their_names() -> None:
    import time

    from bots.slack.people import incoming

    hostile = "<http:a" * 6000
    started = time.perf_counter()
    incoming(hostile)
    assert time.perf_counter() - started < 1.0  # quadratic took seconds at this size
    assert incoming("note #1 see <#C0123456789|job-search>") == "note #1 see #job-search"
    assert (
        incoming("group channel <#C0123456789|x>", channel_ids=True) == "group channel C0123456789"
    )


def test_a_draft_with_backticks_in_a_row_cannot_close_its_fence() -> None:
    from bots.slack.blocks import _code

    assert "``" not in _code("Acme```` *bold* `````")


@pytest.mark.parametrize(
    "token",
    [
        "&amp;",
        "&lt;",
        "&gt;",
        "<@U0ADA00001>",
        "<#C0123456789|job-search>",
        "<https://x.example/a|label>",
    ],
)
def test_a_cut_at_a_limit_never_splits_an_escape_or_a_mention(token: str) -> None:
    for before in range(len(token) + 1):  # the limit falls at each place in the token
        text = "x" * (40 - before) + token + " tail"
        kept = blocks.cut(text, 40)
        assert len(kept) <= 40 and (kept.endswith(token) or kept == "x" * (40 - before))
        pieces = blocks._chunks(text, 40)
        assert "".join(pieces) == text and sum(token in piece for piece in pieces) == 1


def test_a_section_cut_at_3000_keeps_an_entity_and_the_mention_whole() -> None:
    message = Message(MessageKind.REPLY, "x" * 2998 + typed("R&D") + " y" * 10)
    first, second = (b["text"]["text"] for b in blocks.message_blocks(message))
    assert first == "x" * 2998 + "R" and second.startswith("&amp;D")
    long = Message(MessageKind.NOTICE, "z" * 2000, mention="U0ADA00001")
    answer = Message(MessageKind.REPLY, "w" * 1990, mention="U0ADA00001")
    said = blocks.pressed([], "s0", answer)[-1]["elements"][0]["text"]
    assert len(said) <= blocks.MAX_CONTEXT and "<@U0ADA00001>" in said
    assert blocks.fallback(long).startswith("<@U0ADA00001> ")


async def test_the_fake_refuses_what_slack_would_not_show() -> None:
    async with FakeSlack() as fake:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
        divider = {"type": "divider"}
        for refused in (
            [divider] * 51,
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        ):
            with pytest.raises(SlackApiError) as error:
                await client.chat_postMessage(channel="D0ADA00001", text="t", blocks=refused)
            assert error.value.response.status_code == 200
            assert error.value.response["error"] == "invalid_blocks"
        await client.chat_postMessage(channel="D0ADA00002", text="t", blocks=[divider] * 50)
        with pytest.raises(SlackApiError) as error:
            await client.views_publish(
                user_id="U0ADA00001", view={"type": "home", "blocks": [divider] * 101}
            )
        assert error.value.response["error"] == "invalid_arguments"
        hook = AsyncWebhookClient(fake.response_url("five"))
        sent = [await hook.send(text=f"page {n}") for n in range(6)]
        assert [r.status_code for r in sent] == [200] * 5 + [404]
        assert sent[-1].body == "used_url"
        assert len(fake.invalid) == 4
        fake.invalid.clear()

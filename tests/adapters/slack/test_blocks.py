"""Block Kit within Slack's limits; member text escaped, never a crowd ping."""

from __future__ import annotations

import json

from bots.slack import blocks
from core.domain.text import typed
from core.services import Button, Message, MessageKind, Section


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

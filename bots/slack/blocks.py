"""Neutral messages rendered as Block Kit, within Slack's limits, with a text fallback.

Everything the core says is entity-escaped (`&`, `<`, `>`), so no text the bot sends can
form `<!channel>`, `<!here>`, `<!everyone>`, a user mention or a link; what members
typed is also kept from being read as mrkdwn. The one mention a message may carry
(`Message.mention`) is the only `<@...>` the adapter ever writes.
"""

from __future__ import annotations

import re
from typing import Any

from core.services import Button, Message, MessageKind, Section, render

Block = dict[str, Any]

MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # per Home tab or modal
MAX_SECTION = 3000
MAX_CONTEXT = 2000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_ID = 255  # action_id, block_id
MAX_ELEMENTS = 25  # per actions block
MAX_FALLBACK = 3000
MORE = "answer_more"  # the action_id (and block_id) of "Show more"
ACTION_IDS = {"done": "digest_done", "replied": "digest_replied", "snooze": "digest_snooze_2d"}
_FORMATTING = re.compile(r"([*_~`@])")
_FENCE = re.compile(r"`(?=`)")
_ZWSP = "\u200b"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_ENTITY = re.compile(r"&(?:[a-z]+|#[0-9]+);")


def action_id(button: Button) -> str:
    """`digest_done`, `digest_replied`, `digest_snooze_2d`; other actions `digest_<name>`."""
    return cut(ACTION_IDS.get(button.action, f"digest_{button.action}"), MAX_ID)


def entities(text: str) -> str:
    """Slack's three escapes: the only way `<`, `>` and `&` reach a message as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inert(member_text: str) -> str:
    # Slack has no escape for mrkdwn; a zero-width space on either side of `*_~\`` (and
    # after `@`) keeps a name like `*Acme*` from turning bold, or `@here` from being read
    # as a mention, while it still reads as typed.
    return _FORMATTING.sub(f"{_ZWSP}\\1{_ZWSP}", member_text)


def _text(mrkdwn_text: str) -> Block:
    # verbatim: Slack neither links URLs and channel names nor reads mentions in it.
    return {"type": "mrkdwn", "text": mrkdwn_text, "verbatim": True}


def mrkdwn(text: str) -> str:
    """Core text as mrkdwn: all of it entity-escaped, member-typed parts kept inert."""
    return render(entities(text), _inert)


def plain(text: str) -> str:
    """Core text for a plain_text object (header, button): markers dropped, nothing parsed."""
    return render(text, lambda typed: typed)


def _code(text: str) -> str:
    # Inside ``` only ``` itself and the three escapes matter.
    return _FENCE.sub(f"`{_ZWSP}", render(entities(text), lambda typed: typed))


# What a cut must keep whole: an entity (`&amp;`, `&lt;`, `&gt;`, `&#39;`) and anything
# in angle brackets Slack reads as one token (`<@U123>`, `<#C1|name>`, `<!here>`,
# `<https://x|label>`). Looked for only this far back from a cut, which keeps cutting
# linear however hostile the text; a longer token is rare, and is cut before it if it
# fits at all.
_ENTITY_MAX = 10
_TOKEN_MAX = 1000


def cut(text: str, limit: int) -> str:
    """`text`, at most `limit` characters of it, never ending inside an entity or a
    mention/link: the one way the adapter shortens text for a Slack limit."""
    return text[: _cut_at(text, limit)]


def _cut_at(text: str, limit: int) -> int:
    """Where to cut `text` for at most `limit` characters (`len(text)` if it fits)."""
    if len(text) <= limit:
        return len(text)
    at = limit
    opened = text.rfind("<", max(0, at - _TOKEN_MAX), at)
    if opened != -1 and ">" not in text[opened:at] and ">" in text[at : opened + _TOKEN_MAX]:
        at = opened  # inside <...>: cut before it
    amp = text.rfind("&", max(0, at - _ENTITY_MAX), at)
    if amp != -1 and ";" not in text[amp:at] and _ENTITY.match(text, amp):
        at = amp  # inside &...;: cut before it
    if at == 0:  # one token longer than the limit: it cannot be kept whole
        at = limit
        amp = text.rfind("&", max(0, at - _ENTITY_MAX), at)
        if amp > 0 and ";" not in text[amp:at]:
            at = amp
    return at


def _chunks(text: str, limit: int) -> list[str]:
    """`text` cut into pieces of at most `limit`, at line breaks where it can be, never
    through an entity or a mention/link."""
    pieces: list[str] = []
    while len(text) > limit:
        at = _cut_at(text, limit)
        line = text.rfind("\n", 0, at)
        if line > 0:
            at = line
        pieces.append(text[:at])
        text = text[at:].lstrip("\n")
    pieces.append(text)
    return pieces


def _sections(text: str) -> list[Block]:
    return [
        {"type": "section", "text": _text(piece)}
        for piece in _chunks(text, MAX_SECTION)
        if piece.strip()
    ]


def buttons(section: Section, block_id: str) -> Block | None:
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": cut(plain(b.label), MAX_BUTTON_TEXT)},
            "action_id": action_id(b),
            # The command the button runs, e.g. "/lead followedup #12": the core's
            # words and an opaque lead number, never anything a member typed.
            "value": b.command,
            **({"style": "primary"} if b.action == "done" else {}),
        }
        for b in section.buttons
        if len(b.command) <= MAX_VALUE
    ]
    if not elements:
        return None
    return {
        "type": "actions",
        "block_id": cut(block_id, MAX_ID),
        "elements": elements[:MAX_ELEMENTS],
    }


def section_blocks(section: Section, index: int) -> list[Block]:
    blocks = _sections(mrkdwn(section.text))
    if section.why:
        for piece in _chunks(mrkdwn(section.why), MAX_CONTEXT):
            blocks.append({"type": "context", "elements": [_text(piece)]})
    if section.draft:
        # A code block: one click selects it, and nothing in it is formatted.
        for piece in _chunks(_code(section.draft), MAX_SECTION - 8):
            blocks.append({"type": "section", "text": _text(f"```{piece}```")})
    actions = buttons(section, f"s{index}")
    if actions is not None:
        blocks.append(actions)
    return blocks


def headline(message: Message) -> str:
    text = mrkdwn(message.text)
    if message.mention and _USER_ID.match(message.mention):
        text = f"<@{message.mention}> {text}"
    return text


def message_blocks(message: Message) -> list[Block]:
    """All the blocks of `message`, unpaginated."""
    blocks: list[Block] = []
    if message.kind is MessageKind.DIGEST and 0 < len(plain(message.text).strip()) <= MAX_HEADER:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": plain(message.text)}}
        )
        if message.mention and _USER_ID.match(message.mention):
            blocks += _sections(f"<@{message.mention}>")
    else:
        blocks += _sections(headline(message))
    for index, section in enumerate(message.sections):
        if message.sections and index == 0:
            blocks.append({"type": "divider"})
        blocks += section_blocks(section, index)
    return blocks


def pages(message: Message, limit: int = MAX_BLOCKS) -> list[list[Block]]:
    """The blocks of `message` in messages of at most `limit` blocks each."""
    return paginate(message_blocks(message), limit)


def paginate(blocks: list[Block], limit: int = MAX_BLOCKS) -> list[list[Block]]:
    """`blocks` in pages of at most `limit` each, in order."""
    return [blocks[start : start + limit] for start in range(0, len(blocks), limit)]


def more_button(token: str, label: str) -> Block:
    """The "Show more" row under a page of a long answer: its value is an opaque token
    for the rest, kept by the adapter (never the answer, never anything typed)."""
    return {
        "type": "actions",
        "block_id": MORE,
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": cut(plain(label), MAX_BUTTON_TEXT)},
                "action_id": MORE,
                "value": cut(token, MAX_VALUE),
            }
        ],
    }


def fallback(message: Message) -> str:
    """The `text` every message carries (notifications, screen readers)."""
    parts = [message.text]
    for section in message.sections:
        parts.append(section.text if not section.why else f"{section.text}\n{section.why}")
        if section.draft:
            parts.append("\n".join("> " + line for line in section.draft.splitlines()))
    parts.extend(f"[{a.filename}]" for a in message.attachments)
    text = mrkdwn("\n\n".join(parts))  # Message.plain_text() would drop the markers
    if message.mention and _USER_ID.match(message.mention):
        text = f"<@{message.mention}> {text}"
    return _chunks(text, MAX_FALLBACK)[0]


def view_blocks(blocks: list[Block], more: str = "…") -> list[Block]:
    """At most 100 blocks for a Home tab or modal; a last line says some were left out."""
    if len(blocks) <= MAX_VIEW_BLOCKS:
        return blocks
    note = {"type": "context", "elements": [_text(more)]}
    return [*blocks[: MAX_VIEW_BLOCKS - 1], note]


def pressed(original: list[Block], block_id: str, answer: Message) -> list[Block]:
    """The original message's blocks, the pressed buttons replaced by what was logged."""
    said = _text(cut(f"✅ {headline(answer)}", MAX_CONTEXT))
    done = {"type": "context", "block_id": cut(f"{block_id}-done", MAX_ID), "elements": [said]}
    result = [done if block.get("block_id") == block_id else block for block in original]
    if done not in result:
        result.append(done)
    return result[:MAX_BLOCKS]

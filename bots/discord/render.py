"""Neutral messages -> Discord message parts: content, embeds, buttons, files.

Member-typed segments are escaped for Discord's markdown and mentions; every part is
cut to Discord's limits (2,000 characters of content, 10 embeds and 6,000 characters
across them, 5 rows of buttons), spilling into further parts when a message is long.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import discord

from core.services import Button, Message, Section, render

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_DESCRIPTION = 4096
MAX_ROWS = 5
MAX_LABEL = 80
COLOUR = discord.Colour(0x2F7D6D)

_CHANNEL_MENTION = re.compile(r"<#(\d+)>")
_SLASH_MENTION = re.compile(r"</([^:>]+):(\d+)>")


def escape(text: str) -> str:
    """What a member typed, shown as typed: no markdown, no mention of anyone or anything."""
    text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)  # @everyone, @here, <@id>, <@!id>, <@&id>
    text = _CHANNEL_MENTION.sub("<#\u200b\\1>", text)
    return _SLASH_MENTION.sub("<\u200b/\\1:\\2>", text)


def escape_code(text: str) -> str:
    """Text inside a code block: only a closing fence could break out of it."""
    return text.replace("```", "`\u200b`\u200b`")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def allowed_mentions(message: Message) -> discord.AllowedMentions:
    """Nobody, or exactly the one member the message is about."""
    if message.mention is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(int(message.mention))],
    )


def content(message: Message) -> str:
    text = render(message.text, escape)
    if message.mention is not None and f"<@{message.mention}>" not in text:
        text = f"<@{message.mention}> {text}"
    return cut(text, MAX_CONTENT)


def embed(section: Section, budget: int = MAX_DESCRIPTION) -> discord.Embed:
    """One section: what to do, why (small print), the draft in a copyable block."""
    what = render(section.text, escape)
    why = f"\n-# {render(section.why, escape)}" if section.why else ""
    draft = ""
    if section.draft:
        fence_room = budget - len(what) - len(why) - 9  # "\n```\n" ... "\n```"
        draft = f"\n```\n{cut(render(section.draft, escape_code), max(fence_room, 0))}\n```"
        if fence_room <= 0:
            draft = ""
    return discord.Embed(description=cut(what + why + draft, budget), colour=COLOUR)


@dataclass
class Part:
    """One Discord message's worth of a neutral message."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    rows: list[tuple[Button, ...]] = field(default_factory=list)
    row_embed: list[int] = field(default_factory=list)  # which embed each row belongs to

    def size(self) -> int:
        return sum(len(e) for e in self.embeds)


def parts(message: Message) -> list[Part]:
    """The message as one or more Discord messages, each within Discord's limits."""
    first = Part(content=content(message) or None)
    out = [first]
    for section in message.sections:
        current = out[-1]
        piece = embed(section)
        full = (
            len(current.embeds) >= MAX_EMBEDS
            or current.size() + len(piece) > MAX_EMBED_TOTAL
            or (bool(section.buttons) and len(current.rows) >= MAX_ROWS)
        )
        if full:
            current = Part()
            out.append(current)
        current.embeds.append(piece)
        if section.buttons:
            current.rows.append(section.buttons[:5])
            current.row_embed.append(len(current.embeds) - 1)
    return out


def files(message: Message) -> list[discord.File]:
    """Fresh File objects (discord.py's are single use) for the message's attachments."""
    return [
        discord.File(io.BytesIO(a.content.encode("utf-8")), filename=a.filename)
        for a in message.attachments
    ]


def attachment_bytes(message: Message) -> int:
    return sum(len(a.content.encode("utf-8")) for a in message.attachments)


ViewFactory = Callable[[Part], discord.ui.View | None]

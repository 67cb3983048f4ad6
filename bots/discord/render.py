"""Neutral messages -> Discord message parts: content, embeds, buttons, files.

Member-typed segments are escaped for Discord's markdown and mentions; every part is
cut to Discord's limits (2,000 characters of content, 10 embeds and 6,000 characters
across them, 5 rows of buttons), spilling into further parts when a message is long.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import discord

from core.services import SAYINGS, Button, Message, MessageKind, Section, plain, render

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_ROWS = 5
MAX_LABEL = 80
MAX_ALT_TEXT = 1024  # an attachment's description, its alt text
# What Discord takes in files without boosts (DISCORD.md §4): a DM's limit, and an
# interaction's unless it says otherwise (its `attachment_size_limit`).
DEFAULT_FILE_LIMIT = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
COLOUR = discord.Colour(0x2F7D6D)

# Each pattern is linear in its input: a member's 2,000-character note costs microseconds
# (discord.utils.escape_markdown's link pattern backtracks: seconds on hostile notes).
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#-])")
_CROWD = re.compile(r"@(everyone|here)")
_MENTION = re.compile(r"<(@[!&]?|#|/)")
_FENCE = re.compile(r"`(?=`)")
# A mention, channel, command or emoji token: cutting inside one would garble it.
_TOKEN = re.compile(r"<(?:@[!&]?|#|/|a?:)[^<>\n]{1,100}>")


def escape(text: str) -> str:
    """What a member typed, shown as typed: no markdown, no mention of anyone or anything."""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _CROWD.sub("@\u200b\\1", text)
    return _MENTION.sub("<\\1\u200b", text)  # <@id>, <@!id>, <@&id>, <#id>, </cmd:id>


def escape_code(text: str) -> str:
    """Text inside a code block: only backticks in a row could close its fence."""
    return _FENCE.sub("`\u200b", text)


def boundary(text: str, at: int) -> int:
    """The last place at or before `at` to cut `text` without splitting an escape
    (`\\*`) or a mention (`<@123>`)."""
    for token in _TOKEN.finditer(text, max(0, at - 110), min(len(text), at + 110)):
        if token.start() < at < token.end():
            at = token.start()
            break
    slashes = len(text[:at]) - len(text[:at].rstrip("\\"))
    return at - 1 if slashes % 2 else at


def chunks(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, split at line breaks if it can,
    never inside an escape or a mention."""
    out: list[str] = []
    while len(text) > limit:
        at = text.rfind("\n", 0, limit)
        at = (boundary(text, limit) or limit) if at <= 0 else at
        out.append(text[:at])
        text = text[at:].lstrip("\n")
    return [*out, text] if text or not out else out


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, ending in "…" if it was cut (never inside an
    escape or a mention)."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: boundary(text, limit - 1)] + "…"


def fit(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """`embeds` cut to every limit Discord sets on a message's embeds (each part's own,
    25 fields, 10 embeds, 6,000 characters in all): descriptions give way first, the
    last embed's first."""
    out = embeds[:MAX_EMBEDS]
    for embed in out:
        if embed.title:
            embed.title = cut(embed.title, MAX_TITLE)
        if embed.description:
            embed.description = cut(embed.description, MAX_DESCRIPTION)
        if embed.author.name:
            author = embed.author
            embed.set_author(
                name=cut(author.name or "", MAX_AUTHOR), url=author.url, icon_url=author.icon_url
            )
        if embed.footer.text:
            _footer(embed, cut(embed.footer.text, MAX_FOOTER))
        while len(embed.fields) > MAX_FIELDS:
            embed.remove_field(MAX_FIELDS)
        for index, item in enumerate(embed.fields):
            embed.set_field_at(
                index,
                name=cut(item.name or "", MAX_FIELD_NAME),
                value=cut(item.value or "", MAX_FIELD_VALUE),
                inline=bool(item.inline),
            )
    for embed in reversed(out):
        over = sum(len(e) for e in out) - MAX_EMBED_TOTAL
        if over <= 0:
            break
        text = embed.description or ""
        embed.description = cut(text, len(text) - over) or None
    return out


def ticked(embeds: list[discord.Embed], index: int, tick: str) -> list[discord.Embed]:
    """A pressed message's embeds with `tick` (what was logged) as embed `index`'s footer,
    within every limit: the tick comes first, that embed's description makes room."""
    out = fit(embeds)
    if not 0 <= index < len(out):
        return out
    target = out[index]
    others = sum(len(e) for e in out if e is not target)
    text = target.description or ""
    rest = len(target) - len(text) - len(target.footer.text or "")  # title, fields, author
    room = MAX_EMBED_TOTAL - others - rest
    footer = cut(tick, min(MAX_FOOTER, room))
    if footer:
        _footer(target, footer)
    if len(text) > room - len(footer):
        target.description = cut(text, room - len(footer)) or None
    return out


def _footer(embed: discord.Embed, text: str) -> None:
    embed.set_footer(text=text, icon_url=embed.footer.icon_url)


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


def contents(message: Message) -> list[str]:
    """The message's text, in as many messages' content as it needs."""
    text = render(message.text, escape)
    if message.mention is not None and f"<@{message.mention}>" not in text:
        text = f"<@{message.mention}> {text}"
    return chunks(text, MAX_CONTENT)


def embeds(section: Section, budget: int = MAX_DESCRIPTION) -> list[discord.Embed]:
    """One section: what to do, why (small print), the draft in a copyable block; a long
    text (a lead's history) spills into further embeds rather than being cut."""
    what = chunks(render(section.text, escape), budget)
    why = f"\n-# {render(section.why, escape)}" if section.why else ""
    last = what[-1] + why
    if section.draft:
        # Drafts are plain text to copy, not marked: only a fence could break out.
        fence_room = budget - len(last) - 9  # "\n```\n" ... "\n```"
        if fence_room > 0:
            last += f"\n```\n{cut(escape_code(plain(section.draft)), fence_room)}\n```"
    pieces = [*what[:-1], cut(last, budget)]
    return [discord.Embed(description=piece, colour=COLOUR) for piece in pieces]


@dataclass
class Part:
    """One Discord message's worth of a neutral message."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    rows: list[tuple[Button, ...]] = field(default_factory=list)
    row_embed: list[int] = field(default_factory=list)  # which embed each row belongs to
    row_section: list[int] = field(default_factory=list)  # and which section of the message

    def size(self) -> int:
        return sum(len(e) for e in self.embeds)


def parts(message: Message) -> list[Part]:
    """The message as one or more Discord messages, each within Discord's limits."""
    out = [Part(content=text or None) for text in contents(message)]
    for number, section in enumerate(message.sections):
        current = out[-1]
        pieces = embeds(section)
        for piece in pieces:
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
            current.row_section.append(number)
    return out


def files(message: Message) -> list[discord.File]:
    """Fresh File objects (discord.py's are single use) for the message's attachments,
    their bytes as they are (a bare `bytes` would be taken for a path); a picture's alt
    text is its description."""
    return [
        discord.File(
            io.BytesIO(a.data),
            filename=a.filename,
            description=a.alt[:MAX_ALT_TEXT] if a.alt else None,
        )
        for a in message.attachments
    ]


def pictures_only(message: Message) -> bool:
    """Whether every file of the message has words to stand in for it."""
    return bool(message.attachments) and all(a.fallback for a in message.attachments)


def words_instead(message: Message) -> Message:
    """The words of the message's pictures, as a message of its kind, where the pictures
    can't go."""
    return Message(message.kind, "\n\n".join(a.fallback or "" for a in message.attachments))


def attachment_bytes(message: Message) -> int:
    """The message's files together, in bytes."""
    return sum(a.size for a in message.attachments)


def within(message: Message, limit: int) -> Message:
    """`message` if its files fit in `limit` bytes, else the saying that tells the member
    they are too big: a file is never silently left behind. Discord counts its limit per
    file; counted together, they fit however it is counted."""
    if message.attachments and attachment_bytes(message) > limit:
        return Message(MessageKind.ERROR, SAYINGS["too_big"])
    return message

"""Platform-neutral messages: what the bot says, which each adapter renders."""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass, field
from typing import Any

from core.domain.text import plain


class MessageKind(enum.StrEnum):
    """What a message is, which decides how and where an adapter shows it."""

    REPLY = "reply"  # the answer to a command, shown to its author only
    ERROR = "error"  # a refusal or a usage answer, shown to its author only
    DIGEST = "digest"  # the morning DM
    LEADERBOARD = "leaderboard"  # a board, in the group channel (or as a reply)
    CELEBRATION = "celebration"  # a referral chain, an interview, an offer, a graduation
    ADMIN = "admin"  # a notice for the group's organisers, by DM
    NOTICE = "notice"  # a short post to the group channel about one member


class Outcome(enum.StrEnum):
    """How a command went, set where its answer is made (metrics count by it)."""

    DONE = "done"  # it ran: a change, a read, or a repeat that did nothing
    REFUSED = "refused"  # the member's mistake, or not allowed: nothing was changed
    FAILED = "failed"  # our side (a bug, an outage): nothing was changed


@dataclass(frozen=True, slots=True)
class Button:
    """A button that runs `command` when pressed, exactly as if it were typed.

    `command` is complete (`/lead followedup #12`); `action` is a stable name for the
    platform's action or custom id (`done`, `replied`, `snooze`, `keep`, `drop`).
    """

    label: str
    command: str
    action: str = "done"

    @property
    def parts(self) -> tuple[str, str]:
        """(`/lead`, `followedup #12`): what an adapter hands to the command entry."""
        command, _, text = self.command.partition(" ")
        return command, text


@dataclass(frozen=True, slots=True)
class Section:
    """A block of a message: a line to act on, why (small print), a draft to copy.

    `text` and `why` may hold member-typed segments (see core.domain.text); a `draft` is
    plain text to copy as it is, which adapters show verbatim (in a code block).
    """

    text: str
    why: str | None = None
    draft: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message: text (an export's CSV) or bytes (a PDF), as made.

    Adapters send `data`, the bytes; `content` stays as the core made it, so a reader can
    tell a text file (shown in a terminal) from a binary one (only named there).
    A picture carries `alt`, one sentence of what it shows (Slack's alt text, Discord's
    attachment description), and `fallback`, the same in full words, posted instead
    where it can't be (a terminal, a channel that takes no files, a refused upload).
    """

    filename: str
    content: str | bytes
    media_type: str
    alt: str | None = None
    fallback: str | None = None

    @property
    def data(self) -> bytes:
        """The file's bytes: text as UTF-8."""
        return self.content.encode("utf-8") if isinstance(self.content, str) else self.content

    @property
    def size(self) -> int:
        """The file's size in bytes (what the platforms' upload limits count)."""
        return len(self.data)

    def to_dict(self) -> dict[str, str]:
        """JSON-ready: text as it is, bytes as base64 marked `"encoding": "base64"`."""
        stored = {"filename": self.filename, "media_type": self.media_type}
        stored |= {k: v for k, v in (("alt", self.alt), ("fallback", self.fallback)) if v}
        if isinstance(self.content, str):
            return stored | {"content": self.content}
        encoded = base64.b64encode(self.content).decode("ascii")
        return stored | {"content": encoded, "encoding": "base64"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        """What `to_dict` made; a payload stored before bytes were possible is text."""
        encoding = data.get("encoding")
        words = {"alt": data.get("alt"), "fallback": data.get("fallback")}
        if encoding is None:
            return cls(data["filename"], data["content"], data["media_type"], **words)
        if encoding != "base64":
            raise ValueError(f"attachment {data['filename']!r}: unknown encoding {encoding!r}")
        content = base64.b64decode(data["content"], validate=True)
        return cls(data["filename"], content, data["media_type"], **words)


@dataclass(frozen=True, slots=True)
class Message:
    """One message: a headline, optional sections, optional files.

    `kind` says what it is; `rules` the nudge kinds of a digest; `mention` the one
    platform user id the message may mention (the only mention the bot ever makes);
    `repeat` that a command applied once (`handle(..., once=key)`) came again and
    nothing was done (the adapters tell the presser alone, and leave what the first one
    showed as it is);
    `changed` that a command's answer comes with a change to what the member has (leads,
    points, settings, or their first command): a view of it drawn before (Slack's App
    Home) is out of date. A read or a refusal leaves it as it was;
    `outcome` how the command it answers went (an ERROR is at least a refusal).
    """

    kind: MessageKind
    text: str
    sections: tuple[Section, ...] = ()
    rules: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)
    mention: str | None = None
    repeat: bool = False
    changed: bool = False
    outcome: Outcome = Outcome.DONE

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", MessageKind(self.kind))
        if self.kind is MessageKind.ERROR and self.outcome is Outcome.DONE:
            object.__setattr__(self, "outcome", Outcome.REFUSED)

    def plain_text(self) -> str:
        """The whole message as plain text (console, notifications, Slack's fallback)."""
        parts = [self.text]
        for section in self.sections:
            parts.append(section.text if not section.why else f"{section.text}\n{section.why}")
            if section.draft:
                parts.append("\n".join("> " + line for line in section.draft.splitlines()))
        # Plain text shows no picture: its words stand in for it.
        parts.extend(a.fallback or f"[attached: {a.filename}]" for a in self.attachments)
        return plain("\n\n".join(parts))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "text": self.text,
            "mention": self.mention,
            "rules": list(self.rules),
            "sections": [
                {
                    "text": s.text,
                    "why": s.why,
                    "draft": s.draft,
                    "buttons": [
                        {"label": b.label, "command": b.command, "action": b.action}
                        for b in s.buttons
                    ],
                }
                for s in self.sections
            ],
            "attachments": [a.to_dict() for a in self.attachments],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(
            kind=data["kind"],
            text=data["text"],
            mention=data.get("mention"),
            rules=tuple(data.get("rules", ())),
            sections=tuple(
                Section(
                    text=s["text"],
                    why=s.get("why"),
                    draft=s.get("draft"),
                    buttons=tuple(
                        Button(b["label"], b["command"], b.get("action", "done"))
                        for b in s.get("buttons", ())
                    ),
                )
                for s in data.get("sections", ())
            ),
            attachments=tuple(Attachment.from_dict(a) for a in data.get("attachments", ())),
        )


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 call`, `3 calls`; `plural(2, "entry", "entries")`."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def reply(text: str, *sections: Section, attachments: tuple[Attachment, ...] = ()) -> Message:
    return Message(MessageKind.REPLY, text, tuple(sections), attachments=attachments)


def error(text: str) -> Message:
    """A refusal or a usage answer: nothing was changed."""
    return Message(MessageKind.ERROR, text, outcome=Outcome.REFUSED)


def failure(text: str) -> Message:
    """Our own failure (a bug, an outage), told to the member: nothing was changed."""
    return Message(MessageKind.ERROR, text, outcome=Outcome.FAILED)

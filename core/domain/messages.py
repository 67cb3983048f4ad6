"""Platform-neutral messages: what the bot says, which each adapter renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Button:
    """A button whose `command` is the `/lead` text it runs when pressed (e.g. `followedup #12`)."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Section:
    """A block of a message: a line to act on, why (small print), a draft to copy."""

    text: str
    why: str | None = None
    draft: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: str
    media_type: str


@dataclass(frozen=True, slots=True)
class Message:
    """One message: a headline, optional sections, optional files.

    `kind` says what it is (reply, digest, error, ...); `rules` the nudge kinds of a digest.
    """

    kind: str
    text: str
    sections: tuple[Section, ...] = ()
    rules: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)

    def plain_text(self) -> str:
        """The whole message as plain text (console, notifications, Slack's fallback)."""
        parts = [self.text]
        for section in self.sections:
            parts.append(section.text if not section.why else f"{section.text}\n{section.why}")
            if section.draft:
                parts.append("\n".join("> " + line for line in section.draft.splitlines()))
        parts.extend(f"[attached: {a.filename}]" for a in self.attachments)
        return "\n\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "rules": list(self.rules),
            "sections": [
                {
                    "text": s.text,
                    "why": s.why,
                    "draft": s.draft,
                    "buttons": [{"label": b.label, "command": b.command} for b in s.buttons],
                }
                for s in self.sections
            ],
            "attachments": [
                {"filename": a.filename, "content": a.content, "media_type": a.media_type}
                for a in self.attachments
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(
            kind=data["kind"],
            text=data["text"],
            rules=tuple(data.get("rules", ())),
            sections=tuple(
                Section(
                    text=s["text"],
                    why=s.get("why"),
                    draft=s.get("draft"),
                    buttons=tuple(Button(b["label"], b["command"]) for b in s.get("buttons", ())),
                )
                for s in data.get("sections", ())
            ),
            attachments=tuple(
                Attachment(a["filename"], a["content"], a["media_type"])
                for a in data.get("attachments", ())
            ),
        )


def plural(n: int, word: str) -> str:
    """`1 call`, `3 calls`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def reply(text: str, *sections: Section, attachments: tuple[Attachment, ...] = ()) -> Message:
    return Message("reply", text, tuple(sections), attachments=attachments)

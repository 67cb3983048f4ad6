"""What the bot says about delivery problems: to organisers, and to a member it can't DM."""

from __future__ import annotations

from core.domain.messages import Message, MessageKind
from core.domain.text import typed


def unreachable(member_name: str) -> Message:
    return Message(
        MessageKind.ADMIN,
        f"I can't reach {typed(member_name)} by direct message (they left, or their DMs are"
        " closed). Their morning digests are stopped until they use a command again.",
    )


def channel_gone() -> Message:
    return Message(
        MessageKind.ADMIN,
        "I can't post to the group's channel any more (it was archived or deleted, or I'm"
        " not a member of it). Weekly boards and celebrations wait until you pick one:"
        " /followthrough group channel #your-channel",
    )


def dms_closed(user_id: str) -> Message:
    """The only message that mentions anyone: the one member it is about."""
    return Message(
        MessageKind.NOTICE,
        "I couldn't send you your morning actions: allow direct messages from this server,"
        " or use /lead today.",
        mention=user_id,
    )

"""Buttons that keep working: DynamicItems whose custom id points at what they run.

A custom id is only a pointer, never the source of what a press applies to: a client can
edit it. A button on a DM we delivered names its outbox row and the button's place in
it (`ft2:s:<row>:<embed>:<section>:<button>`): the press runs the button stored there, as
the member that DM was for, in its group. A button on a reply to a command carries the
command (`ft2:r:<embed>:<command>:<text>`), which runs as the presser, in the server the
press came from (or, in a DM, in the presser's one group): what they could have typed.
A button offering a group for what the presser types in their DM names the guild
(`ft2:g:<embed>:<guild>`), taken only if the presser is a member there. Digests sent
before this format (`ft1:<guild>:<owner>:...`) are read like reply
buttons, their guild only a pointer checked against the presser's own groups. Nothing
is stored per message, so a press on yesterday's message is understood by any process
after any restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord

from bots.discord.render import MAX_LABEL, MAX_ROWS, Part, cut
from core.services import CHOOSE_GROUP, Button

MAX_CUSTOM_ID = 100
SENT = r"ft2:s:(?P<row>[0-9]{1,19}):(?P<embed>[0-9]):(?P<section>[0-9]{1,3}):(?P<index>[0-9])"
REPLY = r"ft2:r:(?P<r_embed>[0-9]):(?P<command>[a-z-]{1,20}):(?P<text>[^\n]{1,60})"
LEGACY = (
    r"ft1:(?P<guild>[0-9]{1,20}):[0-9]{1,20}:(?P<l_embed>[0-9]):"
    r"(?P<l_command>[a-z-]{1,20}):(?P<l_text>[^\n]{1,60})"
)
CHOICE = r"ft2:g:(?P<g_embed>[0-9]):(?P<choose>[0-9]{1,20})"
TEMPLATE = f"{SENT}|{REPLY}|{LEGACY}|{CHOICE}"
STYLES = {
    "done": discord.ButtonStyle.success,
    "replied": discord.ButtonStyle.primary,
    "keep": discord.ButtonStyle.primary,
    "drop": discord.ButtonStyle.danger,
    "confirm": discord.ButtonStyle.success,
}


@dataclass(frozen=True, slots=True)
class Pointer:
    """What a custom id says, none of it trusted: a stored DM's row and button, or a
    command (with the guild an old digest named)."""

    embed: int
    row: int | None = None
    section: int = 0
    index: int = 0
    command: str = ""
    text: str = ""
    guild: str | None = None
    choose: str | None = None  # a group (guild id) offered for the presser's DM

    @classmethod
    def parse(cls, value: str) -> Pointer | None:
        match = re.fullmatch(TEMPLATE, value)
        if match is None:
            return None
        if match["row"] is not None:
            return cls(
                int(match["embed"]),
                int(match["row"]),
                int(match["section"]),
                int(match["index"]),
            )
        if match["command"] is not None:
            return cls(int(match["r_embed"]), command=match["command"], text=match["text"])
        if match["choose"] is not None:
            return cls(int(match["g_embed"]), choose=match["choose"])
        return cls(
            int(match["l_embed"]),
            command=match["l_command"],
            text=match["l_text"],
            guild=match["guild"],
        )


def sent_id(row: int, embed: int, section: int, index: int) -> str:
    """A button on the DM written as outbox row `row`."""
    value = f"ft2:s:{row}:{embed}:{section}:{index}"
    if len(value) > MAX_CUSTOM_ID or not re.fullmatch(SENT, value):
        raise ValueError(f"a button's place does not fit a custom id: {value!r}")
    return value


def reply_id(embed: int, button: Button) -> str:
    """A button on a reply: the command it runs."""
    command, text = button.parts
    value = f"ft2:r:{embed}:{command.lstrip('/')}:{text}"
    if len(value) > MAX_CUSTOM_ID or not re.fullmatch(REPLY, value):
        raise ValueError(f"a button's command does not fit a custom id: {button.command!r}")
    return value


def choice_id(embed: int, button: Button) -> str:
    """A button offering a group for the presser's DM: the group's guild id (a pointer,
    checked against the presser's own groups when pressed)."""
    value = f"ft2:g:{embed}:{button.command}"
    if len(value) > MAX_CUSTOM_ID or not re.fullmatch(CHOICE, value):
        raise ValueError(f"not a group a button can offer: {button.command!r}")
    return value


class CommandButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """A button whose press is resolved against our own records (bots.discord.interactions)."""

    def __init__(
        self,
        value: str,
        *,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
        row: int | None = None,
    ) -> None:
        pointer = Pointer.parse(value)
        if pointer is None:
            raise ValueError(f"not one of our custom ids: {value!r}")
        super().__init__(
            discord.ui.Button(
                label=cut(label, MAX_LABEL),
                style=style,
                custom_id=value,
                disabled=disabled,
                row=row,
            )
        )
        self.pointer = pointer

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CommandButton:
        return cls(
            match.group(0),
            label=getattr(item, "label", None) or "…",
            style=getattr(item, "style", discord.ButtonStyle.secondary),
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py logs and drops whatever a DynamicItem callback raises: the press
        # handler answers every outcome itself.
        from bots.discord.interactions import press

        await press(interaction, self)


def view(part: Part, outbox_id: int | None = None) -> discord.ui.View | None:
    """The part's button rows as a view of DynamicItems (not kept in memory per message):
    pointers into the DM written as `outbox_id`, or (a reply) the commands themselves."""
    if not part.rows:
        return None
    out = discord.ui.View(timeout=None)
    rows = zip(part.rows, part.row_embed, part.row_section, strict=True)
    for row, (buttons, embed, section) in enumerate(rows):
        if row >= MAX_ROWS:
            break
        for index, button in enumerate(buttons):
            if button.action == CHOOSE_GROUP:
                value = choice_id(embed, button)
            elif outbox_id is None:
                value = reply_id(embed, button)
            else:
                value = sent_id(outbox_id, embed, section, index)
            out.add_item(
                CommandButton(
                    value,
                    label=button.label,
                    style=STYLES.get(button.action, discord.ButtonStyle.secondary),
                    row=row,
                )
            )
    return out


def pressed_view(message: discord.Message, pressed: str) -> discord.ui.View:
    """The message's buttons again, with the pressed button's row disabled."""
    out = discord.ui.View(timeout=None)
    for row, action_row in enumerate(message.components[:MAX_ROWS]):
        children = getattr(action_row, "children", [])
        ids = [getattr(c, "custom_id", None) for c in children]
        for child in children:
            value = getattr(child, "custom_id", None) or ""
            if Pointer.parse(value) is None:
                continue
            out.add_item(
                CommandButton(
                    value,
                    label=getattr(child, "label", None) or "…",
                    style=getattr(child, "style", discord.ButtonStyle.secondary),
                    disabled=pressed in ids or bool(getattr(child, "disabled", False)),
                    row=row,
                )
            )
    return out

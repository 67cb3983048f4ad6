"""Digest buttons that keep working: DynamicItems whose custom id carries the command.

The custom id names the guild, the member the message was for, the embed the button
belongs to and the command text, so a press on yesterday's message is understood by
any process after any restart, with nothing stored per message.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bots.discord.render import MAX_LABEL, MAX_ROWS, Part, cut
from core.services import Button

VERSION = "ft1"
MAX_CUSTOM_ID = 100
TEMPLATE = (
    rf"{VERSION}:(?P<guild>[0-9]{{1,20}}):(?P<owner>[0-9]{{1,20}}):(?P<embed>[0-9]):"
    r"(?P<command>[a-z-]{1,20}):(?P<text>[^\n]{1,60})"
)
STYLES = {
    "done": discord.ButtonStyle.success,
    "replied": discord.ButtonStyle.primary,
    "keep": discord.ButtonStyle.primary,
    "drop": discord.ButtonStyle.danger,
}


def custom_id(guild: str, owner: str, embed: int, button: Button) -> str:
    command, _, text = button.command.partition(" ")
    command = command.lstrip("/") if command.startswith("/") else "lead"
    if not button.command.startswith("/"):  # the older form: `/lead` implied
        text = button.command
    value = f"{VERSION}:{guild}:{owner}:{embed}:{command}:{text}"
    if len(value) > MAX_CUSTOM_ID or not re.fullmatch(TEMPLATE, value):
        raise ValueError(f"a button's command does not fit a custom id: {button.command!r}")
    return value


class CommandButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """A digest button: pressing it runs `/command text` as the member who owns it."""

    def __init__(
        self,
        guild: str,
        owner: str,
        embed: int,
        command: str,
        text: str,
        *,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
        row: int | None = None,
    ) -> None:
        value = f"{VERSION}:{guild}:{owner}:{embed}:{command}:{text}"
        super().__init__(
            discord.ui.Button(
                label=cut(label, MAX_LABEL),
                style=style,
                custom_id=value,
                disabled=disabled,
                row=row,
            )
        )
        self.guild, self.owner, self.embed, self.command, self.text = (
            guild,
            owner,
            embed,
            command,
            text,
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CommandButton:
        return cls(
            match["guild"],
            match["owner"],
            int(match["embed"]),
            match["command"],
            match["text"],
            label=getattr(item, "label", None) or "…",
            style=getattr(item, "style", discord.ButtonStyle.secondary),
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py logs and drops whatever a DynamicItem callback raises: the press
        # handler answers every outcome itself.
        from bots.discord.interactions import press

        await press(interaction, self)


def view(part: Part, guild: str, owner: str) -> discord.ui.View | None:
    """The part's button rows as a view of DynamicItems (not kept in memory per message)."""
    if not part.rows:
        return None
    out = discord.ui.View(timeout=None)
    for row, (buttons, embed) in enumerate(zip(part.rows, part.row_embed, strict=True)):
        if row >= MAX_ROWS:
            break
        for button in buttons:
            value = custom_id(guild, owner, embed, button)
            match = re.fullmatch(TEMPLATE, value)
            assert match is not None
            out.add_item(
                CommandButton(
                    guild,
                    owner,
                    embed,
                    match["command"],
                    match["text"],
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
            value = getattr(child, "custom_id", None)
            match = re.fullmatch(TEMPLATE, value or "")
            if match is None:
                continue
            out.add_item(
                CommandButton(
                    match["guild"],
                    match["owner"],
                    int(match["embed"]),
                    match["command"],
                    match["text"],
                    label=getattr(child, "label", None) or "…",
                    style=getattr(child, "style", discord.ButtonStyle.secondary),
                    disabled=pressed in ids or bool(getattr(child, "disabled", False)),
                    row=row,
                )
            )
    return out

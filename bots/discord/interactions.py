"""Answering interactions: who is asking, running their command, one ephemeral answer.

Everything that touches the database is deferred first (Discord invalidates a token
that gets no response within 3 seconds) and runs in a worker thread, off the loop that
also carries the gateway's heartbeat. Every outcome answers exactly once.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import discord

from bots.discord import render, views
from core.services import SAYINGS, Identity, Message, MessageKind, plain

if TYPE_CHECKING:
    from bots.discord.views import CommandButton

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEAD = frozenset({10062, 40060})  # unknown interaction, already acknowledged
MAX_PRESSES = 10_000


def identity(interaction: discord.Interaction[Any]) -> Identity:
    """The member as this server knows them; admins by their resolved permissions."""
    user = interaction.user
    perms = interaction.permissions  # resolved by Discord for this member: no cache needed
    workspace = str(interaction.guild_id) if interaction.guild_id is not None else ""
    return Identity(
        PLATFORM,
        workspace,
        str(user.id),
        user.display_name,
        is_admin=perms.manage_guild or perms.administrator,
    )


async def send(
    interaction: discord.Interaction[Any], message: Message, *, owner: str | None = None
) -> None:
    """The message as ephemeral follow-ups of a deferred interaction (parts, files)."""
    guild = str(interaction.guild_id or "")
    owner = owner or str(interaction.user.id)
    attachments = message.attachments
    if attachments and render.attachment_bytes(message) > interaction.filesize_limit:
        message = Message(MessageKind.ERROR, SAYINGS["too_big"])
        attachments = ()
    for index, part in enumerate(render.parts(message)):
        kwargs: dict[str, Any] = {
            "embeds": part.embeds,
            "ephemeral": True,
            "allowed_mentions": render.allowed_mentions(message),
        }
        view = views.view(part, guild, owner) if guild else None
        if view is not None:
            kwargs["view"] = view
        if index == 0 and attachments:
            kwargs["files"] = render.files(message)
        await interaction.followup.send(part.content or "", **kwargs)


async def answer_error(interaction: discord.Interaction[Any], text: str) -> None:
    """Answer once, whichever way is still open; a dead token is left alone."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException as error:
        if error.code in DEAD:
            log.info("interaction %s already gone (code %s)", interaction.id, error.code)
        else:
            log.warning("could not answer interaction %s: %s", interaction.id, error)


async def defer(interaction: discord.Interaction[Any], *, update: bool = False) -> bool:
    """Acknowledge within Discord's 3 seconds; False if the token is already dead."""
    try:
        if update:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
    except discord.HTTPException as error:
        level = logging.INFO if error.code in DEAD else logging.WARNING
        log.log(level, "could not defer interaction %s: %s", interaction.id, error)
        return False
    return True


class Presses:
    """Button presses already applied here: a double press logs nothing twice.

    DM presses all reach the process that owns shard 0, so one process sees both
    presses of a double click.
    """

    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()

    def claim(self, message_id: int, custom_id: str) -> bool:
        key = (message_id, custom_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > MAX_PRESSES:
            self._seen.popitem(last=False)
        return True

    def release(self, message_id: int, custom_id: str) -> None:
        self._seen.pop((message_id, custom_id), None)


async def press(interaction: discord.Interaction[Any], button: CommandButton) -> None:
    """A digest button's press: see `_press`; a close lets it finish first."""
    with interaction.client.in_flight.answering():
        await _press(interaction, button)


async def _press(interaction: discord.Interaction[Any], button: CommandButton) -> None:
    """Run a digest button's command as its owner, then show what was logged.

    The core commits before it answers and never raises: a failure after it answered is
    the display's, not the command's. A press the core applied stays claimed (a retry
    would log it twice) and the member hears it was done; a refusal or a failure before
    the core was reached releases the claim, so pressing again tries again. A press the
    core had applied already (another process, before a restart) is told so, to the
    presser alone; the message stays as it is.
    """
    if not await defer(interaction, update=True):
        return
    client = interaction.client
    custom_id = button.item.custom_id or ""
    message = interaction.message
    if str(interaction.user.id) != button.owner:
        await answer_error(interaction, SAYINGS["not_yours"])
        return
    message_id = message.id if message is not None else interaction.id
    if not client.presses.claim(message_id, custom_id):
        return  # the first press of a double click is being (or was) applied
    try:
        who = Identity(PLATFORM, button.guild, button.owner, interaction.user.display_name)
        # The core keeps the press's key with what it logged: a repeat on another
        # process, or after a restart, logs nothing twice either.
        once = f"press:discord:{message_id}:{custom_id}"
        answer: Message = await client.core(
            functools.partial(client.app.handle, once=once),
            who,
            f"/{button.command}",
            button.text,
        )
    except Exception:
        client.presses.release(message_id, custom_id)
        log.exception("button press failed: interaction=%s", interaction.id)
        await answer_error(interaction, SAYINGS["broken"])
        return
    if answer.repeat:
        log.info("press applied already: interaction=%s", interaction.id)
    if answer.kind is MessageKind.ERROR:
        client.presses.release(message_id, custom_id)
    try:
        await _show_press(interaction, button, answer)
    except Exception:
        log.exception("button press answered but not shown: interaction=%s", interaction.id)
        await answer_error(interaction, _not_shown(answer))


async def _show_press(
    interaction: discord.Interaction[Any], button: CommandButton, answer: Message
) -> None:
    """A refusal or a repeat as an ephemeral answer; what was logged as a tick under its
    lead."""
    message = interaction.message
    # A repeat's first press may not have been shown (its edit failed, or its process
    # stopped): the presser hears it was logged already, and the message is left alone.
    if answer.kind is MessageKind.ERROR or answer.repeat or message is None:
        await send(interaction, answer, owner=button.owner)
        return
    custom_id = button.item.custom_id or ""
    embeds = list(message.embeds)
    if 0 <= button.embed < len(embeds):
        embeds[button.embed].set_footer(text=render.cut("✓ " + plain(answer.text), 2048))
    await interaction.edit_original_response(
        embeds=embeds, view=views.pressed_view(message, custom_id)
    )


def _not_shown(answer: Message) -> str:
    """What to say when the core's answer could not be shown: a refusal changed nothing;
    anything else was done."""
    return SAYINGS["broken"] if answer.kind is MessageKind.ERROR else SAYINGS["shown_not"]


async def show(interaction: discord.Interaction[Any], answer: Message) -> None:
    """The core's answer to a command; if it can't be shown, whether it was done."""
    try:
        await send(interaction, answer)
    except Exception:
        log.exception("command answered but not shown: interaction=%s", interaction.id)
        await answer_error(interaction, _not_shown(answer))

"""Answering interactions: who is asking, running their command, one ephemeral answer.

Everything that touches the database is deferred first (Discord invalidates a token
that gets no response within 3 seconds) and runs in a worker thread, off the loop that
also carries the gateway's heartbeat. Every outcome answers exactly once.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bots.discord import render, views
from core.services import SAYINGS, Conversation, Identity, Message, MessageKind, plain

if TYPE_CHECKING:
    from bots.discord.views import CommandButton

log = logging.getLogger(__name__)
Runner = Callable[..., Awaitable[Any]]

PLATFORM = "discord"
DEAD = frozenset({10062, 40060})  # unknown interaction, already acknowledged
MAX_PRESSES = 10_000


def identity(interaction: discord.Interaction[Any]) -> Identity:
    """The member as this server knows them; admins by their resolved permissions.

    Only for an interaction from a guild (see `tenant`): a DM has no workspace."""
    user = interaction.user
    perms = interaction.permissions  # resolved by Discord for this member: no cache needed
    assert interaction.guild_id is not None
    return Identity(
        PLATFORM,
        str(interaction.guild_id),
        str(user.id),
        user.display_name,
        is_admin=perms.manage_guild or perms.administrator,
    )


def dm_group(app: Conversation, user_id: str, hint: str | None = None) -> str:
    """The workspace a DM of `user_id` acts in (a DM carries no group of its own): their
    one group on Discord, or the one `hint` names if it is theirs, or the one they chose
    for their DM (`Conversation.choose_group`). Else the SAYINGS key
    of why not (a workspace id is digits: never one): they have none, it isn't theirs, or
    there are several. Reads the core: call it off the loop."""
    groups, chosen = app.dm_groups(PLATFORM, user_id)
    if not groups:
        return "no_group"
    if hint is not None:
        return hint if hint in groups else "not_yours"
    if len(groups) == 1:
        return groups[0]
    return chosen or "which_group"


async def tenant(
    interaction: discord.Interaction[Any], hint: str | None = None, run: Runner | None = None
) -> Identity | str:
    """Who is asking and in which group, from what Discord vouches for; else the saying
    that explains why nothing will be done.

    A guild's interaction acts in that guild, if the bot is in it (its GUILD_CREATE put it
    in the client's cache): a guild it was never added to stores nothing. A DM acts in
    the presser's one group (`dm_group`). `hint`, a guild a custom id names, is only
    accepted where it is the guild the interaction came from, or one of the member's.
    `run` runs the core's read (default: the client's core threads)."""
    client = interaction.client
    user = interaction.user
    if interaction.guild_id is not None:
        if client.get_guild(interaction.guild_id) is None:
            return SAYINGS["not_added"]
        if hint is not None and hint != str(interaction.guild_id):
            return SAYINGS["not_yours"]
        return identity(interaction)
    found = await (run or client.core)(dm_group, client.app, str(user.id), hint)
    if found in SAYINGS:
        return SAYINGS[found]
    return Identity(PLATFORM, found, str(user.id), user.display_name)


async def send(interaction: discord.Interaction[Any], message: Message) -> None:
    """The message as ephemeral follow-ups of a deferred interaction (parts, files); its
    buttons run their commands as whoever presses them (only the asker sees them)."""
    message = render.within(message, interaction.filesize_limit)
    for index, part in enumerate(render.parts(message)):
        kwargs: dict[str, Any] = {
            "embeds": part.embeds,
            "ephemeral": True,
            "allowed_mentions": render.allowed_mentions(message),
        }
        view = views.view(part)
        if view is not None:
            kwargs["view"] = view
        if index == 0 and message.attachments:
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
    """Run a button's command as the presser, then show what was logged.

    What the press applies to comes from our records, never from the custom id alone:
    `_resolve`. The core commits before it answers and never raises: a failure after it
    answered is the display's, not the command's. A press the core applied stays claimed
    (a retry would log it twice) and the member hears it was done; a refusal or a failure
    before the core was reached releases the claim, so pressing again tries again. A
    press the core had applied already (another process, before a restart) is told so,
    to the presser alone; the message stays as it is. Nothing is ever created by a press.
    """
    if not await defer(interaction, update=True):
        return
    client = interaction.client
    if button.pointer.choose is not None:
        await _choose(interaction, button, button.pointer.choose)
        return
    custom_id = button.item.custom_id or ""
    message = interaction.message
    try:
        resolved = await _resolve(interaction, button.pointer)
    except Exception:
        log.exception("button press not resolved: interaction=%s", interaction.id)
        await answer_error(interaction, SAYINGS["broken"])
        return
    if isinstance(resolved, str):  # nothing to do: the presser alone hears why
        await _answer_press(interaction, button, Message(MessageKind.ERROR, resolved))
        return
    who, command, text = resolved
    message_id = message.id if message is not None else interaction.id
    # A press is one member's: a reply's button (in a guild, anyone there may press it)
    # pressed by two members is two presses.
    custom_id = f"{interaction.user.id}:{custom_id}"
    if not client.presses.claim(message_id, custom_id):
        return  # the first press of a double click is being (or was) applied
    try:
        # The core keeps the press's key with what it logged: a repeat on another
        # process, or after a restart, logs nothing twice either.
        once = f"press:discord:{message_id}:{custom_id}"
        answer: Message = await client.core(
            functools.partial(client.app.handle, once=once, create=False), who, command, text
        )
    except Exception:
        client.presses.release(message_id, custom_id)
        log.exception("button press failed: interaction=%s", interaction.id)
        await answer_error(interaction, SAYINGS["broken"])
        return
    if answer.repeat:
        log.info("press applied already: interaction=%s", interaction.id)
    if answer.kind is MessageKind.ERROR or not answer.changed:
        # A refusal can be pressed again; so can a read (a list's Next, then Previous,
        # then Next again on the same message): pressed twice, it only shows twice.
        client.presses.release(message_id, custom_id)
    await _answer_press(interaction, button, answer)


async def _choose(
    interaction: discord.Interaction[Any], button: CommandButton, guild_id: str
) -> None:
    """A group chosen for what the presser types in their DM: kept if they are a member
    there (the core checks it), else nothing changes. Choosing again is harmless."""
    client = interaction.client
    guild = client.get_guild(int(guild_id))
    name = guild.name if guild is not None else guild_id
    try:
        answer: Message = await client.core(
            client.app.choose_group, PLATFORM, str(interaction.user.id), guild_id, name
        )
    except Exception:
        log.exception("group choice failed: interaction=%s", interaction.id)
        await answer_error(interaction, SAYINGS["broken"])
        return
    await _answer_press(interaction, button, answer)


async def _answer_press(
    interaction: discord.Interaction[Any], button: CommandButton, answer: Message
) -> None:
    try:
        await _show_press(interaction, button, answer)
    except Exception:
        log.exception("button press answered but not shown: interaction=%s", interaction.id)
        await answer_error(interaction, _not_shown(answer))


async def _resolve(
    interaction: discord.Interaction[Any], pointer: views.Pointer
) -> tuple[Identity, str, str] | str:
    """Who the press acts for, in which group, and the command it runs; else the saying
    for why it does nothing.

    A button on a DM we delivered runs the button stored in that DM's outbox row, and only
    for the member it was sent to, in its group: a custom id naming another row, section
    or button of someone else's changes nothing. Any other button (a reply's; an old
    digest's) runs its command as the presser where `tenant` puts them: what they could
    have typed there themselves."""
    client = interaction.client
    user = interaction.user
    if pointer.row is not None:
        found = await client.core(
            client.app.sent_button,
            PLATFORM,
            pointer.row,
            str(user.id),
            pointer.section,
            pointer.index,
        )
        if found is None:  # not theirs, or erased since (forget-me, the bot removed)
            known = await client.core(client.app.workspaces, PLATFORM, str(user.id))
            return SAYINGS["not_yours"] if known else SAYINGS["no_group"]
        workspace, stored = found
        if interaction.guild_id is not None and str(interaction.guild_id) != workspace:
            return SAYINGS["not_yours"]
        command, text = stored.parts
        return Identity(PLATFORM, workspace, str(user.id), user.display_name), command, text
    who = await tenant(interaction, pointer.guild)
    if isinstance(who, str):
        return who
    return who, f"/{pointer.command}", pointer.text


async def _show_press(
    interaction: discord.Interaction[Any], button: CommandButton, answer: Message
) -> None:
    """A refusal or a repeat as an ephemeral answer; a read (another page) in place of
    the message pressed; what was logged as a tick under its lead (within every limit of
    the message's embeds)."""
    message = interaction.message
    # A repeat's first press may not have been shown (its edit failed, or its process
    # stopped): the presser hears it was logged already, and the message is left alone.
    if answer.kind is MessageKind.ERROR or answer.repeat or message is None:
        await send(interaction, answer)
        return
    if not answer.changed:
        # A read (a page of a list): its answer takes the place of the message pressed.
        first, *rest = render.parts(answer)
        await interaction.edit_original_response(
            content=first.content,
            embeds=first.embeds,
            view=views.view(first),
            allowed_mentions=render.allowed_mentions(answer),
        )
        for part in rest:
            kwargs: dict[str, Any] = {"embeds": part.embeds, "ephemeral": True}
            view = views.view(part)
            if view is not None:
                kwargs["view"] = view
            await interaction.followup.send(
                part.content or "", allowed_mentions=render.allowed_mentions(answer), **kwargs
            )
        return
    custom_id = button.item.custom_id or ""
    tick = "✓ " + plain(answer.text)
    embeds = render.ticked(list(message.embeds), button.pointer.embed, tick)
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

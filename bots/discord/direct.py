"""What a member types in their DM with the bot, read as a command (MESSAGE_CREATE).

Discord sends a DM's messages with the `dm_messages` intent, which is not privileged,
and with their content: DMs are among the exceptions of the privileged Message Content
intent, which the bot never asks for. Messages in a server's channels never reach this
(`message.guild` is set: returned from at once, nothing read). Only a person's own new
message is read: bots (the bot itself included), webhooks and system messages are left
alone, so nothing the bot says is ever answered.

A DM names no server: the core acts in the member's one group on Discord, or the one
they chose, and asks the others with a button per group (their names from the guild
cache). The message is applied once by its id, in the core and at Discord (the answer's
nonce); the answer goes back into the DM, pinging nobody.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

import discord

from bots.discord import render, views
from bots.discord.interactions import PLATFORM
from core.services import Identity, Message

if TYPE_CHECKING:
    from bots.discord.client import Bot

log = logging.getLogger(__name__)
READ = frozenset({discord.MessageType.default, discord.MessageType.reply})


def typed_by_a_member(message: discord.Message, me: discord.abc.User | None) -> bool:
    """Whether `message` is a person's own new message in their DM with the bot."""
    return (
        message.guild is None
        and isinstance(message.channel, discord.DMChannel | discord.PartialMessageable)
        and not message.author.bot
        and not message.author.system
        and message.webhook_id is None
        and (me is None or message.author.id != me.id)
        and message.type in READ
    )


async def typed(client: Bot, message: discord.Message) -> None:
    """Answer a member's DM (see the module): never raises, errors are logged."""
    if client.app is None or not typed_by_a_member(message, client.user):
        return
    with client.in_flight.answering():
        try:
            await _answer(client, message)
        except Exception:
            log.exception("DM not answered: message=%s", message.id)


async def _answer(client: Bot, message: discord.Message) -> None:
    assert client.app is not None
    author = message.author
    who = Identity(PLATFORM, "", str(author.id), author.display_name)
    names = {str(guild.id): guild.name for guild in client.guilds}
    key = f"dm:discord:{message.id}"
    # A MESSAGE_CREATE sent again (a replayed session) is answered once.
    if not await client.core(client.app.first_time, f"event:{key}"):
        log.info("DM %s answered already", message.id)
        return
    try:
        reply: Message = await client.core(
            functools.partial(client.app.direct, once=key, names=names), who, message.content
        )
        await send(message.channel, reply, message.id)
    except BaseException:  # not answered: a replay may try again (what it changed stays once)
        await client.core(client.app.let_go, f"event:{key}")
        raise


async def send(channel: discord.abc.Messageable, reply: Message, message_id: int) -> None:
    """The answer in the DM: its parts, their buttons (commands the presser runs, groups
    to choose), and its files; every mention off but the one the message allows."""
    reply = render.within(reply, render.DEFAULT_FILE_LIMIT)
    for index, part in enumerate(render.parts(reply)):
        kwargs: dict[str, Any] = {
            "embeds": part.embeds,
            # Discord keeps one message per nonce for a while: a retry posts nothing twice.
            "nonce": f"d{message_id}{index}"[:25],
            "allowed_mentions": render.allowed_mentions(reply),
        }
        view = views.view(part)
        if view is not None:
            kwargs["view"] = view
        if index == 0 and reply.attachments:
            kwargs["files"] = render.files(reply)
        await channel.send(part.content, **kwargs)

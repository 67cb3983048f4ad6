"""Buttons: Done / They replied / Snooze 2 days (and the digest's other choices).

A button's value is the command it runs (`/lead followedup #12`), exactly as if typed.
After a press the original message shows what was logged in place of its buttons; a
press is applied once, however often it arrives (double clicks, two processes): the
core keeps its key (`handle(..., once=key)`), and a press applied already is told so,
to the presser alone, with the message left as the first press made it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks
from bots.slack.context import Slack
from bots.slack.once import once_key
from bots.slack.people import incoming, workspace
from core.services import Identity, Message, MessageKind

log = logging.getLogger(__name__)
DIGEST_ACTIONS = re.compile(r"^digest_[a-z0-9_]+$")
SLASH_COMMANDS = ("/lead", "/followthrough", "/leaderboard")


def press_key(team: str, body: dict[str, Any], block_id: str) -> str:
    """One id per button row of one message (or one published Home view) in `team`."""
    container = body.get("container") or {}
    if container.get("type") == "message":
        where = f"{container.get('channel_id')}:{container.get('message_ts')}"
    else:
        view = body.get("view") or {}
        where = f"{view.get('id')}:{view.get('hash')}"
    return once_key("press", team, f"{where}:{block_id}")


def register(app: AsyncApp, slack: Slack) -> None:
    @app.action(DIGEST_ACTIONS)
    @slack.tracked
    async def pressed(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        action = body["actions"][0]
        command, _, text = str(action.get("value") or "").partition(" ")
        if command not in SLASH_COMMANDS:
            log.warning("a button without a command: %s", action.get("action_id"))
            return
        block_id = str(action.get("block_id") or "")
        team = workspace(context)  # the installation's, never the presser's home team
        user = body["user"]
        who = await slack.people.identity(
            client, team, str(user["id"]), fallback_name=str(user.get("name") or "")
        )
        # The core keeps the press's key with what it logged, in one transaction: a
        # double click, the same press on two processes or after a restart logs once,
        # and a refused or failed press can be pressed again.
        answer = await slack.handle(
            who, command, incoming(text), once=press_key(team, body, block_id)
        )
        if answer.repeat:
            log.info("press applied already: %s", action.get("action_id"))
        await show(slack, body, client, block_id, who, answer)


async def show(
    slack: Slack,
    body: dict[str, Any],
    client: AsyncWebClient,
    block_id: str,
    who: Identity,
    answer: Message,
) -> None:
    """What a press did: the message without its buttons, or to the presser alone why
    nothing changed (a refusal, or a press applied already)."""
    container = body.get("container") or {}
    if answer.kind is MessageKind.ERROR or answer.repeat:
        # A refusal logged nothing (nor the press's key): the buttons stay, and the same
        # press can be tried again. A repeat's first press was logged, but its update
        # may have failed, or come from another process: the presser still hears it,
        # and the message keeps what the first press showed (a double click's second
        # press must not overwrite it).
        if body.get("response_url"):
            await slack.respond(
                str(body["response_url"]), answer, member=(who.workspace_id, who.user_id)
            )
        return  # nothing changed: the Home tab stays as it is
    if container.get("is_ephemeral") and body.get("response_url"):
        # An ephemeral answer's button (forget-me's confirmation): the answer takes its
        # place, so the button can't be pressed again.
        await slack.respond(
            str(body["response_url"]), answer, member=(who.workspace_id, who.user_id), instead=True
        )
    elif container.get("type") == "message":
        original = (body.get("message") or {}).get("blocks") or []
        try:
            await client.chat_update(
                channel=str(container["channel_id"]),  # the D... id the digest went to
                ts=str(container["message_ts"]),
                text=blocks.fallback(answer),
                blocks=blocks.pressed(original, block_id, answer),
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # Logged all the same: the presser hears it, and the buttons stay (a press
            # again is told it is done already).
            log.warning("chat.update after a press failed: %s", getattr(error, "response", error))
            if body.get("response_url"):
                await slack.respond(
                    str(body["response_url"]), answer, member=(who.workspace_id, who.user_id)
                )
    # Presses in the Home tab have no message to change: the new view shows it. A read
    # (a list's next page) changed nothing it shows.
    if answer.changed:
        await slack.refresh_home(client, who)

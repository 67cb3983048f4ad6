"""What a member types in their DM with the bot (`message.im`), read as a command.

The event comes through the installation of one workspace: that is the group it acts
in, if the member is in it (a DM creates nobody). Only a member's own plain message is
read: the bot's own posts, other apps' (`bot_id`, `bot_message`), edits, deletions and
every other subtype are left alone, so nothing the bot says is ever answered. Channels
are never read (the app asks for `im:history` alone). A retried event is answered once
(`per_event`), and what the message changes is applied once, in its own transaction,
by the message's own id (`channel:ts`). The answer goes back into the DM.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks, messenger
from bots.slack.context import Slack
from bots.slack.once import once_key, per_event
from bots.slack.people import incoming, workspace

log = logging.getLogger(__name__)


def typed_by_a_member(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    """Whether `event` is a member's own new message in their DM with the bot."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")  # edits, deletions, bot_message, file_share, joins
        and not event.get("bot_id")
        and not event.get("app_id")
        and bool(event.get("user"))
        and event.get("user") != context.bot_user_id
        and isinstance(event.get("text"), str)
    )


def register(app: AsyncApp, slack: Slack) -> None:
    @app.event("message")
    @slack.tracked
    async def typed(
        body: dict[str, Any],
        context: AsyncBoltContext,
        event: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:
        # Not for us, or our own: returned from before any key is written.
        if typed_by_a_member(event, context):
            await answer(body=body, context=context, event=event, client=client)

    @per_event(slack)
    async def answer(
        body: dict[str, Any],
        context: AsyncBoltContext,
        event: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:
        team = workspace(context)  # the installation's: the one group a DM here may act in
        channel, user = str(event["channel"]), str(event["user"])
        who = await slack.people.identity(client, team, user)
        once = once_key("dm", team, f"{channel}:{event.get('ts')}")
        text = incoming(str(event["text"]))
        reply = await slack.core(functools.partial(slack.services.direct, once=once), who, text)
        if reply.repeat:
            log.info("slack DM %s applied already", event.get("ts"))
        # A message in a thread of the DM is answered in that thread.
        thread = str(event["thread_ts"]) if event.get("thread_ts") else None
        for page in blocks.pages(reply) or [[]]:
            await client.chat_postMessage(
                channel=channel, text=blocks.fallback(reply), blocks=page, thread_ts=thread
            )
        if reply.attachments:  # an export asked for here: the files follow in the DM
            try:
                for attachment in reply.attachments:
                    await messenger.upload(client, channel, attachment)
            except (SlackApiError, SlackRequestError) as error:
                log.warning("files not uploaded to %s: %s", channel, error)
        if reply.changed:
            await slack.refresh_home(client, who)

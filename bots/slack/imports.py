"""A file a member shares in their DM with the bot is a search to import (`file_shared`).

Slack says only which file, where and by whom: files.info (files:read) gives its name
and size, and its url_private_download is read with the bot token. A file over the core's
limit is refused by the size files.info gives, never downloaded. A file shared anywhere
else (a channel the bot is in, another conversation) is not ours to read; nor is one
the bot shared itself (an export). The preview is posted in the DM, its buttons
(Import, Cancel) run `/followthrough import confirm|cancel` as any button does.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks
from bots.slack.context import Slack
from bots.slack.once import per_event
from bots.slack.people import workspace
from core.services import MAX_IMPORT_BYTES, SAYINGS, Message, MessageKind

log = logging.getLogger(__name__)


class NotRead(Exception):
    """Slack wouldn't give the file's bytes (an expired token, a file deleted since)."""


def register(app: AsyncApp, slack: Slack) -> None:
    @app.event("file_shared")
    @slack.tracked
    @per_event(slack)
    async def shared(
        body: dict[str, Any],
        context: AsyncBoltContext,
        event: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:
        team = workspace(context)
        user = str(event.get("user_id") or "")
        file_id = str(event.get("file_id") or (event.get("file") or {}).get("id") or "")
        if not user or not file_id or user == context.bot_user_id:
            return
        dm = await slack.dm_channel(client, team, user)
        if dm is None or event.get("channel_id") != dm:
            return  # not sent to us: nothing is read
        who = await slack.people.identity(client, team, user)
        try:
            found = (await client.files_info(file=file_id))["file"]
            name, size = str(found.get("name") or "file"), int(found.get("size") or 0)
            data = b"" if size > MAX_IMPORT_BYTES else await _read(slack, client, found)
        except (SlackApiError, aiohttp.ClientError, TimeoutError, NotRead) as error:
            log.warning("a shared file could not be read in %s: %r", team, error)
            answer = Message(MessageKind.ERROR, SAYINGS["broken"])
        else:
            preview = functools.partial(slack.services.import_file, size=size)
            answer = await slack.core(preview, who, name, data)
        for page in blocks.pages(answer):
            await client.chat_postMessage(channel=dm, text=blocks.fallback(answer), blocks=page)


async def _read(slack: Slack, client: AsyncWebClient, found: dict[str, Any]) -> bytes:
    """The file's bytes, from its url_private_download with the bot token (at most one
    byte over the limit: what a file that grew since files.info needs to be refused)."""
    url = str(found.get("url_private_download") or found.get("url_private") or "")
    if not url or client.token is None:
        raise NotRead("no download URL, or no token to read it with")
    headers = {"Authorization": f"Bearer {client.token}"}
    async with slack.messenger.session().get(url, headers=headers) as response:
        # Without a token it may read, Slack answers its sign-in page, with a 200.
        if response.status != 200 or response.content_type == "text/html":
            raise NotRead(f"HTTP {response.status} {response.content_type}")
        return await response.content.read(MAX_IMPORT_BYTES + 1)

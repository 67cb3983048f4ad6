"""The Messenger port for Slack: DMs through each member's stored D... channel, group
posts to the organiser's channel, paced as Slack asks, errors mapped to Failure classes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks
from bots.slack.config import SlackConfig
from core.services import Attachment, Conversation, Delivery, Failure, Message, SendError

log = logging.getLogger(__name__)

PER_CHANNEL = 1.0  # chat.postMessage: about one message per second per channel
# files.getUploadURLExternal's `alt_txt`: longer is `alt_txt_too_large`.
MAX_ALT_TEXT = 1000
# Slack's error codes, by what they mean for us (SLACK.md §3, the method references).
FATAL = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "team_disabled",
        "team_not_found",
        "not_allowed_token_type",
        "missing_scope",  # needs a reinstall with the manifest's scopes
        "not_installed",
    }
)
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "user_disabled",
        "user_not_visible",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "restricted_action",
        "ekm_access_denied",
        "is_archived",  # a DM with a deactivated member
        "channel_not_found",
    }
)
CHANNEL_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
PAYLOAD = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_blocks_too_long",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_array_arg",
        "too_many_attachments",
        "invalid_form_data",
        "view_too_large",
        # files.getUploadURLExternal: the file is empty, or the workspace won't take it
        "missing_argument",
        "file_uploads_disabled",
        "file_uploads_except_images_disabled",
        "file_upload_size_restricted",
        "file_type_not_allowed",
    }
)


def failure(error: SlackApiError, *, group_post: bool) -> SendError:
    """The SendError for a Slack error response."""
    code = str(error.response.get("error") or "")
    status = error.response.status_code
    if status == 429 or code in RATE_LIMITED:
        header = error.response.headers.get("Retry-After") or error.response.headers.get(
            "retry-after"
        )
        try:
            wait = float(header) if header is not None else 1.0
        except (TypeError, ValueError):
            wait = 1.0
        return SendError(f"slack: {code or status}", Failure.RATE_LIMITED, retry_after=wait)
    if code in FATAL:
        return SendError(f"slack: {code}", Failure.FATAL)
    if group_post and code in CHANNEL_GONE:
        return SendError(f"slack: {code}", Failure.CHANNEL_GONE)
    if not group_post and code in UNREACHABLE:
        return SendError(f"slack: {code}", Failure.UNREACHABLE)
    if code in PAYLOAD:
        return SendError(f"slack: {code}", Failure.PAYLOAD)
    return SendError(f"slack: {code or status}", Failure.TRANSIENT)  # 5xx, internal_error, ...


async def upload(client: AsyncWebClient, channel: str, attachment: Attachment) -> None:
    """One file into `channel` (a D... or C... id: uploads refuse U... ids), its bytes
    unchanged, in files_upload_v2's three steps.

    `file=` takes bytes as they are; `content=` is there for text (a str it encodes as
    UTF-8). `data` is always bytes (a text file's UTF-8), so one call serves a CSV and a
    PDF alike, and never a str, which `file=` would take for a path to open. A picture's
    alt text goes with it (`alt_txt`): what a screen reader says in its place."""
    await client.files_upload_v2(
        channel=channel,
        file=attachment.data,
        filename=attachment.filename,
        title=attachment.filename,
        alt_txt=attachment.alt[:MAX_ALT_TEXT] if attachment.alt else None,
    )


class Pacer:
    """Reserves send slots so that no channel gets more than one message a second and no
    workspace more than `rate` a second, however many senders share it."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self._clock = rate, clock
        self._next: dict[str, float] = {}

    def reserve(self, workspace: str, channel: str) -> float:
        """Seconds to wait before sending to `channel` of `workspace`."""
        now = self._clock()
        ws, ch = f"w:{workspace}", f"c:{workspace}:{channel}"
        slot = max(now, self._next.get(ws, 0.0), self._next.get(ch, 0.0))
        self._next[ws] = slot + 1 / self.rate
        self._next[ch] = slot + PER_CHANNEL
        return slot - now


class SlackMessenger:
    """Sends outbox deliveries to Slack with the workspace's bot token."""

    def __init__(
        self,
        app: Conversation,
        config: SlackConfig,
        token_for: Callable[[str], Awaitable[str | None]],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app, self.config, self._token_for, self._sleep = app, config, token_for, sleep
        self.pacer = Pacer(config.workspace_rate)
        self._dms: dict[tuple[str, str], str] = {}  # (workspace, user) -> D... id
        self._opens_blocked: dict[str, float] = {}  # workspace -> monotonic time
        self._clients: dict[str, AsyncWebClient] = {}
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def route(self, delivery: Delivery) -> str:
        target = delivery.channel if delivery.user_id is None else delivery.user_id
        return f"{delivery.workspace_id}:{target}"

    async def client(self, workspace: str) -> AsyncWebClient:
        token = await self._token_for(workspace)
        if token is None:
            raise SendError("slack: not installed in this workspace", Failure.FATAL)
        if token not in self._clients:
            self._clients[token] = AsyncWebClient(
                token=token,
                base_url=self.config.api_url,
                session=self.session(),
                timeout=15,
                logger=log,
                # Only connection errors are retried in the client: a 429 goes back to
                # the Deliverer, which holds the route for Retry-After and requeues.
                retry_handlers=[AsyncConnectionErrorRetryHandler()],
            )
        return self._clients[token]

    def session(self) -> aiohttp.ClientSession:
        """The adapter's one HTTP session (its connections kept open between calls), for
        deliveries and the listener's own calls alike; made in the running event loop."""
        if self._closed:
            raise RuntimeError("slack: the messenger is closed")
        if self._session is None:
            # No cookies: nothing Slack sets is meant to travel between workspaces.
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    async def send(self, delivery: Delivery) -> str | None:
        """Post `delivery`; returns `channel:ts` of its (first) message."""
        group_post = delivery.user_id is None
        try:
            client = await self.client(delivery.workspace_id)
            if group_post:
                if not delivery.channel:
                    raise SendError("slack: the group has no channel", Failure.CHANNEL_GONE)
                return await self._post(client, delivery, delivery.channel)
            channel = await self._dm(client, delivery)
            try:
                return await self._post(client, delivery, channel)
            except SlackApiError as error:
                if error.response.get("error") != "channel_not_found":
                    raise
                # A stored DM id that went stale: open the conversation again, once.
                self._dms.pop((delivery.workspace_id, str(delivery.user_id)), None)
                channel = await self._dm(client, delivery, reopen=True)
                return await self._post(client, delivery, channel)
        except SlackApiError as error:
            raise failure(error, group_post=group_post) from None
        except SlackRequestError as error:
            # Refused before Slack's API answered: a file the SDK won't send (over 1 GB),
            # or one its upload URL refused (not the length announced). Sent again, it
            # would be refused again.
            raise SendError(f"slack: upload refused ({error})", Failure.PAYLOAD) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SendError(f"slack: {type(error).__name__}", Failure.TRANSIENT) from None

    async def _dm(self, client: AsyncWebClient, delivery: Delivery, reopen: bool = False) -> str:
        assert delivery.user_id is not None
        return await self.dm_channel(
            client,
            delivery.workspace_id,
            delivery.user_id,
            stored=delivery.dm_channel,
            member_id=delivery.member_id,
            reopen=reopen,
        )

    async def dm_channel(
        self,
        client: AsyncWebClient,
        workspace: str,
        user: str,
        *,
        stored: str | None = None,
        member_id: int | None = None,
        reopen: bool = False,
    ) -> str:
        """The member's D... channel: stored, cached, or opened now (and stored if we know
        the member's id). Deliveries and the listener's own DMs (a modal's answer, an
        export) both come this way: one cache, one hold after a 429."""
        key = (workspace, user)
        if not reopen:
            if stored and key not in self._dms:
                self._dms[key] = stored
            if key in self._dms:
                return self._dms[key]
        # conversations.open is Tier 3, counted per workspace: after a 429 nobody in that
        # workspace asks again before its Retry-After (the Deliverer requeues them).
        wait = self._opens_blocked.get(workspace, 0.0) - time.monotonic()
        if wait > 0:
            raise SendError(
                "slack: conversations.open held", Failure.RATE_LIMITED, retry_after=wait
            )
        try:
            response = await client.conversations_open(users=user)
        except SlackApiError as error:
            if error.response.status_code == 429:
                held = failure(error, group_post=False).retry_after or 1.0
                self._opens_blocked[workspace] = time.monotonic() + held
            raise
        channel = str(response["channel"]["id"])
        self._dms[key] = channel
        if member_id is not None:  # the recipient's own row (an admin notice's organiser)
            await asyncio.to_thread(self.app.remember_dm_channel, member_id, channel)
        return channel

    def forget(self, workspace: str) -> None:
        """Drop what is known of a workspace that left."""
        for key in [key for key in self._dms if key[0] == workspace]:
            del self._dms[key]
        self._opens_blocked.pop(workspace, None)

    async def _post(self, client: AsyncWebClient, delivery: Delivery, channel: str) -> str:
        message = delivery.message
        first: str | None = None
        for page in blocks.pages(message):
            wait = self.pacer.reserve(delivery.workspace_id, channel)
            if wait > 0:
                await self._sleep(wait)
            response = await client.chat_postMessage(
                channel=channel,
                text=blocks.fallback(message),
                blocks=page,
                unfurl_links=False,
                unfurl_media=False,
            )
            first = first or f"{response['channel']}:{response['ts']}"
        for attachment in message.attachments:
            if attachment.fallback is None:
                await upload(client, channel, attachment)
            else:
                await self._picture(client, delivery, channel, attachment)
        return first or channel

    async def _picture(
        self, client: AsyncWebClient, delivery: Delivery, channel: str, attachment: Attachment
    ) -> None:
        """A picture, or its words where it can't go (uploads disabled in the workspace, a
        channel the bot may post in but not share files to, an upload that failed): the
        message above it is posted already, and goes on without its picture."""
        try:
            await upload(client, channel, attachment)
            return
        except SlackApiError as error:
            if failure(error, group_post=delivery.user_id is None).kind is Failure.FATAL:
                raise  # the token is gone: nothing more can be posted
            reason = str(error.response.get("error") or error.response.status_code)
        except (SlackRequestError, aiohttp.ClientError, TimeoutError) as error:
            reason = type(error).__name__
        log.warning("picture not uploaded to %s (%s): its words instead", channel, reason)
        assert attachment.fallback is not None
        words = Message(delivery.message.kind, attachment.fallback)
        for page in blocks.pages(words):
            wait = self.pacer.reserve(delivery.workspace_id, channel)
            if wait > 0:
                await self._sleep(wait)
            await client.chat_postMessage(
                channel=channel,
                text=blocks.fallback(words),
                blocks=page,
                unfurl_links=False,
                unfurl_media=False,
            )

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()

"""What every listener area shares: the core, who members are, installations, and the
messenger (its DM channel ids serve the listener too)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.runtime.workers import CoreWorkers, InFlight
from bots.slack import blocks
from bots.slack.config import SlackConfig
from bots.slack.messenger import SlackMessenger
from bots.slack.oauth import Installations
from bots.slack.people import People
from core.services import SAYINGS, FollowThrough, Identity, Message, MessageKind, SendError

log = logging.getLogger(__name__)
T = TypeVar("T")
L = TypeVar("L", bound=Callable[..., Awaitable[Any]])
# Erasing a workspace that left is tried again after these waits (the database may be
# down for a moment): its event is acked already, and Slack will not send it again.
ERASE_WAITS = (1.0, 2.0, 4.0)


@dataclass
class Slack:
    services: FollowThrough
    config: SlackConfig
    installations: Installations
    core: CoreWorkers  # the core's calls, on threads of their own
    people: People = field(default_factory=People)
    erase_waits: tuple[float, ...] = ERASE_WAITS
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    messenger: SlackMessenger = field(init=False)  # deliveries, and the DMs found for them
    in_flight: InFlight = field(default_factory=InFlight, init=False)
    # Members whose Home tab redraw is queued (set on the loop, cleared by the core's
    # thread as the redraw starts: one set operation each, atomic under the GIL).
    _redraws: set[tuple[str, str]] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.messenger = SlackMessenger(self.services, self.config, self.installations.bot_token)

    def tracked(self, listener: L) -> L:
        """`listener`, each run of it in flight (Bolt runs listeners in tasks of their own
        after the ack, which a stop lets finish: `in_flight.drain`), and never raising:
        Bolt turns an error after the ack into a 404 to Slack, which shows the member a
        failure of its own. The error is logged; a member waiting on a response_url is told
        in our words."""

        @functools.wraps(listener)
        async def run(*args: Any, **kwargs: Any) -> Any:
            with self.in_flight.answering():
                try:
                    return await listener(*args, **kwargs)
                except Exception:
                    log.exception("slack listener %s failed", listener.__name__)
                    await self._failed(kwargs.get("ack"), kwargs.get("body") or {})
                    return None

        return cast(L, run)

    async def _failed(self, ack: Any, body: dict[str, Any]) -> None:
        """After a listener's failure: ack if it had not (Slack then stops waiting), and
        tell the member who is waiting that it failed, if they can be reached."""
        try:
            if ack is not None and getattr(ack, "response", None) is None:
                await ack()
            if body.get("response_url"):
                failed = Message(MessageKind.ERROR, SAYINGS["unsure"])
                await self.respond(str(body["response_url"]), failed)
        except Exception as error:  # the member's client shows its own error then
            log.warning("could not report a listener's failure: %r", error)

    async def handle(
        self, who: Identity, command: str, text: str, *, once: str | None = None
    ) -> Message:
        """The core's text entry, off the event loop (`once`: a press's key)."""
        return await self.core(
            functools.partial(self.services.handle, once=once), who, command, text
        )

    async def respond(
        self, response_url: str, answer: Message, pages: list[list[dict[str, Any]]] | None = None
    ) -> None:
        """The answer (or these `pages` of it) on the request's response_url, seen by its
        author only. Bolt's own `respond` opens a connection per call; this goes through
        the adapter's one session."""
        hook = AsyncWebhookClient(response_url, session=self.messenger.session(), logger=log)
        for page in blocks.pages(answer) if pages is None else pages:
            await hook.send(
                text=blocks.fallback(answer),
                blocks=page,
                response_type="ephemeral",
                replace_original=False,
            )

    async def dm_channel(self, client: AsyncWebClient, team: str, user: str) -> str | None:
        """The member's D... channel id, the way deliveries find it (the messenger's
        cache, and its hold on conversations.open after a 429); None if Slack will not
        open it now."""
        try:
            return await self.messenger.dm_channel(client, team, user)
        except (SendError, SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            reason = error.response.get("error") if isinstance(error, SlackApiError) else error
            log.warning("no DM channel for %s in %s: %s", user, team, reason)
            return None

    async def publish_home(self, client: AsyncWebClient, who: Identity) -> None:
        """Publish the member's App Home tab from the core's overview (they opened it:
        they are looking at it)."""
        await self._publish(client, who, await self.core(self.services.home, who))

    async def refresh_home(self, client: AsyncWebClient, who: Identity) -> None:
        """Redraw the member's App Home tab after a change, once the core has answered
        the commands queued before it (nobody waits on a redraw the way they wait on an
        answer). Changes that come while one is queued are all in it: one redraw."""
        key = (who.workspace_id, who.user_id)
        if key in self._redraws:
            return
        self._redraws.add(key)
        started = False

        def overview() -> Message:
            nonlocal started
            started = True
            self._redraws.discard(key)  # a change from now on needs a redraw of its own
            return self.services.home(who)

        try:
            found = await self.core.later(overview)
        finally:
            if not started:  # cancelled in the queue (a stop): the next change redraws
                self._redraws.discard(key)
        await self._publish(client, who, found)

    async def _publish(self, client: AsyncWebClient, who: Identity, overview: Message) -> None:
        view = {
            "type": "home",
            "blocks": blocks.view_blocks(blocks.message_blocks(overview)),
        }
        try:
            await client.views_publish(user_id=who.user_id, view=view)
        except Exception as error:  # the Home tab is a nicety: never fail a command on it
            log.warning("views.publish failed: %s", getattr(error, "response", error))

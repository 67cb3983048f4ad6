"""What every listener area shares: the core, who members are, installations, and the
messenger (its DM channel ids serve the listener too); how answers reach a member within
what Slack takes on a response_url, and how Home tabs are redrawn within views.publish's
rate."""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bots.runtime.workers import CoreWorkers, InFlight
from bots.slack import blocks
from bots.slack.config import SlackConfig
from bots.slack.messenger import SlackMessenger, failure
from bots.slack.oauth import Installations
from bots.slack.people import People, workspace
from core.services import SAYINGS, Conversation, Identity, Message, MessageKind, SendError

log = logging.getLogger(__name__)
T = TypeVar("T")
L = TypeVar("L", bound=Callable[..., Awaitable[Any]])
# Erasing a workspace that left is tried again after these waits (the database may be
# down for a moment): its event is acked already, and Slack will not send it again.
ERASE_WAITS = (1.0, 2.0, 4.0)
# Slack takes five posts on one response_url, within 30 minutes of the request (SLACK.md
# §4); a sixth is refused (404 `used_url`) and never shown.
RESPONSE_POSTS = 5
# The rest of a long answer waits this long for its "Show more", this many at most (the
# oldest goes first).
REST_KEPT = 30 * 60.0
REST_MAX = 1000
# A Home redraw that Slack answered 429 is tried again (after its Retry-After) so often.
HOME_TRIES = 3
Member = tuple[str, str]  # (workspace, user)


def member_of(body: dict[str, Any], context: AsyncBoltContext | None = None) -> Member | None:
    """Who sent a slash command or pressed a button: in the workspace that authorised the
    request (`context`), else as the payload says (only to reach them, never to file)."""
    team = (
        workspace(context)
        if context is not None
        else body.get("team_id") or (body.get("team") or {}).get("id")
    )
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    return (str(team), str(user)) if team and user else None


@dataclass
class Rest:
    """What is left of a long answer after the pages its response_url took."""

    member: Member
    text: str  # the answer's fallback text, on every page
    shown: list[blocks.Block]  # the page the "Show more" button is under, without it
    pages: list[list[blocks.Block]]  # still to show
    until: float  # time.monotonic()
    taken: bool = False


class Gate:
    """Slots for a rate-limited method, per workspace: at most `limit` in any `window`
    seconds, and none before a 429's Retry-After (`hold`)."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._slots: dict[str, deque[float]] = {}
        self._held: dict[str, float] = {}

    def reserve(self, workspace: str) -> float:
        """Seconds to wait before the next call for `workspace` (its slot is taken)."""
        now, at = self._next(workspace)
        self._slots[workspace].append(at)
        return at - now

    def free_in(self, workspace: str) -> float:
        """Seconds until `workspace` has a slot (none is taken)."""
        now, at = self._next(workspace)
        return at - now

    def _next(self, workspace: str) -> tuple[float, float]:
        now = self._clock()
        slots = self._slots.setdefault(workspace, deque())
        while slots and slots[0] <= now - self.window:
            slots.popleft()
        at = max(now, self._held.get(workspace, 0.0), slots[-1] if slots else now)
        if len(slots) >= self.limit:
            at = max(at, slots[-self.limit] + self.window)
        return now, at

    def hold(self, workspace: str, seconds: float) -> None:
        """Slack said wait: no call for `workspace` before `seconds` from now."""
        until = self._clock() + seconds
        self._held[workspace] = max(self._held.get(workspace, 0.0), until)


@dataclass
class Slack:
    services: Conversation
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
    homes: Gate = field(init=False)  # views.publish slots, per workspace
    _rests: OrderedDict[str, Rest] = field(default_factory=OrderedDict, init=False)

    def __post_init__(self) -> None:
        self.messenger = SlackMessenger(self.services, self.config, self.installations.bot_token)
        self.homes = Gate(self.config.home_limit, self.config.home_window)

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
                    await self._failed(
                        kwargs.get("ack"), kwargs.get("body") or {}, kwargs.get("context")
                    )
                    return None

        return cast(L, run)

    async def _failed(
        self, ack: Any, body: dict[str, Any], context: AsyncBoltContext | None
    ) -> None:
        """After a listener's failure: ack if it had not (Slack then stops waiting), and
        tell the member who is waiting that it failed, if they can be reached."""
        try:
            if ack is not None and getattr(ack, "response", None) is None:
                await ack()
            if body.get("response_url"):
                failed = Message(MessageKind.ERROR, SAYINGS["unsure"])
                await self.respond(
                    str(body["response_url"]), failed, member=member_of(body, context)
                )
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
        self,
        response_url: str,
        answer: Message,
        pages: list[list[blocks.Block]] | None = None,
        *,
        member: Member | None = None,
        instead: bool = False,
    ) -> bool:
        """The answer (or these `pages` of it) on the request's response_url, seen by its
        author only; False if Slack refused a page there. `instead`: its first page takes
        the place of the message the request came from (an ephemeral one: chat.update
        can't change those).

        A response_url takes five posts (SLACK.md §4). An answer of more pages than that
        is shown as four, then a fifth that ends in a "Show more" button; the rest is
        kept here (`REST_KEPT`, by an opaque token in the button's value) for the press,
        which comes with a response_url of its own: that one takes the page the button
        was under, without it (`replace_original`, so the button is gone once used), and
        the next pages, the same way. Nothing is lost however long the answer, no page
        is sent that Slack would refuse, and the answer stays where it was asked (no DM
        unasked, no Home tab to look for). A rest lives in this process: pressed after a
        restart, or on another process, the member is told to ask again.

        A post Slack refuses (used up, expired, a network error) is logged, and the
        member is sent that page and the ones after it by DM, if they can be reached
        there (`member`): a long answer still reaches them whole.

        Bolt's own `respond` opens a connection per call; this goes through the adapter's
        one session."""
        sequence = blocks.pages(answer) if pages is None else pages
        text = blocks.fallback(answer)
        if instead and sequence:
            return await self._post_pages(
                response_url, text, sequence[1:], member, replace=sequence[0]
            )
        return await self._post_pages(response_url, text, sequence, member)

    async def show_more(self, token: str, member: Member | None, response_url: str) -> None:
        """A press of "Show more": the rest of that answer, on the press's response_url."""
        rest = self._rests.get(token)
        if rest is None or rest.until < time.monotonic() or rest.member != member:
            gone = Message(MessageKind.ERROR, SAYINGS["more_gone"])
            await self.respond(response_url, gone, member=member)
            return
        if rest.taken:  # a double click: the first press shows it
            log.info("show more pressed again: %s", token[:6])
            return
        rest.taken = True
        await self._post_pages(response_url, rest.text, rest.pages, member, replace=rest.shown)

    async def _post_pages(
        self,
        response_url: str,
        text: str,
        pages: list[list[blocks.Block]],
        member: Member | None,
        *,
        replace: list[blocks.Block] | None = None,
    ) -> bool:
        room = RESPONSE_POSTS - (replace is not None)
        token = None
        shown = pages[:room]
        if len(pages) > room:
            if member is None:  # nobody to keep it for (no payload lacks them, though)
                log.warning("slack answer cut to %d of %d pages", room, len(pages))
            else:
                token, last = self._keep_rest(member, text, pages[room - 1 :])
                shown = [*pages[: room - 1], *last]
        posts = [(page, False) for page in shown]
        if replace is not None:
            posts.insert(0, (replace, True))
        hook = AsyncWebhookClient(response_url, session=self.messenger.session(), logger=log)
        sent = 0  # pages of the answer shown
        for number, (page, replacing) in enumerate(posts, start=1):
            try:
                response = await hook.send(
                    text=text, blocks=page, response_type="ephemeral", replace_original=replacing
                )
                refused = None if response.status_code == 200 else response.body
                status = response.status_code
            except (aiohttp.ClientError, TimeoutError) as error:
                refused, status = type(error).__name__, 0
            if refused is None:
                sent += not replacing
                continue
            log.warning(
                "slack refused post %d of %d to a response_url: %s %s",
                number,
                len(posts),
                status,
                refused,
            )
            if replacing:
                continue  # the page above a used button stays, with it: the rest follows
            if token is not None:
                self._rests.pop(token, None)
            if member is not None:  # the pages not shown, by DM (no button needed there)
                await self._by_dm(member, text, pages[sent:])
            return False
        return True

    def _keep_rest(
        self, member: Member, text: str, pages: list[list[blocks.Block]]
    ) -> tuple[str | None, list[list[blocks.Block]]]:
        """(token, [page]): what of `pages` one more post shows, ending (if anything is
        left) in a "Show more" button whose press shows the rest, kept under that token."""
        flat = list(itertools.chain.from_iterable(pages))
        if len(flat) <= blocks.MAX_BLOCKS:
            return None, [flat]
        shown, rest = flat[: blocks.MAX_BLOCKS - 1], flat[blocks.MAX_BLOCKS - 1 :]
        now = time.monotonic()
        while self._rests and (
            len(self._rests) >= REST_MAX or next(iter(self._rests.values())).until < now
        ):
            self._rests.popitem(last=False)
        token = secrets.token_urlsafe(16)
        self._rests[token] = Rest(member, text, shown, blocks.paginate(rest), now + REST_KEPT)
        return token, [[*shown, blocks.more_button(token, SAYINGS["more"])]]

    async def _by_dm(self, member: Member, text: str, pages: list[list[blocks.Block]]) -> None:
        """`pages` of an answer the response_url refused, to the member's DM, with a line
        that says why it is there."""
        team, user = member
        try:
            client = await self.messenger.client(team)
            channel = await self.dm_channel(client, team, user)
            if channel is None:
                return  # logged there
            note = Message(MessageKind.REPLY, SAYINGS["by_dm"])
            for blocks_, fallback in [
                *((page, blocks.fallback(note)) for page in blocks.pages(note)),
                *((page, text) for page in pages),
            ]:
                wait = self.messenger.pacer.reserve(team, channel)
                if wait > 0:
                    await asyncio.sleep(wait)
                await client.chat_postMessage(
                    channel=channel, text=fallback, blocks=blocks_, unfurl_links=False
                )
        except (SendError, SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            reason = error.response.get("error") if isinstance(error, SlackApiError) else error
            log.warning("an answer slack refused on its response_url: no DM either: %s", reason)

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
        they are looking at it), in the workspace's next views.publish slot."""
        found = await self.core(self.services.home, who)
        await self._home_slot(who.workspace_id)
        await self._publish(client, who, found)

    async def refresh_home(
        self, client: AsyncWebClient, who: Identity, *, tries: int = HOME_TRIES
    ) -> None:
        """Redraw the member's App Home tab after a change, once the core has answered
        the commands queued before it and the workspace has a views.publish slot (nobody
        waits on a redraw the way they wait on an answer). Changes that come while one
        is queued are all in it: one redraw, drawn from what is true when it starts.

        views.publish is Tier 4: about 100 a minute per workspace (SLACK.md, rate
        limits). A burst across many members is paced to `home_limit` in any
        `home_window` (`Gate`), and a 429 holds the whole workspace for its Retry-After,
        after which the refused redraw is tried again."""
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
            # Until the workspace has a slot, changes fold into this redraw; its slot is
            # taken once it is drawn (the core may take a while), just before it is sent.
            await asyncio.sleep(self.homes.free_in(who.workspace_id))
            found = await self.core.later(overview)
        finally:
            if not started:  # cancelled in the queue (a stop): the next change redraws
                self._redraws.discard(key)
        await self._home_slot(who.workspace_id)
        if not await self._publish(client, who, found) and tries > 1:
            await self.refresh_home(client, who, tries=tries - 1)

    async def _home_slot(self, workspace: str) -> None:
        wait = self.homes.reserve(workspace)
        if wait > 0:
            await asyncio.sleep(wait)

    async def _publish(self, client: AsyncWebClient, who: Identity, overview: Message) -> bool:
        """Publish `overview` as the member's Home tab; False if Slack said to wait (the
        workspace is held for its Retry-After). Any other refusal is logged: the Home tab
        is a nicety, and never fails a command."""
        view = {
            "type": "home",
            "blocks": blocks.view_blocks(blocks.message_blocks(overview)),
        }
        try:
            await client.views_publish(user_id=who.user_id, view=view)
        except SlackApiError as error:
            if error.response.status_code == 429:
                wait = failure(error, group_post=False).retry_after or 1.0
                self.homes.hold(who.workspace_id, wait)
                log.warning("views.publish rate limited in %s: held %.0fs", who.workspace_id, wait)
                return False
            log.warning(
                "views.publish refused in %s: %s", who.workspace_id, error.response.get("error")
            )
        except Exception as error:  # unreachable, or our own bug: logged, never raised
            log.warning("views.publish failed in %s: %r", who.workspace_id, error)
        return True

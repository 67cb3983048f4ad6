"""The Messenger port over discord.py's HTTP client: DMs and group-channel posts.

No gateway is needed: a REST login is enough. Each member's DM channel is opened once
and stored; every message carries a nonce derived from its outbox key (with
enforce_nonce, so a resend after a crash returns the first message instead of a second
one); every request we make passes one global token bucket under Discord's 50/s; and
errors map to the runtime's failure classes by Discord's JSON code.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from bots.discord import render, views
from core.services import Delivery, Failure, SendError

log = logging.getLogger(__name__)

MAX_NONCE = 25
DMS_CLOSED = frozenset({50007, 50278})  # cannot send to this user; no mutual guild
UNREACHABLE_CODES = DMS_CLOSED | {10013}  # ... and unknown user
CHANNEL_CODES = frozenset({10003, 50001, 50013})  # unknown channel, missing access/permissions
# A message refused for its files alone: no Attach Files permission, files too large.
FILES_REFUSED = frozenset({50013, 40005})
INVALID_WINDOW = 600.0  # Discord bans an IP after 10,000 invalid requests in 10 minutes
INVALID_WARN = 1000
_EXEMPT = re.compile(r"/(interactions|webhooks)/")  # not bound to the global limit
_IDS = re.compile(r"/\d+")  # a route's ids, for its path template


def nonce(key: str, part: int = 0) -> str:
    """A nonce for an outbox key's `part`-th Discord message: stable, at most 25 chars."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:21]
    value = f"ft{digest}{part % 100}"
    assert len(value) <= MAX_NONCE
    return value


class InvalidRequests:
    """Counts 401, 403 and 429 answers (shared-scope 429s excepted) over ten minutes."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._stamps: deque[float] = deque()
        self.total = 0

    def add(self, status: int, scope: str | None) -> None:
        if status not in (401, 403, 429) or (status == 429 and scope == "shared"):
            return
        now = self._clock()
        self._stamps.append(now)
        self.total += 1
        recent = self.recent()
        if recent in (INVALID_WARN, INVALID_WARN * 5):
            log.error(
                "%d invalid Discord requests (401/403/429) in 10 minutes; Discord bans the"
                " IP at 10,000",
                recent,
            )

    def recent(self) -> int:
        floor = self._clock() - INVALID_WINDOW
        while self._stamps and self._stamps[0] < floor:
            self._stamps.popleft()
        return len(self._stamps)


def http_trace(window: Window, invalid: InvalidRequests) -> aiohttp.TraceConfig:
    """Hooks on every request discord.py puts on the wire, its own retries included.

    The global window is taken here, after discord.py's per-route bucket handling and
    right before the request leaves: pacing earlier would let requests that a bucket
    held back leave in a burst. Each request's answer tells the window how late Discord
    can have counted it. Interaction callbacks and follow-ups are exempt from Discord's
    global limit, so they never wait.
    """
    config = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        path = params.url.path
        if not _EXEMPT.search(path):
            context.slot = await window.acquire(f"{params.method} {_IDS.sub('/{id}', path)}")

    async def on_end(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestEndParams
    ) -> None:
        slot = getattr(context, "slot", None)
        if slot is not None:
            window.answered(slot)
        invalid.add(params.response.status, params.response.headers.get("X-RateLimit-Scope"))

    async def on_exception(
        session: aiohttp.ClientSession,
        context: Any,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        slot = getattr(context, "slot", None)
        if slot is not None:
            window.failed(slot)

    config.on_request_start.append(on_start)
    config.on_request_end.append(on_end)
    config.on_request_exception.append(on_exception)
    return config


@dataclass(slots=True)
class Slot:
    """One request in the window: when it was let go, and the latest time Discord can
    have counted it (infinity while it is in flight)."""

    route: str
    granted: float
    seen: float = math.inf


class Window:
    """At most `limit` requests in any `period` seconds, as Discord counts its global
    limit, spaced evenly: a burst of 50 at once would reach Discord spread over the time
    it takes to send them and overlap the next second's.

    Discord counts a request when it arrives, not when we send it: a pause on the way or
    at their end (a network hiccup, a stalled server) holds requests we spaced evenly and
    lets them arrive together, and a second later the window we kept is fuller at their
    end than at ours. So a request stays in the window until the latest time Discord can
    have counted it: its answer's arrival less the fastest round trip seen on its route
    (the rest of its trip was a delay on the way in or out), and for as long as it is in
    flight. `margin` absorbs what the round trip can't tell apart."""

    def __init__(self, limit: int = 50, period: float = 1.0, margin: float = 0.02) -> None:
        self.limit, self.span = limit, period + margin
        self.spacing = period / limit
        self._next = 0.0  # the earliest time of the next grant
        self._slots: list[Slot] = []
        self._fastest: dict[str, float] = {}  # route -> the shortest round trip seen
        self._lock = asyncio.Lock()

    async def acquire(self, route: str = "") -> Slot:
        async with self._lock:  # first come, first served
            while True:
                now = time.monotonic()
                self._slots = [s for s in self._slots if s.seen > now - self.span]
                wait = self._next - now
                over = len(self._slots) - self.limit
                if over >= 0:
                    leaves = sorted(s.seen for s in self._slots)[over]
                    # All in flight: wait for answers rather than for a time.
                    free = leaves + self.span - now if leaves < math.inf else self.spacing
                    wait = max(wait, free)
                if wait <= 0:
                    slot = Slot(route, now)
                    self._slots.append(slot)
                    # The next slot follows this one's schedule, not its (late) wake-up,
                    # so sleep overshoot doesn't eat the rate; the window stays the cap.
                    self._next = max(self._next, now - self.spacing) + self.spacing
                    return slot
                await asyncio.sleep(wait)

    def answered(self, slot: Slot) -> None:
        """The answer to `slot`'s request is in: Discord counted it one fastest round
        trip before at the latest."""
        now = time.monotonic()
        trip = now - slot.granted
        fastest = self._fastest[slot.route] = min(self._fastest.get(slot.route, trip), trip)
        slot.seen = now - fastest

    def failed(self, slot: Slot) -> None:
        """No answer (a broken connection, a timeout): Discord may have counted it until now."""
        slot.seen = time.monotonic()


def classify(error: BaseException, *, group_channel: bool) -> SendError:
    """The runtime's failure class for what discord.py raised, decided by code."""
    if isinstance(error, discord.RateLimited):
        return SendError("rate limited", Failure.RATE_LIMITED, retry_after=error.retry_after)
    if isinstance(error, discord.HTTPException):
        code, status = error.code, error.status
        reason = f"HTTP {status} code {code}"
        if code in UNREACHABLE_CODES:
            # Closed DMs are a server privacy setting the member can change: the group
            # channel gets a short notice that mentions them (once per episode).
            closed = code in DMS_CLOSED and not group_channel
            return SendError(reason, Failure.UNREACHABLE, tell_in_channel=closed)
        if code in CHANNEL_CODES:
            if group_channel:
                return SendError(reason, Failure.CHANNEL_GONE)
            return SendError(reason, Failure.UNREACHABLE)  # the member blocked us
        if status == 401:
            return SendError(reason, Failure.FATAL)
        if status == 429:  # not retried by discord.py: a Cloudflare ban or a long wait
            retry = error.response.headers.get("Retry-After") if error.response else None
            return SendError(reason, Failure.RATE_LIMITED, retry_after=_seconds(retry))
        if status >= 500:
            return SendError(reason, Failure.TRANSIENT)
        return SendError(reason, Failure.PAYLOAD)  # 50035 and the other 4xx: our bug
    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
        return SendError(f"{type(error).__name__}: {error}", Failure.TRANSIENT)
    return SendError(f"{type(error).__name__}: {error}", Failure.TRANSIENT)


def _seconds(value: str | None) -> float:
    try:
        return max(float(value or 60), 1.0)
    except ValueError:
        return 60.0


class DiscordMessenger:
    """Sends deliveries through a logged-in discord.Client's HTTP client."""

    def __init__(self, client: discord.Client, remember_dm_channel: Any) -> None:
        # The client's http_trace paces every request under the global limit.
        self.client = client
        self._remember = remember_dm_channel  # Conversation.remember_dm_channel
        self.dm_opens = 0

    def route(self, delivery: Delivery) -> str:
        if delivery.user_id is not None:
            return f"dm:{delivery.user_id}"
        return f"channel:{delivery.channel}"

    async def send(self, delivery: Delivery) -> str | None:
        group_channel = delivery.user_id is None
        try:
            return await self._send(delivery, group_channel)
        except SendError:
            raise
        except Exception as error:
            failure = classify(error, group_channel=group_channel)
            if failure.kind is Failure.PAYLOAD:
                log.error("Discord refused a message: key=%s %s", delivery.key, failure)
            raise failure from error

    async def _send(self, delivery: Delivery, group_channel: bool) -> str | None:
        if group_channel:
            if not delivery.channel:
                raise SendError("the group has no channel", Failure.CHANNEL_GONE)
            channel = self.client.get_partial_messageable(
                int(delivery.channel),
                guild_id=int(delivery.workspace_id),
                type=discord.ChannelType.text,
            )
            return await self._post(channel, delivery)
        dm = delivery.dm_channel
        if dm is None:
            dm = await self._open(delivery)
        try:
            return await self._post(self._dm(dm), delivery)
        except discord.NotFound as error:
            if error.code != 10003 or delivery.dm_channel is None:
                raise
            # The stored DM channel is gone: open it again, once.
            return await self._post(self._dm(await self._open(delivery)), delivery)

    def _dm(self, channel_id: str) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(
            int(channel_id), type=discord.ChannelType.private
        )

    async def _open(self, delivery: Delivery) -> str:
        assert delivery.user_id is not None
        channel = await self.client.http.start_private_message(int(delivery.user_id))
        self.dm_opens += 1
        channel_id = str(channel["id"])
        if delivery.member_id is not None:
            await asyncio.to_thread(self._remember, delivery.member_id, channel_id)
        return channel_id

    async def _post(self, channel: discord.PartialMessageable, delivery: Delivery) -> str:
        message = render.within(delivery.message, render.DEFAULT_FILE_LIMIT)
        pieces = render.parts(message)
        first: str | None = None
        words: list[render.Part] = []
        for index, part in enumerate(pieces):
            kwargs: dict[str, Any] = {
                "embeds": part.embeds,
                "nonce": nonce(delivery.key, index),
                "allowed_mentions": render.allowed_mentions(message),
            }
            # A DM's buttons point at its outbox row: a press runs what is stored there.
            view = views.view(part, delivery.id) if delivery.user_id else None
            if view is not None:
                kwargs["view"] = view
            if index == 0 and message.attachments:
                kwargs["files"] = render.files(message)
            try:
                sent = await channel.send(part.content, **kwargs)
            except discord.HTTPException as error:
                if "files" not in kwargs or error.code not in FILES_REFUSED:
                    raise
                if not render.pictures_only(message):
                    raise
                # Pictures a channel won't take (no Attach Files there): the message
                # goes without them, their words after it. Refused, the first send
                # made nothing, so its nonce is still free.
                log.warning(
                    "pictures refused in %s (code %s): their words instead", channel.id, error.code
                )
                del kwargs["files"]
                sent = await channel.send(part.content, **kwargs)
                words = render.parts(render.words_instead(message))
            first = first or str(sent.id)
        for index, part in enumerate(words, start=len(pieces)):
            await channel.send(
                part.content,
                embeds=part.embeds,
                nonce=nonce(delivery.key, index),
                allowed_mentions=render.allowed_mentions(message),
            )
        assert first is not None
        return first

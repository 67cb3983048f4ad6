"""Sending the outbox: claim, send through the platform's messenger, record; never block
the event loop with database work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bots.runtime.ratelimit import RateLimiter
from core.services import Outbox
from core.services.ports import Delivery, Failure, Messenger, SendError

log = logging.getLogger(__name__)

# A 429 asking us to wait longer than this goes back to the outbox instead of holding a
# claim (whose lease might run out meanwhile and let another process send it too).
MAX_WAIT_IN_PROCESS = 30.0
MAX_REQUEUES = 5


@dataclass
class Platform:
    messenger: Messenger
    limiter: RateLimiter


@dataclass
class _Item:
    delivery: Delivery
    requeues: int = 0


@dataclass
class Deliverer:
    """Delivers claimed outbox rows with a few concurrent senders per process."""

    outbox: Outbox
    platforms: Mapping[str, Platform]
    worker: str
    senders: int = 4
    batch: int = 200
    lease_seconds: int = 300
    # A claimed row this close to the end of its lease is left for whoever claims it
    # next, rather than risk both of us sending it (at most a tenth of the lease).
    lease_margin_seconds: float = 30
    sent: int = 0
    _stopping: bool = field(default=False, init=False)
    # Groups whose token the platform refused in this drain: the rest of their batch
    # goes back to the outbox unsent instead of hitting the platform again.
    _stopped_groups: set[int] = field(default_factory=set, init=False)
    # Sends waiting to be recorded, and the lock of the one transaction recording them
    # (made by each drain: a lock belongs to the event loop that first waits on it).
    _unrecorded: list[tuple[Delivery, str | None]] = field(default_factory=list, init=False)
    _recording: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def drain(self) -> int:
        """Send everything that is due now; returns how many were sent."""
        before = self.sent
        self._stopped_groups.clear()  # the database now knows which groups are suspended
        self._recording = asyncio.Lock()
        while not self._stopping:
            claimed = await asyncio.to_thread(
                self.outbox.claim,
                self.worker,
                self.batch,
                self.lease_seconds,
                frozenset(self.platforms),
            )
            if not claimed:
                break
            queue: asyncio.Queue[_Item] = asyncio.Queue()
            for delivery in claimed:
                queue.put_nowait(_Item(delivery))
            await asyncio.gather(*(self._sender(queue) for _ in range(self.senders)))
        return self.sent - before

    def stop(self) -> None:
        """Finish the sends in flight and send nothing new (the Runner then releases the
        rest of this worker's claims)."""
        self._stopping = True

    async def _sender(self, queue: asyncio.Queue[_Item]) -> None:
        while not self._stopping:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await self._send(item, queue)

    async def _send(self, item: _Item, queue: asyncio.Queue[_Item]) -> None:
        delivery = item.delivery
        if delivery.group_id in self._stopped_groups:
            await asyncio.to_thread(self.outbox.release, delivery)
            return
        platform = self.platforms[delivery.platform]  # claims are for our platforms only
        route = "?"
        try:
            route = platform.messenger.route(delivery)
            await platform.limiter.acquire(route)
            if self._lease_running_out(delivery):
                log.info("claim ran out before sending, left for the next: key=%s", delivery.key)
                return
            platform_id = await platform.messenger.send(delivery)
        except SendError as error:
            if error.kind is Failure.RATE_LIMITED:
                wait = error.retry_after if error.retry_after is not None else 1.0
                platform.limiter.block(route, wait)
                if wait <= MAX_WAIT_IN_PROCESS and item.requeues < MAX_REQUEUES:
                    log.info("rate limited: route=%s retry_after=%.2fs", route, wait)
                    queue.put_nowait(_Item(delivery, item.requeues + 1))
                    return
            await self._failed(delivery, error)
            return
        except Exception as error:  # a bug or an unexpected library error: retry later
            log.exception("unexpected send error: key=%s", delivery.key)
            await self._failed(delivery, SendError(f"{type(error).__name__}: {error}"))
            return
        await self._record_sent(delivery, platform_id)
        self.sent += 1

    async def _record_sent(self, delivery: Delivery, platform_id: str | None) -> None:
        """Record a send before the sender goes on. The sends that finish while a record
        is being written are written together next, in one transaction: a transaction
        (and on SQLite an fsync) per message was most of what delivery cost."""
        self._unrecorded.append((delivery, platform_id))
        async with self._recording:
            if not self._unrecorded:
                return  # recorded with others while this sender waited
            batch, self._unrecorded = self._unrecorded, []
            await asyncio.to_thread(self.outbox.sent_many, batch)

    def _lease_running_out(self, delivery: Delivery) -> bool:
        margin = timedelta(seconds=min(self.lease_margin_seconds, self.lease_seconds / 10))
        return self.outbox.clock.now() >= delivery.lease_until - margin

    async def _failed(self, delivery: Delivery, error: SendError) -> None:
        if error.kind is Failure.FATAL:
            self._stopped_groups.add(delivery.group_id)
        await asyncio.to_thread(self.outbox.failed, delivery, error)

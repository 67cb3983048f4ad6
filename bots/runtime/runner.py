"""`followthrough run`: APScheduler ticks every minute; planning and delivery do the rest.

APScheduler is used as a clock only. What is due, claimed, sent or failed lives in our
own tables, so a restart loses nothing and several processes can share PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import uuid
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bots.runtime.delivery import Deliverer
from core.services import Planner

log = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Runner:
    """One process's loop: a tick plans what has come due and delivers the outbox."""

    def __init__(self, deliverer: Deliverer, planner: Planner, *, tick_seconds: float = 60) -> None:
        self.deliverer, self.planner = deliverer, planner
        self.worker = deliverer.worker
        self.tick_seconds = tick_seconds
        self.stopping = asyncio.Event()
        self._busy = asyncio.Lock()  # held by a tick in progress

    async def tick(self) -> None:
        """Plan, then deliver; database work runs in a worker thread, off the loop."""
        if self.stopping.is_set():
            return
        planned = sent = 0
        async with self._busy:
            try:
                planned = await asyncio.to_thread(self.planner.plan)
            except Exception:
                # Planning failed (the database, or a bug): what is already due still goes.
                log.exception("planning failed; the next tick retries")
            try:
                sent = await self.deliverer.drain()
            except Exception:
                log.exception("delivery failed; the next tick retries")
        if planned or sent:
            log.info("tick: planned=%d sent=%d", planned, sent)

    def stop(self) -> None:
        """Graceful shutdown: finish in-flight sends, release claims, then return."""
        log.info("stopping worker %s", self.worker)
        self.deliverer.stop()
        self.stopping.set()

    async def run(self) -> None:
        """Tick until SIGTERM or SIGINT (or `stop()`)."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop)
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.tick_seconds, timezone=UTC),
            next_run_time=datetime.now(UTC),
            max_instances=1,  # a slow tick is not run twice at once
            coalesce=True,
            misfire_grace_time=None,  # a late tick still runs; nothing is skipped silently
        )
        scheduler.start()
        log.info("worker %s running; tick every %ss", self.worker, self.tick_seconds)
        try:
            await self.stopping.wait()
        finally:
            # No new ticks; a tick in flight finishes its current sends before the
            # scheduler goes (its shutdown would cancel a running tick mid-send).
            scheduler.pause()
            async with self._busy:
                pass
            scheduler.shutdown(wait=False)
            await asyncio.to_thread(self.deliverer.outbox.release, worker=self.worker)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            log.info("worker %s stopped", self.worker)

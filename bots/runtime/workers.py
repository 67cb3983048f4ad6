"""Calls into the synchronous core from an event loop, on worker threads of their own.

The core does database work and blocks, so adapters never call it on the loop. Its
threads take the calls straight from their queue, one after another, without going back
through the loop between two calls: under load the database is never left idle while
the loop is busy with requests. SQLite takes one writer at a time (a second one would
wait in its busy handler, in sleeps of up to 100 ms): one thread. PostgreSQL takes a
few at once, as many as the engine's pool holds without overflowing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
POSTGRESQL_THREADS = 5  # SQLAlchemy's default pool_size
STOP_SECONDS = 10.0  # how long a stop waits for the requests being answered


def threads_for(database_url: str) -> int:
    """How many core calls the database takes at once."""
    return 1 if database_url.startswith("sqlite") else POSTGRESQL_THREADS


class CoreWorkers:
    def __init__(self, threads: int = 1) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="core")

    async def __call__(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on a core thread, awaited."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(work, *args))

    def close(self) -> None:
        """Take no more calls; those queued and under way finish (none is dropped: a
        command that was acked is still applied)."""
        self._pool.shutdown(wait=True)


class InFlight:
    """The tasks answering requests a platform already holds as received (a Slack ack, a
    Discord deferral), so that a stop lets them finish before it closes what they use
    (the core's threads, the HTTP session)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Around the answer to one request, in the task that gives it."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def drain(self, timeout: float = STOP_SECONDS) -> None:
        """Wait (at most `timeout` seconds) for the answers under way, but the caller's."""
        others = self._tasks - {asyncio.current_task()}
        if others:
            await asyncio.wait(others, timeout=timeout)


# A long-running process: what it allocated to start (modules, tables, the command tree,
# the libraries' caches) stays alive for good. Frozen, the collector no longer walks it
# on every full pass (pauses that showed as the tail of command latency), and a larger
# first generation runs the collector less often for the short-lived objects of each
# request. (The Slack latency benchmark's adapter alone: p99 146 -> 92 ms.)
GC_FIRST_GENERATION = 10_000


def settle_garbage_collector() -> None:
    """Once the process has started: freeze what it holds, collect less often."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, second, third)

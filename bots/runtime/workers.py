"""Calls into the synchronous core from an event loop, on worker threads of their own.

The core does database work and blocks, so adapters never call it on the loop. Its
threads take the calls straight from their queue, one after another, without going back
through the loop between two calls: under load the database is never left idle while
the loop is busy with requests. SQLite takes one writer at a time (a second one would
wait in its busy handler, in sleeps of up to 100 ms): one thread. PostgreSQL takes a
few at once, as many as the engine's pool holds without overflowing.

A call that nobody is waiting on (`later`: the App Home tab redrawn after a change)
gives way to the answers members wait for: it runs once no other call is queued, so
under a load that never lets up it waits as long as the load lasts.

The threads are the process's to stop: `close()` runs what is queued, then ends them
(`Services.close`, and each server's stop, do it). Left running at exit, they are
daemons: they never hold the process up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeAlias, TypeVar

T = TypeVar("T")
POSTGRESQL_THREADS = 5  # SQLAlchemy's default pool_size
STOP_SECONDS = 10.0  # how long a stop waits for the requests being answered

# A queued call, first by its lane, then in the order it came; the stop lane comes
# last, so that a close runs every call queued before it.
_NOW, _LATER, _STOP = 0, 1, 2
_Call: TypeAlias = tuple["concurrent.futures.Future[Any]", Callable[..., Any], tuple[Any, ...]]


def threads_for(database_url: str) -> int:
    """How many core calls the database takes at once."""
    return 1 if database_url.startswith("sqlite") else POSTGRESQL_THREADS


class CoreWorkers:
    def __init__(self, threads: int = 1) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, _Call | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._closed = False
        self._lock = threading.Lock()  # a call is queued before a close, or refused
        self._threads = [
            threading.Thread(target=self._work, name=f"core_{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    async def __call__(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on a core thread, awaited."""
        return await self._submit(_NOW, work, args)

    async def later(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on a core thread once no `__call__` waits, even one queued
        after it."""
        return await self._submit(_LATER, work, args)

    def _submit(
        self, lane: int, work: Callable[..., T], args: tuple[Any, ...]
    ) -> asyncio.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the core's threads are closed")
            self._queue.put((lane, next(self._order), (future, work, args)))
        return asyncio.wrap_future(future)  # cancelling it cancels the call if not started

    def _work(self) -> None:
        while True:
            _, _, call = self._queue.get()
            if call is None:
                return
            future, work, args = call
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = work(*args)
            except BaseException as error:  # the awaiting task gets it
                future.set_exception(error)
            else:
                future.set_result(result)

    def close(self) -> None:
        """Take no more calls; those queued and under way finish (none is dropped: a
        command that was acked is still applied)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                for _ in self._threads:
                    self._queue.put((_STOP, next(self._order), None))
        for thread in self._threads:  # a second close waits for the same end
            thread.join()


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

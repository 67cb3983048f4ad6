"""Calls into the synchronous core from an event loop, on worker threads of their own.

The core does database work and blocks, so adapters never call it on the loop. Its
threads take the calls straight from their queue, one after another, without going back
through the loop between two calls: under load the database is never left idle while
the loop is busy with requests. SQLite takes one writer at a time (a second one would
wait in its busy handler, in sleeps of up to 100 ms): one thread. PostgreSQL takes a
few at once, as many as the engine's pool holds without overflowing.

Calls that arrive together are committed together (given `together`, what the one
SQLite thread does): the thread takes every call queued, runs each in a savepoint of
one transaction, commits once, and only then answers those that came after its first
write. A commit's fsync is most of a write's cost; under load it is paid once for the
batch instead of once per command, and every answer still comes after the commit that
made it durable. Each call keeps its own outcome: a refusal rolls back to its savepoint
alone, and if the batch cannot commit, each call held for it runs again on its own.

A call that nobody is waiting on (`later`: the App Home tab redrawn after a change)
gives way to the answers members wait for: it runs once no other call is queued, so
under a load that never lets up it waits as long as the load lasts.

The threads are the process's to stop: `close()` runs what is queued, then ends them
(`Services.close`, and each server's stop, do it). Left running at exit, they are
daemons: they never hold the process up.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeAlias, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
POSTGRESQL_THREADS = 5  # SQLAlchemy's default pool_size
STOP_SECONDS = 10.0  # how long a stop waits for the requests being answered
# The most calls committed together: under a burst, the first of them waits for the
# others' work before its answer.
BATCH = 32

_Call: TypeAlias = tuple["concurrent.futures.Future[Any]", Callable[..., Any], tuple[Any, ...]]
_Outcome: TypeAlias = tuple[bool, Any]


class Batch(Protocol):
    """One transaction the core's units of work on this thread share while it lasts."""

    def changed(self) -> bool:
        """Whether anything was written in it so far (kept or rolled back)."""
        ...

    def commit(self) -> None: ...


# Opens a Batch (`Database.together`).
Together: TypeAlias = Callable[[], AbstractContextManager[Batch]]


def threads_for(database_url: str) -> int:
    """How many core calls the database takes at once."""
    return 1 if database_url.startswith("sqlite") else POSTGRESQL_THREADS


class Transactions(Protocol):
    def together(self) -> AbstractContextManager[Batch]: ...


def batches_for(database_url: str, database: Transactions) -> Together | None:
    """How the core's thread commits the calls queued together: SQLite, in one
    transaction (its one writer pays one fsync for them all)."""
    return database.together if database_url.startswith("sqlite") else None


class CoreWorkers:
    def __init__(self, threads: int = 1, together: Together | None = None) -> None:
        """`together`: commit the calls queued together in one transaction (see the
        module's docstring); None, each call on its own."""
        self._together = together
        self._ready = threading.Condition()  # guards the lanes and `_closed`
        self._now: collections.deque[_Call] = collections.deque()
        self._later: collections.deque[_Call] = collections.deque()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"core_{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    async def __call__(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on a core thread, awaited."""
        return await self._submit(self._now, work, args)

    async def later(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on a core thread once no `__call__` waits, even one queued
        after it."""
        return await self._submit(self._later, work, args)

    def _submit(
        self, lane: collections.deque[_Call], work: Callable[..., T], args: tuple[Any, ...]
    ) -> asyncio.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._ready:
            if self._closed:  # a call is queued before a close, or refused
                raise RuntimeError("the core's threads are closed")
            lane.append((future, work, args))
            self._ready.notify()
        return asyncio.wrap_future(future)  # cancelling it cancels the call if not started

    def _take(self) -> list[_Call] | None:
        """The next calls to run: those queued in the first lane (together, a batch of
        them; else one), or None once closed with nothing left."""
        with self._ready:
            while not (self._now or self._later):
                if self._closed:
                    return None
                self._ready.wait()
            if self._now:
                count = min(len(self._now), BATCH if self._together is not None else 1)
                return [self._now.popleft() for _ in range(count)]
            return [self._later.popleft()]

    def _work(self) -> None:
        while (calls := self._take()) is not None:
            started = [call for call in calls if call[0].set_running_or_notify_cancel()]
            if len(started) > 1 and self._together is not None:
                self._run_together(started, self._together)
            else:
                for call in started:
                    _answer(call[0], _outcome(call))

    @staticmethod
    def _run_together(calls: list[_Call], together: Together) -> None:
        """Each call in a savepoint of one transaction; their answers once it commits.

        Until one of them writes, the calls read only what was committed before: each
        is answered as soon as it is done (a batch of reads waits for nothing)."""
        held: list[tuple[_Call, _Outcome]] = []
        committed = False
        try:
            with together() as batch:
                for call in calls:
                    outcome = _outcome(call)
                    if held or batch.changed():
                        held.append((call, outcome))
                    else:
                        _answer(call[0], outcome)
                batch.commit()
                committed = True
        except Exception:
            if not committed:  # nothing of theirs was kept: each runs again, alone
                log.exception("%d calls could not commit together: each runs alone", len(held))
                held = [(call, _outcome(call)) for call, _ in held]
            else:
                log.exception("after %d calls committed together", len(calls))
        for call, outcome in held:
            _answer(call[0], outcome)

    def close(self) -> None:
        """Take no more calls; those queued and under way finish (none is dropped: a
        command that was acked is still applied)."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        for thread in self._threads:  # a second close waits for the same end
            thread.join()


def _outcome(call: _Call) -> _Outcome:
    """(True, what the call returned) or (False, what it raised)."""
    _, work, args = call
    try:
        return True, work(*args)
    except BaseException as error:  # the awaiting task gets it
        return False, error


def _answer(future: concurrent.futures.Future[Any], outcome: _Outcome) -> None:
    returned, value = outcome
    if returned:
        future.set_result(value)
    else:
        future.set_exception(value)


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

"""The core's worker threads: calls off the event loop, none dropped at a stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from bots.runtime.workers import (
    POSTGRESQL_THREADS,
    CoreWorkers,
    InFlight,
    batches_for,
    threads_for,
)
from core.services import FollowThrough, Identity, MessageKind, plain
from core.storage.database import Database
from testkit.processes import importing_this_checkout, outside


def test_sqlite_gets_one_thread_its_one_writer_postgresql_a_few() -> None:
    assert threads_for("sqlite:////var/lib/followthrough/db.sqlite") == 1
    assert threads_for("postgresql+psycopg://bot@db/followthrough") == POSTGRESQL_THREADS


def test_sqlite_commits_the_calls_queued_together_at_once(db: Database) -> None:
    assert batches_for("sqlite:////var/lib/followthrough/db.sqlite", db) == db.together
    assert batches_for("postgresql+psycopg://bot@db/followthrough", db) is None


class Transaction:
    """A stand-in for `Database.together`: records where it began and committed, and can
    hold its commit, or fail it; a call that "writes" marks it changed."""

    def __init__(self, ran: list[str], *, fails: bool = False) -> None:
        self.ran, self.fails = ran, fails
        self.committing, self.release = threading.Event(), threading.Event()
        self.written = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[Transaction]:
        self.ran.append("begin")
        self.written = False
        yield self

    def changed(self) -> bool:
        return self.written

    def commit(self) -> None:
        self.committing.set()
        self.release.wait(5)
        if self.fails:
            raise OSError("disk full")
        self.ran.append("commit")

    def write(self, name: str) -> Callable[[], str]:
        """A call that writes."""

        def call() -> str:
            self.written = True
            self.ran.append(name)
            return name

        return call


async def busy_then(
    workers: CoreWorkers, calls: list[Callable[[], str]]
) -> list[asyncio.Future[str]]:
    """`calls` queued while the core's thread is busy: they are taken together."""
    started, release = threading.Event(), threading.Event()

    def busy() -> str:
        started.set()
        release.wait(5)
        return "busy"

    first = asyncio.ensure_future(workers(busy))
    assert await asyncio.to_thread(started.wait, 5)
    queued = [asyncio.ensure_future(workers(call)) for call in calls]
    await asyncio.sleep(0.01)
    release.set()
    assert await first == "busy"
    return queued


async def test_calls_queued_together_are_answered_once_their_one_transaction_commits() -> None:
    ran: list[str] = []
    transaction = Transaction(ran)
    workers = CoreWorkers(1, together=transaction)

    def read(name: str) -> Callable[[], str]:
        return lambda: ran.append(name) or name

    def refused() -> str:
        ran.append("refused")
        raise ValueError("no such lead")

    queued = await busy_then(
        workers, [read("list"), transaction.write("a"), refused, read("show"), read("b")]
    )
    assert await asyncio.to_thread(transaction.committing.wait, 5)
    await asyncio.sleep(0.01)
    # What came before any write read only what was committed: answered at once. What
    # came after it, nothing before the commit.
    assert [answer.done() for answer in queued] == [True, False, False, False, False]
    transaction.release.set()
    assert await asyncio.gather(queued[0], queued[1], queued[3], queued[4]) == [
        "list",
        "a",
        "show",
        "b",
    ]
    with pytest.raises(ValueError, match="no such lead"):
        await queued[2]
    assert ran == ["begin", "list", "a", "refused", "show", "b", "commit"]
    await asyncio.to_thread(workers.close)


async def test_calls_whose_transaction_cannot_commit_each_run_again_on_their_own() -> None:
    ran: list[str] = []
    transaction = Transaction(ran, fails=True)
    transaction.release.set()
    workers = CoreWorkers(1, together=transaction)
    queued = await busy_then(workers, [transaction.write("a"), transaction.write("b")])
    assert await asyncio.gather(*queued) == ["a", "b"]
    assert ran == ["begin", "a", "b", "a", "b"]
    await asyncio.to_thread(workers.close)


async def test_commands_committed_together_each_keep_their_own_outcome(
    app: FollowThrough, db: Database
) -> None:
    """A refusal rolls back to its own savepoint, a repeated press is applied once, and
    the others are all kept, on either database."""
    workers = CoreWorkers(1, together=db.together)
    who = Identity("slack", "T1", "U1", "Ada")

    def command(text: str, once: str | None = None) -> Callable[[], object]:
        return lambda: app.conversation.handle(who, "/lead", text, once=once)

    queued = await busy_then(
        workers,
        [
            command("add Julie at Acme", once="press-1"),
            command("emailed nobody", once="press-2"),
            command("add Julie at Acme", once="press-1"),
            command("add Bob at Globex", once="press-3"),
            command("list"),
        ],
    )
    added, refused, repeated, other, listed = await asyncio.gather(*queued)
    assert added.kind is MessageKind.REPLY and "#1 Julie" in plain(added.text)
    assert refused.kind is MessageKind.ERROR
    assert repeated.repeat
    assert "#2 Bob" in plain(other.text)
    assert "Julie" in listed.plain_text() and "Bob" in listed.plain_text()
    await asyncio.to_thread(workers.close)
    leads = app.conversation.handle(who, "/lead", "list all").plain_text()
    assert leads.count("Julie") == 1 and "Bob" in leads


async def test_calls_queued_before_a_close_still_run_and_later_ones_are_refused() -> None:
    workers = CoreWorkers(1)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "first"

    first = asyncio.ensure_future(workers(slow))
    second = asyncio.ensure_future(workers(lambda: "second"))  # queued behind it
    assert await asyncio.to_thread(started.wait, 5)
    closing = asyncio.ensure_future(asyncio.to_thread(workers.close))
    await asyncio.sleep(0.05)
    assert not closing.done()  # a close waits for the calls it has
    release.set()
    assert (await first, await second) == ("first", "second")
    await closing
    with pytest.raises(RuntimeError):
        await workers(lambda: None)


async def test_a_call_that_can_wait_gives_way_to_those_queued_after_it_and_still_runs() -> None:
    workers = CoreWorkers(1)
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def busy() -> None:
        started.set()
        release.wait(5)

    def call(name: str) -> str:
        ran.append(name)
        return name

    first = asyncio.ensure_future(workers(busy))
    assert await asyncio.to_thread(started.wait, 5)
    redraw = asyncio.ensure_future(workers.later(call, "redraw"))
    await asyncio.sleep(0.01)
    answers = [asyncio.ensure_future(workers(call, f"answer {n}")) for n in (1, 2)]
    await asyncio.sleep(0.01)
    release.set()
    await first
    assert await asyncio.gather(redraw, *answers) == ["redraw", "answer 1", "answer 2"]
    assert ran == ["answer 1", "answer 2", "redraw"]

    late = asyncio.ensure_future(workers.later(call, "queued at the close"))
    await asyncio.sleep(0)
    await asyncio.to_thread(workers.close)
    assert await late == "queued at the close"  # a close drops nothing, even these


def test_a_started_process_freezes_what_it_holds_and_collects_less_often() -> None:
    # In a process of its own: the collector's settings are the interpreter's.
    script = (
        "import gc\n"
        "from bots.runtime.workers import GC_FIRST_GENERATION, settle_garbage_collector\n"
        "settle_garbage_collector()\n"
        "assert gc.get_freeze_count() > 1000, gc.get_freeze_count()\n"
        "assert gc.get_threshold()[0] == GC_FIRST_GENERATION\n"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        env=importing_this_checkout(os.environ),
        cwd=outside(),
        check=True,
        timeout=60,
    )


async def test_a_drain_waits_for_the_answers_under_way_but_not_its_own() -> None:
    in_flight = InFlight()
    done: list[str] = []

    async def answer(name: str, seconds: float) -> None:
        with in_flight.answering():
            await asyncio.sleep(seconds)
            done.append(name)

    async def stop_from_an_answer() -> None:
        with in_flight.answering():  # a close inside an answer must not wait for itself
            await in_flight.drain(timeout=5)
            done.append("stopped")

    slow = asyncio.ensure_future(answer("slow", 0.2))
    await asyncio.sleep(0)
    await stop_from_an_answer()
    assert done == ["slow", "stopped"]
    await slow
    await in_flight.drain(timeout=5)  # nothing under way: at once

"""The core's worker threads: calls off the event loop, none dropped at a stop."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading

import pytest

from bots.runtime.workers import POSTGRESQL_THREADS, CoreWorkers, InFlight, threads_for
from testkit.processes import importing_this_checkout, outside


def test_sqlite_gets_one_thread_its_one_writer_postgresql_a_few() -> None:
    assert threads_for("sqlite:////var/lib/followthrough/db.sqlite") == 1
    assert threads_for("postgresql+psycopg://bot@db/followthrough") == POSTGRESQL_THREADS


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

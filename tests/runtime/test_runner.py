"""The long-running worker: its tick, a graceful stop, and SQLite's one-process lock."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.runtime.delivery import Deliverer, Platform
from bots.runtime.lock import AlreadyRunning, single_process, sqlite_path
from bots.runtime.ratelimit import RateLimiter
from bots.runtime.runner import Runner
from core.services import FollowThrough, Identity
from core.services.ports import Delivery, SimulatedClock
from core.storage.database import Database
from core.storage.tables import OutboxRow
from testkit.kit import PLATFORM, WORKSPACE, RecordingMessenger
from testkit.processes import importing_this_checkout, outside

EIGHT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday: every member's first digest


def members_with_a_digest_at_eight(app: FollowThrough, clock: SimulatedClock, n: int) -> None:
    """`n` members whose first digest (the pipeline nudge) is due at 08:00; it is 08:00."""
    app.groups.setup_group(PLATFORM, WORKSPACE, tz="UTC")  # no channel: digests only
    for i in range(n):
        app.conversation.join(Identity(PLATFORM, WORKSPACE, f"U{i}", f"Member {i}"))
    clock.advance_to(EIGHT)


def runner(
    app: FollowThrough, messenger: RecordingMessenger, worker: str, tick_seconds: float = 60
) -> Runner:
    platforms = {PLATFORM: Platform(messenger, RateLimiter(rate=1e6))}
    return Runner(Deliverer(app.outbox, platforms, worker), app.planner, tick_seconds=tick_seconds)


# -- the tick ------------------------------------------------------------------------------


async def test_a_tick_plans_and_delivers(app: FollowThrough, clock: SimulatedClock) -> None:
    members_with_a_digest_at_eight(app, clock, 3)
    messenger = RecordingMessenger(clock)
    worker = runner(app, messenger, worker="w1")

    await worker.tick()

    assert sorted(messenger.keys()) == [f"digest:{i}:2026-03-02" for i in (1, 2, 3)]
    assert app.outbox.status()["sent"] == 3
    await worker.tick()  # nothing new is due: nothing is sent twice
    assert len(messenger.keys()) == 3


async def test_a_tick_does_its_database_work_off_the_event_loop(
    app: FollowThrough, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    members_with_a_digest_at_eight(app, clock, 2)
    messenger = RecordingMessenger(clock)
    worker = runner(app, messenger, worker="w1")
    threads: dict[str, set[int]] = {}

    def spy(part: object, name: str, slow: float = 0.0) -> None:
        real = getattr(part, name)

        def call(*args: object, **kwargs: object) -> object:
            threads.setdefault(name, set()).add(threading.get_ident())
            time.sleep(slow)  # a slow database: blocks whichever thread runs it
            return real(*args, **kwargs)

        monkeypatch.setattr(part, name, call)

    spy(app.planner, "plan", slow=0.3)
    spy(app.outbox, "claim")
    spy(app.outbox, "sent_many")

    loop_thread = threading.get_ident()
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            await asyncio.sleep(0.01)
            beats += 1

    beating = asyncio.create_task(heartbeat())
    await worker.tick()
    beating.cancel()

    assert set(threads) == {"plan", "claim", "sent_many"}
    for name, idents in threads.items():
        assert loop_thread not in idents, f"app.{name} ran on the event loop"
    assert messenger.threads == {loop_thread}  # sends are async, on the loop
    assert beats >= 10  # the loop kept running during the 0.3 s plan
    assert len(messenger.keys()) == 2


async def test_sends_that_finish_together_are_recorded_in_one_transaction(
    app: FollowThrough, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    members_with_a_digest_at_eight(app, clock, 12)
    messenger = RecordingMessenger(clock)
    worker = runner(app, messenger, worker="w1")
    batches: list[int] = []
    real = app.outbox.sent_many

    def slow(sent: list[tuple[Delivery, str | None]]) -> None:
        batches.append(len(sent))
        time.sleep(0.05)  # a slow commit: the other senders finish meanwhile
        real(sent)

    monkeypatch.setattr(app.outbox, "sent_many", slow)
    await worker.tick()

    assert sum(batches) == 12 and len(batches) < 12
    assert app.outbox.status()["sent"] == 12 and len(messenger.keys()) == 12


async def test_what_is_due_is_delivered_even_when_planning_fails(
    app: FollowThrough,
    clock: SimulatedClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    members_with_a_digest_at_eight(app, clock, 1)
    app.planner.plan()  # the digest is in the outbox already
    messenger = RecordingMessenger(clock)
    worker = runner(app, messenger, worker="w1")

    def broken() -> int:
        raise RuntimeError("a planning bug")

    monkeypatch.setattr(app.planner, "plan", broken)
    await worker.tick()
    assert "planning failed" in caplog.text
    assert messenger.keys() == ["digest:1:2026-03-02"]


async def test_a_failing_tick_is_logged_and_the_next_one_works(
    app: FollowThrough,
    clock: SimulatedClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    members_with_a_digest_at_eight(app, clock, 1)
    messenger = RecordingMessenger(clock)
    worker = runner(app, messenger, worker="w1")
    real_plan = app.planner.plan
    outage = iter([True])

    def plan() -> int:
        if next(outage, False):
            raise ConnectionError("database went away")
        return real_plan()

    monkeypatch.setattr(app.planner, "plan", plan)
    await worker.tick()  # does not raise
    assert "planning failed; the next tick retries" in caplog.text
    await worker.tick()
    assert messenger.keys() == ["digest:1:2026-03-02"]


# -- graceful stop -------------------------------------------------------------------------


async def stop_mid_batch(worker: Runner, messenger: RecordingMessenger) -> None:
    """Run the worker; once 3 messages are out and more are in flight, stop it."""

    task = asyncio.create_task(worker.run())
    await wait_for(
        lambda: len(messenger.keys()) >= 3 and len(messenger.tried()) > len(messenger.keys()),
        until_done=task,
    )
    worker.stop()
    await asyncio.wait_for(task, timeout=10)


async def test_stop_ends_the_run_and_leaves_nothing_claimed(
    app: FollowThrough, clock: SimulatedClock, db: Database
) -> None:
    members_with_a_digest_at_eight(app, clock, 20)
    messenger = RecordingMessenger(clock, latency=0.05)
    worker = runner(app, messenger, worker="w1", tick_seconds=0.05)

    await stop_mid_batch(worker, messenger)

    status = app.outbox.status()
    assert status["claimed"] == 0
    with db.uow() as uow:
        held = uow.session.scalars(
            select(OutboxRow.key).where(OutboxRow.claimed_by == "w1", OutboxRow.status == "pending")
        ).all()
    assert held == []
    assert status["sent"] == len(messenger.keys())  # what went out is recorded
    assert 3 <= status["sent"] < 20  # stopped mid-batch ...
    assert status["sent"] + status["pending"] == 20  # ... and gave the rest back

    # Another worker sends the rest.
    other = RecordingMessenger(clock)
    await runner(app, other, worker="w2").tick()
    assert sorted(set(messenger.keys() + other.keys())) == sorted(
        f"digest:{i}:2026-03-02" for i in range(1, 21)
    )
    assert app.outbox.status()["sent"] == 20


async def test_stop_lets_the_sends_in_flight_finish(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    """A graceful stop finishes the sends in flight (Runner.stop's promise): a request cut
    off mid-way may have reached the platform, and the worker that takes the released row
    sends the message a second time."""
    members_with_a_digest_at_eight(app, clock, 20)
    messenger = RecordingMessenger(clock, latency=0.05)
    worker = runner(app, messenger, worker="w1", tick_seconds=0.05)

    await stop_mid_batch(worker, messenger)
    cut_off = sorted(set(messenger.tried()) - set(messenger.keys()))

    other = RecordingMessenger(clock)
    await runner(app, other, worker="w2").tick()
    requested_twice = sorted(set(messenger.tried()) & set(other.tried()))
    assert (cut_off, requested_twice) == ([], [])


async def test_run_keeps_ticking_until_stopped(app: FollowThrough, clock: SimulatedClock) -> None:
    """Work that comes due while the worker runs is delivered by a later tick."""
    members_with_a_digest_at_eight(app, clock, 1)
    messenger = RecordingMessenger(clock)
    worker = runner(app, messenger, worker="w1", tick_seconds=0.05)

    task = asyncio.create_task(worker.run())
    await wait_for(lambda: len(messenger.keys()) == 1, until_done=task)
    app.conversation.join(Identity(PLATFORM, WORKSPACE, "U-late", "Late"))
    clock.advance_to(EIGHT + timedelta(days=1))  # Tuesday: the newcomer's first digest
    await wait_for(lambda: len(messenger.keys()) == 2, until_done=task)
    worker.stop()
    await asyncio.wait_for(task, timeout=10)
    assert messenger.keys()[-1].endswith(":2026-03-03")
    assert app.outbox.status()["claimed"] == 0


async def wait_for(
    condition: Callable[[], bool],
    timeout: float = 10,
    until_done: asyncio.Task[None] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        assert until_done is None or not until_done.done(), until_done
        await asyncio.sleep(0.001)


# -- SQLite's single-process lock --------------------------------------------------------------


def test_a_second_holder_of_a_sqlite_database_is_refused_by_name(tmp_path: Path) -> None:
    database = tmp_path / "followthrough.db"
    url = f"sqlite:///{database}"
    with single_process(url):
        with pytest.raises(AlreadyRunning) as refused, single_process(url):
            pass
        assert str(database) in str(refused.value)
        assert "PostgreSQL" in str(refused.value)
    with single_process(url):  # released: the next process may start
        pass


def test_another_process_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    probe = (
        "import sys\n"
        "from bots.runtime.lock import AlreadyRunning, single_process\n"
        "try:\n"
        "    with single_process(sys.argv[1]):\n"
        "        print('acquired')\n"
        "except AlreadyRunning as error:\n"
        "    print('refused:', error)\n"
    )

    def other_process() -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, url],
            env=importing_this_checkout(os.environ),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=outside(),
            check=True,
        )
        return done.stdout

    with single_process(url):
        assert other_process().startswith("refused:")
    assert other_process().startswith("acquired")


def test_a_lock_held_by_a_failed_start_is_released(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    with pytest.raises(RuntimeError), single_process(url):
        raise RuntimeError("the bot failed to start")
    with single_process(url):
        pass


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "sqlite://",
        "sqlite:///:memory:",
    ],
)
def test_postgresql_and_in_memory_databases_are_not_locked(url: str) -> None:
    assert sqlite_path(url) is None
    with single_process(url), single_process(url):
        pass


def test_the_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "followthrough.db"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    assert sqlite_path(url) == str(database)
    with single_process(url):
        assert (tmp_path / "data" / "followthrough.db.lock").exists()

"""Faults of the delivery runtime on PostgreSQL, with real worker processes.

- A worker killed with SIGKILL in the middle of the outbox loses nothing: a fresh worker
  sends what it had claimed once its lease runs out, and only the few messages it had
  sent but not yet recorded as sent may go out twice.
- Three worker processes stepping through the same simulated day against one database
  send each member's digest exactly once per local morning, and each group's Monday
  board once, without a failed tick.
- Two planners reaching the same Monday board at once both succeed and post it once
  (the race that (b) can only hit by chance, forced with a rendezvous of two threads).

The workers are `tests/runtime/worker.py`, run with this interpreter. Each test works in a
PostgreSQL schema of its own (emptied first, dropped afterwards), so that a suite running
beside it on the same server's `public` schema cannot pull the tables from under it.
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from core.domain.members import Group
from core.domain.messages import Button, Message, Section
from core.services import FollowThrough, Identity
from core.services.ports import Outgoing, SimulatedClock
from core.storage.database import Database, make_engine, upgrade
from core.storage.outbox import SqlOutbox
from core.storage.repositories import SqlGroups
from core.storage.tables import GroupRow, MemberRow, OutboxRow
from testkit import kit
from testkit.processes import importing_this_checkout, outside

pytestmark = pytest.mark.postgres

WORKER = Path(__file__).with_name("worker.py")
ROOT = Path(__file__).resolve().parents[2]


# -- helpers ---------------------------------------------------------------------------


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A migrated, otherwise empty PostgreSQL schema of this test's own, as a URL."""
    schema = f"ft_runtime_faults_{os.getpid()}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = (
        make_url(postgres_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def worker_env() -> dict[str, str]:
    env = importing_this_checkout(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_worker(mode: str, url: str, record: Path, name: str, *options: str, **kw: Any) -> Any:
    """Start tests/runtime/worker.py; its stderr goes to `<record>.err`."""
    err = record.with_suffix(".err").open("w")
    command = [sys.executable, str(WORKER), mode, url, str(record), "--worker", name, *options]
    process = subprocess.Popen(command, env=worker_env(), stderr=err, cwd=outside(), **kw)
    err.close()  # the child holds its own copy
    return process


def stderr_of(record: Path) -> str:
    path = record.with_suffix(".err")
    return path.read_text() if path.exists() else ""


def recorded(record: Path) -> list[str]:
    if not record.exists():
        return []
    return [line for line in record.read_text().splitlines() if line]


def status_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
            return {status: n for status, n in rows}
    finally:
        engine.dispose()


def duplicate_outbox_keys(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = select(OutboxRow.key).group_by(OutboxRow.key).having(func.count() > 1)
            return list(conn.scalars(query))
    finally:
        engine.dispose()


def no_traceback(name: str, stderr: str) -> None:
    """No error logged, no traceback: summarised as the log lines and exceptions seen."""
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith(("ERROR", "CRITICAL"))]
    raised = [line for line in lines if line[:1] not in (" ", "") and "Error" in line[:60]]
    ours = [line for line in lines if line.startswith(f'  File "{ROOT}/')]
    where = [line.strip() for line in ours if "/.venv/" not in line]
    assert "Traceback" not in stderr and not errors, (
        f"worker {name} logged {len(errors)} errors: {errors[:5]}; exceptions: "
        f"{sorted(set(raised))[:6]}; in: {sorted(set(where))[:8]}\n--- stderr ---\n"
        f"{stderr[-3000:]}"
    )


# -- (a) SIGKILL in the middle of the outbox -------------------------------------------

MEMBERS = 10_000
SENDERS = 8
LEASE_SECONDS = 3
DAY = "2026-03-02"


def seed_due_digests(url: str, n: int) -> set[str]:
    """One group, `n` members and one due digest each, straight into the tables."""
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            group_id = conn.execute(
                insert(GroupRow.__table__).returning(GroupRow.__table__.c.id),
                {
                    "platform": "discord",
                    "external_id": "G-faults",
                    "tz": "UTC",
                    "country": None,
                    "morning": clock_time(8, 0),
                    "channel": "C-general",
                    "settings": {},
                    "suspended": False,
                    "created_at": now,
                },
            ).scalar_one()
            conn.execute(
                insert(MemberRow.__table__),
                [
                    {
                        "group_id": group_id,
                        "external_id": f"U{i:05d}",
                        "name": f"Member {i}",
                        "created_at": now,
                    }
                    for i in range(n)
                ],
            )
            ids = list(conn.scalars(select(MemberRow.id).where(MemberRow.group_id == group_id)))
            keys = {f"digest:{member_id}:{DAY}" for member_id in ids}
            conn.execute(
                insert(OutboxRow.__table__),
                [
                    {
                        "key": f"digest:{member_id}:{DAY}",
                        "group_id": group_id,
                        "member_id": member_id,
                        "to_channel": False,
                        "kind": "digest",
                        "payload": digest(member_id).to_dict(),
                        "created_at": now,
                        "not_before": now - timedelta(minutes=1),
                        "status": "pending",
                    }
                    for member_id in ids
                ],
            )
    finally:
        engine.dispose()
    assert len(keys) == n
    return keys


def digest(member_id: int) -> Message:
    return Message(
        "digest",
        f"Good morning, member {member_id}. One follow-up today:",
        (
            Section(
                "#1 Julie Martin at Acme: send the follow-up email",
                why="3 business days since your email",
                draft="Hi Julie,\nJust following up on my note from last week.",
                buttons=(Button("Done", "followedup #1"), Button("Snooze 2 days", "snooze #1 2")),
            ),
        ),
        rules=("email-follow-up",),
    )


def claimed_unsent(url: str, worker: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = select(OutboxRow.key).where(
                OutboxRow.status == "pending", OutboxRow.claimed_by == worker
            )
            return set(conn.scalars(query))
    finally:
        engine.dispose()


def wait_for_lines(record: Path, n: int, process: Any, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = record.read_bytes().count(b"\n") if record.exists() else 0
        if lines >= n or process.poll() is not None:
            return lines
        time.sleep(0.005)
    raise AssertionError(f"the worker recorded fewer than {n} sends in {timeout:.0f} s")


def test_a_worker_killed_mid_outbox_loses_nothing_and_repeats_at_most_its_sends_in_flight(
    pg_url: str, tmp_path: Path
) -> None:
    keys = seed_due_digests(pg_url, MEMBERS)
    seed = int(os.environ.get("FAULTS_SEED") or random.randrange(1_000_000))
    kill_after = random.Random(seed).randrange(500, 7_000)
    print(f"seed {seed}: SIGKILL after {kill_after} recorded sends")
    options = ("--lease", str(LEASE_SECONDS), "--senders", str(SENDERS), "--delay-ms", "1")

    first_record = tmp_path / "killed.rec"
    first = start_worker("drain", pg_url, first_record, "killed", *options)
    try:
        lines = wait_for_lines(first_record, kill_after, first, timeout=60)
        assert first.poll() is None, (
            f"the worker finished ({first.returncode}) before the kill, after {lines} sends:"
            f"\n{stderr_of(first_record)[-4000:]}"
        )
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    no_traceback("killed", stderr_of(first_record))
    # What the killed worker had claimed and not recorded as sent: its lease still runs.
    orphans = claimed_unsent(pg_url, "killed")
    before = recorded(first_record)
    print(f"killed after {len(before)} sends; {len(orphans)} claims left behind")

    second_record = tmp_path / "fresh.rec"
    second = start_worker("drain", pg_url, second_record, "fresh", *options)
    deadline = time.monotonic() + 90
    try:
        while second.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        left = status_counts(pg_url)
        assert second.poll() is not None, f"the fresh worker did not finish: {left}"
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    assert second.returncode == 0, stderr_of(second_record)[-6000:]
    no_traceback("fresh", stderr_of(second_record))

    after = recorded(second_record)
    first_counts, second_counts = Counter(before), Counter(after)
    assert max(first_counts.values(), default=1) == 1, "the killed worker sent a key twice"
    assert max(second_counts.values(), default=1) == 1, "the fresh worker sent a key twice"
    assert set(before) | set(after) <= keys, "a key nobody wrote was sent"
    lost = keys - set(before) - set(after)
    assert not lost, f"{len(lost)} messages never sent, e.g. {sorted(lost)[:10]}"
    duplicated = sorted(set(before) & set(after))
    for key in duplicated:
        print(f"possibly duplicated: {key}")
    print(
        f"sends: {len(before)} by the killed worker, {len(after)} by the fresh one,"
        f" {len(duplicated)} sent twice"
    )
    # Sent twice is only possible for a row the killed worker had claimed, sent, and not yet
    # recorded as sent: at most one per concurrent sender.
    assert len(duplicated) <= SENDERS, duplicated
    assert set(duplicated) <= orphans, set(duplicated) - orphans
    assert status_counts(pg_url) == {"sent": MEMBERS}
    assert not duplicate_outbox_keys(pg_url)


# -- (b) three workers through one simulated day ---------------------------------------

ZONES = [("America/New_York", "US"), ("Europe/Berlin", "DE"), ("Asia/Tokyo", "JP")]
PER_GROUP = 100
PROCESSES = 3
# Sunday evening UTC: Monday morning in Tokyo comes first, New York's Tuesday is outside.
DAY_START = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
DAY_STEP = timedelta(minutes=10)
DAY_HOURS = 36
FAIL_EVERY = 7  # every 7th member's first send attempt fails (a 503): retried a step later


def who(group: int, k: int) -> Identity:
    platform = "slack" if group % 2 == 0 else "discord"
    return Identity(platform, f"W-{group}", f"U-{group}-{k:03d}", f"Member {group}-{k}")


def member_settings(group: int, k: int) -> dict[str, Any]:
    """Two in three members keep the group's zone; the others live in another one."""
    tz, country = (None, None) if k % 3 == 0 else ZONES[(group + k) % len(ZONES)]
    return {
        "tz": tz,
        "country": country,
        "nudge_time": clock_time(7, 30) if k % 5 == 0 else None,
    }


def seed_day(url: str) -> None:
    """Three groups (one per zone, with a channel for the Monday board), 100 members each,
    each with a lead emailed a week ago, through the services."""
    # A week earlier: join, add a lead and log the email, as members do.
    early = SimulatedClock(DAY_START - timedelta(days=7))
    with kit.services(url, early) as then, kit.services(url, SimulatedClock(DAY_START)) as now:
        seed_groups(then.app, now.app)


def seed_groups(app_early: FollowThrough, app: FollowThrough) -> None:
    for g, (tz, country) in enumerate(ZONES):
        first = who(g, 0)
        app_early.groups.setup_group(first.platform, first.workspace_id, tz=tz, country=country)
        for k in range(PER_GROUP):
            person = who(g, k)
            app_early.conversation.join(person, **member_settings(g, k))
            for command in (f"add Contact {k} at Company {g}-{k} via email", "emailed #1"):
                reply = app_early.conversation.handle(person, "lead", command)
                assert reply.kind == "reply", reply
        # Now: the organiser sets the channel (the Monday board is then the coming one),
        # and members confirm their settings (their next morning is the coming one).
        app.groups.setup_group(
            first.platform, first.workspace_id, tz=tz, country=country, channel="C"
        )
        for k in range(PER_GROUP):
            app.conversation.join(who(g, k), **member_settings(g, k))


def expected_keys(url: str, until: datetime) -> set[str]:
    """Each member's digest for each business morning up to `until`, each group's board."""
    engine = make_engine(url)
    db = Database(engine, SimulatedClock(DAY_START))
    keys: set[str] = set()
    try:
        with db.uow() as uow:
            for g in range(len(ZONES)):
                first = who(g, 0)
                group = uow.groups.get(first.platform, first.workspace_id)
                assert group is not None and group.id is not None
                if group.next_board_at is not None and group.next_board_at <= until:
                    monday = group.calendar().local_date(group.next_board_at)
                    keys.add(f"board:{group.id}:{monday.isoformat()}")
                for member in uow.members.in_group(group.id):
                    cal, at = member.calendar(group), member.next_morning_at
                    while at is not None and at <= until:
                        day = cal.local_date(at)
                        keys.add(f"digest:{member.id}:{day.isoformat()}")
                        at = cal.next_morning(day, member.morning(group))
    finally:
        engine.dispose()
    return keys


def read_line(process: Any, timeout: float) -> str:
    """One line of a worker's stdout, or an error if it takes longer than `timeout`."""
    stdout: IO[str] = process.stdout
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"a worker gave no answer in {timeout} s")
    return stdout.readline()


def test_three_workers_through_one_day_send_each_morning_once(pg_url: str, tmp_path: Path) -> None:
    seed_day(pg_url)
    steps = [DAY_START + i * DAY_STEP for i in range(DAY_HOURS * 60 // 10 + 1)]
    last = steps[-1]
    expected = expected_keys(pg_url, last)
    digests = {key for key in expected if key.startswith("digest:")}
    # Every member has a morning in the window; those living in Tokyo have two.
    assert len({key.split(":")[1] for key in digests}) == PER_GROUP * len(ZONES)
    assert len(expected - digests) == len(ZONES)  # the three Monday boards

    records = [tmp_path / f"day-{i}.rec" for i in range(PROCESSES)]
    fail_before = (last - timedelta(hours=2)).isoformat()
    workers = [
        start_worker(
            "day",
            pg_url,
            record,
            f"day-{i}",
            *("--start", DAY_START.isoformat(), "--lease", "300", "--senders", "4"),
            *("--fail-before", fail_before, "--fail-every", str(FAIL_EVERY)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i, record in enumerate(records)
    ]
    try:
        for step in steps:
            for process in workers:
                process.stdin.write(f"{step.isoformat()}\n")
                process.stdin.flush()
            for i, process in enumerate(workers):
                line = read_line(process, timeout=60)
                assert line.startswith("ok "), (
                    f"worker {i} at {step}: {line!r}\n{stderr_of(records[i])[-6000:]}"
                )
        for process in workers:
            process.stdin.close()
        codes = [process.wait(timeout=30) for process in workers]
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
    for i, record in enumerate(records):
        assert codes[i] == 0, f"worker {i} exited {codes[i]}:\n{stderr_of(record)[-6000:]}"

    sends = [recorded(record) for record in records]
    print("sends per worker:", [len(s) for s in sends])
    counts = Counter(key for s in sends for key in s)
    twice = sorted(key for key, n in counts.items() if n > 1)
    assert not twice, f"{len(twice)} messages sent more than once, e.g. {twice[:10]}"
    missing, extra = expected - set(counts), set(counts) - expected
    assert not missing, f"{len(missing)} never sent, e.g. {sorted(missing)[:10]}"
    assert not extra, f"{len(extra)} sent but not expected, e.g. {sorted(extra)[:10]}"
    per_member_day = Counter(tuple(key.split(":")[1:]) for key in counts if key[:7] == "digest:")
    assert set(per_member_day.values()) == {1}
    assert status_counts(pg_url) == {"sent": len(expected)}
    assert not duplicate_outbox_keys(pg_url)
    failed_once = sum(
        "injected" in line for record in records for line in stderr_of(record).splitlines()
    )
    assert failed_once > 0, "no failure was injected: the retry path went untested"
    # Last, so that a failure here means every message was still sent exactly once.
    for i, record in enumerate(records):
        no_traceback(f"day-{i}", stderr_of(record))


# -- (c) two planners at the same Monday morning ---------------------------------------


class Rendezvous:
    """Threads meet at named points; a thread that has finished counts as arrived at all."""

    def __init__(self, parties: int) -> None:
        self.parties, self._cond = parties, threading.Condition()
        self._arrived: dict[str, set[int]] = {}
        self._done: set[int] = set()

    def meet(self, point: str, timeout: float) -> None:
        with self._cond:
            here = self._arrived.setdefault(point, set())
            here.add(threading.get_ident())
            self._cond.notify_all()
            self._cond.wait_for(lambda: len(here | self._done) >= self.parties, timeout)

    def leave(self) -> None:
        with self._cond:
            self._done.add(threading.get_ident())
            self._cond.notify_all()


def test_two_planners_reaching_the_same_monday_board_both_succeed(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race behind (b)'s occasional "tick failed", made deterministic: two processes'
    `plan()` at the same Monday morning. Each waits for the other after reading the
    boards due (if it found any) and after writing one to the outbox (briefly: a planner
    that blocks the other there must not stall the test), so that with boards read
    without a lock and a check-then-insert outbox both try to post the same board."""
    clock = SimulatedClock(DAY_START)
    processes = [kit.services(pg_url, clock) for _ in range(2)]  # two engines: two processes
    engines = [process.database.engine for process in processes]
    try:
        apps = [process.app for process in processes]
        apps[0].groups.setup_group(
            "slack", "W-board", tz="Europe/Berlin", country="DE", channel="C"
        )
        with engines[0].connect() as conn:
            board_at = conn.scalar(select(GroupRow.next_board_at))
        assert board_at is not None
        clock.advance_to(board_at)

        meeting = Rendezvous(2)
        board_due, add = SqlGroups.board_due, SqlOutbox.add

        def board_due_then_meet(self: SqlGroups, now: datetime) -> list[Group]:
            groups = board_due(self, now)
            if groups:
                meeting.meet("read the boards due", timeout=10)
            return groups

        def add_then_meet(self: SqlOutbox, item: Outgoing, now: datetime) -> bool:
            written = add(self, item, now)
            meeting.meet("wrote a board", timeout=2)
            return written

        monkeypatch.setattr(SqlGroups, "board_due", board_due_then_meet)
        monkeypatch.setattr(SqlOutbox, "add", add_then_meet)
        errors: list[BaseException] = []

        def plan(app: FollowThrough) -> None:
            try:
                app.planner.plan()
            except Exception as error:  # reported below, with the board count
                errors.append(error)
            finally:
                meeting.leave()

        threads = [threading.Thread(target=plan, args=(app,)) for app in apps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with engines[0].connect() as conn:
            boards = list(conn.scalars(select(OutboxRow.key)))
    finally:
        for process in processes:
            process.close()
    assert len(boards) == 1 and boards[0].endswith(":2026-03-02"), boards
    assert not errors, [
        f"{type(e).__name__}: {str(getattr(e, 'orig', None) or e).splitlines()[0]}" for e in errors
    ]

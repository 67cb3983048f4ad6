"""Benchmark: how close delivery gets to a platform's global rate limit.

    .venv/bin/python -m benchmarks.delivery_rate [--messages 10000]
        [--database sqlite|postgresql] [--rate 50] [--limit 50]
        [--window sliding|fixed|bucket] [--on-excess 429|record] [--senders 4]

It loads one Discord group and `--messages` members, each with a lead whose follow-up is
due on Tuesday 2026-03-03 at 08:00 UTC, through the real migrations; times
`Planner.plan()`, which writes one digest per member to the outbox; then delivers
them with the real `Deliverer` and `RateLimiter(rate=--rate)` through a fake platform
that answers after 5-20 ms and allows `--limit` requests per second. The clock starts at
that morning and runs at real speed.

The fake platform counts a request when it arrives (half of its latency after the send
starts). `--window` says how it measures "per second":
  sliding  no more than `--limit` requests in any one-second window (the strictest reading,
           and what a client meets whatever the phase of the platform's own windows);
  fixed    no more than `--limit` in each whole second since the platform started (a bucket
           that resets every second, as Discord's global limit is usually described);
  bucket   a token bucket of `--limit` tokens refilled at `--limit` per second.
Over the limit it answers 429 with the `retry_after` it would accept again
(SendError(Failure.RATE_LIMITED)), or with `--on-excess record` it accepts the request and
counts a violation, to see what the limiter alone does.

SQLite: a file in a temporary directory. PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/test, in a schema of its own
(`bench_delivery`, emptied first and dropped afterwards) so that it never touches the
tests' tables.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from benchmarks.common import PostgresSchema, fix_sequences, settle
from bots.bootstrap import build
from bots.runtime.delivery import Deliverer, Platform
from bots.runtime.ratelimit import RateLimiter
from bots.settings import Settings
from core.domain.members import Group
from core.services.ports import Delivery, Failure, SendError
from core.storage.database import make_engine, upgrade
from core.storage.repositories import SqlGroups
from core.storage.tables import LeadRow, MemberRow, OutboxRow

MORNING = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # a Tuesday, 08:00 UTC (group zone UTC)
EMAILED = datetime(2026, 2, 24, 10, 0, tzinfo=UTC)  # follow-up due Friday 27 February
PG_SCHEMA = "bench_delivery"
CHUNK = 2_000
TARGET_SHARE = 0.90  # of the platform's limit


class RunningClock:
    """The simulated morning, moving forward at real speed (leases and retries need it)."""

    def __init__(self, start: datetime) -> None:
        self._start, self._t0 = start, time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


# -- the fake platform ---------------------------------------------------------------------


@dataclass
class FakePlatform:
    """An in-process Discord-like API with one global limit of `limit` requests a second."""

    limit: int
    window: str = "sliding"
    on_excess: str = "429"
    latency: tuple[float, float] = (0.005, 0.020)
    seed: int = 1
    accepted: list[float] = field(default_factory=list)  # arrival times (monotonic)
    keys: Counter[str] = field(default_factory=Counter)
    rejected: int = 0  # 429s answered
    violations: int = 0  # requests over the limit (answered 429, or accepted with "record")
    _recent: deque[float] = field(default_factory=deque)
    _t0: float = field(default_factory=time.monotonic)
    _tokens: float = -1.0
    _stamp: float = 0.0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._tokens, self._stamp = float(self.limit), self._t0

    def route(self, delivery: Delivery) -> str:
        return f"channels/dm-{delivery.user_id}/messages"  # one DM channel per member

    async def send(self, delivery: Delivery) -> str | None:
        total = self._rng.uniform(*self.latency)
        await asyncio.sleep(total / 2)  # on its way
        now = time.monotonic()
        wait = self._over_limit(now)
        if wait > 0:
            self.violations += 1
            if self.on_excess == "429":
                self.rejected += 1
                await asyncio.sleep(total / 2)
                raise SendError(
                    "429 Too Many Requests (global)", Failure.RATE_LIMITED, retry_after=wait
                )
        self._take(now)
        self.accepted.append(now)
        self.keys[delivery.key] += 1
        await asyncio.sleep(total / 2)  # the answer on its way back
        return f"{len(self.accepted)}"

    def _over_limit(self, now: float) -> float:
        """0 if a request arriving `now` is allowed, else how long until one would be."""
        match self.window:
            case "sliding":
                while self._recent and self._recent[0] <= now - 1.0:
                    self._recent.popleft()
                return 0.0 if len(self._recent) < self.limit else self._recent[0] + 1.0 - now
            case "fixed":
                second = int(now - self._t0)
                while self._recent and int(self._recent[0] - self._t0) < second:
                    self._recent.popleft()
                if len(self._recent) < self.limit:
                    return 0.0
                return self._t0 + second + 1 - now
            case _:  # bucket
                tokens = min(self.limit, self._tokens + (now - self._stamp) * self.limit)
                return 0.0 if tokens >= 1 else (1 - tokens) / self.limit

    def _take(self, now: float) -> None:
        if self.window == "bucket":
            self._tokens = min(self.limit, self._tokens + (now - self._stamp) * self.limit) - 1
            self._stamp = now
        else:
            self._recent.append(now)

    def busiest_second(self) -> int:
        """The most requests accepted in any one-second window (sliding), whatever the model."""
        times, best, first = self.accepted, 0, 0
        for last, at in enumerate(times):
            while times[first] <= at - 1.0:
                first += 1
            best = max(best, last - first + 1)
        return best


# -- the database --------------------------------------------------------------------------


def load(engine: Engine, members: int) -> None:
    """Migrate, then one group, `members` members due at MORNING, one due lead each."""
    upgrade(engine)
    created = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    group = Group("discord", "G-BENCH", channel="C-BENCH")
    group.schedule_board(MORNING)  # next Monday's: not due this Tuesday
    with Session(engine) as session:
        group = SqlGroups(session, created).add(group)
        session.commit()
    assert group.id is not None
    with engine.begin() as conn:
        for first in range(1, members + 1, CHUNK):
            ids = range(first, min(first + CHUNK, members + 1))
            conn.execute(
                insert(MemberRow),
                [
                    {
                        "id": i,
                        "group_id": group.id,
                        "external_id": f"{100_000_000 + i}",
                        "name": f"Member {i}",
                        "next_morning_at": MORNING,
                        "last_planned_on": date(2026, 3, 2),
                        "active_leads": 1,
                        "next_lead_number": 2,
                        "created_at": created,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(LeadRow),
                [
                    {
                        "member_id": i,
                        "number": 1,
                        "contact": f"Julie Martin {i}",
                        "company": "Acme",
                        "role": "Engineering Manager",
                        "via": "email",
                        "stage": "emailed",
                        "stage_since": EMAILED,
                        "last_touch_at": EMAILED,
                        "due_on": date(2026, 2, 27),
                        "created_at": EMAILED - timedelta(days=1),
                    }
                    for i in ids
                ],
            )
        fix_sequences(conn, ("members",))  # the ids were given explicitly
    settle(engine)


@contextmanager
def database(kind: str) -> Iterator[str]:
    """The URL of an empty database of `kind`, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="followthrough-delivery-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'delivery.db'}"
        return
    schema = PostgresSchema.connect(PG_SCHEMA)
    if schema is None:
        raise SystemExit(2)
    try:
        yield schema.url
    finally:
        schema.close()


def outbox_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
        return {status: n for status, n in rows}


# -- the run -------------------------------------------------------------------------------


@dataclass
class Result:
    messages: int
    planned: int
    plan_seconds: float
    seconds: float
    sent: int
    platform: FakePlatform
    counts: dict[str, int]


async def deliver(deliverer: Deliverer) -> float:
    """Drain until nothing is pending or claimed; returns the seconds it took."""
    outbox = deliverer.outbox
    start = time.perf_counter()
    while True:
        sent = await deliverer.drain()
        counts = await asyncio.to_thread(outbox.status)
        if counts["pending"] + counts["claimed"] == 0:
            return time.perf_counter() - start
        if not sent:
            await asyncio.sleep(0.05)  # rows waiting for a retry time


def run(url: str, args: argparse.Namespace) -> Result:
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        load(engine, args.messages)
        print(f"  loaded {args.messages:,} members in {time.perf_counter() - started:.1f} s")
        clock = RunningClock(MORNING + timedelta(minutes=1))
        app = build(Settings(database_url=url), clock, migrate=False).app
        started = time.perf_counter()
        planned = app.planner.plan()
        plan_seconds = time.perf_counter() - started
        print(f"  planned {planned:,} digests in {plan_seconds:.2f} s; delivering...", flush=True)
        platform = FakePlatform(args.limit, args.window, args.on_excess, seed=args.seed)
        deliverer = Deliverer(
            app.outbox,
            {"discord": Platform(platform, RateLimiter(rate=args.rate, burst=args.burst))},
            "bench",
            senders=args.senders,
        )
        seconds = asyncio.run(deliver(deliverer))
        return Result(
            args.messages,
            planned,
            plan_seconds,
            seconds,
            deliverer.sent,
            platform,
            outbox_counts(engine),
        )
    finally:
        engine.dispose()


def report(result: Result, args: argparse.Namespace) -> list[str]:
    """Print the figures; return what went wrong."""
    platform, limit = result.platform, args.limit
    rate = result.sent / result.seconds
    share = rate / limit
    # The rate once the limiter's initial burst is spent (after the first second).
    accepted = platform.accepted
    steady = [t for t in accepted if t >= accepted[0] + 1.0] if accepted else []
    steady_rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else 0.0
    twice = sum(n > 1 for n in platform.keys.values())
    need = result.messages / limit
    print(f"messages          {result.messages:,}")
    print(f"sent              {result.sent:,}  outbox: {result.counts}")
    print(f"seconds           {result.seconds:.1f}  (the limit allows no less than {need:.1f})")
    print(f"achieved rate     {rate:.1f} /s  ({share:.1%} of the {limit}/s limit)")
    print(f"after 1st second  {steady_rate:.1f} /s")
    print(f"429 answered      {platform.rejected:,}")
    print(f"over the limit    {platform.violations:,}  (requests the platform counted as excess)")
    print(f"busiest second    {platform.busiest_second()} accepted (sliding 1 s window)")
    print(
        f"planning          {result.planned:,} digests in {result.plan_seconds:.2f} s"
        f" ({result.planned / result.plan_seconds:,.0f} members/s, "
        f"{need / result.plan_seconds:,.0f}x faster than the limit lets them out)"
    )
    problems = []
    if share < TARGET_SHARE:
        problems.append(f"achieved {share:.1%} of the limit, target {TARGET_SHARE:.0%}")
    if result.planned != result.messages:
        problems.append(f"planned {result.planned} digests for {result.messages} members")
    if result.counts.get("sent", 0) != result.messages or len(platform.keys) != result.messages:
        problems.append(f"not everything was sent exactly once: {result.counts}")
    if twice:
        problems.append(f"{twice} messages accepted twice by the platform")
    verdict = "met" if share >= TARGET_SHARE else "MISSED"
    print(f"target            >= {TARGET_SHARE:.0%} of the limit: {verdict}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.delivery_rate",
        description="Deliver the outbox through a rate-limited fake platform and time it.",
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rate", type=float, default=50.0, help="RateLimiter rate (/s)")
    parser.add_argument("--burst", type=int, help="RateLimiter burst (default: its own)")
    parser.add_argument("--limit", type=int, default=50, help="the platform's limit (/s)")
    parser.add_argument("--window", choices=("sliding", "fixed", "bucket"), default="sliding")
    parser.add_argument("--on-excess", choices=("429", "record"), default="429")
    parser.add_argument("--senders", type=int, default=4, help="Deliverer senders")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.messages < 1:
        parser.error("--messages must be at least 1")
    limiter = RateLimiter(rate=args.rate, burst=args.burst)
    print(
        f"Delivering {args.messages:,} digests on {args.database} through a fake platform"
        f" allowing {args.limit}/s ({args.window} window, excess: {args.on_excess}),"
        f" latency 5-20 ms; RateLimiter(rate={args.rate:g}, burst={limiter.burst}),"
        f" {args.senders} senders. Python {sys.version.split()[0]}, {os.cpu_count()} CPUs.",
        flush=True,
    )
    try:
        with database(args.database) as url:
            result = run(url, args)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"database unavailable: {reason}", file=sys.stderr)
        return 2
    problems = report(result, args)
    for problem in problems:
        print(f"WARNING {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the Monday board's picture for one big group, and its member's own.

    .venv/bin/python -m benchmarks.weekly_picture [--members 5000]
        [--database sqlite|postgresql|both] [--leads-per-week 1.5] [--seed 1] [--runs 5]

It loads the group of `benchmarks.weekly_board` (a year of history for each member,
through the real migrations; PostgreSQL in schema `bench_picture`) and, for the Monday
board of 2026-03-16 (last week: Mon 9 - Sun 15 March), times:
  - loading the plotting library, once per process, at the first picture (a bot that
    never draws never pays it);
  - the week's figures: the day tallies summed per day and the referral chains that grew,
    with the statements they cost (the target: two, whatever the group's size);
  - drawing the PNG;
  - the whole, figures and drawing (the target: a few hundred milliseconds at most), the
    median of `--runs`, and its peak memory: Python's allocations (tracemalloc) and the
    process's resident set's growth;
  - the member with the most leads' own week (`my_week_picture`);
  - how late a 5 ms timer on the event loop runs while pictures are drawn in a worker
    thread (`asyncio.to_thread`, as the runtime calls the planner): what Discord's
    heartbeat and Slack's acks would wait.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event

from benchmarks import weekly_board
from benchmarks.common import median_seconds, timed
from core.domain.weekly import Week, alt_text
from core.reports import chart
from core.services import boards
from core.services.ports import SimulatedClock
from core.storage.database import Database, make_engine

PG_SCHEMA = "bench_picture"
TARGET = 0.3  # seconds for the figures and the drawing, 5,000 members
LAST_MONDAY = weekly_board.BOARD_DAY - timedelta(days=7)
TICK = 0.005  # the event loop's probe timer


@dataclass
class Result:
    database: str
    statements: int = 0
    data: float = 0.0
    draw: float = 0.0
    whole: float = 0.0
    whole_cpu: float = 0.0  # the thread's CPU time: what a loaded machine doesn't inflate
    member: float = 0.0
    python_peak: int = 0
    rss_growth: int = 0
    png_bytes: int = 0
    alt: str = ""
    loop_late: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def statements_of(engine: Engine, work: Callable[[], Any]) -> tuple[int, Any]:
    """How many statements `engine` ran for `work`, and what it returned."""
    seen: list[str] = []

    def before(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", before)
    try:
        value = work()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen), value


def cpu_median(work: Callable[[], Any], runs: int) -> float:
    """The median CPU time of `runs` calls of `work`, in this thread."""
    spent = []
    for _ in range(runs):
        start = time.thread_time()
        work()
        spent.append(time.thread_time() - start)
    return statistics.median(spent)


def rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def loop_lateness(draw: Callable[[], bytes], pictures: int) -> list[float]:
    """How late each 5 ms tick of the loop ran while `pictures` were drawn in a thread."""
    late: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            late.append(time.perf_counter() - start - TICK)

    task = asyncio.create_task(probe())
    for _ in range(pictures):
        await asyncio.to_thread(draw)
    done.set()
    await task
    return late


def measure(database: str, url: str, loaded: weekly_board.Loaded, runs: int) -> Result:
    result = Result(database)
    engine = make_engine(url)
    db = Database(engine, SimulatedClock(weekly_board.NOW))
    try:
        with db.uow() as uow:
            group = uow.groups.get("slack", "T-BENCH-BOARD")
            assert group is not None and group.id is not None
            member = uow.members.get(group.id, loaded.busiest[1], lock=False)
            assert member is not None
            boards.week(uow, group, LAST_MONDAY)  # the first read of a fresh engine
            result.statements, week = statements_of(
                engine, lambda: boards.week(uow, group, LAST_MONDAY)
            )
            result.data = median_seconds(lambda: boards.week(uow, group, LAST_MONDAY), runs)
            result.draw = median_seconds(lambda: chart.png(week), runs)

            def whole() -> bytes:
                return chart.png(boards.week(uow, group, LAST_MONDAY))

            result.whole = median_seconds(whole, runs)
            result.whole_cpu = cpu_median(whole, runs)
            rss = rss_kib()
            tracemalloc.start()
            result.png_bytes = len(whole())
            result.python_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            result.rss_growth = (rss_kib() - rss) * 1024
            result.alt = alt_text(week)
            result.member = median_seconds(
                lambda: boards.my_week_picture(uow, group, member, weekly_board.FRIDAY), runs
            )
            if week.total == 0:
                result.problems.append("last week drew no actions")
        result.loop_late = asyncio.run(loop_lateness(lambda: chart.png(week), runs))
    finally:
        engine.dispose()
    return result


def report(r: Result, runs: int) -> None:
    late = sorted(r.loop_late)
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))] if late else 0.0
    print(f"{r.database}: {r.alt}")
    print(
        f"{r.database}: figures {r.data * 1000:.1f} ms ({r.statements} statements) ·"
        f" drawing {r.draw * 1000:.0f} ms · both {r.whole * 1000:.0f} ms"
        f" ({r.whole_cpu * 1000:.0f} ms of CPU)"
        f" · a member's own week {r.member * 1000:.0f} ms (medians of {runs});"
        f" PNG {r.png_bytes / 1024:.0f} KiB"
    )
    print(
        f"{r.database}: peak memory of one picture: {r.python_peak / 1024 / 1024:.1f} MiB of"
        f" Python allocations, resident set +{r.rss_growth / 1024 / 1024:.1f} MiB"
    )
    print(
        f"{r.database}: the event loop while pictures are drawn in a thread: {len(late)} ticks"
        f" of {TICK * 1000:.0f} ms, late by median {statistics.median(late or [0]) * 1000:.1f}"
        f" ms, p99 {p99 * 1000:.1f} ms, most {max(late or [0]) * 1000:.1f} ms"
    )
    for problem in r.problems:
        print(f"{r.database}: WARNING {problem}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.weekly_picture",
        description="Time the Monday board's picture of one big group.",
    )
    parser.add_argument("--members", type=int, default=5_000, help="members (default 5000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--leads-per-week", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="runs of each step (default 5)")
    args = parser.parse_args(argv)
    if args.members < 1 or args.leads_per_week <= 0 or args.runs < 1:
        parser.error("--members, --runs must be at least 1 and --leads-per-week positive")

    print(
        f"The Monday picture of {LAST_MONDAY:%a %Y-%m-%d}'s week for one group of"
        f" {args.members:,} members with a year of history each. Python"
        f" {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average"
        f" {os.getloadavg()[0]:.1f}.",
        flush=True,
    )
    loading, _ = timed(lambda: chart.png(Week(LAST_MONDAY)))
    print(f"the plotting library loaded and a first picture drawn: {loading * 1000:.0f} ms")
    results: list[Result] = []
    group = weekly_board.loaded_group(
        args.database, args.members, args.seed, args.leads_per_week, PG_SCHEMA
    )
    with group as (urls, loaded):
        if loaded is None:
            return 0
        print(
            f"loaded {loaded.members:,} members, {loaded.leads:,} leads and"
            f" {loaded.events:,} events into {' and '.join(urls)} in {loaded.seconds:.0f} s",
            flush=True,
        )
        for database, url in urls.items():
            print(f"{database}: measuring at load average {os.getloadavg()[0]:.1f}")
            result = measure(database, url, loaded, args.runs)
            report(result, args.runs)
            results.append(result)
    print()
    for r in results:
        verdict = "met" if r.whole < TARGET and r.statements <= 2 else "MISSED"
        print(
            f"{r.database}: figures and drawing {r.whole * 1000:.0f} ms"
            f" ({r.whole_cpu * 1000:.0f} ms of CPU) in {r.statements}"
            f" statements (target < {TARGET * 1000:.0f} ms, at most 2): {verdict}"
        )
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

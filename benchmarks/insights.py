"""Benchmark: what a member and an organiser see of a big group with a year of history.

    .venv/bin/python -m benchmarks.insights [--members 5000]
        [--database sqlite|postgresql|both] [--leads-per-week 1.5] [--seed 1] [--runs 5]

It loads the group `benchmarks.weekly_board` builds (one group of `--members` members,
each with a year of leads walked through the playbook, their events and tallies), then,
with the clock on Friday 2026-03-20 10:00 New York, times through the real entry
`Conversation.handle`, each the median of `--runs` runs:
  - `/lead stats all`, `/lead stats month` and `/lead stats week` as the member with the
    most leads (a year of history: the target is under 100 ms);
  - `/lead list`, `/lead list all page 3` and `/lead list due` as that member;
  - `/followthrough group report` and its page 2 as an organiser: every member's week,
    overdue follow-ups and last action (the target: under 100 ms for 5,000 members).

SQLite: a file in a temporary directory. PostgreSQL: see `benchmarks.common` (schema
`bench_insights`); the tables are ANALYZEd after loading, as autovacuum would.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from dataclasses import dataclass

from benchmarks.common import median_seconds
from benchmarks.weekly_board import FRIDAY, GROUP_TZ, Loaded, loaded_group
from core.domain.messages import MessageKind
from core.services import FollowThrough, Identity
from core.services.ports import SimulatedClock
from core.storage.database import Database, make_engine

PG_SCHEMA = "bench_insights"
TARGET = 0.1  # seconds: /lead stats all for a year of history, the report for 5,000 members
NOW = FRIDAY  # as the board benchmark reads: the Friday after its Monday
MEMBER_READS = (
    ("/lead", "stats all"),
    ("/lead", "stats month"),
    ("/lead", "stats week"),
    ("/lead", "list"),
    ("/lead", "list all page 3"),
    ("/lead", "list due"),
)
ORGANISER_READS = (
    ("/followthrough", "group report"),
    ("/followthrough", "group report page 2"),
)
TARGETED = ("/lead stats all", "/followthrough group report")


@dataclass
class Result:
    database: str
    reads: dict[str, float]
    stats: str
    report: str
    problems: list[str]


def measure(database: str, url: str, loaded: Loaded, runs: int) -> Result:
    engine = make_engine(url)
    clock = SimulatedClock(NOW)
    db = Database(engine, clock)
    problems: list[str] = []
    reads: dict[str, float] = {}
    shown: dict[str, str] = {}
    try:
        app = FollowThrough(db.uow, clock)
        _, user_id, name = loaded.busiest
        member = Identity("slack", "T-BENCH-BOARD", user_id, name)
        organiser = Identity("slack", "T-BENCH-BOARD", "U-ORGANISER", "Coach", is_admin=True)
        app.conversation.handle(organiser, "/lead", "help")  # joins once, as a coach would
        for who, asked in ((member, MEMBER_READS), (organiser, ORGANISER_READS)):
            for command, text in asked:
                answer = app.conversation.handle(who, command, text)
                if answer.kind is MessageKind.ERROR:
                    problems.append(f"{command} {text}: {answer.text[:200]}")
                shown[f"{command} {text}"] = answer.plain_text()
                reads[f"{command} {text}"] = median_seconds(
                    functools.partial(app.conversation.handle, who, command, text), runs
                )
    finally:
        engine.dispose()
    return Result(
        database,
        reads,
        shown["/lead stats all"],
        shown["/followthrough group report"],
        problems,
    )


def report(result: Result, runs: int) -> None:
    print(f"{result.database}: `/lead stats all` as the member with the most leads says:")
    print("\n".join(f"    {line}" for line in result.stats.splitlines() if line))
    lines = [line for line in result.report.splitlines() if line]
    print(f"{result.database}: `/followthrough group report` begins:")
    print("\n".join(f"    {line}" for line in lines[:5]))
    for command, seconds in result.reads.items():
        print(f"{result.database}: {command:<36} {seconds * 1000:6.1f} ms (median of {runs})")
    for problem in result.problems:
        print(f"{result.database}: WARNING {problem}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.insights",
        description="Time /lead stats, /lead list and the group report of one big group.",
    )
    parser.add_argument("--members", type=int, default=5_000, help="members (default 5000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--leads-per-week",
        type=float,
        default=1.5,
        help="new leads a member starts per week, each with its own story (default 1.5)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="runs per command (default 5)")
    args = parser.parse_args(argv)
    if args.members < 1 or args.leads_per_week <= 0 or args.runs < 1:
        parser.error("--members, --runs must be at least 1 and --leads-per-week positive")

    print(
        f"/lead stats, /lead list and /followthrough group report on {NOW:%a %Y-%m-%d}"
        f" ({GROUP_TZ}) for one group of {args.members:,} members, each with a year of"
        f" history ({args.leads_per_week:g} new leads a week). Python"
        f" {sys.version.split()[0]}, {os.cpu_count()} CPUs.",
        flush=True,
    )
    results: list[Result] = []
    group = loaded_group(args.database, args.members, args.seed, args.leads_per_week, PG_SCHEMA)
    with group as (urls, loaded):
        if loaded is None:
            return 0
        print(
            f"loaded {loaded.members:,} members, {loaded.leads:,} leads and"
            f" {loaded.events:,} events into {' and '.join(urls)} in {loaded.seconds:.0f} s;"
            f" a member's reads as the member with the most leads ({loaded.busiest[0]})",
            flush=True,
        )
        for database, url in urls.items():
            result = measure(database, url, loaded, args.runs)
            report(result, args.runs)
            results.append(result)
    print()
    for r in results:
        figures = ", ".join(f"{name} {r.reads[name] * 1000:.0f} ms" for name in TARGETED)
        met = all(r.reads[name] < TARGET for name in TARGETED)
        print(
            f"{r.database}: {figures} (target < {TARGET * 1000:.0f} each):"
            f" {'met' if met else 'MISSED'}"
        )
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

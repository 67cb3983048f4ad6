"""Benchmark: what one command costs the core, alone, one after another.

    .venv/bin/python -m benchmarks.command_cost [--members 100] [--runs 5]
        [--database sqlite|postgresql|both] [--profile COMMAND]

The core without an adapter: `FollowThrough.handle` called directly, on one thread, on a
migrated database, for a group of `--members` members who each added one lead. For
each command of the latency benchmarks' script (benchmarks/slack_latency.py) and the
App Home overview that follows a change, it runs the command once for every member
(warm-up), then `--runs` more times, and prints the median cost of one command. Under
load these costs queue: 50 commands in flight wait for each other's.

`--profile COMMAND` (`emailed`, `home`, ...) prints where one pass of that command
spends its time (cProfile, cumulative).

PostgreSQL: see `benchmarks.common` (schema `bench_command_cost`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
from collections.abc import Callable

from benchmarks.common import databases, timed
from benchmarks.slack_latency import SCRIPT
from bots.bootstrap import build
from bots.settings import Settings
from core.services import FollowThrough, Identity

HOME = ("home", "")


def name_of(command: str, text: str) -> str:
    return text.split(" ", 1)[0] if command == "/lead" else command.lstrip("/")


def one_pass(app: FollowThrough, members: list[Identity], command: str, text: str) -> None:
    for who in members:
        if (command, text) == HOME:
            app.home(who)
        else:
            app.handle(who, command, text)


def measure(url: str, members: int, runs: int, profile: str | None) -> dict[str, float]:
    """Milliseconds per command, the median of `runs` passes over every member."""
    with build(Settings(database_url=url), migrate=True) as services:
        app = services.app
        people = [Identity("slack", "T0BENCH", f"U{n:09d}", f"Member {n}") for n in range(members)]
        for who in people:
            app.handle(who, "/lead", f"add Julie {who.user_id} at Acme")
        costs: dict[str, float] = {}
        for command, text in (*SCRIPT, HOME):
            name = name_of(command, text)
            work: Callable[[], None] = lambda c=command, t=text: one_pass(app, people, c, t)  # noqa: E731
            work()  # warm-up: caches, and the first of each kind of event
            seconds = statistics.median(timed(work)[0] for _ in range(runs))
            costs[name] = 1000 * seconds / members
            if name == profile:
                profiler = cProfile.Profile()
                profiler.runcall(work)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return costs


def report(database: str, costs: dict[str, float]) -> str:
    each = ", ".join(f"{name} {ms:.2f}" for name, ms in costs.items())
    return f"{database:<10} ms per command: {each}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--profile", metavar="COMMAND", help="cProfile one pass of COMMAND")
    args = parser.parse_args(argv)
    print(
        f"the core alone, one thread, {args.members} members, median of {args.runs} passes",
        flush=True,
    )
    for database, url in databases(args.database, "bench_command_cost"):
        print(report(database, measure(url, args.members, args.runs, args.profile)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

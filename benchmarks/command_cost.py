"""Benchmark: what one command costs the core, alone, one after another.

    .venv/bin/python -m benchmarks.command_cost [--members 100] [--runs 5]
        [--database sqlite|postgresql|both] [--profile COMMAND] [--once]

The core without an adapter: `Conversation.handle` called directly, on one thread, on a
migrated database, for a group of `--members` members who each added one lead. For
each command of the latency benchmarks' script (benchmarks/slack_latency.py) and the
App Home overview that follows a change, it runs the command once for every member
(warm-up), then `--runs` more times, and prints the median cost of one command. Under
load these costs queue: 50 commands in flight wait for each other's.

`--profile COMMAND` (`emailed`, `home`, ...) prints where one pass of that command
spends its time (cProfile, cumulative).

`--once` also runs every command with a once-only key of its own, as Slack's slash
commands now are (a replayed trigger_id applies once), and prints both costs and their
ratio, measured in the same run.

`--dm` also types every command in the bot's DM (`Conversation.direct`: the same words
without the slash, each with the message's once key, in the member's one group, found
as on Discord: a DM that names no group), and prints both costs and their ratio,
measured in the same run.

PostgreSQL: see `benchmarks.common` (schema `bench_command_cost`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import statistics
import sys

from benchmarks.common import databases, timed
from benchmarks.slack_latency import SCRIPT
from bots.bootstrap import build
from bots.settings import Settings
from core.services import FollowThrough, Identity

HOME = ("home", "")


def name_of(command: str, text: str) -> str:
    return text.split(" ", 1)[0] if command == "/lead" else command.lstrip("/")


KEYS = itertools.count()


def dm_words(command: str, text: str) -> str:
    """What a member types in the DM for `command text`: the words without the slash."""
    return text if command in ("/lead", "/followthrough") else f"{command.lstrip('/')} {text}"


def one_pass(
    app: FollowThrough,
    members: list[Identity],
    command: str,
    text: str,
    keyed: bool = False,
    dm: bool = False,
) -> None:
    for who in members:
        if (command, text) == HOME:
            app.conversation.home(who)
        elif dm:
            # As on Discord, whose DM vouches for no group: the member's groups are read
            # first (a Slack DM names its workspace, and skips that read).
            anywhere = Identity(who.platform, "", who.user_id, who.name)
            app.conversation.direct(anywhere, dm_words(command, text), once=f"bench:{next(KEYS)}")
        else:
            app.conversation.handle(
                who, command, text, once=f"bench:{next(KEYS)}" if keyed else None
            )


def measure(
    url: str, members: int, runs: int, profile: str | None, keyed: bool = False, dm: bool = False
) -> tuple[dict[str, float], dict[str, float]]:
    """Milliseconds per command, the median of `runs` passes over every member; with
    `keyed`, the same with a once key per command (with `dm`, typed in the DM instead),
    its passes taken in turn with the plain ones (same data, same moment of the
    machine)."""
    with build(Settings(database_url=url), migrate=True) as services:
        app = services.app
        people = [Identity("slack", "T0BENCH", f"U{n:09d}", f"Member {n}") for n in range(members)]
        for who in people:
            app.conversation.handle(who, "/lead", f"add Julie {who.user_id} at Acme")
        costs: dict[str, float] = {}
        keyed_costs: dict[str, float] = {}
        for command, text in (*SCRIPT, HOME):
            name = name_of(command, text)

            def work(keys: bool = False, c: str = command, t: str = text) -> None:
                one_pass(app, people, c, t, keys, dm=keys and dm)

            work()  # warm-up: caches, and the first of each kind of event
            plain, once = [], []
            for _ in range(runs):
                plain.append(timed(work)[0])
                if keyed or dm:
                    once.append(timed(lambda: work(True))[0])
            costs[name] = 1000 * statistics.median(plain) / members
            if keyed or dm:
                keyed_costs[name] = 1000 * statistics.median(once) / members
            if name == profile:
                profiler = cProfile.Profile()
                profiler.runcall(work)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return costs, keyed_costs


def report(database: str, costs: dict[str, float]) -> str:
    each = ", ".join(f"{name} {ms:.2f}" for name, ms in costs.items())
    return f"{database:<10} ms per command: {each}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--profile", metavar="COMMAND", help="cProfile one pass of COMMAND")
    parser.add_argument("--once", action="store_true", help="each command with a once key too")
    parser.add_argument("--dm", action="store_true", help="each command typed in the DM too")
    args = parser.parse_args(argv)
    print(
        f"the core alone, one thread, {args.members} members, median of {args.runs} passes",
        flush=True,
    )
    for database, url in databases(args.database, "bench_command_cost"):
        plain, keyed = measure(url, args.members, args.runs, args.profile, args.once, args.dm)
        print(report(database, plain), flush=True)
        if keyed:
            print(report("  in a DM" if args.dm else "  once key", keyed), flush=True)
            ratios = ", ".join(f"{name} {keyed[name] / plain[name]:.2f}" for name in plain)
            label = "dm/slash" if args.dm else "keyed/plain"
            print(f"{'  ratio':<10} {label}: {ratios}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

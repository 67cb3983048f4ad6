"""Benchmark: how long a member waits for the answer to a slash command on Discord.

    .venv/bin/python -m benchmarks.discord_latency [--interactions 1000] [--in-flight 50]
        [--members 100] [--database sqlite|postgresql|both] [--adapter-only]
    .venv/bin/python -m benchmarks.discord_latency --rate 200 [--seconds 10] [--rounds 2]
        [--only add] [--members 100] [--database sqlite|postgresql|both]

The real discord.py client logs in to the fake Discord of the test suite
(testkit/discord.py) on 127.0.0.1, run in a second process as the real Discord is
elsewhere (the bot has this process to itself), opens its gateway session, and the fake
dispatches `--interactions` INTERACTION_CREATE events over the websocket, `--in-flight`
at a time, from `--members` members of one guild: a mix of `/lead add`, `/lead emailed`,
`/lead list`, `/lead show` and `/leaderboard`. Each handler defers (the callback), runs
the command in a worker thread against the database, and answers with a follow-up.
Measured per interaction: from the dispatch leaving the fake to the fake receiving the
deferral (Discord's 3-second deadline) and the follow-up (what the member sees).

`--adapter-only` answers every command with the same short reply (benchmarks/common.py
AdapterOnly): the figures are then the adapter's own cost, the floor under the latency.

`--rate R` dispatches the interactions in an open loop instead, as members send them:
arriving at R a second (a Poisson process) for `--seconds`, each on its own, whatever the
bot's speed, and counts every interaction with no follow-up 5 s after the last dispatch.
It runs the app and its floor in alternate rounds (`--rounds` of each, each on a fresh
database, SQLite unless `--database` says otherwise), prints each round, and ends with the
line `p99 app/floor <ratio> at <rate>/s`. `--only add` sends nothing but `/lead add` of
fresh names.

SQLite: a file in a temporary directory. PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/test, in a schema of its own
(`bench_discord_latency`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import multiprocessing.connection
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    AdapterOnly,
    Apart,
    Plan,
    Round,
    Search,
    capacity_lines,
    compare,
    databases,
    open_loop,
    quantile,
    receive,
    search_capacity,
)
from bots.bootstrap import build
from bots.discord.client import Bot, Options, login, point_at
from bots.runtime.workers import settle_garbage_collector
from bots.settings import Settings
from core.services.ports import SystemClock
from testkit import discord_payloads as p
from testkit.discord import FakeDiscord

USER_BASE = 731000000000000000


@dataclass
class Result:
    database: str
    interactions: int
    in_flight: int
    seconds: float
    acks: list[float]
    answers: list[float]
    errors: int


def payload(n: int, members: int, only_add: bool = False) -> dict[str, Any]:
    user = USER_BASE + n % members
    round_ = n // members  # each member's n-th command
    if only_add:
        return p.command(
            "lead",
            "add",
            p.option("contact", f"Contact {n}"),
            p.option("company", f"Company {n}"),
            user_id=user,
        )
    match round_ % 5:
        case 0:
            return p.command(
                "lead",
                "add",
                p.option("contact", f"Contact {round_}"),
                p.option("company", f"Company {n}"),
                user_id=user,
            )
        case 1:
            return p.command(
                "lead", "emailed", p.option("lead", f"#{round_ // 5 * 1 + 1}"), user_id=user
            )
        case 2:
            return p.command("lead", "list", user_id=user)
        case 3:
            return p.command("lead", "show", p.option("lead", "#1"), user_id=user)
        case _:
            return p.command("leaderboard", user_id=user)


def load(conn: multiprocessing.connection.Connection, args: argparse.Namespace) -> None:
    """The child process: the fake Discord, and the interactions it dispatches."""
    asyncio.run(_load(conn, args))


async def _load(conn: multiprocessing.connection.Connection, args: argparse.Namespace) -> None:
    fake = await FakeDiscord().start()
    fake.notify = False
    try:
        conn.send((fake.api_url, fake.gateway_url, fake.token))
        await receive(conn)  # the bot's gateway session is ready
        slots = asyncio.Semaphore(args.in_flight)
        acks: list[float] = []
        answers: list[float] = []
        errors = 0

        if args.plan is not None:
            plan: Plan | Search = args.plan
            numbers = itertools.count()  # fresh names across a search's probes

            async def answer(_: int) -> float:
                data = payload(next(numbers), args.members, plan.only_add)
                sent = time.monotonic()
                await fake.dispatch("INTERACTION_CREATE", data)
                answered: float = await fake.until_answered(data["token"], 60)
                return answered - sent

            def sent(each: Plan) -> Awaitable[Round]:
                return open_loop(answer, each)

            if isinstance(plan, Search):
                conn.send(await search_capacity(sent, plan))
            else:
                conn.send(await sent(plan))
            await receive(conn)  # the bot has closed
            return

        async def one(n: int) -> None:
            nonlocal errors
            async with slots:
                data = payload(n, args.members)
                sent = time.monotonic()
                await fake.dispatch("INTERACTION_CREATE", data)
                try:
                    answered = await fake.until_answered(data["token"], 30)
                except TimeoutError:
                    errors += 1
                    return
                acks.append(fake.acked[int(data["id"])] - sent)
                answers.append(answered - sent)

        started = time.monotonic()
        await asyncio.gather(*(one(n) for n in range(args.interactions)))
        conn.send((time.monotonic() - started, acks, answers, errors))
        await receive(conn)  # the bot has closed
    finally:
        await fake.close()


async def measure(url: str, name: str, args: argparse.Namespace, tmp: Path) -> Any:
    """This process: the bot on `url`, logged in to the fake of the child process; what
    the load saw (a Result, or the open loop's Round)."""
    apart = Apart(load, args)
    try:
        api_url, gateway_url, token = await apart.recv()
        point_at(api_url, gateway_url)
        with build(Settings(database_url=url), SystemClock(), migrate=True) as services:
            options = Options(sync=False, sync_file=tmp / "sync", guild_ready_timeout=0.05)
            app = (
                AdapterOnly(services.app.conversation)
                if args.adapter_only
                else services.app.conversation
            )
            bot = Bot(app, options, services.core)
            gateway: asyncio.Task[None] | None = None
            try:
                await login(bot, token)
                gateway = asyncio.create_task(bot.connect(reconnect=False))
                await asyncio.wait_for(bot.wait_until_ready(), 10)
                settle_garbage_collector()  # as `followthrough run` does once started
                apart.send("ready")
                seen = await apart.recv()
            finally:
                await bot.close()
                if gateway is not None:
                    await asyncio.gather(gateway, return_exceptions=True)
        apart.send("closed")
        if isinstance(seen, Round | list):
            return seen
        seconds, acks, answers, errors = seen
        return Result(name, args.interactions, args.in_flight, seconds, acks, answers, errors)
    finally:
        apart.close()


def report(result: Result) -> list[str]:
    ms = [x * 1000 for x in result.answers]
    acks = [x * 1000 for x in result.acks]
    return [
        f"{result.database}: {result.interactions} interactions, {result.in_flight} in flight,"
        f" {result.seconds:.1f} s ({result.interactions / result.seconds:.0f}/s),"
        f" {result.errors} unanswered",
        f"  answer (follow-up)  p50 {quantile(ms, 50):6.1f} ms  p95 {quantile(ms, 95):6.1f} ms"
        f"  p99 {quantile(ms, 99):6.1f} ms  max {max(ms):6.1f} ms",
        f"  ack (deferral)      p50 {quantile(acks, 50):6.1f} ms  p95 {quantile(acks, 95):6.1f}"
        f" ms  p99 {quantile(acks, 99):6.1f} ms  max {max(acks):6.1f} ms"
        f"  (Discord allows 3000 ms)",
        f"  mean answer {statistics.mean(ms):.1f} ms",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql", "both"),
        help="both unless --rate, then sqlite",
    )
    parser.add_argument(
        "--adapter-only",
        action="store_true",
        help="answer every command with a constant reply: the adapter's own cost",
    )
    parser.add_argument("--rate", type=float, help="open loop: interactions arriving per second")
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="search the highest rate with p99 under 100 ms, for the bot and its floor",
    )
    parser.add_argument(
        "--seconds", type=float, help="open loop: for how long (10; each capacity probe: 3)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="open loop: rounds of app and floor")
    parser.add_argument("--only", choices=("add",), help="open loop: nothing but /lead add")
    args = parser.parse_args(argv)
    only_add = args.only == "add"
    args.plan = (
        Search(args.seconds or 3.0, only_add=only_add)
        if args.capacity
        else None
        if args.rate is None
        else Plan(args.rate, args.seconds or 10.0, only_add=only_add)
    )
    logging.basicConfig(level=logging.ERROR)
    print(f"machine: {os.cpu_count()} CPUs; discord.py against the fake on 127.0.0.1")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if isinstance(args.plan, Search):
            print(
                f"capacity: interactions ({args.only or 'the usual mix'}), probes of"
                f" {args.plan.seconds:g}s from {args.plan.start:g}/s, {args.members} members",
                flush=True,
            )
            for database, url in databases(args.database or "sqlite", "bench_discord_latency"):
                app, floor = (
                    asyncio.run(
                        measure(
                            url,
                            database,
                            argparse.Namespace(**{**vars(args), "adapter_only": adapter_only}),
                            tmp,
                        )
                    )
                    for adapter_only in (False, True)
                )
                for line in capacity_lines(database, app, floor, args.plan):
                    print(line, flush=True)
            return 0
        if args.plan is not None:
            print(
                f"interactions arriving at {args.rate:g}/s for {args.plan.seconds:g}s"
                f" ({args.only or 'the usual mix'}), {args.members} members, app and floor"
                f" in turn; dispatch -> follow-up",
                flush=True,
            )

            def run(url: str, adapter_only: bool) -> Round:
                chosen = argparse.Namespace(**{**vars(args), "adapter_only": adapter_only})
                found: Round = asyncio.run(measure(url, "", chosen, tmp))
                return found

            compare(run, args.database or "sqlite", "bench_discord_latency", args.rounds, args.rate)
            return 0
        for database, url in databases(args.database or "both", "bench_discord_latency"):
            for line in report(asyncio.run(measure(url, database, args, tmp))):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: Slack slash-command latency, from the signed request to the member's answer.

    .venv/bin/python -m benchmarks.slack_latency [--commands 1000] [--in-flight 50]
        [--members 100] [--database sqlite|postgresql|both] [--adapter-only]
    .venv/bin/python -m benchmarks.slack_latency --rate 200 [--seconds 10] [--rounds 2]
        [--only add] [--members 100] [--database sqlite|postgresql|both]

The real Slack adapter (Bolt's AsyncApp served by aiohttp on 127.0.0.1) on a migrated
database, its Web API faked on 127.0.0.1 (testkit/slack.py) in a second process that
also sends the load, so that the app has this process to itself. Each member adds a
lead, then the commands cycle through `list`, `emailed`, `note`, `show`, `today` and
`/leaderboard`, signed as Slack signs them, `--in-flight` at a time. The latency is from
sending the request to the member's answer: the ack's body when the answer rides in it,
else the post on the payload's response_url that follows an empty ack. A member's first
command includes their users.info (then cached), as in production.

`--adapter-only` answers every command with the same short reply (benchmarks/common.py
AdapterOnly): the figures are then the adapter's own cost, the floor under the latency.

`--rate R` sends the commands in an open loop instead, as members send them: arriving at R
a second (a Poisson process) for `--seconds`, each on its own, whatever the app's speed,
and counts every command unanswered 5 s after the last one was sent. It runs the app and
its floor in alternate rounds (`--rounds` of each, each on a fresh database, SQLite unless
`--database` says otherwise), prints each round, and ends with the line
`p99 app/floor <ratio> at <rate>/s`. `--only add` sends nothing but `/lead add` of fresh
names.

PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test,
in a schema of its own (`bench_slack_latency`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import statistics
import sys
import time
from collections.abc import Awaitable
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

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
from bots.runtime.workers import settle_garbage_collector
from bots.settings import Settings
from bots.slack.config import SlackConfig
from bots.slack.server import SlackServer
from core.storage.platforms.slack import SlackStorage
from testkit.slack import BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlack, form, sign

SCRIPT = (
    ("/lead", "list"),
    ("/lead", "emailed #1 sent the first note"),
    ("/lead", "note #1 prefers mornings"),
    ("/lead", "show #1"),
    ("/lead", "today"),
    ("/leaderboard", ""),
)


def load(
    conn: Connection,
    commands: int,
    in_flight: int,
    members: int,
    plan: Plan | Search | None = None,
) -> None:
    """The child process: the fake Slack, and the signed commands sent to the app, at most
    `in_flight` at a time, or as the open loop of `plan` says, or in the open loops of a
    capacity search."""
    asyncio.run(_load(conn, commands, in_flight, members, plan))


def command(n: int, users: list[str], plan: Plan | Search | None) -> tuple[str, str, str]:
    """The n-th command: (user, command, text)."""
    members = len(users)
    if plan is not None and plan.only_add:
        return users[n % members], "/lead", f"add Contact {n} at Company {n}"
    return (users[n % members], *SCRIPT[(n // members) % len(SCRIPT)])


async def _load(
    conn: Connection, commands: int, in_flight: int, members: int, plan: Plan | Search | None
) -> None:
    async with FakeSlack(post_per_channel=None) as fake:
        users = [f"U{n:09d}" for n in range(members)]
        for user in users:
            fake.add_user(user, f"Member {user[-3:]}")
        conn.send(fake.api_url)
        events = await receive(conn)
        latencies: list[float] = []
        hooks = itertools.count()
        gate: Any = asyncio.Semaphore(in_flight) if plan is None else contextlib.nullcontext()
        connector = aiohttp.TCPConnector(limit=in_flight if plan is None else 0)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def one(user: str, command: str, text: str, timed: bool) -> float:
                hook = f"b{next(hooks)}"
                body = form(
                    command=command,
                    text=text,
                    user_id=user,
                    user_name=user.lower(),
                    team_id=TEAM,
                    channel_id="D0BENCH001",
                    trigger_id=f"t-{hook}",
                    response_url=fake.response_url(hook),
                    api_app_id="A0APP00001",
                )
                async with gate:
                    started = time.perf_counter()
                    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
                    async with http.post(events, data=body.encode(), headers=headers) as r:
                        assert r.status == 200, r.status
                        in_ack = bool(await r.read())
                    answered = (
                        time.perf_counter()  # the answer rode in the ack
                        if in_ack
                        else await asyncio.wait_for(fake.answered_at(hook), 60)
                    )
                    if timed:
                        latencies.append(answered - started)
                    return answered - started

            # Warm-up, not timed: auth.test once; each member's first lead.
            await asyncio.gather(*(one(u, "/lead", f"add Julie {u} at Acme", False) for u in users))
            numbers = itertools.count()  # fresh names across a search's probes

            def sent(each: Plan) -> Awaitable[Round]:
                return open_loop(lambda _: one(*command(next(numbers), users, each), False), each)

            found: Any
            if isinstance(plan, Search):
                found = await search_capacity(sent, plan)
            elif plan is not None:
                found = await sent(plan)
            else:
                work = [command(i, users, None) for i in range(commands)]
                await asyncio.gather(*(one(user, c, t, True) for user, c, t in work))
                found = latencies
        conn.send(found)
        await receive(conn)  # the app has stopped: its last Home refreshes are in


async def measure(
    url: str,
    commands: int,
    in_flight: int,
    members: int,
    adapter_only: bool = False,
    plan: Plan | Search | None = None,
) -> Any:
    """This process: the app on `url`, served to the load of the child process; what the
    load saw (each latency, or the open loop's Round)."""
    apart = Apart(load, commands, in_flight, members, plan)
    try:
        api_url = await apart.recv()
        with build(Settings(database_url=url), migrate=True) as services:
            config = SlackConfig(
                signing_secret=SIGNING_SECRET,
                bot_token=BOT_TOKEN,
                api_url=api_url,
                http_port=0,
                database_url=url,
            )
            app = (
                AdapterOnly(services.app.conversation)
                if adapter_only
                else services.app.conversation
            )
            server = SlackServer(
                app, config, SlackStorage(config.database_url, config.client_id), core=services.core
            )
            await server.start()
            settle_garbage_collector()  # as `followthrough run` does once started
            apart.send(f"http://127.0.0.1:{server.port}/slack/events")
            found = await apart.recv()
            await server.stop()
        apart.send("stopped")
        return found
    finally:
        apart.close()


def report(name: str, latencies: list[float], wall: float) -> str:
    ms = [1000 * x for x in latencies]
    return (
        f"{name:<10} {len(ms)} commands in {wall:.1f}s: p50 {quantile(ms, 50):.1f} ms,"
        f" p95 {quantile(ms, 95):.1f} ms, p99 {quantile(ms, 99):.1f} ms,"
        f" max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=1000)
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
    parser.add_argument("--rate", type=float, help="open loop: commands arriving per second")
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="search the highest rate with p99 under 100 ms, for the app and its floor",
    )
    parser.add_argument(
        "--seconds", type=float, help="open loop: for how long (10; each capacity probe: 3)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="open loop: rounds of app and floor")
    parser.add_argument("--only", choices=("add",), help="open loop: nothing but /lead add")
    args = parser.parse_args(argv)
    if args.capacity:
        search = Search(args.seconds or 3.0, only_add=args.only == "add")
        print(
            f"capacity: signed slash commands ({args.only or 'the usual mix'}), probes of"
            f" {search.seconds:g}s from {search.start:g}/s, {args.members} members",
            flush=True,
        )
        for database, url in databases(args.database or "sqlite", "bench_slack_latency"):
            app, floor = (
                asyncio.run(measure(url, 0, 0, args.members, adapter_only, search))
                for adapter_only in (False, True)
            )
            for line in capacity_lines(database, app, floor, search):
                print(line, flush=True)
        return 0
    if args.rate is not None:
        plan = Plan(args.rate, args.seconds or 10.0, only_add=args.only == "add")
        print(
            f"signed slash commands arriving at {args.rate:g}/s for {plan.seconds:g}s"
            f" ({args.only or 'the usual mix'}), {args.members} members, app and floor in"
            f" turn; request -> answer",
            flush=True,
        )

        def run(url: str, adapter_only: bool) -> Round:
            found: Round = asyncio.run(measure(url, 0, 0, args.members, adapter_only, plan))
            return found

        compare(run, args.database or "sqlite", "bench_slack_latency", args.rounds, args.rate)
        return 0
    print(
        f"{args.commands} signed slash commands, {args.in_flight} in flight,"
        f" {args.members} members; request -> answer on the response_url",
        flush=True,
    )
    for database, url in databases(args.database or "both", "bench_slack_latency"):
        started = time.perf_counter()
        found = asyncio.run(
            measure(url, args.commands, args.in_flight, args.members, args.adapter_only)
        )
        print(report(database, found, time.perf_counter() - started), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

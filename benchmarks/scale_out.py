"""Benchmark: the morning of 20,000 members delivered by one, two and three workers.

    .venv/bin/python -m benchmarks.scale_out [--members 20000] [--workers 1,2,3]
        [--scale 2] [--latency-ms 60] [--slack-workspace-limit 2] [--discord-split]

Each run starts from the same database (PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or
the local test server, in a schema of its own, `bench_scale_out`, reloaded for each run
and dropped afterwards): half the members in 25 Slack workspaces, half in 25 Discord
guilds, each with one follow-up due on Tuesday 2026-03-03 at 08:00 (nine in ten with their
DM channel stored from an earlier morning). N `followthrough run --worker` processes
(bots.runtime.process.serve_roles, see testkit/scale.py) plan and deliver that morning to
the fakes of the test suite, which answer 429 with Retry-After beyond their limits:

- Slack: one chat.postMessage per second per channel (burst 3), and
  `--slack-workspace-limit` posts per second per workspace (Slack documents "a
  workspace-wide limit" without a number: this is the assumption). Each process paces
  each workspace at 1 message/s itself (the messenger's DEFAULT_WORKSPACE_RATE).
- Discord: 50 requests/s for the bot, shared by every process (the global limit), and
  its per-route buckets. Each process paces itself at the whole 50/s (the client's
  Options.rate), or at 50/N with `--discord-split` (what DISCORD.md advises).
- Both answer after `--latency-ms` (a real platform's round trip): with the Deliverer's
  four senders, that is what bounds one process, and why a second one adds throughput.

So that each run takes a few minutes, not a quarter of an hour, every limit and every
process's own pace is multiplied by `--scale` and the latency divided by it: the figures
are printed at that scale and, divided by it, at the platforms' real one. Printed per
run: messages per second in all and per platform against the limits, and the 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.common import PostgresSchema
from bots.bootstrap import build
from bots.settings import Settings
from core.storage.database import make_engine
from core.storage.tables import OutboxRow
from testkit import scale

PG_SCHEMA = "bench_scale_out"
SLACK_WORKSPACES, DISCORD_GUILDS = 25, 25  # cohorts of 400 at 20,000 members
DISCORD_GLOBAL = 50  # requests/s per bot token
DISCORD_DM_OPENS = 50  # per second: the route bucket of POST /users/@me/channels
SLACK_PACE = 1.0  # what one process allows itself per workspace (messages/s)


@dataclass
class Run:
    workers: int
    seconds: float  # first delivery to last
    planning: float  # until the first delivery
    slack: int
    slack_seconds: float
    discord: int
    discord_seconds: float
    slack_429: int
    discord_429: int
    discord_global_429: int
    statuses: dict[str, int]

    @property
    def rate(self) -> float:
        return (self.slack + self.discord) / self.seconds


def span(stamps: list[float]) -> float:
    return max(stamps[-1] - stamps[0], 1e-9) if len(stamps) > 1 else 1e-9


async def one_run(schema: PostgresSchema, workers: int, args: argparse.Namespace, tmp: Path) -> Run:
    url = schema.reset()
    with build(Settings(database_url=url), migrate=True):
        pass
    engine = make_engine(url)
    half = args.members // 2
    roster = scale.seed(
        engine,
        slack=(SLACK_WORKSPACES, half // SLACK_WORKSPACES),
        discord=(DISCORD_GUILDS, half // DISCORD_GUILDS),
    )
    total = len(roster.people)
    k, latency = args.scale, args.latency_ms / 1000 / args.scale
    team_of = {p.dm_channel: p.workspace for p in roster.on("slack")}
    slack = scale.workspace_slack(team_of, args.slack_workspace_limit * k, delay=latency)
    discord = scale.lean_discord(
        global_limit=int(DISCORD_GLOBAL * k),
        latency=latency,
        route_limits={
            "POST /channels/{id}/messages": (5, 5.0),
            "POST /users/@me/channels": (int(DISCORD_DM_OPENS * k), 1.0),
        },
    )
    for person in roster.on("discord"):
        discord.add_dm(int(person.user_id), int(person.dm_channel))
    discord_pace = int(DISCORD_GLOBAL * k / (workers if args.discord_split else 1))
    procs: list[scale.Process] = []
    async with slack:
        await discord.start()
        try:
            for i in range(workers):
                env = scale.environment(
                    tmp, url, scale.free_port(), slack.api_url,
                    (discord.api_url, discord.gateway_url),
                )  # fmt: skip
                pace = ("--slack-rate", str(SLACK_PACE * k), "--discord-rate", str(discord_pace))
                procs.append(await scale.spawn(f"w{workers}-{i}", "worker", env, tmp, *pace))
            for proc in procs:
                assert (await proc.line(60)).startswith("started"), proc.stderr()[-4000:]
            t0 = time.perf_counter()
            for proc in procs:
                await proc.move_to((scale.MORNING_AT + timedelta(minutes=1)).isoformat())
            moved = t0
            while len(slack.accepted) + len(discord.accepted) < total:
                await asyncio.sleep(0.5)
                now = time.perf_counter()
                if now - t0 > args.timeout:
                    raise SystemExit(f"{workers} workers: timed out after {args.timeout:.0f} s")
                if now - moved >= 5:  # the clock follows the wall clock: backoffs come due
                    moved = now
                    at = scale.MORNING_AT + timedelta(minutes=1, seconds=now - t0)
                    for proc in procs:
                        await proc.move_to(at.isoformat())
            for proc in procs:
                await proc.stop()
        finally:
            for proc in procs:
                await proc.kill()
            await discord.close()
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
        statuses: dict[str, int] = {status: n for status, n in rows}
    engine.dispose()
    stamps = sorted(slack.accepted + discord.accepted)
    return Run(
        workers,
        span(stamps),
        stamps[0] - t0,
        len(slack.accepted),
        span(slack.accepted),
        len(discord.accepted),
        span(discord.accepted),
        slack.limited["chat.postMessage"],
        discord.rate_limited,
        discord.globally_limited,
        statuses,
    )


def report(runs: list[Run], args: argparse.Namespace) -> None:
    k = args.scale
    slack_limit = SLACK_WORKSPACES * args.slack_workspace_limit * k
    discord_limit = DISCORD_GLOBAL * k
    print(
        f"\nlimits at scale x{k:g}: Slack {args.slack_workspace_limit * k:g} posts/s per workspace"
        f" x {SLACK_WORKSPACES} = {slack_limit:g}/s; Discord {discord_limit:g} requests/s for"
        f" the bot; latency {args.latency_ms / k:.0f} ms. Each process paces Slack at"
        f" {SLACK_PACE * k:g}/s per workspace ({SLACK_WORKSPACES * SLACK_PACE * k:g}/s) and"
        f" Discord at {discord_limit:g}/s" + (" / workers" if args.discord_split else "")
    )
    head = ("workers", "msgs/s", "real-scale", "slack/s", "of limit", "discord/s", "of limit",
            "slack 429", "discord 429 (global)", "planning s", "delivery s")  # fmt: skip
    rows: list[tuple[str, ...]] = [head]
    for r in runs:
        slack_rate, discord_rate = r.slack / r.slack_seconds, r.discord / r.discord_seconds
        rows.append(
            (
                str(r.workers),
                f"{r.rate:.0f}",
                f"{r.rate / k:.0f}",
                f"{slack_rate:.0f}",
                f"{slack_rate / slack_limit:.0%}",
                f"{discord_rate:.0f}",
                f"{discord_rate / discord_limit:.0%}",
                str(r.slack_429),
                f"{r.discord_429} ({r.discord_global_429})",
                f"{r.planning:.1f}",
                f"{r.seconds:.0f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    for n, row in enumerate(rows):
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    base = runs[0].rate
    for r in runs[1:]:
        print(f"{r.workers} workers: {r.rate / base:.2f}x the throughput of {runs[0].workers}")
    bad = [r for r in runs if r.statuses != {"sent": r.slack + r.discord}]
    for r in bad:
        print(f"WARNING {r.workers} workers left the outbox at {r.statuses}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--workers", default="1,2,3", help="comma-separated worker counts")
    parser.add_argument("--scale", type=float, default=2.0, help="limits and paces x this")
    parser.add_argument("--latency-ms", type=float, default=60.0, help="at scale 1")
    parser.add_argument("--slack-workspace-limit", type=float, default=2.0,
                        help="the fake's posts/s per workspace, at scale 1")  # fmt: skip
    parser.add_argument("--discord-split", action="store_true",
                        help="each process paces Discord at the limit / workers")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    print(
        f"Scale-out: {args.members:,} members' morning by {args.workers} workers;"
        f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs",
        flush=True,
    )
    schema = PostgresSchema.connect(PG_SCHEMA)
    if schema is None:
        return 1
    runs: list[Run] = []
    try:
        with tempfile.TemporaryDirectory(prefix="followthrough-scale-") as tmp:
            for n in counts:
                run: Any = asyncio.run(one_run(schema, n, args, Path(tmp)))
                runs.append(run)
                print(
                    f"{n} workers: {run.slack + run.discord:,} messages in {run.seconds:.1f} s ="
                    f" {run.rate:.0f}/s (planning {run.planning:.1f} s)",
                    flush=True,
                )
    finally:
        schema.close()
    report(runs, args)
    return 0 if all(r.statuses == {"sent": r.slack + r.discord} for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the peak memory of one process serving 100,000 members through a morning.

    .venv/bin/python -m benchmarks.memory_morning [--members 100000]
        [--database postgresql|sqlite] [--timeout 1800]

One `followthrough run --slack --discord` process (bots.runtime.process.serve_roles: the
Slack HTTP listener, the Discord gateway, the tick, planning and delivery; see
testkit/scale.py) serves half the members in Slack workspaces of 1,000 and half in
Discord guilds of 1,000, each member with one lead whose follow-up is due on Tuesday
2026-03-03 at 08:00 London (UTC), nine in ten with the DM channel stored from an earlier
morning. Its simulated clock goes to 08:01 and then follows the wall clock; the process
plans 100,000 digests and delivers them to the fakes of the test suite, in this process.

The fakes' limits are raised so that the morning takes minutes instead of the 17 minutes
Discord's 50 requests/s alone would take: no per-channel post limit on Slack, no global
limit on Discord (its per-channel message bucket stays; DM opens 10,000/s), and the
process paces itself at 10,000 messages/s per Slack workspace and 10,000 requests/s for
the Discord bot. Memory is what is measured: the throughput printed is this machine's,
not the platforms'.

Printed: the peak resident set of the bot process (VmHWM from /proc, and ru_maxrss), its
resident set sampled during planning and during delivery, and the target (< 300 MB).
PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or the local test server, in a schema of its
own (`bench_memory_morning`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.common import PostgresSchema
from bots.bootstrap import build
from bots.settings import Settings
from core.storage.database import make_engine
from core.storage.tables import OutboxRow
from testkit import scale

TARGET_MB = 300.0
PER_GROUP = 1_000
PG_SCHEMA = "bench_memory_morning"


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pace(stamps: list[float]) -> str:
    """The delivery rate of the first and the last minute (of the whole delivery if it
    took less than two), and of each minute between: a cost that grows with the rows
    already sent shows as a falling rate."""
    first, last = stamps[0], stamps[-1]
    span = min(60.0, (last - first) / 2) or 1.0
    early = bisect.bisect_left(stamps, first + span)
    late = len(stamps) - bisect.bisect_right(stamps, last - span)
    minutes = [
        bisect.bisect_left(stamps, first + 60 * (m + 1))
        - bisect.bisect_left(stamps, first + 60 * m)
        for m in range(int((last - first) // 60))
    ]
    per_minute = ", ".join(f"{n / 60:,.0f}" for n in minutes)
    return (
        f"delivery pace: {early / span:,.0f}/s in the first {span:.0f} s,"
        f" {late / span:,.0f}/s in the last {span:.0f} s (last/first"
        f" {late / max(early, 1):.2f}); per whole minute: {per_minute}"
    )


async def morning(url: str, members: int, tmp: Path, timeout: float) -> int:
    with build(Settings(database_url=url), migrate=True):
        pass
    engine = make_engine(url)
    half = members // 2
    groups = (max(1, half // PER_GROUP), PER_GROUP if half >= PER_GROUP else half)
    started = time.perf_counter()
    roster = scale.seed(engine, slack=groups, discord=groups)
    total = len(roster.people)
    print(
        f"seeded {total:,} members ({groups[0]} Slack workspaces and {groups[0]} Discord guilds"
        f" of {groups[1]:,}) in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    slack = scale.workspace_slack({}, None, post_per_channel=None)
    discord = scale.lean_discord(
        global_limit=None,
        route_limits={
            "POST /channels/{id}/messages": (5, 5.0),
            "POST /users/@me/channels": (10_000, 1.0),
        },
    )
    for person in roster.on("discord"):
        discord.add_dm(int(person.user_id), int(person.dm_channel))
    async with slack:
        await discord.start()
        try:
            env = scale.environment(
                tmp, url, scale.free_port(), slack.api_url, (discord.api_url, discord.gateway_url)
            )
            bot = await scale.spawn(
                "bot", "listener", env, tmp, "--slack-rate", "10000", "--discord-rate", "10000"
            )
            assert (await bot.line(60)).startswith("started"), bot.stderr()[-4000:]
            idle = rss_mib(bot.pid)
            samples: dict[str, float] = {"planning": 0.0, "delivery": 0.0}

            def delivered() -> int:
                return len(slack.accepted) + len(discord.accepted)

            t0 = time.monotonic()  # the fakes stamp each message with time.monotonic()
            await bot.move_to((scale.MORNING_AT + timedelta(minutes=1)).isoformat())
            first = None
            last_print = t0
            while True:
                await asyncio.sleep(0.25)
                now = time.monotonic()
                done = delivered()
                phase = "planning" if done == 0 else "delivery"
                samples[phase] = max(samples[phase], rss_mib(bot.pid))
                if done and first is None:
                    first = now
                if done >= total:
                    break
                if now - t0 > timeout:
                    raise SystemExit(f"timed out after {timeout:.0f} s: {done:,} of {total:,}")
                if now - last_print >= 15:
                    last_print = now
                    rate = done / (now - first) if first else 0.0
                    print(
                        f"  {now - t0:5.0f} s: {done:,} delivered ({rate:,.0f}/s),"
                        f" RSS {rss_mib(bot.pid):.0f} MiB",
                        flush=True,
                    )
                    # The clock follows the wall clock (a failed send's backoff comes due).
                    at = scale.MORNING_AT + timedelta(minutes=1, seconds=now - t0)
                    await bot.move_to(at.isoformat())
            stamps = sorted([*slack.accepted, *discord.accepted])
            out = await bot.stop()
        finally:
            await discord.close()
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()
        )
    engine.dispose()
    peak_line = next(line for line in out.splitlines() if line.startswith("peak-rss-mib"))
    words = peak_line.split()
    vmhwm, maxrss = float(words[1]), float(words[3])
    first, finished = stamps[0], stamps[-1]
    print(
        f"planning: {first - t0:.1f} s to the first delivery; delivery: {total:,} messages"
        f" in {finished - first:.1f} s = {total / (finished - first):,.0f}/s"
        f" (Slack {len(slack.accepted):,}, Discord {len(discord.accepted):,}); outbox {statuses}"
    )
    print(pace(stamps))
    print(
        f"bot process RSS: {idle:.0f} MiB started, up to {samples['planning']:.0f} MiB"
        f" planning, up to {samples['delivery']:.0f} MiB delivering (sampled every 0.25 s)"
    )
    peak_mb = vmhwm * 1.048576
    verdict = "met" if peak_mb < TARGET_MB else "MISSED"
    print(
        f"peak resident memory of the bot process: {vmhwm:.0f} MiB = {peak_mb:.0f} MB (VmHWM;"
        f" ru_maxrss {maxrss:.0f} MiB) for {total:,} members; target < {TARGET_MB:.0f} MB:"
        f" {verdict}"
    )
    ok = statuses == {"sent": total} and delivered() == total
    return 0 if ok and peak_mb < TARGET_MB else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the morning")
    args = parser.parse_args(argv)
    print(
        f"One process (--slack --discord) serving {args.members:,} members through a morning;"
        f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="followthrough-memory-") as tmp:
        if args.database == "sqlite":
            return asyncio.run(
                morning(f"sqlite:///{tmp}/ft.db", args.members, Path(tmp), args.timeout)
            )
        schema = PostgresSchema.connect(PG_SCHEMA)
        if schema is None:
            return 1
        try:
            return asyncio.run(morning(schema.url, args.members, Path(tmp), args.timeout))
        finally:
            schema.close()


if __name__ == "__main__":
    sys.exit(main())

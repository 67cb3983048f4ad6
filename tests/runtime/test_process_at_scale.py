"""Roles past one machine, at scale: three `--worker` processes and a Discord gateway
process on one PostgreSQL, against the fake Slack and the fake Discord at once, deliver
the morning of 2,000 members (1,000 in four Slack workspaces, 1,000 in four Discord
guilds) while one worker is killed with SIGKILL in the middle of it.

Every member gets exactly one digest on Discord: each message carries a nonce derived
from its outbox key with enforce_nonce, so even a send the killed worker had made but
not recorded comes back as the first message when a survivor sends it again. Slack has
no such key: its repeats are counted and reported, and can only be sends the killed
worker had in flight (at most one per sender).

The processes are testkit/scale.py: `bots.runtime.process.serve_roles` (what
`followthrough run --worker` / `--discord` runs) on a simulated clock that the test
moves through stdin, as the fault tests move theirs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bots.bootstrap import build
from bots.settings import Settings
from core.storage.database import make_engine
from core.storage.tables import OutboxRow
from testkit import scale
from testkit.discord import FakeDiscord
from testkit.slack import FakeSlack
from tests.conftest import _empty_postgres

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
SENDERS = 4  # the Deliverer's default: what one process can have in flight
LEASE = timedelta(seconds=300)  # the Deliverer's default lease
# The fakes' limits and the processes' own pace, scaled together so that the morning
# takes seconds: Discord's global limit for the one bot (shared by the four processes,
# each pacing itself at a quarter with a margin), Slack's one post per second per channel.
DISCORD_GLOBAL = 400
DISCORD_PER_PROCESS = 90
SLACK_PER_WORKSPACE = 40


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
        return {status: n for status, n in rows}


def claimed_unsent(engine: Engine, pid: int) -> set[str]:
    """Keys claimed by the process `pid` (worker ids are host:pid:nonce), not yet sent."""
    owner = f"{socket.gethostname()}:{pid}:%"
    with engine.connect() as conn:
        query = select(OutboxRow.key).where(
            OutboxRow.status == "pending", OutboxRow.claimed_by.like(owner)
        )
        return set(conn.scalars(query))


async def until(check: object, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def quiet(proc: scale.Process) -> None:
    """No error logged and no traceback (a possibly duplicated send is a warning)."""
    text = proc.stderr()
    errors = [line for line in text.splitlines() if line.startswith(("ERROR", "CRITICAL"))]
    assert "Traceback" not in text and not errors, f"{proc.name}:\n{text[-4000:]}"


async def test_three_workers_and_a_gateway_deliver_a_morning_once_through_a_sigkill(
    postgres_url: str, tmp_path: Path
) -> None:
    _empty_postgres(postgres_url)
    with build(Settings(database_url=postgres_url), migrate=True):
        pass
    engine = make_engine(postgres_url)
    try:
        roster = scale.seed(engine, slack=(4, 250), discord=(4, 250))
        await asyncio.wait_for(_morning(engine, roster, postgres_url, tmp_path), 90)
    finally:
        engine.dispose()


async def _morning(engine: Engine, roster: scale.Roster, url: str, tmp: Path) -> None:
    slack_people, discord_people = roster.on("slack"), roster.on("discord")
    assert len(slack_people) == len(discord_people) == 1_000
    everyone = {p.key for p in roster.people}
    async with FakeSlack() as slack:
        discord = await FakeDiscord(global_limit=DISCORD_GLOBAL).start()
        for person in discord_people:  # the DM channels opened on a morning before
            discord.dm_channels[int(person.user_id)] = int(person.dm_channel)
        procs: list[scale.Process] = []
        try:
            pace = ("--slack-rate", str(SLACK_PER_WORKSPACE),
                    "--discord-rate", str(DISCORD_PER_PROCESS))  # fmt: skip

            def env() -> dict[str, str]:
                fakes = (discord.api_url, discord.gateway_url)
                return scale.environment(tmp, url, scale.free_port(), slack.api_url, fakes)

            for i in range(WORKERS):
                procs.append(await scale.spawn(f"worker-{i}", "worker", env(), tmp, *pace))
            procs.append(await scale.spawn("gateway", "gateway", env(), tmp, *pace))
            for proc in procs:
                assert (await proc.line(60)).startswith("started"), proc.stderr()[-4000:]
            await until(lambda: discord.identifies == 1, 20, "the gateway session")

            morning = (scale.MORNING_AT + timedelta(minutes=1)).isoformat()
            for proc in procs:
                await proc.move_to(morning)

            def delivered() -> int:
                return len(slack.messages) + sum(len(m) for m in discord.messages.values())

            victim = procs[0]
            await until(
                lambda: delivered() >= 400 and claimed_unsent(engine, victim.pid),
                30, "the first worker to be sending",
            )  # fmt: skip
            os.kill(victim.pid, signal.SIGKILL)
            assert await victim.process.wait() == -signal.SIGKILL
            at_kill = delivered()
            orphans = claimed_unsent(engine, victim.pid)
            assert at_kill < 2_000 - len(orphans) + SENDERS, "killed after the morning"
            survivors = procs[1:]

            # The survivors send all the rest; the victim's claims wait for their lease.
            await until(lambda: counts(engine).get("sent", 0) >= 2_000 - len(orphans),
                        40, "the survivors to send what they could claim")  # fmt: skip
            later = scale.MORNING_AT + timedelta(minutes=1) + LEASE + timedelta(seconds=1)
            for proc in survivors:
                await proc.move_to(later.isoformat())
            await until(lambda: counts(engine) == {"sent": 2_000}, 40, "every digest sent")

            assert discord.identifies == 1  # the workers ran no gateway session
            for proc in survivors:
                assert proc.process.stdin is not None
                proc.process.stdin.close()
                proc.process.send_signal(signal.SIGTERM)
            for proc in survivors:
                assert await asyncio.wait_for(proc.process.wait(), 30) == 0, proc.stderr()
        finally:
            for proc in procs:
                await proc.kill()
            await discord.close()

        # Discord: exactly one digest per member, whatever was in flight.
        dms = {p.key: len(discord.sent(int(p.dm_channel))) for p in discord_people}
        assert set(dms.values()) == {1}, Counter(dms.values())
        posts = Counter(
            call.path for call in discord.requests("POST", r"^/channels/\d+/messages$")
            if call.status == 200
        )  # fmt: skip
        absorbed = sum(n - 1 for n in posts.values())
        # Slack: every member at least once; repeats only of what the victim had in flight.
        by_channel = {p.dm_channel: p for p in slack_people}
        sent = Counter(channel for channel, _ts in slack.messages)
        assert set(sent) == set(by_channel), set(by_channel) - set(sent)
        repeated = {by_channel[ch].key for ch, n in sent.items() if n > 1}
        repeats = sum(n - 1 for n in sent.values())
        print(
            f"\nSIGKILL after {at_kill} deliveries; the victim held {len(orphans)} claims."
            f" Discord: 1,000 members, one digest each ({absorbed} resends answered with the"
            f" first message by nonce). Slack: 1,000 members, {repeats} repeated"
            f" ({sorted(repeated)})."
        )
        assert repeats <= SENDERS, repeated
        # Both kinds of second send are the victim's sends in flight: one per sender at most.
        assert absorbed + repeats <= SENDERS, (absorbed, repeats)
        assert repeated <= orphans, repeated - orphans
    with engine.connect() as conn:
        keys = set(conn.scalars(select(OutboxRow.key)))
    assert keys == everyone
    for proc in procs[1:]:
        quiet(proc)

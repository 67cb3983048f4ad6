"""Many members through one morning, with real `followthrough run` processes: the seeding
and the process runner shared by tests/runtime/test_process_at_scale.py,
benchmarks/memory_morning.py and benchmarks/scale_out.py (run as a script, never collected).

    python -m testkit.scale --role worker|gateway|listener --start ISO
        [--tick 0.2] [--slack-rate R] [--discord-rate R]

The process is `bots.runtime.process.serve_roles`, what `followthrough run` runs, in the role
asked (`worker`: `--worker`; `gateway`: `--discord` on shard 0 of 1; `listener`:
`--slack --discord`), with its settings from the environment as the CLI reads them, and
one difference: the services run on a SimulatedClock. Each line on stdin is an ISO
instant the clock moves to (the answer on stdout is `at <instant>`); ticks run every
`--tick` seconds of wall time, on whatever the clock says. That is how the fault tests
move time for their worker processes (tests/runtime/worker.py), with the real roles,
platforms, HTTP server and Runner instead of a recording messenger.

`--slack-rate` and `--discord-rate` set what one process allows itself per workspace
(Slack's messenger paces 1 message/s per workspace) and for the whole bot (Discord's
client paces 50 requests/s): `followthrough run` has no setting for either, so the
runner sets them on the messengers it built, so that a test or a benchmark can scale
the platforms' limits and the clients' pacing together.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import resource
import signal
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from core.domain.leads import Lead, Stage
from core.domain.members import Group, Member
from core.domain.planning import refresh, schedule
from core.storage.repositories import SqlGroups
from core.storage.tables import Base
from testkit.processes import outside

ROOT = Path(__file__).resolve().parents[1]

DAY = date(2026, 3, 3)  # a Tuesday; no public holiday in GB
TZ, COUNTRY = "Europe/London", "GB"
MORNING = clock_time(8, 0)
MORNING_AT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 08:00 in London is 08:00 UTC in March
EMAILED_AT = datetime(2026, 2, 25, 10, 0, tzinfo=UTC)  # Wednesday: follow-up due Monday
CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHUNK = 2_000

MEMBERS, LEADS = Base.metadata.tables["members"], Base.metadata.tables["leads"]
MEMBER_COLUMNS = tuple(f.name for f in fields(Member) if f.name in MEMBERS.c)
LEAD_COLUMNS = tuple(f.name for f in fields(Lead) if f.name in LEADS.c)


# -- who is in the morning ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    platform: str
    workspace: str
    user_id: str
    member_id: int
    dm_channel: str  # the platform's DM channel id (stored for most: opened on a morning before)
    stored: bool  # whether members.dm_channel holds it (False: opened this morning)

    @property
    def key(self) -> str:
        return f"digest:{self.member_id}:{DAY.isoformat()}"


@dataclass
class Roster:
    people: list[Person] = field(default_factory=list)
    workspaces: dict[str, list[str]] = field(default_factory=dict)  # platform -> ids

    def on(self, platform: str) -> list[Person]:
        return [p for p in self.people if p.platform == platform]

    def by_channel(self, platform: str) -> dict[str, Person]:
        return {p.dm_channel: p for p in self.people if p.platform == platform}


def slack_user(workspace: int, n: int) -> str:
    return f"U{workspace:03d}{n:07d}"


def slack_team(workspace: int) -> str:
    return f"T0SCALE{workspace:03d}"


def discord_user(guild: int, n: int) -> str:
    return str(733_000_000_000_000_000 + guild * 1_000_000 + n)


def discord_guild(guild: int) -> str:
    return str(710_000_000_000_000_100 + guild)


def discord_dm(user_id: str) -> str:
    return str(int(user_id) + 1_000_000_000_000_000)


def plan_groups(
    slack: tuple[int, int], discord: tuple[int, int]
) -> list[tuple[str, str, list[str]]]:
    """(platform, workspace id, user ids): `slack` = (workspaces, members in each)."""
    planned = []
    for w in range(slack[0]):
        planned.append(("slack", slack_team(w), [slack_user(w, n) for n in range(slack[1])]))
    for g in range(discord[0]):
        users = [discord_user(g, n) for n in range(discord[1])]
        planned.append(("discord", discord_guild(g), users))
    return planned


def seed(
    engine: Engine,
    slack: tuple[int, int],
    discord: tuple[int, int],
    *,
    new_share: float = 0.1,
    seed_value: int = 1,
) -> Roster:
    """Groups on both platforms (London, 08:00), each member with one lead emailed four
    business days ago, so that Tuesday's plan() writes one digest each; `new_share` of
    them have no stored DM channel yet (the morning opens it). Rows go straight into
    the migrated tables, computed by the domain as the services keep them."""
    rng = random.Random(seed_value)
    roster = Roster()
    groups: list[tuple[Group, list[str]]] = []
    with Session(engine) as session:
        repo = SqlGroups(session, CREATED)
        for platform, workspace, users in plan_groups(slack, discord):
            channel = "C0SCALE01" if platform == "slack" else str(int(workspace) + 5_000)
            group = Group(platform, workspace, tz=TZ, country=COUNTRY, channel=channel)
            group.schedule_board(MORNING_AT)  # next Monday's: not due this Tuesday
            groups.append((repo.add(group), users))
            roster.workspaces.setdefault(platform, []).append(workspace)
        session.commit()
    member_id = lead_id = 0
    with engine.begin() as conn:
        member_rows: list[dict[str, Any]] = []
        lead_rows: list[dict[str, Any]] = []
        for group, user in _round_robin(groups):
            assert group.id is not None
            member_id += 1
            lead_id += 1
            channel = "D" + user[1:] if group.platform == "slack" else discord_dm(user)
            stored = rng.random() >= new_share
            member, lead = _member(group, member_id, lead_id, user, channel if stored else None)
            member_rows.append({**_columns(member, MEMBER_COLUMNS), "created_at": CREATED})
            lead_rows.append({**_columns(lead, LEAD_COLUMNS), "stage": lead.stage.value})
            roster.people.append(
                Person(group.platform, group.external_id, user, member_id, channel, stored)
            )
            if len(member_rows) >= CHUNK:
                conn.execute(insert(MEMBERS), member_rows)
                conn.execute(insert(LEADS), lead_rows)
                member_rows, lead_rows = [], []
        if member_rows:
            conn.execute(insert(MEMBERS), member_rows)
            conn.execute(insert(LEADS), lead_rows)
        if conn.dialect.name == "postgresql":  # the ids were given: move the sequences on
            for table in ("members", "leads"):
                seq = f"pg_get_serial_sequence('{table}', 'id')"
                conn.execute(text(f"SELECT setval({seq}, max(id)) FROM {table}"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) members"))
            conn.execute(text("VACUUM (ANALYZE) leads"))
            conn.execute(text("ANALYZE"))
    return roster


def _round_robin(groups: list[tuple[Group, list[str]]]) -> Iterator[tuple[Group, str]]:
    """Each group's members in turn: members join over time, so ids (and the outbox's
    claim order) mix the groups rather than run through one workspace after another."""
    longest = max((len(users) for _, users in groups), default=0)
    for n in range(longest):
        for group, users in groups:
            if n < len(users):
                yield group, users[n]


def _member(
    group: Group, member_id: int, lead_id: int, user: str, dm_channel: str | None
) -> tuple[Member, Lead]:
    assert group.id is not None
    member = Member(
        group.id, user, f"Member {member_id}", dm_channel=dm_channel, id=member_id,
        last_planned_on=DAY - timedelta(days=1), next_lead_number=2,
    )  # fmt: skip
    lead = Lead(
        member_id, 1, f"Contact {member_id}", f"Company {member_id % 97}",
        created_at=EMAILED_AT - timedelta(days=2), via="email", stage=Stage.EMAILED,
        stage_since=EMAILED_AT, last_touch_at=EMAILED_AT, id=lead_id,
    )  # fmt: skip
    refresh(member, group, [lead])
    schedule(member, group, datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    assert member.next_morning_at == MORNING_AT, member
    assert lead.due_on is not None and lead.due_on <= DAY, lead
    return member, lead


def _columns(obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


# -- fakes for many members -----------------------------------------------------------


def lean_discord(**options: Any) -> Any:
    """The test suite's fake Discord, with its DM channels indexed: the fake looks up a
    message's DM recipient by building the reverse map of every DM channel on every
    message, which is nothing for a test and quadratic for 50,000 members."""
    from testkit import discord as fake

    class LeanDiscord(fake.FakeDiscord):
        def __post_init__(self) -> None:
            super().__post_init__()
            self.notify = False
            self.recipients: dict[int, int] = {}
            self.accepted: list[float] = []  # monotonic time of each message created

        def add_dm(self, user_id: int, channel_id: int) -> None:
            self.dm_channels[user_id], self.recipients[channel_id] = channel_id, user_id

        def _open_dm(self, user_id: int) -> Any:
            answer = super()._open_dm(user_id)
            self.recipients[self.dm_channels[user_id]] = user_id
            return answer

        def _create_message(self, channel: int, body: dict[str, Any]) -> Any:
            user = self.recipients.get(channel)
            if user is None:  # not a DM: the fake's own checks
                return super()._create_message(channel, body)
            if user in self.closed_dms:
                return fake._error(403, 50007, "Cannot send messages to this user")
            nonce = body.get("nonce")
            if nonce is not None and body.get("enforce_nonce") and (channel, nonce) in self._nonces:
                return fake._json(self._nonces[(channel, nonce)])
            message = self._message(channel, body)
            self.messages.setdefault(channel, []).append(message)
            if nonce is not None:
                self._nonces[(channel, nonce)] = message
            self.accepted.append(time.monotonic())
            return fake._json(message)

    return LeanDiscord(**options)


def workspace_slack(team_of: Mapping[str, str], per_workspace: float | None, **options: Any) -> Any:
    """The test suite's fake Slack, also limiting chat.postMessage to `per_workspace`
    a second in each workspace (`team_of`: DM channel -> team; one bot token serves
    them all here), answering 429 with Retry-After beyond it."""
    from testkit import slack as fake

    class WorkspaceSlack(fake.FakeSlack):
        def __init__(self) -> None:
            super().__init__(**options)
            self.team_of = dict(team_of)
            self.buckets: dict[str, fake.Bucket] = {}
            self.accepted: list[float] = []
            self.workspace_limited = 0

        async def _chat_postMessage(self, args: dict[str, Any], token: str | None) -> Any:
            team = self.team_of.get(str(args.get("channel", "")))
            if per_workspace is not None and team is not None:
                bucket = self.buckets.setdefault(team, fake.Bucket(per_workspace, per_workspace))
                wait = bucket.take()
                if wait:
                    self.workspace_limited += 1
                    self.limited["chat.postMessage"] += 1
                    return fake._rate_limited(wait)
            answer = await super()._chat_postMessage(args, token)
            if answer.status == 200:
                self.accepted.append(time.monotonic())
            return answer

    return WorkspaceSlack()


# -- the processes, from the driver's side --------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(
    tmp: Path, url: str, port: int, slack_api: str | None, discord: tuple[str, str] | None
) -> dict[str, str]:
    """The environment of one process: this machine's, minus any real platform settings."""
    prefixes = ("SLACK_", "DISCORD_", "FOLLOWTHROUGH_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        FOLLOWTHROUGH_DATABASE_URL=url,
        FOLLOWTHROUGH_HTTP_PORT=str(port),
        XDG_DATA_HOME=str(tmp / "data"),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        PYTHONUNBUFFERED="1",
    )
    from testkit import discord as fake_discord
    from testkit import slack as fake_slack

    if slack_api is not None:
        env.update(
            SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN,
            SLACK_SIGNING_SECRET=fake_slack.SIGNING_SECRET,
            FOLLOWTHROUGH_SLACK_API_URL=slack_api,
        )
    if discord is not None:
        env.update(
            DISCORD_TOKEN=fake_discord.TOKEN,
            FOLLOWTHROUGH_DISCORD_API_URL=discord[0],
            FOLLOWTHROUGH_DISCORD_GATEWAY_URL=discord[1],
        )
    return env


def command(role: str, start: datetime, *options: str) -> list[str]:
    return [sys.executable, "-m", "testkit.scale", "--role", role, "--start",
            start.isoformat(), *options]  # fmt: skip


class Process:
    """A process of this runner, seen from the driver: its stdout lines, its clock."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, err: Path) -> None:
        self.name, self.process, self.err = name, process, err

    @property
    def pid(self) -> int:
        return self.process.pid

    async def line(self, timeout: float = 30) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not raw:
            raise AssertionError(f"{self.name} ended:\n{self.stderr()[-4000:]}")
        return raw.decode().strip()

    async def move_to(self, instant: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{instant}\n".encode())
        await self.process.stdin.drain()
        assert await self.line() == f"at {instant}"

    def stderr(self) -> str:
        return self.err.read_text() if self.err.exists() else ""

    async def kill(self) -> None:
        """SIGKILL it if it still runs (a driver's cleanup, whatever went wrong)."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self, timeout: float = 60) -> str:
        """SIGTERM (stdin closed first); the rest of its stdout. It must exit 0."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(self.process.communicate(), timeout)
        code = self.process.returncode
        assert code == 0, f"{self.name} exited {code}:\n{self.stderr()[-4000:]}"
        return out.decode()


async def spawn(name: str, role: str, env: dict[str, str], tmp: Path, *options: str) -> Process:
    """Start this runner in `role`, its stderr into `tmp/<name>.err`."""
    err = tmp / f"{name}.err"
    with err.open("w") as sink:
        process = await asyncio.create_subprocess_exec(
            *command(role, MORNING_AT - timedelta(minutes=5), *options),
            env=env, cwd=outside(), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=sink,
        )  # fmt: skip
    return Process(name, process, err)


# -- the process itself ---------------------------------------------------------------


class _Paced:
    """Sets each messenger's own pace before the Runner gets it (see the docstring)."""

    def __init__(self, slack_rate: float | None, discord_rate: int | None) -> None:
        self.slack_rate, self.discord_rate = slack_rate, discord_rate

    def __call__(self, platforms: Mapping[str, Any]) -> dict[str, Any]:

        for name, platform in platforms.items():
            messenger = platform.messenger
            if name == "slack" and self.slack_rate is not None:
                messenger.pacer.rate = self.slack_rate
            if name == "discord" and self.discord_rate is not None:
                window = messenger.client.window
                window.limit, window.spacing = self.discord_rate, 1.0 / self.discord_rate
        measured: dict[str, Any] = _MEASURED(platforms)
        return measured


_MEASURED: Any = None


async def _follow_stdin(clock: Any) -> None:
    """Move the clock to each instant read on stdin; answer `at <instant>`."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        if line.strip():
            clock.advance_to(datetime.fromisoformat(line.decode().strip()))
            print(f"at {clock.now().isoformat()}", flush=True)


async def _serve(args: argparse.Namespace) -> None:
    global _MEASURED
    from bots import bootstrap
    from bots.bootstrap import serve
    from bots.discord.lease import Shards
    from bots.runtime import process
    from bots.settings import Settings
    from core.services.ports import SimulatedClock

    _MEASURED = bootstrap.measured
    bootstrap.measured = _Paced(args.slack_rate, args.discord_rate)
    shard = Shards(0, 0, 1)
    roles = {
        "worker": process.Roles(worker=True, tick_seconds=args.tick),
        "gateway": process.Roles({"discord": shard}, tick_seconds=args.tick),
        "listener": process.Roles({"slack": None, "discord": shard}, tick_seconds=args.tick),
    }[args.role]
    clock = SimulatedClock(datetime.fromisoformat(args.start))
    with serve(Settings.from_env(), clock) as services:
        started = asyncio.Event()
        serving = asyncio.create_task(  # a process of its own: as `followthrough run` is
            process.serve_roles(services, roles, started=started, settle_gc=True)
        )
        await asyncio.wait({serving, asyncio.create_task(started.wait())},
                           return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        if serving.done():
            await serving  # raised on start
            return
        print(f"started {args.role} pid {os.getpid()}", flush=True)
        follower = asyncio.create_task(_follow_stdin(clock))
        try:
            await serving
        finally:
            follower.cancel()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak-rss-mib {peak_rss_mib():.1f} ru-maxrss-mib {maxrss:.1f}", flush=True)


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss as a fallback)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", choices=("worker", "gateway", "listener"), required=True)
    parser.add_argument("--start", required=True, help="the simulated clock's first instant")
    parser.add_argument("--tick", type=float, default=0.2, help="seconds between ticks")
    parser.add_argument("--slack-rate", type=float, help="messages/s per workspace")
    parser.add_argument("--discord-rate", type=int, help="REST requests/s for the bot")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format=f"%(levelname)s {args.role}:{os.getpid()} %(name)s: %(message)s",
    )
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

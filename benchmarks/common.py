"""What every benchmark needs: its own PostgreSQL schema, rows in the tables' shape,
names to give generated people, a timer, and the open loop the latency benchmarks send
their commands in.

PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or the local test server, always in a schema
of the benchmark's own (dropped afterwards), so that it never touches the tests' tables
or another benchmark's.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import multiprocessing.connection
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, fields
from datetime import datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from core.domain import parser
from core.domain.leads import Lead
from core.domain.members import Group, Member
from core.domain.messages import Message, MessageKind
from core.services.handlers import reads_only

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

FIRST = "Ada Grace Alan Edsger Barbara Donald Frances Ken Radia Linus Margaret Tim".split()  # noqa: SIM905
LAST = "Lovelace Hopper Turing Dijkstra Liskov Knuth Allen Thompson Perlman Hamilton".split()  # noqa: SIM905
COMPANIES = "Acme Globex Initech Umbrella Hooli Stark Wayne Wonka Cyberdyne Tyrell".split()  # noqa: SIM905

MEMBER_COLUMNS = tuple(f.name for f in fields(Member))
LEAD_COLUMNS = tuple(f.name for f in fields(Lead))


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


# -- rows for Core executemany ------------------------------------------------------------


def group_row(group: Group, created_at: datetime) -> dict[str, Any]:
    return {
        "id": group.id,
        "platform": group.platform,
        "external_id": group.external_id,
        "tz": group.tz,
        "country": group.country,
        "morning": group.morning,
        "channel": group.channel,
        "settings": {**group.settings.to_dict(), "points": dict(group.points)},
        "next_board_at": group.next_board_at,
        "suspended": group.suspended,
        "created_at": created_at,
    }


def member_row(member: Member, created_at: datetime) -> dict[str, Any]:
    return {**{name: getattr(member, name) for name in MEMBER_COLUMNS}, "created_at": created_at}


def lead_row(lead: Lead) -> dict[str, Any]:
    return {**{name: getattr(lead, name) for name in LEAD_COLUMNS}, "stage": lead.stage.value}


def fix_sequences(conn: Connection, tables: tuple[str, ...]) -> None:
    """After rows inserted with explicit ids, PostgreSQL's sequences continue past them."""
    if conn.dialect.name == "postgresql":
        for table in tables:
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            conn.execute(text(f"SELECT setval({sequence}, max(id)) FROM {table}"))


def settle(engine: Engine, tables: tuple[str, ...] = ()) -> None:
    """Bring freshly loaded PostgreSQL tables to a live database's state (what autovacuum
    does: VACUUM ANALYZE of `tables`, or ANALYZE of all), then CHECKPOINT the load's dirty
    pages; nothing on SQLite."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not tables:
            conn.execute(text("ANALYZE"))
        for table in tables:
            conn.execute(text(f"VACUUM (ANALYZE) {table}"))
        with suppress(SQLAlchemyError):  # not a superuser: the background writer will do it
            conn.execute(text("CHECKPOINT"))


# -- PostgreSQL ---------------------------------------------------------------------------


class PostgresSchema:
    """A schema of the benchmark's own on the PostgreSQL server, (re)created on demand
    and dropped on close; `url` reaches it (its search_path)."""

    def __init__(self, schema: str, admin: Engine, url: str, version: str) -> None:
        self.schema, self.url, self.version, self._admin = schema, url, version, admin

    @classmethod
    def connect(cls, schema: str) -> PostgresSchema | None:
        """The schema, freshly created; None (and a line saying why) if unreachable."""
        base = make_url(os.environ.get("FOLLOWTHROUGH_TEST_DATABASE_URL") or PG_DEFAULT)
        shown = base.render_as_string(hide_password=True)
        admin = create_engine(base.update_query_dict({"connect_timeout": "5"}))
        try:
            with admin.connect() as conn:
                version = str(conn.scalar(text("SHOW server_version")))
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            print(f"postgresql: skipped: unreachable ({shown}): {reason}", flush=True)
            admin.dispose()
            return None
        print(f"postgresql: {shown} (server {version}), in schema {schema}", flush=True)
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        made = cls(schema, admin, url.render_as_string(hide_password=False), version)
        made.reset()
        return made

    def reset(self) -> str:
        """Drop the schema with everything in it, create it empty; its URL."""
        self._drop(create=True)
        return self.url

    def close(self) -> None:
        try:
            self._drop()
        finally:
            self._admin.dispose()

    def _drop(self, *, create: bool = False) -> None:
        with self._admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
            if create:
                conn.execute(text(f"CREATE SCHEMA {self.schema}"))


def databases(choice: str, schema: str) -> Iterator[tuple[str, str]]:
    """(name, URL) of each database `choice` names (sqlite, postgresql or both): a SQLite
    file in a temporary directory, then the PostgreSQL schema `schema` (skipped, with a
    line saying why, if the server is unreachable); each removed once the loop moves on."""
    if choice in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="followthrough-bench-") as tmp:
            yield "sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"
    if choice in ("postgresql", "both"):
        made = PostgresSchema.connect(schema)
        if made is not None:
            try:
                yield "postgresql", made.url
            finally:
                made.close()


# -- timing -------------------------------------------------------------------------------


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def median_seconds(work: Callable[[], Any], runs: int) -> float:
    """The median of `runs` timed calls of `work`."""
    return statistics.median(timed(work)[0] for _ in range(runs))


# -- a second process ---------------------------------------------------------------------


class Apart:
    """The fake platform and the load it sends, in a process of their own (spawned, so it
    shares nothing with this one), as the real platform is on other machines: the app
    under test gets this process's CPU to itself, as it would in production.

    `target(conn, *args)` runs in the child; both sides talk over `conn` (pickled values),
    each side's `recv` awaited in a thread so that its event loop goes on."""

    def __init__(self, target: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=target, args=(child, *args))
        self.process.start()
        child.close()

    def send(self, value: Any) -> None:
        self.conn.send(value)

    async def recv(self) -> Any:
        return await receive(self.conn)

    def close(self) -> None:
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


async def receive(conn: multiprocessing.connection.Connection) -> Any:
    """The next value from the other process, without holding up this one's event loop."""
    return await asyncio.to_thread(conn.recv)


# -- the adapter alone ---------------------------------------------------------------------


class AdapterOnly:
    """The app with every command answered at once by the same short reply, and the Home
    overview too: what a latency benchmark measures with it is the adapter's own cost
    (the platform library, HTTP, rendering), the ceiling a cheaper core could reach.

    A write's reply is marked changed as the core marks it (Slack then redraws the Home
    tab), a read's not; which is which is worked out once per command text."""

    READ = Message(MessageKind.REPLY, "Noted.")
    WRITE = Message(MessageKind.REPLY, "Noted.", changed=True)

    def __init__(self, app: Any) -> None:
        self._app = app
        self._answers: dict[tuple[Any, ...], Message] = {}

    def _answer(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Message:
        if key not in self._answers:
            self._answers[key] = self.READ if reads_only(build()) else self.WRITE
        return self._answers[key]

    def handle(self, who: Any, command: str, text: str, **kwargs: Any) -> Message:
        return self._answer((command, text), lambda: parser.parse(command, text))

    def run(
        self, who: Any, command: str, subcommand: str, options: parser.Options, **kwargs: Any
    ) -> Message:
        key = (command, subcommand, tuple(sorted(options.items())))
        return self._answer(key, lambda: parser.build(command, subcommand, options))

    def home(self, *args: Any, **kwargs: Any) -> Message:
        return self.READ

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


# -- the open loop --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Commands arriving at `rate` a second for `seconds`, as a Poisson process (gaps drawn
    from a seeded random.Random), each sent on a task of its own whatever the bot's speed;
    a command with no answer `deadline` seconds after the last one was sent is unanswered.
    `only_add`: nothing but `/lead add` of fresh names, else the benchmark's usual mix."""

    rate: float
    seconds: float
    only_add: bool = False
    seed: int = 7
    deadline: float = 5.0
    drain: float = 0.0  # after the deadline, how long the late answers may still take


@dataclass
class Round:
    """What one open-loop round saw: the latency of every command answered (seconds), how
    many were sent and left unanswered, over how long they were sent and answered."""

    sent: int
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    sending: float = 0.0
    answering: float = 0.0


async def open_loop(send: Callable[[int], Awaitable[float]], plan: Plan) -> Round:
    """Send command n with `send(n)` (its latency once answered) at the plan's arrival
    times; wait for the answers until the plan's deadline after the last send."""
    rng = random.Random(plan.seed)
    tasks: list[asyncio.Task[float]] = []
    finished: list[float] = []
    start = time.perf_counter()

    async def timed_send(n: int) -> float:
        latency = await send(n)
        finished.append(time.perf_counter())
        return latency

    due = rng.expovariate(plan.rate)
    while due < plan.seconds:
        delay = start + due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(timed_send(len(tasks))))
        due += rng.expovariate(plan.rate)
    found = Round(len(tasks), sending=max(plan.seconds, time.perf_counter() - start))
    if tasks:
        await asyncio.wait(tasks, timeout=plan.deadline)
    late = []
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is None:
            found.latencies.append(task.result())
        else:
            late.append(task)
            found.unanswered += 1
    found.answering = max(finished, default=start) - start
    if late and plan.drain:  # the backlog clears before whatever runs next
        await asyncio.wait(late, timeout=plan.drain)
    for task in late:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return found


def quantile(values: list[float], p: float) -> float:
    """The `p`-th percentile (nearest rank) of `values`; inf if there are none."""
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def waits(rounds: list[Round]) -> list[float]:
    """Every command's wait in `rounds`, in seconds, an unanswered one counted as endless."""
    return [x for r in rounds for x in r.latencies] + [math.inf] * sum(r.unanswered for r in rounds)


def milliseconds(seconds: float) -> str:
    return "none" if math.isinf(seconds) else f"{1000 * seconds:.1f} ms"


def round_line(label: str, found: Round) -> str:
    """One round: what was sent and answered, at what rate, and the latency percentiles
    (over every command sent: an unanswered one counts as beyond every answer)."""
    every = waits([found])
    sent_rate = found.sent / found.sending if found.sending else 0.0
    answered = len(found.latencies)
    answer_rate = answered / max(found.answering, found.sending) if answered else 0.0
    return (
        f"{label}: {found.sent} sent at {sent_rate:.0f}/s, {answered} answered"
        f" ({answer_rate:.0f}/s), {found.unanswered} unanswered;"
        f" p50 {milliseconds(quantile(every, 50))}, p95 {milliseconds(quantile(every, 95))},"
        f" p99 {milliseconds(quantile(every, 99))}, max {milliseconds(quantile(every, 100))}"
    )


def ratio_lines(app: list[Round], floor: list[Round], rate: float) -> list[str]:
    """The app's p99 beside its floor's over all their rounds, ending with the one line
    `p99 app/floor <ratio> at <rate>/s`."""
    mine, under = quantile(waits(app), 99), quantile(waits(floor), 99)
    ratio = mine / under if under and not math.isinf(under) else math.inf
    return [
        f"p99 over {len(app)} round(s) each: app {milliseconds(mine)}, floor {milliseconds(under)}",
        f"p99 app/floor {ratio:.2f} at {rate:g}/s",
    ]


@dataclass(frozen=True)
class Search:
    """The highest arrival rate with p99 under `limit` seconds: probes of `seconds` each,
    doubling the rate from `start` until one fails (or passes `ceiling`), then
    `bisections` halvings of the gap between the last pass and the first failure."""

    seconds: float
    only_add: bool = False
    start: float = 50.0
    limit: float = 0.1
    bisections: int = 3
    ceiling: float = 3200.0

    def passes(self, found: Round) -> bool:
        return quantile(waits([found]), 99) < self.limit


async def search_capacity(
    probe: Callable[[Plan], Awaitable[Round]], search: Search
) -> list[tuple[float, Round]]:
    """Each rate `search` probes with `probe(plan)` (one open loop), and what it saw."""
    probes: list[tuple[float, Round]] = []

    async def passes(rate: float) -> bool:
        plan = Plan(
            rate, search.seconds, search.only_add, seed=7 + len(probes), deadline=1.0, drain=10.0
        )
        probes.append((rate, await probe(plan)))
        return search.passes(probes[-1][1])

    good, bad = 0.0, search.start
    while await passes(bad):
        good, bad = bad, 2 * bad
        if bad > search.ceiling:
            return probes
    for _ in range(search.bisections):
        middle = (good + bad) / 2
        if await passes(middle):
            good = middle
        else:
            bad = middle
    return probes


def capacity_lines(
    name: str, app: list[tuple[float, Round]], floor: list[tuple[float, Round]], search: Search
) -> list[str]:
    """Every probe of the app and of its floor, then the highest rate each sustained and
    their ratio."""
    lines: list[str] = []
    highest: dict[str, float] = {}
    for kind, probes in (("app", app), ("floor", floor)):
        for rate, found in probes:
            lines.append(round_line(f"{name} {kind:<5} at {rate:.0f}/s", found))
        passed = [rate for rate, found in probes if search.passes(found)]
        highest[kind] = max(passed, default=0.0)
    ratio = highest["app"] / highest["floor"] if highest["floor"] else math.inf
    limit = f"{1000 * search.limit:g} ms"

    def shown(rate: float) -> str:
        return f"{rate:.0f}/s" + (" (the search's ceiling)" if rate >= search.ceiling else "")

    lines.append(
        f"capacity (p99 under {limit}): app {shown(highest['app'])},"
        f" floor {shown(highest['floor'])}, app/floor {ratio:.2f}"
    )
    return lines


def alternate(rounds: int) -> Iterator[tuple[int, bool]]:
    """(round number, adapter only) of each run: app, floor, app, floor, ..."""
    for number in range(1, rounds + 1):
        yield number, False
        yield number, True


def compare(
    run: Callable[[str, bool], Round], database: str, schema: str, rounds: int, rate: float
) -> None:
    """`run(url, adapter_only)` the app and its floor in alternate rounds, each on a fresh
    database; print every round, then their p99 and its ratio (per database)."""
    for name in ("sqlite", "postgresql") if database == "both" else (database,):
        app: list[Round] = []
        floor: list[Round] = []
        for number, adapter_only in alternate(rounds):
            for _, url in databases(name, schema):
                found = run(url, adapter_only)
                (floor if adapter_only else app).append(found)
                label = f"{name} round {number} {'floor' if adapter_only else 'app  '}"
                print(round_line(label, found), flush=True)
        if app and floor:
            for line in ratio_lines(app, floor, rate):
                print(line, flush=True)

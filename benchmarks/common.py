"""What every benchmark needs: its own PostgreSQL schema, rows in the tables' shape,
names to give generated people, and a timer.

PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or the local test server, always in a schema
of the benchmark's own (dropped afterwards), so that it never touches the tests' tables
or another benchmark's.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import fields
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

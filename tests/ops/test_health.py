"""/healthz, /readyz and /metrics over real HTTP on 127.0.0.1, on real databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, cast

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bots.bootstrap import build
from bots.discord.gauges import watch_invalid
from bots.ops import metrics
from bots.ops.health import HttpServer, Readiness, database_check
from bots.ops.metrics import measured_app
from bots.settings import Settings
from core.services import Delivery, Identity
from core.services.ports import SimulatedClock
from core.storage.schema import head as schema_head
from tests.conftest import START
from tests.ops.conftest import OwnDatabase


@asynccontextmanager
async def serving(
    readiness: Readiness,
) -> AsyncIterator[Callable[[str], Awaitable[tuple[int, str]]]]:
    """The health server on an ephemeral port, and a GET that returns (status, text)."""
    server = HttpServer(readiness, "127.0.0.1", 0)
    await server.start()
    async with aiohttp.ClientSession() as session:

        async def get(path: str) -> tuple[int, str]:
            async with session.get(f"http://127.0.0.1:{server.port}{path}") as response:
                return response.status, await response.text()

        try:
            yield get
        finally:
            await server.stop()


def samples(page: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }


async def test_healthz_answers_even_when_nothing_is_ready() -> None:
    readiness = Readiness()

    async def never() -> str | None:
        return "gateway not connected"

    readiness.add("discord", never)

    async with serving(readiness) as get:
        health, ready = await get("/healthz"), await get("/readyz")
    assert health == (200, "ok\n")
    assert ready == (503, "discord: gateway not connected\n")


async def test_adapters_hooks_decide_readiness_and_each_failing_one_is_named() -> None:
    state = {"socket": False, "gateway": False}
    readiness = Readiness(timeout=0.5)

    def hook(name: str, reason: str) -> Callable[[], Awaitable[str | None]]:
        async def check() -> str | None:
            return None if state[name] else reason

        return check

    readiness.add("slack", hook("socket", "socket mode disconnected"))
    readiness.add("discord", hook("gateway", "gateway not connected"))

    async def slow() -> str | None:
        await asyncio.sleep(5)
        return None

    async with serving(readiness) as get:
        seen = [await get("/readyz")]
        state["socket"] = True
        seen.append(await get("/readyz"))
        state["gateway"] = True
        seen.append(await get("/readyz"))
        readiness.add("slow", slow)
        seen.append(await get("/readyz"))
        readiness.remove("slow")
        seen.append(await get("/readyz"))
    assert seen == [
        (503, "slack: socket mode disconnected\ndiscord: gateway not connected\n"),
        (503, "discord: gateway not connected\n"),
        (200, "ready\n"),
        (503, "slow: no answer within 0.5 s\n"),
        (200, "ready\n"),
    ]


async def test_an_outdated_schema_is_not_ready(database_url: str) -> None:
    with build(Settings(database_url=database_url), SimulatedClock(START), migrate=True) as s:
        readiness = Readiness()
        readiness.add("database", database_check(s.database.engine))
        engine = s.database.engine

        def set_version(version: str | None) -> None:
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE alembic_version SET version_num = :v"), {"v": version}
                )

        async with serving(readiness) as get:
            ready = await get("/readyz")
            await asyncio.to_thread(set_version, "0001")
            outdated = await get("/readyz")
            await asyncio.to_thread(set_version, schema_head())
            again = await get("/readyz")
    assert ready == (200, "ready\n")
    assert outdated[0] == 503
    assert outdated[1] == (
        f"database: the schema is at migration 0001, this release needs {schema_head()}:"
        " run `followthrough db upgrade`\n"
    )
    assert again == (200, "ready\n")


async def test_an_empty_database_is_not_ready(tmp_path: Any) -> None:
    with build(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"), migrate=False) as s:
        readiness = Readiness()
        readiness.add("database", database_check(s.database.engine))

        async with serving(readiness) as get:
            ready = await get("/readyz")
        assert ready == (
            503,
            "database: the schema is empty: run `followthrough db upgrade`\n",
        )


@pytest.mark.postgres
async def test_readyz_follows_the_database_away_and_back(own_postgres: OwnDatabase) -> None:
    """The database refuses connections (and cuts the open ones): 503 with the reason;
    it accepts them again: 200, on the same engine, without a restart."""
    with build(Settings(database_url=own_postgres.url), SimulatedClock(START), migrate=True) as s:
        readiness = Readiness()
        readiness.add("database", database_check(s.database.engine))

        async with serving(readiness) as get:
            ready = await get("/readyz")
            await asyncio.to_thread(own_postgres.close_to_connections)
            cut = await get("/readyz")  # the pooled connection was cut
            gone = await get("/readyz")  # a new one is refused
            alive = await get("/healthz")
            await asyncio.to_thread(own_postgres.open_to_connections)
            back = await get("/readyz")
    assert ready == (200, "ready\n")
    assert cut[0] == gone[0] == 503
    assert cut[1].startswith("database: unreachable (")
    assert gone[1].startswith("database: unreachable (OperationalError: ")
    assert f'database "{own_postgres.name}" is not currently accepting connections' in gone[1]
    assert alive == (200, "ok\n")
    assert back == (200, "ready\n")


async def test_metrics_count_what_happened(database_url: str) -> None:
    clock = SimulatedClock(START)
    with build(Settings(database_url=database_url), clock, migrate=True) as s:
        app = measured_app(s.database.uow, clock)
        who = Identity("slack", "T-metrics", "U1", "Ada")
        before = {
            outcome: metrics.value(
                "followthrough_commands_total", {"platform": "slack", "outcome": outcome}
            )
            for outcome in metrics.OUTCOMES
        }
        seconds_before = metrics.value("followthrough_command_seconds_count", {"platform": "slack"})
        app.conversation.handle(who, "/lead", "add Julie Martin at Acme")
        app.conversation.handle(who, "/lead", "emailed julie")
        app.conversation.handle(who, "/lead", "emailed nobody-of-that-name")  # refused
        app.conversation.handle(who, "/lead", "frobnicate")  # refused: not a subcommand
        metrics.watch_outbox(app.outbox.status)
        planned_before = metrics.value("followthrough_planning_seconds_count")
        app.planner.plan()

        try:
            async with serving(Readiness()) as get:
                status, page = await get("/metrics")
        finally:
            metrics.watch_outbox(None)
        assert status == 200
        counts = app.outbox.status()
    found = samples(page)

    def count(outcome: str) -> float:
        key = ("followthrough_commands_total", (("outcome", outcome), ("platform", "slack")))
        return found.get(key, 0.0) - before[outcome]

    assert (count("ok"), count("refused"), count("failed")) == (2, 2, 0)
    key = ("followthrough_command_seconds_count", (("platform", "slack"),))
    assert found[key] - seconds_before == 4
    assert found[("followthrough_planning_seconds_count", ())] - planned_before == 1
    for state, n in counts.items():
        assert found[("followthrough_outbox_messages", (("state", state),))] == n
    assert set(counts) == {"pending", "claimed", "sent", "failed", "missed"}
    assert ("process_resident_memory_bytes", ()) in found


async def test_sends_are_counted_by_failure_class() -> None:
    from core.services import Failure, SendError

    class Flaky:
        def __init__(self) -> None:
            self.errors: list[BaseException | None] = [
                None,
                SendError("429", Failure.RATE_LIMITED, retry_after=1),
                SendError("gone", Failure.UNREACHABLE),
                RuntimeError("a bug"),
            ]

        def route(self, delivery: Any) -> str:
            return "r"

        async def send(self, delivery: Any) -> str | None:
            error = self.errors.pop(0)
            if error is not None:
                raise error
            return "m1"

    messenger = metrics.MeasuredMessenger("discord", Flaky())

    def value(outcome: str) -> float:
        return metrics.value(
            "followthrough_sends_total", {"platform": "discord", "outcome": outcome}
        )

    before = {o: value(o) for o in metrics.SEND_OUTCOMES}
    limited = metrics.value("followthrough_rate_limited_total", {"platform": "discord"})

    for _ in range(4):
        with suppress(Exception):
            await messenger.send(cast(Delivery, None))  # Flaky never reads it
    after = {o: value(o) - before[o] for o in metrics.SEND_OUTCOMES}
    assert after == {
        "sent": 1,
        "transient": 1,
        "rate_limited": 1,
        "unreachable": 1,
        "fatal": 0,
        "channel_gone": 0,
        "payload": 0,
    }
    assert metrics.value("followthrough_rate_limited_total", {"platform": "discord"}) - limited == 1


def test_discord_invalid_requests_are_read_when_scraped() -> None:
    recent = [3]
    watch_invalid("shards 0-3", lambda: recent[0])
    try:
        name = "followthrough_discord_invalid_requests_recent"
        assert metrics.value(name, {"client": "shards 0-3"}) == 3
        recent[0] = 7
        assert metrics.value(name, {"client": "shards 0-3"}) == 7
    finally:
        watch_invalid("shards 0-3", None)
    assert metrics.value(name, {"client": "shards 0-3"}) == 0

"""The migrations are the only source of the schema, and they match the tables exactly;
`make migration` works: the `alembic` command reads the project's settings, and on a
database at the newest revision it finds nothing to generate."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, column, inspect, table

from core.domain.leads import Action
from core.services.ports import SimulatedClock
from core.storage.database import Database, alembic_config, is_current, make_engine, upgrade
from core.storage.events import ALL_TIME
from core.storage.tables import Base
from testkit.processes import importing_this_checkout, outside

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def head(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(engine: Engine) -> list[object]:
    """What autogenerate would put in a new migration: nothing, if the schema is current."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite",
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_on_an_empty_database_builds_exactly_the_tables(engine: Engine) -> None:
    assert inspect(engine).get_table_names() == []

    upgrade(engine)

    assert drift(engine) == []
    assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    assert current(engine) == head(engine)
    assert is_current(engine)


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    tables = {name: inspect(engine).get_columns(name) for name in inspect(engine).get_table_names()}

    upgrade(engine)

    again = {name: inspect(engine).get_columns(name) for name in inspect(engine).get_table_names()}
    assert [(name, [c["name"] for c in cols]) for name, cols in sorted(again.items())] == [
        (name, [c["name"] for c in cols]) for name, cols in sorted(tables.items())
    ]
    assert current(engine) == head(engine)
    assert drift(engine) == []


def test_an_empty_database_is_not_current(engine: Engine) -> None:
    assert not is_current(engine)


def insert_at_0001(engine: Engine, name: str, rows: list[dict[str, object]]) -> None:
    """Rows written as the schema was at 0001 (only the columns it had)."""
    with engine.begin() as conn:
        types = Base.metadata.tables[name].c
        conn.execute(table(name, *(column(c, types[c].type) for c in rows[0])).insert(), rows)


def test_upgrading_from_0001_tallies_the_events_already_there(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "0001")
    at = datetime(2026, 7, 6, 14, 0, tzinfo=UTC)  # Monday 10:00 in New York
    group = {"id": 1, "platform": "slack", "external_id": "T1", "tz": "America/New_York"}
    insert_at_0001(
        engine,
        "groups",
        [{**group, "morning": time(8), "settings": {}, "suspended": False, "created_at": at}],
    )
    flags = dict.fromkeys(("paused", "graduated", "unreachable", "share_companies"), False)
    numbers = dict.fromkeys(("next_lead_number", "active_leads", "streak_days"), 0)
    member = {"id": 1, "group_id": 1, "external_id": "U1", "name": "Ana", "created_at": at}
    insert_at_0001(engine, "members", [{**member, **flags, **numbers, "on_board": True}])
    lead = {"id": 1, "member_id": 1, "number": 1, "contact": "Julie", "company": "Acme"}
    counters = {"calls": 0, "nudge_count": 0, "nudge_asked": False, "network": False}
    insert_at_0001(engine, "leads", [{**lead, **counters, "stage": "closed", "created_at": at}])
    event = {"group_id": 1, "lead_id": 1, "member_id": 1, "note": ""}
    logged = [
        ("added", at, "new"),
        ("emailed", at + timedelta(minutes=5), "emailed"),
        ("emailed", at + timedelta(minutes=9), "emailed"),  # a duplicate: counts once
        ("rejected", at + timedelta(days=1), "rejected"),
        ("called", at + timedelta(days=2), "closed"),  # the next business day: +2
        ("note", at + timedelta(days=3), "closed"),  # bookkeeping: not an action
    ]
    insert_at_0001(
        engine,
        "events",
        [{**event, "action": a, "at": when, "stage_after": s} for a, when, s in logged],
    )

    upgrade(engine)

    assert drift(engine) == []
    with Database(engine, SimulatedClock(datetime.now(UTC))).uow() as uow:
        tally = uow.events.tallies(1, ALL_TIME)[1]
        ana = uow.members.by_id(1)
    assert dict(tally.counts) == {Action.ADDED: 1, Action.EMAILED: 1, Action.CALLED: 1}
    assert tally.bonuses == 1
    assert ana is not None and (ana.organiser, ana.dm_channel) == (False, None)
    assert ana.last_action_at == at + timedelta(days=2)  # 0012: filled from the history


def test_upgrading_from_0007_keeps_the_slack_events_applied_as_once_only_keys(
    engine: Engine,
) -> None:
    command.upgrade(alembic_config(engine), "0007")
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    at = now.replace(tzinfo=None)  # naive UTC, as slack_events kept it
    events = table("slack_events", column("event_id"), column("team_id"), column("received_at"))
    with engine.begin() as conn:
        conn.execute(
            events.insert(),
            [
                {"event_id": "Ev0UNINST1", "team_id": "T0TEAM0001", "received_at": at},
                {
                    "event_id": "modal:T0TEAM0001:1.2.abc",
                    "team_id": "T0TEAM0001",
                    "received_at": at,
                },
            ],
        )

    upgrade(engine)

    assert drift(engine) == []
    assert "slack_events" not in inspect(engine).get_table_names()
    with Database(engine, SimulatedClock(now)).uow() as uow:
        assert not uow.applied.first("event:T0TEAM0001:Ev0UNINST1", now)
        assert not uow.applied.first("modal:T0TEAM0001:1.2.abc", now)
        assert uow.applied.first("event:T0TEAM0001:Ev0OTHER01", now)


# -- `make migration`: the alembic command reads the project's settings --------------


def alembic(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = importing_this_checkout({**os.environ, "FOLLOWTHROUGH_DATABASE_URL": database_url})
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=outside(),
        timeout=120,
        check=False,
    )


def test_the_alembic_command_upgrades_the_configured_database_and_finds_no_drift(
    database_url: str,
) -> None:
    upgraded = alembic(database_url, "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    checked = alembic(database_url, "check")  # autogenerate, comparing: what a new revision holds
    assert checked.returncode == 0, checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr


def test_the_alembic_command_creates_a_sqlite_folder_that_is_not_there_yet(
    tmp_path: Path,
) -> None:
    database = tmp_path / "new" / "followthrough.db"
    done = alembic(f"sqlite:///{database}", "upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert database.exists()

"""The composition root: it builds the services from the settings, and closing them gives
back what the process held. The `followthrough` commands start on a fresh machine."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bots.bootstrap import SchemaOutdated, build, serve
from bots.cli import main
from bots.runtime.delivery import Platform
from bots.runtime.lock import AlreadyRunning
from bots.runtime.ratelimit import RateLimiter
from bots.runtime.runner import Runner
from bots.settings import Settings
from core.services import Identity
from core.services.ports import SimulatedClock
from core.storage.tables import OutboxRow
from testkit.kit import PLATFORM, WORKSPACE, RecordingMessenger

EIGHT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_closing_the_services_releases_their_claims_and_disposes_the_engine(
    database_url: str, clock: SimulatedClock
) -> None:
    services = build(Settings(database_url=database_url), clock, migrate=True)
    app = services.app
    app.groups.setup_group(PLATFORM, WORKSPACE, tz="UTC")
    app.conversation.join(Identity(PLATFORM, WORKSPACE, "U1", "Ana"))
    clock.advance_to(EIGHT)
    app.planner.plan()
    platform = Platform(RecordingMessenger(clock), RateLimiter(rate=1e6))
    deliverer = services.deliverer({PLATFORM: platform}, "w1")
    (held,) = app.outbox.claim(deliverer.worker)  # e.g. a process stopped between claim and send
    engine = services.database.engine

    with services:
        pass

    assert engine.pool.checkedout() == 0
    with build(Settings(database_url=database_url), clock) as again:
        with again.database.uow() as uow:
            row = uow.session.get(OutboxRow, held.id)
            assert row is not None and row.claimed_by is None
        assert [d.key for d in again.app.outbox.claim("w2")] == [held.key]
    services.close()  # twice is harmless


def test_the_runner_runs_the_deliverer_it_is_given(tmp_path: Path, clock: SimulatedClock) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'followthrough.db'}")
    with build(settings, clock) as services:
        messenger = RecordingMessenger(clock)
        deliverer = services.deliverer({PLATFORM: Platform(messenger, RateLimiter(rate=1e6))})
        runner = Runner(deliverer, services.app.planner)
        assert runner.deliverer is deliverer
        assert (runner.deliverer.outbox, runner.worker) == (services.app.outbox, deliverer.worker)


# -- a SQLite database in a folder that doesn't exist yet ---------------------------------


def test_serve_creates_the_sqlite_folder_before_taking_the_lock(tmp_path: Path) -> None:
    database = tmp_path / "not" / "yet" / "followthrough.db"
    settings = Settings(database_url=f"sqlite:///{database}")
    with serve(settings, SimulatedClock(EIGHT)) as services:
        assert database.exists() and Path(f"{database}.lock").exists()
        assert services.app.outbox.status()["pending"] == 0
        with pytest.raises(AlreadyRunning), serve(settings):
            pass


def test_console_starts_on_a_database_in_a_new_folder(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "data" / "followthrough.db"
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{database}")
    environment.setattr("sys.stdin", io.StringIO("/lead add Julie Martin at Acme\n"))

    assert main(["console", "--as", "Ana"]) == 0

    assert "Added" in capsys.readouterr().out
    assert database.exists()


def test_run_starts_on_a_database_in_a_new_folder(
    tmp_path: Path, environment: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "data" / "followthrough.db"
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{database}")
    ticked: list[Runner] = []

    async def one_tick(self: Runner) -> None:  # instead of ticking until a signal
        await self.tick()
        ticked.append(self)

    environment.setattr(Runner, "run", one_tick)

    assert main(["run", "--console"]) == 0
    assert len(ticked) == 1 and database.exists()


def test_db_upgrade_creates_the_sqlite_folder_too(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "data" / "followthrough.db"
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{database}")
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert database.exists()


# -- only `followthrough db upgrade` migrates PostgreSQL -----------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["console", "--as", "Ana"], ["status"]])
def test_the_console_and_status_refuse_an_unmigrated_postgresql(
    empty_postgres: str,
    command: list[str],
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database_url = empty_postgres
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", database_url)
    environment.setattr("sys.stdin", io.StringIO(""))

    assert main(command) == 1

    assert "followthrough db upgrade" in capsys.readouterr().err
    with build(Settings(database_url=database_url), migrate=False) as services:
        assert inspect(services.database.engine).get_table_names() == []  # nothing migrated
    assert main(["db", "upgrade"]) == 0
    assert main(["status"]) == 0


def test_build_refuses_an_outdated_postgresql_schema_and_lets_go_of_it(
    database_url: str, clock: SimulatedClock
) -> None:
    settings = Settings(database_url=database_url)
    if database_url.startswith("sqlite"):
        with build(settings, clock) as services:  # SQLite: migrated on start
            assert "outbox" in inspect(services.database.engine).get_table_names()
        return
    with pytest.raises(SchemaOutdated, match="followthrough db upgrade"):
        build(settings, clock)

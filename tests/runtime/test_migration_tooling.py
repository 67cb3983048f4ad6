"""`make migration` works: the `alembic` command reads the project's settings, and on a
database at the newest revision it finds nothing to generate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testkit.processes import importing_this_checkout, outside

ROOT = Path(__file__).resolve().parents[2]


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

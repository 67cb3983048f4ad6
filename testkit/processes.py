"""Processes the tests start run in a folder of their own, never in the checkout.

`followthrough` reads a `.env` in its working directory (bots.settings.environment), and a
developer's checkout may keep one beside docker-compose.yml, with real tokens and database
URLs. So every process a test starts runs in `outside()`, an empty folder of this test
run, and imports this checkout through PYTHONPATH (`importing_this_checkout`) rather than
through its working directory. tests/test_processes.py holds every launch to that.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="followthrough-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def outside() -> Path:
    """The working directory for a process a test starts: empty of any `.env`."""
    folder = _folder()
    assert not (folder / ".env").exists(), f"{folder} holds a .env"
    return folder


def importing_this_checkout(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with this checkout first on PYTHONPATH, so `python -m bots.cli` (and alembic's
    migrations/env.py) import the code under test from any working directory."""
    paths = (str(ROOT), env.get("PYTHONPATH"))
    return {**env, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}

"""No process a test starts reads the checkout's `.env` (see testkit/processes.py)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.processes import ROOT, importing_this_checkout, outside

CHECKED = ("tests", "testkit", "benchmarks")
# The calls that start a process, by module; each must run it in `outside()`.
LAUNCHES = {
    "subprocess": frozenset({"run", "Popen", "call", "check_call", "check_output"}),
    "asyncio": frozenset({"create_subprocess_exec", "create_subprocess_shell"}),
}
# This file starts a child in a folder with a .env on purpose, to show the .env would bite.
ITSELF = Path(__file__).resolve()
# What a developer's `.env` beside docker-compose.yml may hold: a token and a database
# (here a local port where nothing listens, should a child ever use it).
POISON = {
    "SLACK_BOT_TOKEN": "xoxb-from-dotenv",
    "FOLLOWTHROUGH_DATABASE_URL": "postgresql+psycopg://poison@127.0.0.1:1/poison",
}
# What the bot reads its settings from, as a child process sees it.
READ_SETTINGS = (
    "import json; from bots.settings import environment; print(json.dumps(environment()))"
)


def launches_elsewhere(source: str) -> list[int]:
    """The lines of `source` that start a process without `cwd=outside()`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        module = node.func.value
        if not isinstance(module, ast.Name) or node.func.attr not in LAUNCHES.get(module.id, ()):
            continue
        cwd = next((k.value for k in node.keywords if k.arg == "cwd"), None)
        outside_call = (
            isinstance(cwd, ast.Call)
            and isinstance(cwd.func, ast.Name)
            and cwd.func.id == "outside"
            and not cwd.args
        )
        if not outside_call:
            found.append(node.lineno)
    return found


def test_every_process_the_tests_start_runs_outside_the_checkout() -> None:
    files = sorted(
        path
        for folder in CHECKED
        for path in (ROOT / folder).rglob("*.py")
        if path.resolve() != ITSELF
    )
    assert len(files) > 20, f"no source found under {CHECKED}: is ROOT right? ({ROOT})"

    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line in launches_elsewhere(path.read_text(encoding="utf-8"))
    ]

    assert found == [], "start these in cwd=outside() (testkit/processes.py):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("subprocess.run(['x'], cwd=ROOT)", True),
        ("subprocess.run(['x'])", True),
        ("subprocess.Popen(['x'], cwd=tmp_path)", True),
        ("asyncio.create_subprocess_exec('x', cwd=root)", True),
        ("asyncio.create_subprocess_shell('x')", True),
        ("subprocess.check_output(['x'], cwd=outside)", True),
        ("subprocess.run(['x'], cwd=outside())", False),
        ("asyncio.create_subprocess_exec('x', env=env, cwd=outside())", False),
        ("asyncio.run(main())", False),
    ],
)
def test_the_check_catches_what_it_should(source: str, caught: bool) -> None:
    assert bool(launches_elsewhere(source)) is caught


def read_settings(cwd: Path) -> dict[str, str]:
    """The settings a child process of this checkout reads, started in `cwd`."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FOLLOWTHROUGH_", "SLACK_", "DISCORD_"))
    }
    done = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        env=importing_this_checkout(clean),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=cwd,
    )
    settings: dict[str, str] = json.loads(done.stdout)
    return settings


def test_a_dotenv_where_the_tests_run_reaches_no_process_they_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tmp_path stands in for the checkout the tests run from, a developer's .env in it.
    lines = [f"{name}={value}" for name, value in POISON.items()]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    # A child left in the tests' folder reads it: the .env above would bite...
    assert POISON.items() <= read_settings(tmp_path).items()
    # ...and one started as the tests start theirs does not.
    settings = read_settings(outside())
    assert not POISON.keys() & settings.keys(), settings

"""Importing a search on the terminal: `followthrough import --as NAME FILE` (then
`confirm`), `/followthrough import FILE` at the console's prompt, and in a simulator
script `Maya: /followthrough import FILE`, the path from the script's folder."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bots.cli import main
from bots.console import console
from bots.console.files import import_path
from bots.console.simulator import Output, ScriptError, run
from core.services import MAX_IMPORT_BYTES
from core.services.ports import SimulatedClock
from testkit import kit
from testkit.processes import outside
from tests.conftest import START

FILES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
SECRET = "SCREENING-ANSWER-5150"

SCRIPT = """\
group tz America/New_York country US
member Maya
at 2026-03-02 09:00
Maya: /lead add Julie Martin at Acme
Maya: /followthrough import searches/simplify.csv
Maya: /lead list
Maya: /followthrough import confirm
Maya: /lead list
"""


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting from the shell that runs the tests, nor a `.env` where they run."""
    for name in list(os.environ):
        if name.startswith(("FOLLOWTHROUGH_", "SLACK_", "DISCORD_")) and "_TEST_" not in name:
            monkeypatch.delenv(name)
    monkeypatch.chdir(outside())
    return monkeypatch


def folder_with(tmp_path: Path, *names: str) -> Path:
    searches = tmp_path / "searches"
    searches.mkdir()
    for name in names:
        shutil.copy(FILES / name, searches / name)
    return tmp_path


def test_a_script_imports_a_file_named_from_its_own_folder(tmp_path: Path) -> None:
    base = folder_with(tmp_path, "simplify.csv")
    outputs: list[Output] = []

    run(SCRIPT.splitlines(), outputs.append, base)

    said = [o.message.plain_text() for o in outputs]
    assert "Here is what importing simplify.csv (Simplify's export) would do." in said[1]
    assert "5 new leads with 12 actions" in said[1]
    assert "Litware" not in said[2]  # nothing imported before the confirm
    assert said[3].startswith("Imported 5 leads (#2 to #6) from simplify.csv")
    assert "Litware" in said[4] and "Julie Martin" in said[4]


def test_a_script_naming_a_file_that_is_not_there_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match=r"line 5: can't read searches/simplify.csv"):
        run(SCRIPT.splitlines(), lambda output: None, tmp_path)


def test_followthrough_simulate_reads_files_from_the_scripts_folder(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = folder_with(tmp_path, "simplify.csv")
    script = base / "story.script"
    script.write_text(SCRIPT, encoding="utf-8")

    assert main(["simulate", "--json", str(script)]) == 0

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[3]["text"].startswith("Imported 5 leads (#2 to #6)")


def test_followthrough_import_previews_then_confirms(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", url)
    applications = str(FILES / "Job Applications.csv")

    assert main(["import", "--as", "Maya", applications]) == 0
    preview = capsys.readouterr().out
    assert "4 new leads with 4 actions: 4 applications" in preview and SECRET not in preview
    assert "/followthrough import confirm" in preview

    assert main(["import", "--as", "Maya", "confirm"]) == 0
    assert "Imported 4 leads (#1 to #4)" in capsys.readouterr().out
    assert main(["import", "--as", "Maya", "confirm"]) == 1  # nothing waits any more
    assert "No import is waiting" in capsys.readouterr().out

    engine = create_engine(url)
    with engine.connect() as connection:
        companies = connection.execute(text("SELECT company FROM leads ORDER BY number"))
        assert [c for (c,) in companies] == [
            "Tailspin Toys",
            "Fabrikam",
            "Contoso",
            "Northwind Traders",
        ]
    engine.dispose()


def test_followthrough_import_of_a_missing_file_is_one_line(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{tmp_path / 'f.db'}")
    assert main(["import", "--as", "Maya", str(tmp_path / "nothing.csv")]) == 2
    assert capsys.readouterr().err.startswith("followthrough import: can't read")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[kit.Services]:
    with kit.services(f"sqlite:///{tmp_path / 'console.db'}", SimulatedClock(START)) as built:
        yield built


def test_the_console_prompt_imports_a_path_and_its_confirm(
    tmp_path: Path, services: kit.Services
) -> None:
    path = FILES / "Saved Jobs.csv"
    typed = f'/followthrough import "{path}"\n/followthrough import confirm\n/lead list\n'
    screen = io.StringIO()

    console.run(services, "Ana", stdin=io.StringIO(typed), stdout=screen, history=tmp_path / "h")

    shown = screen.getvalue()
    assert "Here is what importing Saved Jobs.csv (LinkedIn's Saved Jobs) would do." in shown
    assert "Imported 2 leads (#1 to #2)" in shown
    assert "Woodgrove Bank" in shown


def test_a_file_over_the_limit_is_refused_by_its_size_without_being_read(
    tmp_path: Path, services: kit.Services
) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as file:  # a sparse file: its size is all that is asked of it
        file.truncate(MAX_IMPORT_BYTES + 1)
    answer = console.upload(services.app, console.identity("Ana"), big)
    assert "is over 2 MB" in answer.plain_text()


@pytest.mark.parametrize(
    ("typed", "path"),
    [
        ("import search.csv", "search.csv"),
        ('import "Job Applications.csv"', "Job Applications.csv"),
        ("import Job Applications.csv", "Job Applications.csv"),
        ("IMPORT a.csv", "a.csv"),
        ("import", None),
        ("import confirm", None),
        ("import confirm dayfirst", None),
        ("import cancel", None),
        ("export", None),
    ],
)
def test_what_names_a_file_to_import(typed: str, path: str | None) -> None:
    assert import_path(typed) == path

"""The benchmarks still run: each on a tiny load, checked for the figures it prints."""

from __future__ import annotations

import pytest

from benchmarks import command_cost


def test_command_cost_prints_every_command_of_the_script(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert command_cost.main(["--members", "2", "--runs", "1", "--database", "sqlite"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("sqlite")
    for name in ("list", "emailed", "note", "show", "today", "leaderboard", "home"):
        assert f" {name} " in line

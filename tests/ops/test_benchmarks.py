"""The benchmarks still run: each on a tiny load, checked for the figures it prints."""

from __future__ import annotations

import pytest

from benchmarks import command_cost


def test_command_cost_prints_every_command_of_the_script(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--members", "2", "--runs", "1", "--database", "sqlite", "--once"]
    assert command_cost.main(argv) == 0
    plain, keyed, ratio = capsys.readouterr().out.splitlines()[-3:]
    assert plain.startswith("sqlite") and "once key" in keyed and "keyed/plain" in ratio
    for name in ("list", "emailed", "note", "show", "today", "leaderboard", "home"):
        assert f" {name} " in plain and f" {name} " in keyed

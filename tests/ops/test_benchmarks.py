"""The benchmarks still run: each on a tiny load, checked for the figures it prints."""

from __future__ import annotations

import importlib

import pytest

from benchmarks import command_cost, pipeline_cost


def test_command_cost_prints_every_command_of_the_script(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--members", "2", "--runs", "1", "--database", "sqlite", "--once"]
    assert command_cost.main(argv) == 0
    plain, keyed, ratio = capsys.readouterr().out.splitlines()[-3:]
    assert plain.startswith("sqlite") and "once key" in keyed and "keyed/plain" in ratio
    for name in ("list", "emailed", "note", "show", "today", "leaderboard", "home"):
        assert f" {name} " in plain and f" {name} " in keyed


def test_pipeline_cost_prints_each_commands_ratio_between_sizes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_cost, "TARGET", 0.0)  # every command over: all profiled
    argv = ["--sizes", "5,20", "--runs", "1", "--database", "sqlite", "--profile"]
    assert pipeline_cost.main(argv) == 0
    out = capsys.readouterr().out
    for name in ("add", "emailed", "note", "show", "list"):
        assert f"ratio {name:<8} 20/5 leads: " in out
    assert "over target: add, emailed, note, show" in out
    assert "profile of `/lead show #11` at 20 leads" in out


# Every other benchmark, on a load small enough for the suite: (module, argv, a line it
# must print). A benchmark nobody runs breaks quietly when the code under it moves.
TINY = [
    (
        "plan_mornings",
        ["--members", "40", "--leads", "3", "--database", "sqlite"],
        "planning took",
    ),
    ("weekly_board", ["--members", "20", "--runs", "1", "--database", "sqlite"], "slowest read"),
    ("delivery_rate", ["--messages", "60", "--database", "sqlite"], "target"),
    (
        "slack_latency",
        ["--commands", "20", "--in-flight", "5", "--members", "5", "--database", "sqlite"],
        "p99",
    ),
    (
        "slack_latency",
        [
            "--adapter-only",
            "--commands",
            "20",
            "--in-flight",
            "5",
            "--members",
            "5",
            "--database",
            "sqlite",
        ],
        "p99",
    ),
    ("slack_delivery", ["--members", "5", "--mornings", "1"], "conversations.open"),
    (
        "discord_latency",
        ["--interactions", "20", "--in-flight", "5", "--members", "5", "--database", "sqlite"],
        "0 unanswered",
    ),
    (
        "discord_latency",
        [
            "--adapter-only",
            "--interactions",
            "20",
            "--in-flight",
            "5",
            "--members",
            "5",
            "--database",
            "sqlite",
        ],
        "0 unanswered",
    ),
    ("discord_delivery", ["--members", "5", "--messages", "10"], "10 DMs to 5 members"),
    ("memory_morning", ["--members", "20", "--database", "sqlite"], "peak resident memory"),
]


@pytest.mark.parametrize(("module", "argv", "printed"), TINY, ids=lambda v: str(v)[:40])
def test_each_benchmark_runs_on_a_tiny_load(
    module: str, argv: list[str], printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    benchmark = importlib.import_module(f"benchmarks.{module}")

    assert benchmark.main(argv) in (0, None)
    assert printed in capsys.readouterr().out


@pytest.mark.postgres
def test_scale_out_runs_on_a_tiny_load(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import scale_out

    assert scale_out.main(["--members", "200", "--workers", "1"]) in (0, None)
    assert "msgs/s" in capsys.readouterr().out

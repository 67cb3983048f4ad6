"""The `followthrough` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources

from bots.console import console, simulator
from bots.settings import ConfigError, Settings


def _simulate(lines: list[str], as_json: bool) -> int:
    def emit(output: simulator.Output) -> None:
        print(output.to_json() if as_json else output.to_text() + "\n", flush=True)

    try:
        simulator.run(lines, emit)
    except simulator.ScriptError as error:
        print(f"followthrough simulate: {error}", file=sys.stderr)
        return 2
    return 0


def demo_script() -> str:
    return resources.files("bots.console").joinpath("demo.script").read_text(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="followthrough",
        description="A job-search accountability bot: leads, follow-ups, and a group that cheers.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sim = commands.add_parser("simulate", help="play a script on a simulated clock")
    sim.add_argument(
        "script",
        type=argparse.FileType("r", encoding="utf-8"),
        help="the script file (- for standard input)",
    )
    sim.add_argument("--json", action="store_true", help="one JSON object per message")

    demo = commands.add_parser("demo", help="play the bundled three-week demo")
    demo.add_argument("--json", action="store_true", help="one JSON object per message")

    con = commands.add_parser("console", help="an interactive prompt on the real clock")
    con.add_argument("--as", dest="name", required=True, help="your name in the console group")

    db = commands.add_parser("db", help="database operations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations (operators, PostgreSQL)")

    args = parser.parse_args(argv)
    if args.command == "simulate":
        with args.script as script:
            return _simulate(script.read().splitlines(), args.json)
    if args.command == "demo":
        return _simulate(demo_script().splitlines(), args.json)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"followthrough: {error}", file=sys.stderr)
        return 2
    if args.command == "console":
        return console.run(settings, args.name)
    if args.command == "db":
        from core.storage.database import make_engine, upgrade

        upgrade(make_engine(settings.database_url))
        print("database is up to date")
        return 0
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())

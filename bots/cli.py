"""The `followthrough` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bots import logs
from bots.bootstrap import SchemaOutdated, build
from bots.ops import failures
from bots.platforms import registry
from bots.runtime.lock import AlreadyRunning
from bots.settings import ConfigError, Settings, environment


def _run(settings: Settings, args: argparse.Namespace) -> int:
    # Every combination of roles, with /healthz, /readyz and /metrics: bots/runtime/process.py.
    from bots.runtime import process

    return process.run(settings, args)


def _operate(settings: Settings, args: argparse.Namespace) -> int:
    """The commands that work on the configured settings (a platform's own, too)."""
    handler = getattr(args, "handler", None)
    if handler is not None:
        code: int = handler(args, settings)
        return code
    if args.command == "run":
        return _run(settings, args)
    if args.command == "status":
        with build(settings) as services:
            for state, count in services.app.outbox.status().items():
                print(f"{state:>8}  {count}")
        return 0
    with build(settings, migrate=True):  # db upgrade
        print("database is up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="followthrough",
        description="A job-search accountability bot: leads, follow-ups, and a group that cheers.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot: plan mornings and deliver, every minute")
    for plugin in registry():
        run.add_argument(f"--{plugin.name}", action="store_true", help=plugin.description)
    run.add_argument("--tick", type=float, default=60, help="seconds between ticks (60)")
    run.add_argument(
        "--worker",
        action="store_true",
        help="plan and deliver only, to every configured platform, through their APIs",
    )
    for plugin in registry():
        plugin.add_run_options(run)

    commands.add_parser("status", help="outbox counts: pending, claimed, sent, failed, missed")
    commands.add_parser("doctor", help="check the settings, database, tokens and channels")
    for plugin in registry():
        plugin.add_commands(commands)

    db = commands.add_parser("db", help="database operations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations (operators, PostgreSQL)")

    args = parser.parse_args(argv)
    if getattr(args, "settings_free", False):  # e.g. it prints what to paste somewhere
        code: int = args.handler(args, None)
        return code
    try:
        env = environment()  # and a .env in the working directory, as docker compose reads
        if args.command == "doctor":  # reads the settings itself: it reports each broken one
            from bots.ops import doctor

            return doctor.main(env)
        settings = Settings.from_env(env)
    except ConfigError as error:
        print(f"followthrough: {error}", file=sys.stderr)
        return 2
    # Only a running bot reports its progress; the one-shot commands print what they did.
    level = logging.INFO if args.command == "run" else logging.WARNING
    logs.setup(json_lines=settings.log_json, secrets=settings.secrets(), level=level)
    try:
        return _operate(settings, args)
    except (AlreadyRunning, SchemaOutdated) as error:
        print(f"followthrough {args.command}: {error}", file=sys.stderr)
        return 1
    except (Exception, KeyboardInterrupt) as error:
        # What an operator can fix gets one line (the traceback is logged at DEBUG).
        failure = failures.explain(error, settings.database_url, settings.secrets())
        if failure is None:
            raise
        if isinstance(error, KeyboardInterrupt) and sys.stderr.isatty():
            print(file=sys.stderr)  # end the line the ^C was echoed on
        action = getattr(args, f"{args.command}_command", None)  # `db upgrade`, a platform's
        command = f"{args.command} {action}" if action else args.command
        print(f"followthrough {command}: {failure.line}", file=sys.stderr)
        return failure.code


def entry_point() -> int:
    """The console script: `main`, quiet when its reader goes away (`... | head`)."""
    try:
        return main()
    except BrokenPipeError:
        # Python would complain again when flushing stdout at exit: point it at devnull.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as shells report it


if __name__ == "__main__":
    sys.exit(entry_point())

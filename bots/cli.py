"""The `followthrough` command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib import resources

from bots import logs
from bots.bootstrap import SchemaOutdated, build, serve
from bots.console import console, simulator
from bots.ops import failures
from bots.runtime.lock import AlreadyRunning
from bots.settings import ConfigError, Settings, environment
from bots.slack.manifest import public_url


def _simulate(script: bytes, as_json: bool) -> int:
    def emit(output: simulator.Output) -> None:
        print(output.to_json() if as_json else output.to_text() + "\n", flush=True)

    try:
        simulator.run(simulator.script_lines(script), emit)
    except simulator.ScriptError as error:
        print(f"followthrough simulate: {error}", file=sys.stderr)
        return 2
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    # Every combination of roles, with /healthz, /readyz and /metrics: bots/ops/process.py.
    from bots.ops import process

    return process.run(settings, args)


def _operate(settings: Settings, args: argparse.Namespace) -> int:
    """The commands that work on the configured database."""
    if args.command == "console":
        with serve(settings) as services:
            return console.run(services, args.name)
    if args.command == "run":
        return _run(settings, args)
    if args.command == "discord":
        from bots.discord import serve as discord

        return discord.command(settings, args)
    if args.command == "status":
        with build(settings) as services:
            for state, count in services.app.outbox.status().items():
                print(f"{state:>8}  {count}")
        return 0
    with build(settings, migrate=True):  # db upgrade
        print("database is up to date")
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
        type=argparse.FileType("rb"),
        help="the script file, UTF-8 (- for standard input)",
    )
    sim.add_argument("--json", action="store_true", help="one JSON object per message")

    demo = commands.add_parser("demo", help="play the bundled three-week demo")
    demo.add_argument("--json", action="store_true", help="one JSON object per message")

    con = commands.add_parser("console", help="an interactive prompt on the real clock")
    con.add_argument("--as", dest="name", required=True, help="your name in the console group")

    run = commands.add_parser("run", help="run the bot: plan mornings and deliver, every minute")
    run.add_argument("--console", action="store_true", help="deliver to this terminal")
    run.add_argument("--discord", action="store_true", help="serve Discord (DISCORD_TOKEN)")
    run.add_argument("--slack", action="store_true", help="serve Slack (the SLACK_* settings)")
    run.add_argument("--tick", type=float, default=60, help="seconds between ticks (60)")
    run.add_argument(
        "--worker",
        action="store_true",
        help="plan and deliver only, to every configured platform, through their APIs",
    )
    run.add_argument("--shards", help="the Discord gateway shards of this process, e.g. 0-3")
    run.add_argument("--shard-count", type=int, help="Discord shards across all processes")

    commands.add_parser("status", help="outbox counts: pending, claimed, sent, failed, missed")
    commands.add_parser("doctor", help="check the settings, database, tokens and channels")

    dsc = commands.add_parser("discord", help="Discord: the invite link, the slash commands")
    dsc_actions = dsc.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    invite = dsc_actions.add_parser("invite", help="print the link that adds the bot to a server")
    invite.add_argument(
        "--client-id", type=int, help="the application id (default: asked with DISCORD_TOKEN)"
    )
    dsc_actions.add_parser("sync", help="publish the slash commands now (globally)")

    slk = commands.add_parser("slack", help="Slack: the manifest to create the app from")
    slk_actions = slk.add_subparsers(dest="slack_command", required=True, metavar="ACTION")
    mft = slk_actions.add_parser(
        "manifest", help="print the app manifest (JSON) for --url https://... or --socket"
    )
    where = mft.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--url",
        type=public_url,
        help="the bot's public HTTPS base URL: Slack posts to URL/slack/events",
    )
    where.add_argument("--socket", action="store_true", help="Socket Mode: no public URL")
    mft.add_argument(
        "--oauth",
        action="store_true",
        help="many workspaces install the app at URL/slack/install (with --url)",
    )

    db = commands.add_parser("db", help="database operations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations (operators, PostgreSQL)")

    args = parser.parse_args(argv)
    if args.command == "slack" and args.oauth and args.socket:
        mft.error("--oauth needs --url: Slack sends installs back to the bot's public URL")
    if args.command == "simulate":
        with args.script as script:
            return _simulate(script.read(), args.json)
    if args.command == "demo":
        return _simulate(demo_script().encode(), args.json)
    if args.command == "slack":  # needs no settings: it prints what to paste into Slack
        from bots.slack import server as slack

        return slack.command(args)
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
        action = getattr(args, f"{args.command}_command", None)  # `db upgrade`, `discord invite`
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

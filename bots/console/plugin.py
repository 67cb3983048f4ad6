"""The terminal as a platform of the bot (bots/platforms.py): `run --console` prints what
is due on this terminal, `followthrough console --as NAME` is the interactive prompt, and
`simulate` and `demo` play a script on a simulated clock. Nothing in the environment
configures it, and it has no API a worker could use."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from bots.ops.findings import Report
from bots.platforms import GroupChannels, Host, Plugin
from bots.runtime.delivery import Platform
from bots.settings import Settings

if TYPE_CHECKING:
    from bots.platforms import Commands

RANK = 30  # after the platforms the environment configures
FILES_HELP = "write the files the bot attaches (an export) into DIR, made if missing"


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The terminal has no settings: it is there when asked for."""

    SECRETS: ClassVar[frozenset[str]] = frozenset()

    def configured(self) -> bool:
        return False  # `run` with no role never picks it: it is asked for by flag

    def secrets(self) -> list[str]:
        return []

    def summary(self) -> str:
        return "the terminal"


class Console:
    name = "console"
    title = "the terminal"
    description = "deliver to this terminal"
    needs = ""  # nothing configures it
    setup = ""
    token_shapes: tuple[str, ...] = ()

    def variables(self) -> tuple[str, ...]:
        return ()

    def read_settings(self, env: Mapping[str, str]) -> ConsoleSettings:
        return ConsoleSettings()

    def add_run_options(self, run: argparse.ArgumentParser) -> None:
        pass

    def run_options(self, args: argparse.Namespace, named: bool) -> None:
        return None

    def check_start(self, settings: Settings, *, listening: bool) -> None:
        pass

    @contextlib.asynccontextmanager
    async def listener(self, host: Host, options: None) -> AsyncIterator[Platform]:
        from bots.console import console

        yield console.platform()

    def sender(self, host: Host) -> None:
        return None  # a worker has no terminal to print on

    def refused(self, error: BaseException) -> bool:
        return False

    def add_commands(self, commands: Commands) -> None:
        con = commands.add_parser(self.name, help="an interactive prompt on the real clock")
        con.add_argument("--as", dest="name", required=True, help="your name in the console group")
        con.add_argument("--files", type=Path, metavar="DIR", help=FILES_HELP)

        def prompt(args: argparse.Namespace, settings: Settings | None) -> int:
            from bots.bootstrap import serve
            from bots.console import console
            from bots.console.files import Folder, FolderError

            assert settings is not None
            try:
                files = None if args.files is None else Folder(args.files)
            except FolderError as error:
                print(f"followthrough console: {error}", file=sys.stderr)
                return 2
            with serve(settings) as services:
                return console.run(services, args.name, files=files)

        con.set_defaults(handler=prompt)

        sim = commands.add_parser("simulate", help="play a script on a simulated clock")
        sim.add_argument(
            "script",
            type=argparse.FileType("rb"),
            help="the script file, UTF-8 (- for standard input)",
        )
        sim.add_argument("--json", action="store_true", help="one JSON object per message")
        sim.add_argument("--files", type=Path, metavar="DIR", help=FILES_HELP)

        def simulate(args: argparse.Namespace, settings: Settings | None) -> int:
            with args.script as script:
                name = getattr(script, "name", "-")
                base = (
                    Path(name).resolve().parent
                    if isinstance(name, str) and name != "<stdin>"
                    else None
                )
                return _simulate(script.read(), args.json, args.files, base)

        sim.set_defaults(handler=simulate, settings_free=True)  # its own database, in memory

        bring = commands.add_parser(
            "import", help="bring your search in from a CSV (LinkedIn, Simplify, a spreadsheet)"
        )
        bring.add_argument(
            "--as", dest="name", required=True, help="your name in the console group"
        )
        bring.add_argument(
            "what",
            nargs="+",
            metavar="FILE | confirm [dayfirst|monthfirst] | cancel",
            help="the CSV to preview, then `confirm` to import it (or `cancel`)",
        )

        def bring_in(args: argparse.Namespace, settings: Settings | None) -> int:
            from bots.bootstrap import serve
            from bots.console import console

            assert settings is not None
            with serve(settings) as services:
                return console.bring_in(services, args.name, args.what)

        bring.set_defaults(handler=bring_in)

        demo = commands.add_parser("demo", help="play the bundled three-week demo")
        demo.add_argument("--json", action="store_true", help="one JSON object per message")

        def play_demo(args: argparse.Namespace, settings: Settings | None) -> int:
            return _simulate(demo_script().encode(), args.json)

        demo.set_defaults(handler=play_demo, settings_free=True)

    def check_settings(self, settings: Settings, report: Report) -> bool:
        return True

    async def doctor(self, settings: Settings, report: Report, groups: GroupChannels) -> None:
        pass  # nothing to reach


def demo_script() -> str:
    """The bundled three-week demo."""
    return resources.files("bots.console").joinpath("demo.script").read_text(encoding="utf-8")


def _simulate(
    script: bytes, as_json: bool, files: Path | None = None, base: Path | None = None
) -> int:
    """Play `script`, printing each message; with `files`, each attachment is written
    there too, and where it went is printed on stderr (stdout stays the transcript)."""
    from bots.console import simulator
    from bots.console.files import Folder, FolderError

    try:
        folder = None if files is None else Folder(files)
    except FolderError as error:
        print(f"followthrough simulate: {error}", file=sys.stderr)
        return 2

    def emit(output: simulator.Output) -> None:
        print(output.to_json() if as_json else output.to_text() + "\n", flush=True)
        if folder is not None:
            for attachment in output.message.attachments:
                print(f"saved {folder.save(attachment)}", file=sys.stderr, flush=True)

    try:
        simulator.run(simulator.script_lines(script), emit, base, pictures=folder is not None)
    except simulator.ScriptError as error:
        print(f"followthrough simulate: {error}", file=sys.stderr)
        return 2
    except FolderError as error:  # the script was fine: the disk wasn't
        print(f"followthrough simulate: {error}", file=sys.stderr)
        return 1
    return 0


PLUGIN: Plugin = Console()

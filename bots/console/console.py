"""The console adapter: `followthrough console --as NAME`, and `run --console`.

The prompt behaves as a shell's does: line editing and a history kept across sessions
(readline, on a terminal), an empty line does nothing, Ctrl-C drops the line being
typed (a second one at an empty prompt quits), Ctrl-D quits. Digests print when they
come due, above the prompt while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType, ModuleType, TracebackType
from typing import Self, TextIO

import platformdirs

from bots.bootstrap import Services
from bots.console.files import IMPORT_WORDS, Folder, FolderError, describe, import_path, read_upload
from bots.runtime.delivery import Deliverer, Platform
from bots.runtime.ratelimit import RateLimiter
from core.services import COMMANDS, FollowThrough, Identity, Message, Outcome
from core.services.ports import Delivery

log = logging.getLogger(__name__)

PLATFORM, WORKSPACE = "console", "local"
PROMPT = "> "
# How often the prompt looks for what has come due (`run` ticks every minute).
TICK_SECONDS = 15.0
HISTORY_LINES = 1000
# While readline waits for a key, the main thread is woken this often to run the
# signal handlers that came meanwhile (a Ctrl-C waits no longer than this).
WAKE_SECONDS = 0.1
# Terminal chrome: the console's own words, not the bot's.
GREETING = "FollowThrough console as {name}. Type /lead help; Ctrl-D quits."
QUIT_HINT = "(Ctrl-C again or Ctrl-D quits)"
CLEAR_LINE = "\r\x1b[K"


def history_file() -> Path:
    """Where the prompt's history is kept: beside the default database."""
    return Path(platformdirs.user_data_dir("followthrough", appauthor=False)) / "console_history"


def completions(line: str) -> list[str]:
    """What Tab offers for the last word of `line`: a command, then its subcommand."""
    words = line.split()
    if line[-1:].isspace() or not line:
        words.append("")
    if len(words) == 1:
        names = [f"/{spec.name}" for spec in COMMANDS]
    elif len(words) == 2:
        spec = {f"/{spec.name}": spec for spec in COMMANDS}.get(words[0].lower())
        names = [sub.name for sub in spec.subcommands] if spec else []
    else:
        names = []
    return [f"{name} " for name in names if name.startswith(words[-1].lower())]


def delivery_text(delivery: Delivery) -> str:
    return (
        f"[{delivery.message.kind} for {delivery.recipient_name}]\n{delivery.message.plain_text()}"
    )


def answer_text(answer: Message) -> str:
    """An answer as the terminal shows it: a text file in full, a binary one named."""
    return "\n\n".join([answer.plain_text(), *map(describe, answer.attachments)])


def keep(files: Folder | None, message: Message, show: Callable[[str], None]) -> None:
    """Write the message's attachments into `files`, if given, saying where each went (or
    why it wasn't written: the prompt carries on)."""
    if files is None:
        return
    for attachment in message.attachments:
        try:
            show(f"saved {files.save(attachment)}")
        except FolderError as error:
            show(f"not saved: {error}")


def _print(text: str) -> None:
    print(f"\n{text}", flush=True)


class PrintingMessenger:
    """Messages for the console's members, shown on the terminal (their files written
    into `files`, if given)."""

    def __init__(self, show: Callable[[str], None] = _print, files: Folder | None = None) -> None:
        self._show, self._files = show, files

    def route(self, delivery: Delivery) -> str:
        return "console"

    async def send(self, delivery: Delivery) -> str:
        self._show(delivery_text(delivery))
        keep(self._files, delivery.message, self._show)
        return "console"


def platform(show: Callable[[str], None] = _print, files: Folder | None = None) -> Platform:
    return Platform(PrintingMessenger(show, files), RateLimiter(rate=100))


def _can_wake_the_main_thread() -> bool:
    """Signal handlers are set from the main thread, on POSIX (not pyreadline's Windows)."""
    return hasattr(signal, "pthread_kill") and threading.current_thread() is threading.main_thread()


def _wake_up(signum: int, frame: FrameType | None) -> None:
    """SIGURG: nothing but an interrupted wait, in which the other handlers run."""


class Terminal:
    """Lines in, text out. Text shown while a line is being read (from the tick's thread)
    goes above the prompt, which is drawn again with what was typed so far.

    On the process's own terminal, lines are read with readline (editing, history kept in
    `history`); any other streams (a pipe, a test's) are read as plain lines."""

    def __init__(self, stdin: TextIO, stdout: TextIO, history: Path | None = None) -> None:
        self.stdin, self.stdout = stdin, stdout
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a read began, or the end came
        self._reading = False
        self._ended = False
        self._history = history
        self._readline: ModuleType | None = None
        self._exit = contextlib.ExitStack()
        # input() edits lines only on the process's own terminal.
        if stdin is sys.stdin and stdout is sys.stdout and stdin.isatty() and stdout.isatty():
            try:
                import readline
            except ImportError:  # Windows: plain input()
                pass
            else:
                self._readline = readline
                readline.set_completer_delims(" \t")
                readline.set_completer(self._complete)
                readline.parse_and_bind("tab: complete")

    def __enter__(self) -> Self:
        if self._readline is not None and _can_wake_the_main_thread():
            self._exit.enter_context(self._waking())
        if self._readline is not None and self._history is not None:
            self._readline.set_history_length(HISTORY_LINES)
            try:
                self._readline.read_history_file(self._history)
            except FileNotFoundError:
                pass
            except OSError as error:
                log.warning("could not read the console history %s: %s", self._history, error)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._exit.close()
        if self._readline is not None and self._history is not None:
            try:
                self._history.parent.mkdir(parents=True, exist_ok=True)
                self._readline.write_history_file(self._history)
            except OSError as error:
                log.warning("could not keep the console history %s: %s", self._history, error)

    def read(self) -> str:
        """The next line; EOFError at its end (Ctrl-D), KeyboardInterrupt on Ctrl-C."""
        # The prompt is written inside the try: a Ctrl-C right after it (as soon as it
        # shows) must still end the read, or the next line shown would redraw a prompt.
        try:
            with self._changed:
                self._reading = True
                self._changed.notify_all()
                if self._readline is None:
                    self.stdout.write(PROMPT)
                    self.stdout.flush()
            if self._readline is not None:
                return input(PROMPT)
            line = self.stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\r\n")
        finally:
            with self._lock:
                self._reading = False

    @contextlib.contextmanager
    def _waking(self) -> Iterator[None]:
        """While a line is read, the main thread is interrupted every WAKE_SECONDS.

        readline (CPython's Modules/readline.c) waits for a key in select() and runs the
        signal handlers only when a signal interrupts that select(). A SIGINT that comes
        while the main thread is anywhere else, if only drawing the key just typed, or
        that the kernel gives to another of the process's threads, is noted and then
        waits for the next key: a Ctrl-C that does nothing. The interrupting signal is
        SIGURG, of no meaning here: ignored by default (one that comes late is harmless),
        and the system calls it interrupts are restarted, but select() never is."""
        previous = signal.signal(signal.SIGURG, _wake_up)
        signal.siginterrupt(signal.SIGURG, False)
        waker = threading.Thread(target=self._wake, name="console-waker", daemon=True)
        waker.start()
        try:
            yield
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()
            waker.join()
            signal.signal(signal.SIGURG, previous)

    def _wake(self) -> None:
        main = threading.main_thread().ident
        assert main is not None
        with self._changed:
            while not self._ended:
                if self._reading:
                    signal.pthread_kill(main, signal.SIGURG)
                    self._changed.wait(WAKE_SECONDS)
                else:
                    self._changed.wait()

    def _complete(self, text: str, state: int) -> str | None:
        offered = completions(self.typed()[: self._readline.get_endidx()] if self._readline else "")
        return offered[state] if state < len(offered) else None

    def typed(self) -> str:
        """What the line being read holds so far (readline only)."""
        return "" if self._readline is None else str(self._readline.get_line_buffer())

    def show(self, text: str) -> None:
        """Print `text` (from any thread); above the prompt if a line is being read."""
        with self._lock:
            if not self._reading:
                self.stdout.write(f"{text}\n")
            elif self._readline is not None:
                self.stdout.write(f"{CLEAR_LINE}{text}\n{PROMPT}{self.typed()}")
            else:
                self.stdout.write(f"\n{text}\n{PROMPT}")
            self.stdout.flush()


class Console:
    """One member at the prompt: each line is a command for the core; a tick in the
    background plans the mornings that have come and shows what is due."""

    def __init__(
        self,
        app: FollowThrough,
        deliverer: Deliverer,
        who: Identity,
        terminal: Terminal,
        tick_seconds: float = TICK_SECONDS,
        files: Folder | None = None,
    ) -> None:
        self.app, self.deliverer, self.who = app, deliverer, who
        self.terminal = terminal
        self.tick_seconds = tick_seconds
        self.files = files  # where an answer's attachments are written, if anywhere
        # A terminal shows no picture: the Monday board brings its words instead, and
        # is drawn only for a folder to keep it.
        self.app.planner.pictures = files is not None
        # One caller into the core at a time: the prompt's command or the tick.
        self._core = threading.Lock()
        self._stop = threading.Event()

    def tick(self) -> None:
        with self._core:
            self.app.planner.plan()
            asyncio.run(self.deliverer.drain())

    def _ticking(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.tick()
            except Exception:
                log.exception("the console's tick failed; the next one retries")

    def run(self) -> int:
        """Read commands until Ctrl-D (or a second Ctrl-C at an empty prompt): 0."""
        self.terminal.show(GREETING.format(name=self.who.name))
        self.tick()  # what is due already shows before the first prompt
        ticker = threading.Thread(target=self._ticking, name="console-tick", daemon=True)
        ticker.start()
        try:
            self._prompt()
        finally:
            self._stop.set()
            ticker.join()
        return 0

    def _prompt(self) -> None:
        interrupted = False  # the last key was a Ctrl-C at an empty prompt
        while True:
            try:
                line = self.terminal.read()
            except EOFError:  # Ctrl-D
                self.terminal.show("")
                return
            except KeyboardInterrupt:  # Ctrl-C: drop the line, as a shell does
                cancelled = self.terminal.typed()
                if interrupted and not cancelled:
                    self.terminal.show("")
                    return
                interrupted = True
                self.terminal.show("" if cancelled else f"\n{QUIT_HINT}")
                continue
            interrupted = False
            try:
                self.command(line)
            except KeyboardInterrupt:  # while the core answered: the answer still stands
                self.terminal.show("")

    def command(self, line: str) -> None:
        """Run one typed line; an empty one does nothing. The core reads the command's
        name and words in any case and with any spaces, as it does Slack's text."""
        words = line.split(None, 1)  # any whitespace, Unicode spaces included
        if not words:
            return
        rest = words[1] if len(words) > 1 else ""
        path = import_path(rest) if words[0].lower() == "/followthrough" else None
        with self._core:
            if path is None:
                answer = self.app.conversation.handle(self.who, words[0], rest)
            else:  # `/followthrough import search.csv`: the file itself, from here
                try:
                    answer = upload(self.app, self.who, Path(path).expanduser())
                except OSError as error:
                    self.terminal.show(f"can't read {path}: {error.strerror}")
                    return
        self.terminal.show(answer_text(answer))
        keep(self.files, answer, self.terminal.show)
        self.tick()  # what the command caused (a celebration) shows after its answer


def identity(name: str) -> Identity:
    """The member `name` of the console's group, as this user of the machine."""
    return Identity(PLATFORM, WORKSPACE, f"{getpass.getuser()}:{name}", name, is_admin=True)


def upload(app: FollowThrough, who: Identity, path: Path) -> Message:
    """The core's preview of the file at `path` (an OSError if it can't be read)."""
    name, data, size = read_upload(path)
    return app.conversation.import_file(who, name, data, size=size)


def bring_in(services: Services, name: str, words: list[str], out: TextIO | None = None) -> int:
    """`followthrough import --as NAME FILE`: the file's preview; `... confirm` or
    `... cancel`: what the member decides. 0 if done, 1 if refused or failed."""
    out = out or sys.stdout
    who = identity(name)
    first = words[0].lower()
    if first in IMPORT_WORDS and not Path(words[0]).is_file():
        answer = services.app.conversation.handle(
            who, "/followthrough", "import " + " ".join(words)
        )
    else:
        path = Path(" ".join(words)).expanduser()
        try:
            answer = upload(services.app, who, path)
        except OSError as error:
            print(f"followthrough import: can't read {path}: {error.strerror}", file=sys.stderr)
            return 2
    print(answer_text(answer), file=out, flush=True)
    return 0 if answer.outcome is Outcome.DONE else 1


def run(
    services: Services,
    name: str,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    history: Path | None = None,
    tick_seconds: float = TICK_SECONDS,
    files: Folder | None = None,
) -> int:
    """The interactive prompt on the process's terminal (or the streams given): 0.
    `files`: where the answers' attachments are written."""
    terminal = Terminal(stdin or sys.stdin, stdout or sys.stdout, history or history_file())
    who = identity(name)
    deliverer = services.deliverer({PLATFORM: platform(terminal.show, files)}, senders=1)
    with terminal:
        return Console(services.app, deliverer, who, terminal, tick_seconds, files).run()

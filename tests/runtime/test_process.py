"""`followthrough run` as real processes against the fake Slack and Discord: a worker
delivers through the APIs with no gateway, one process serves everything at once, and
a gateway process refuses shards another live process owns. Each serves /healthz,
/readyz and /metrics, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import insert, select

from bots.bootstrap import build
from bots.settings import Settings
from core.domain.messages import Message, MessageKind, Section
from core.storage.database import make_engine
from core.storage.tables import GroupRow, MemberRow, OutboxRow
from testkit import discord as fake_discord
from testkit import discord_payloads as payloads
from testkit import slack as fake_slack
from testkit.discord import FakeDiscord
from testkit.processes import outside
from testkit.slack import FakeSlack
from tests.conftest import _empty_postgres

ROOT = Path(__file__).resolve().parents[2]
SLACK_USERS = ("U0ADA00001", "U0BOB00002")
DISCORD_USERS = ("730000000000000011", "730000000000000012")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed_mornings(url: str) -> None:
    """A Slack group and a Discord group, two members each, a digest due for each now."""
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for platform, workspace, channel, users in (
                ("slack", fake_slack.TEAM, "C0COHORT01", SLACK_USERS),
                ("discord", str(payloads.GUILD_ID), str(payloads.CHANNEL_ID), DISCORD_USERS),
            ):
                group = conn.execute(
                    insert(GroupRow).returning(GroupRow.id),
                    {"platform": platform, "external_id": workspace, "tz": "UTC",
                     "country": None, "morning": clock_time(8, 0), "channel": channel,
                     "settings": {}, "suspended": False, "created_at": now},
                ).scalar_one()  # fmt: skip
                conn.execute(
                    insert(MemberRow),
                    [{"group_id": group, "external_id": u, "name": u, "created_at": now}
                     for u in users],
                )  # fmt: skip
                members = conn.scalars(select(MemberRow.id).where(MemberRow.group_id == group))
                conn.execute(
                    insert(OutboxRow),
                    [
                        {"key": f"digest:{m}:{now.date()}", "group_id": group, "member_id": m,
                         "to_channel": False, "kind": "digest",
                         "payload": Message(MessageKind.DIGEST, f"Good morning, member {m}.", (
                             Section("#1 Julie at Acme: send the follow-up email"),)).to_dict(),
                         "created_at": now, "not_before": now - timedelta(minutes=1),
                         "status": "pending"}
                        for m in members
                    ],
                )  # fmt: skip
    finally:
        engine.dispose()


def environment(tmp: Path, url: str, port: int, **extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    kept = {k: v for k, v in kept.items() if not k.startswith("FOLLOWTHROUGH_")}
    return {
        **kept,
        "FOLLOWTHROUGH_DATABASE_URL": url,
        "FOLLOWTHROUGH_HTTP_PORT": str(port),
        "XDG_DATA_HOME": str(tmp / "data"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


async def start(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "run", *args, env=env, cwd=outside(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def until(check: Callable[[], Any], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await _truthy(check()):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.1)


async def _truthy(value: Any) -> bool:
    return bool(await value) if asyncio.iscoroutine(value) else bool(value)


async def get(port: int, path: str) -> tuple[int, str]:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}{path}") as response,
        ):
            return response.status, await response.text()
    except aiohttp.ClientConnectorError:
        return 0, ""


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err.decode()
    return err.decode()


def sample(page: str, name: str) -> float:
    total = 0.0
    for line in page.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.timeout(60, func_only=True)
async def test_a_worker_delivers_through_the_apis_without_a_gateway(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ft.db'}"
    with build(Settings(database_url=url), migrate=True):
        pass
    seed_mornings(url)

    slack, discord = FakeSlack(), FakeDiscord()
    async with slack:
        await discord.start()
        port = free_port()
        env = environment(
            tmp_path, url, port,
            SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN,
            SLACK_SIGNING_SECRET=fake_slack.SIGNING_SECRET,
            FOLLOWTHROUGH_SLACK_API_URL=slack.api_url,
            DISCORD_TOKEN=fake_discord.TOKEN,
            FOLLOWTHROUGH_DISCORD_API_URL=discord.api_url,
            FOLLOWTHROUGH_DISCORD_GATEWAY_URL=discord.gateway_url,
        )  # fmt: skip
        process = await start(env, "--worker", "--tick", "0.3")
        try:
            await until(lambda: len(slack.posts()) == 2)
            await until(lambda: all(discord.dm(int(u)) for u in DISCORD_USERS))
            assert await get(port, "/healthz") == (200, "ok\n")
            assert await get(port, "/readyz") == (200, "ready\n")
            status, page = await get(port, "/metrics")
            assert status == 200
            assert sample(page, 'followthrough_sends_total{outcome="sent",platform="slack"}') == 2
            assert sample(page, 'followthrough_sends_total{outcome="sent",platform="discord"}') == 2
            assert sample(page, 'followthrough_outbox_messages{state="sent"}') == 4
        finally:
            await stop(process)
            await discord.close()
        assert discord.identifies == 0  # REST only: no gateway session
        assert not slack.calls_to("apps.connections.open")  # no Socket Mode either
        assert {p["channel"] for p in slack.posts()} == {"D0ADA00001", "D0BOB00002"}


@pytest.mark.timeout(90, func_only=True)
async def test_one_process_serves_slack_discord_and_the_console_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ft.db'}"
    with build(Settings(database_url=url), migrate=True):
        pass
    seed_mornings(url)

    slack, discord = FakeSlack(), FakeDiscord()
    async with slack:
        await discord.start()
        port = free_port()
        env = environment(
            tmp_path, url, port,
            SLACK_BOT_TOKEN=fake_slack.BOT_TOKEN,
            SLACK_APP_TOKEN=fake_slack.APP_TOKEN,
            FOLLOWTHROUGH_SLACK_API_URL=slack.api_url,
            DISCORD_TOKEN=fake_discord.TOKEN,
            FOLLOWTHROUGH_DISCORD_API_URL=discord.api_url,
            FOLLOWTHROUGH_DISCORD_GATEWAY_URL=discord.gateway_url,
        )  # fmt: skip
        process = await start(env, "--slack", "--discord", "--console", "--tick", "0.3")
        try:
            await slack.connected(timeout=20)
            await until(lambda: discord.identifies == 1)
            # a command on each
            ack = await slack.envelope(
                "slash_commands",
                {"command": "/lead", "text": "add Julie Martin at Acme",
                 "user_id": "U0CAT00003", "user_name": "cat", "team_id": fake_slack.TEAM,
                 "channel_id": "D0CAT00003", "trigger_id": "t-1",
                 "response_url": slack.response_url("one"), "api_app_id": "A0APP00001"},
            )  # fmt: skip
            assert ack["envelope_id"]
            assert "Julie Martin" in ack["payload"]["text"]  # the answer rides in the ack
            command = payloads.command(
                "lead", "add", payloads.option("contact", "Nadia"),
                payloads.option("company", "Globex"),
            )  # fmt: skip
            await discord.dispatch("INTERACTION_CREATE", command)
            await until(lambda: command["token"] in discord.followups)
            assert "Nadia" in str(discord.followups[command["token"]][0])
            # the morning on each
            await until(lambda: len(slack.posts()) >= 2)
            await until(lambda: all(discord.dm(int(u)) for u in DISCORD_USERS))
            # health on the Slack listener's port, the gateway and socket in /readyz
            assert await get(port, "/healthz") == (200, "ok\n")
            await until(lambda: _ready(port))
            _status, page = await get(port, "/metrics")
            assert sample(page, 'followthrough_commands_total{outcome="ok",platform="slack"}') == 1
            assert (
                sample(page, 'followthrough_commands_total{outcome="ok",platform="discord"}') == 1
            )
        finally:
            await stop(process)
            await discord.close()
        assert discord.connected == 0  # the gateway was closed


async def _ready(port: int) -> bool:
    return (await get(port, "/readyz"))[0] == 200


@pytest.mark.postgres
@pytest.mark.timeout(120, func_only=True)
async def test_a_gateway_process_refuses_shards_another_live_process_owns(
    postgres_url: str, tmp_path: Path
) -> None:
    _empty_postgres(postgres_url)
    with build(Settings(database_url=postgres_url), migrate=True):
        pass

    discord = await FakeDiscord().start()
    try:

        def env(port: int) -> dict[str, str]:
            return environment(
                tmp_path, postgres_url, port,
                DISCORD_TOKEN=fake_discord.TOKEN,
                FOLLOWTHROUGH_DISCORD_API_URL=discord.api_url,
                FOLLOWTHROUGH_DISCORD_GATEWAY_URL=discord.gateway_url,
            )  # fmt: skip

        first_port = free_port()
        first = await start(env(first_port), "--discord", "--shards", "0-3",
                            "--shard-count", "8", "--tick", "0.5")  # fmt: skip
        await until(lambda: discord.identifies == 4)  # a session per shard
        await until(lambda: _ready(first_port))
        _, ready = await get(first_port, "/readyz")
        assert ready == "ready\n"
        overlapping = await start(env(free_port()), "--discord", "--shards", "2-5",
                                  "--shard-count", "8")  # fmt: skip
        _, err = await asyncio.wait_for(overlapping.communicate(), 20)
        assert overlapping.returncode == 1
        assert "already owns Discord shards 0-3 of 8, which overlaps shards 2-5 of 8" in (
            err.decode()
        )
        assert discord.identifies == 4  # it refused before connecting
        other_count = await start(env(free_port()), "--discord", "--shards", "4-7",
                                  "--shard-count", "16")  # fmt: skip
        _, err = await asyncio.wait_for(other_count.communicate(), 20)
        assert other_count.returncode == 1
        assert "every gateway process must use the same count" in err.decode()
        second_port = free_port()
        second = await start(env(second_port), "--discord", "--shards", "4-7",
                             "--shard-count", "8", "--tick", "0.5")  # fmt: skip
        await until(lambda: discord.identifies == 8)
        await until(lambda: _ready(second_port))
        await stop(second)
        await stop(first)
        # Both gave their leases back: the whole range starts again at once.
        again = await start(env(free_port()), "--discord", "--shards", "0-7",
                            "--shard-count", "8", "--tick", "0.5")  # fmt: skip
        await until(lambda: discord.identifies == 16)
        await stop(again)
    finally:
        await discord.close()


def test_roles_that_make_no_sense_are_refused(tmp_path: Path) -> None:
    from bots import cli

    url = f"sqlite:///{tmp_path / 'ft.db'}"
    os.environ["FOLLOWTHROUGH_DATABASE_URL"] = url
    try:
        assert cli.main(["run", "--worker", "--slack"]) == 2
        assert cli.main(["run", "--console", "--shards", "0-1", "--shard-count", "2"]) == 2
        assert cli.main(["run", "--discord", "--shards", "0-9", "--shard-count", "8"]) == 2
        assert cli.main(["run"]) == 2
    finally:
        del os.environ["FOLLOWTHROUGH_DATABASE_URL"]


def test_shards_without_the_discord_flag_are_refused_even_with_every_platform_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # With no role, `run` serves every configured platform; shards named without
    # --discord must not start a process that also serves Slack on every shard.
    from bots import cli

    for name in [n for n in os.environ if n.startswith(("SLACK_", "DISCORD_", "FOLLOWTHROUGH_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{tmp_path / 'ft.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", fake_slack.BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", fake_slack.SIGNING_SECRET)
    monkeypatch.setenv("DISCORD_TOKEN", fake_discord.TOKEN)

    assert cli.main(["run", "--shards", "0-3", "--shard-count", "8"]) == 2
    assert "add --discord" in capsys.readouterr().err


def test_oauth_mode_refuses_to_start_without_the_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bots import cli

    for name in [n for n in os.environ if n.startswith(("SLACK_", "DISCORD_", "FOLLOWTHROUGH_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{tmp_path / 'ft.db'}")
    monkeypatch.setenv("SLACK_CLIENT_ID", "123.456")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret")
    for role in ("--slack", "--worker"):
        assert cli.main(["run", role]) == 2
        assert "FOLLOWTHROUGH_SECRET_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("FOLLOWTHROUGH_SECRET_KEY", "not-a-key")
    assert cli.main(["run", "--slack"]) == 2
    err = capsys.readouterr().err
    assert "not a Fernet key" in err or "cryptography package is needed" in err

"""`followthrough run --discord` and `followthrough discord invite|sync`, as processes,
against the fake Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from testkit import discord_payloads as p
from testkit.discord import APP_ID, TOKEN, FakeDiscord
from testkit.discord_harness import text_of
from testkit.processes import outside

ROOT = Path(__file__).resolve().parents[3]


def env(fake: FakeDiscord, tmp: Path, token: str = TOKEN) -> dict[str, str]:
    return {
        **os.environ,
        "DISCORD_TOKEN": token,
        "FOLLOWTHROUGH_DISCORD_API_URL": fake.api_url,
        "FOLLOWTHROUGH_DISCORD_GATEWAY_URL": fake.gateway_url,
        "FOLLOWTHROUGH_DATABASE_URL": f"sqlite:///{tmp / 'ft.db'}",
        "XDG_DATA_HOME": str(tmp / "data"),
        "PYTHONPATH": str(ROOT),
    }


async def start(
    fake: FakeDiscord, tmp: Path, *args: str, token: str = TOKEN
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        *args,
        env=env(fake, tmp, token),
        cwd=outside(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.timeout(40, func_only=True)
async def test_run_discord_serves_commands_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    try:
        process = await start(fake, tmp_path, "run", "--discord", "--tick", "0.5")
        await fake.wait(lambda: fake.identifies == 1, timeout=20)
        assert len(fake.requests("PUT", "/commands$")) == 1  # first start: synced
        payload = p.command(
            "lead", "add", p.option("contact", "Julie"), p.option("company", "Acme")
        )
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait(lambda: payload["token"] in fake.followups, timeout=10)
        assert "Added #1 Julie" in text_of(fake.followups[payload["token"]][0])
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 15)
        assert process.returncode == 0, err.decode()
    finally:
        await fake.close()


@pytest.mark.timeout(40, func_only=True)
async def test_a_bad_token_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    try:
        process = await start(fake, tmp_path, "run", "--discord", token="wrong-token-xyz")
        out, err = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 1
        assert "DISCORD_TOKEN" in err.decode()
        assert "wrong-token-xyz" not in (out + err).decode()
        assert len(fake.requests("GET", "/users/@me$")) == 1  # no restart loop
    finally:
        await fake.close()


@pytest.mark.timeout(40, func_only=True)
async def test_invite_and_sync(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    try:
        process = await start(fake, tmp_path, "discord", "invite")
        out, err = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, err.decode()
        assert out.decode().strip() == (
            f"https://discord.com/oauth2/authorize?client_id={APP_ID}"
            "&scope=bot+applications.commands&permissions=52224"
        )
        process = await start(fake, tmp_path, "discord", "sync")
        out, err = await asyncio.wait_for(process.communicate(), 20)
        assert process.returncode == 0, err.decode()
        assert "synced" in out.decode()
        assert len(fake.requests("PUT", "/commands$")) == 1
    finally:
        await fake.close()

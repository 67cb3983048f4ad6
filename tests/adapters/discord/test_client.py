"""The discord.py client (bots.discord.client), in the few full-gateway tests: login,
command sync, READY, an interaction answered over the gateway, a DM with its nonce, and a
press on an old message after a restart; removal from a server erases its group."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import discord
import pytest

from bots.discord.client import BadToken, Bot, Options, invite_url, login, point_at
from testkit import discord_payloads as p
from testkit.discord import APP_ID, FakeDiscord
from testkit.discord_harness import GUILD, Harness, deliver, due_digest, eventually, text_of, who

USER = 730000000000000001


async def test_login_syncs_the_commands_once_and_reaches_ready(tmp_path: Path) -> None:
    fake = FakeDiscord()
    fake.guilds.append(p.guild())
    async with Harness(tmp_path, fake=fake, sync=True) as h:
        assert h.bot is not None and h.bot.synced is True
        names = {c["name"] for c in fake.commands}
        assert {"lead", "followthrough", "followthrough-group", "leaderboard"} <= names
        await h.connect()
        assert fake.identifies == 1 and len(h.bot.guilds) == 1
        # Guilds and DM messages: nothing privileged (no message content, no members).
        assert h.bot.intents.value == (1 | 1 << 12)
        assert not h.bot.intents.message_content
        # A second process with the same tree does not sync again.
        await h.restart()
        assert h.bot.synced is False
        assert len(fake.requests("PUT", r"/commands$")) == 1


async def test_the_sync_state_file_is_read_and_written_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "commands.sha256"
    where: list[tuple[str, int]] = []
    read, write = Path.read_text, Path.write_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self == state:
            where.append(("read", threading.get_ident()))
        return read(self, *args, **kwargs)

    def write_text(self: Path, *args: Any, **kwargs: Any) -> int:
        if self == state:
            where.append(("write", threading.get_ident()))
        return write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    monkeypatch.setattr(Path, "write_text", write_text)

    loop = threading.get_ident()
    async with Harness(tmp_path, sync=True) as h:  # login runs setup_hook: a first sync
        assert h.bot is not None and h.bot.synced is True
        await h.restart()  # the same tree: read, not synced
        assert h.bot.synced is False
    assert [what for what, _ in where] == ["read", "write", "read"]
    assert all(thread != loop for _, thread in where)


async def test_an_interaction_over_the_gateway_is_answered_ephemerally(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        await h.connect()
        payload = p.command(
            "lead",
            "add",
            p.option("contact", "Julie"),
            p.option("company", "Acme"),
            nick="Ada L.",
        )
        await h.fake.dispatch("INTERACTION_CREATE", payload)
        await h.answered(payload)
        answer = h.last_answer(payload)
        assert answer["flags"] & 64
        assert "Added #1 Julie at Acme" in text_of(answer)
        assert "Ada L." in text_of(answer)  # the server display name, in the welcome


async def test_a_digest_dm_carries_its_nonce_and_a_press_after_a_restart_works(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        await h.connect()
        due_digest(h, USER)
        assert await deliver(h) == 1
        [dm] = h.fake.dm(USER)
        call = h.fake.requests("POST", r"/channels/\d+/messages$")[-1]
        assert call.body["nonce"] == dm["nonce"] and call.body["enforce_nonce"] is True
        assert len(dm["nonce"]) <= 25
        [done, *_] = p.custom_ids(dm)

        await h.restart()  # a new process: nothing in memory about that message
        await h.connect()
        press = p.press(done, user_id=USER, message=dm, dm_channel=h.fake.dm_channels[USER])
        await h.fake.dispatch("INTERACTION_CREATE", press)
        await h.fake.wait(
            lambda: (
                press["token"] in h.fake.originals
                and "footer" in str(h.fake.originals[press["token"]])
            )
        )
        edited = h.fake.originals[press["token"]]
        assert "✓" in text_of(edited)
        assert all(c["disabled"] for c in edited["components"][0]["components"])


async def test_a_bad_token_stops_with_a_clear_message_and_no_retry(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    try:
        point_at(fake.api_url, fake.gateway_url)
        async with Harness(tmp_path, fake=fake) as h:
            bot = Bot(h.app.conversation, Options(sync=False))
            with pytest.raises(BadToken, match="DISCORD_TOKEN"):
                await login(bot, "not-the-token")
            assert len(fake.requests("GET", "/users/@me")) == 2  # ours, then the harness's
            assert "not-the-token" not in str(fake.calls[-1])
    finally:
        await fake.close()


async def test_a_gateway_that_refuses_the_token_ends_the_client(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.fake.token = "rotated"  # REST login done; the gateway now refuses IDENTIFY
        assert h.bot is not None
        with pytest.raises(discord.ConnectionClosed):
            await h.bot.connect(reconnect=True)
        assert h.fake.identifies == 0


def test_the_invite_link_asks_for_exactly_what_the_bot_needs() -> None:
    url = invite_url(APP_ID)
    assert url == (
        f"https://discord.com/oauth2/authorize?client_id={APP_ID}"
        "&scope=bot+applications.commands&permissions=52224"
    )


async def test_on_ready_twice_changes_nothing(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        await h.connect()
        await h.bot.on_ready()
        await h.bot.on_ready()
        await eventually(lambda: h.fake.connected == 1)
        assert len(h.fake.requests("PUT", r"/commands$")) == 0


# -- guilds: removal from a server ---------------------------------------------------


async def test_removal_from_a_server_erases_its_group_but_an_outage_does_not(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        state = h.bot._connection
        state.parse_guild_create(p.guild())  # type: ignore[arg-type]
        h.app.conversation.handle(who(USER), "/lead", "add Julie at Acme")
        state.parse_guild_delete({"id": GUILD, "unavailable": True})  # type: ignore[arg-type]
        await asyncio.sleep(0.1)
        assert h.app.conversation.lead_choices(who(USER), "") != []
        state.parse_guild_create(p.guild())  # type: ignore[arg-type]
        state.parse_guild_delete({"id": GUILD})  # type: ignore[arg-type]
        for _ in range(100):
            if h.app.conversation.lead_choices(who(USER), "") == []:
                break
            await asyncio.sleep(0.02)
        assert h.app.conversation.lead_choices(who(USER), "") == []
        assert h.app.groups.erase_group("discord", GUILD) is False  # nothing left

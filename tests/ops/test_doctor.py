"""`followthrough doctor` against the fake Slack and Discord on 127.0.0.1 and real
databases: everything right says so and exits 0; each broken setting is found."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from bots import cli
from bots.bootstrap import build
from bots.ops import doctor
from bots.ops.doctor import Report, examine
from bots.settings import Settings
from core.storage.schema import head as schema_head
from testkit import discord as fake_discord
from testkit import slack as fake_slack
from testkit.doctor import DoctorDiscord, DoctorSlack
from tests.ops.conftest import OwnDatabase

SLACK_CHANNEL = "C0COHORT01"
GUILD = "900000000000000001"
Arrange = Callable[[DoctorSlack, DoctorDiscord, dict[str, str]], None]


def groups(url: str, discord_channel: int) -> None:
    """A Slack group and a Discord group, each with its channel."""
    with build(Settings(database_url=url), migrate=True) as services:
        services.app.groups.setup_group("slack", fake_slack.TEAM, channel=SLACK_CHANNEL)
        services.app.groups.setup_group("discord", GUILD, channel=str(discord_channel))


async def examine_with(tmp_path: Path, arrange: Arrange | None = None) -> Report:
    """Doctor on a good setup (both platforms, groups with channels), once `arrange`d."""
    slack, discord = DoctorSlack(), DoctorDiscord()
    async with slack:
        await discord.start()
        try:
            channel = discord.add_channel()
            slack.channels[SLACK_CHANNEL] = {"name": "cohort"}
            url = f"sqlite:///{tmp_path / 'ft.db'}"
            await asyncio.to_thread(groups, url, channel)
            env = {
                "FOLLOWTHROUGH_DATABASE_URL": url,
                "SLACK_BOT_TOKEN": fake_slack.BOT_TOKEN,
                "SLACK_APP_TOKEN": fake_slack.APP_TOKEN,
                "DISCORD_TOKEN": fake_discord.TOKEN,
                "FOLLOWTHROUGH_SLACK_API_URL": slack.api_url,
                "FOLLOWTHROUGH_DISCORD_API_URL": discord.api_url,
            }
            if arrange is not None:
                arrange(slack, discord, env)
            return await examine(env)
        finally:
            await discord.close()


def problems(report: Report) -> list[str]:
    return [f.line() for f in report.problems]


async def test_a_good_setup_is_all_well(tmp_path: Path) -> None:
    report = await examine_with(tmp_path)
    assert problems(report) == []
    lines = "\n".join(f.line() for f in report.findings)
    assert "ok       database: sqlite, schema at the newest migration" in lines
    assert "ok       slack: bot token works in workspace T0TEAM0001, with every scope" in lines
    assert "ok       slack: Socket Mode: the app token opens a connection" in lines
    assert "ok       discord: token works for" in lines
    assert "ok       discord: intents dm_messages, guilds: none privileged" in lines
    assert "ok       discord: in about 3 servers: one gateway session is enough" in lines
    assert f"ok       channels: Slack workspace T0TEAM0001: group channel {SLACK_CHANNEL}" in lines
    assert lines.count("is fine") == 2
    # nothing secret is printed
    for secret in (fake_slack.BOT_TOKEN, fake_slack.APP_TOKEN, fake_discord.TOKEN):
        assert secret not in lines


def test_main_prints_and_exits_zero_only_when_all_is_well(tmp_path: Path) -> None:
    out = io.StringIO()
    code = doctor.main({"FOLLOWTHROUGH_HTTP_PORT": "http"}, out)
    printed = out.getvalue().splitlines()
    assert code == 1
    assert printed[-1] == "2 problems found"
    assert printed[0] == (
        "PROBLEM  settings: FOLLOWTHROUGH_HTTP_PORT must be a port number, 1-65535 (got 'http')"
        " -> correct FOLLOWTHROUGH_HTTP_PORT in the environment or .env file"
    )
    assert "neither Slack nor Discord is configured" in printed[1]


def set_env(**values: str) -> Arrange:
    def arrange(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
        env.update(values)

    return arrange


def drop_env(*names: str) -> Arrange:
    def arrange(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
        for name in names:
            env.pop(name)

    return arrange


def fewer_scopes(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
    slack.scopes = ("commands", "chat:write")


def archived(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
    slack.channels[SLACK_CHANNEL] = {"is_archived": True}


def not_invited(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
    slack.channels[SLACK_CHANNEL] = {"is_member": False}


def slack_channel_gone(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
    del slack.channels[SLACK_CHANNEL]


def discord_channel_gone(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
    discord.channels.clear()


def discord_channel_hidden(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
    discord.hidden.update(discord.channels)


def unreachable_slack(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
    env["FOLLOWTHROUGH_SLACK_API_URL"] = "http://127.0.0.1:9/api/"  # discard: nobody listens


BROKEN: dict[str, tuple[Arrange, str]] = {
    "port": (
        set_env(FOLLOWTHROUGH_HTTP_PORT="70000"),
        "settings: FOLLOWTHROUGH_HTTP_PORT must be a port number",
    ),
    "database url": (
        set_env(FOLLOWTHROUGH_DATABASE_URL="followthrough.db"),
        "settings: FOLLOWTHROUGH_DATABASE_URL must be a SQLAlchemy URL",
    ),
    "slack api url": (
        set_env(FOLLOWTHROUGH_SLACK_API_URL="slack.com/api"),
        "settings: FOLLOWTHROUGH_SLACK_API_URL must be a http/https URL",
    ),
    "gateway url": (
        set_env(FOLLOWTHROUGH_DISCORD_GATEWAY_URL="http://127.0.0.1/gateway"),
        "settings: FOLLOWTHROUGH_DISCORD_GATEWAY_URL must be a ws/wss URL",
    ),
    "user token": (
        set_env(SLACK_BOT_TOKEN="xoxp-1-2-3"),
        "settings: SLACK_BOT_TOKEN is not a bot token (it should start with xoxb-)",
    ),
    "bot token refused": (
        set_env(SLACK_BOT_TOKEN="xoxb-revoked"),
        "slack: Slack refused SLACK_BOT_TOKEN (invalid_auth) -> copy the Bot User OAuth Token",
    ),
    "app token refused": (
        set_env(SLACK_APP_TOKEN="xapp-revoked"),
        "slack: Slack refused SLACK_APP_TOKEN (invalid_auth) -> enable Socket Mode",
    ),
    "bot token alone": (
        drop_env("SLACK_APP_TOKEN"),
        "settings: SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN",
    ),
    "half of oauth": (
        set_env(SLACK_CLIENT_ID="123.456"),
        "settings: set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID",
    ),
    "missing scopes": (
        fewer_scopes,
        "slack: the bot token lacks the scopes im:write, im:history, users:read, files:write",
    ),
    "slack unreachable": (
        unreachable_slack,
        "slack: cannot reach the Slack Web API at http://127.0.0.1:9/api/",
    ),
    "discord token refused": (
        set_env(DISCORD_TOKEN="not-the-token"),
        "discord: Discord refused DISCORD_TOKEN (401 Unauthorized) -> copy the bot token",
    ),
    "slack channel archived": (archived, f"the group channel {SLACK_CHANNEL} is archived"),
    "bot not invited": (
        not_invited,
        f"the bot is not a member of the group channel {SLACK_CHANNEL} -> invite it there",
    ),
    "slack channel gone": (
        slack_channel_gone,
        f"the group channel {SLACK_CHANNEL} doesn't exist or the bot can't see it",
    ),
    "discord channel gone": (
        discord_channel_gone,
        f"channels: Discord server {GUILD}: the group channel",
    ),
    "discord channel hidden": (
        discord_channel_hidden,
        f"channels: Discord server {GUILD}: the bot cannot see the group channel",
    ),
    "database unreachable": (
        set_env(FOLLOWTHROUGH_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/nothing"),
        "database: cannot connect to postgresql+psycopg://postgres@127.0.0.1:9/nothing",
    ),
}


@pytest.mark.parametrize("broken", list(BROKEN))
async def test_each_broken_setting_is_found(tmp_path: Path, broken: str) -> None:
    arrange, expected = BROKEN[broken]
    found = problems(await examine_with(tmp_path, arrange))
    assert len(found) == 1, found
    assert expected in found[0]
    assert found[0].startswith("PROBLEM  ") and " -> " in found[0]  # with how to fix it


async def test_several_broken_settings_are_all_found(tmp_path: Path) -> None:
    arrange = set_env(
        FOLLOWTHROUGH_HTTP_PORT="0",
        FOLLOWTHROUGH_DISCORD_API_URL="discord.com",
        FOLLOWTHROUGH_DATABASE_URL="mysql+nodriver://x/y",
        SLACK_BOT_TOKEN="xoxb-revoked",
    )
    found = problems(await examine_with(tmp_path, arrange))
    assert len(found) == 4, found
    assert "FOLLOWTHROUGH_DATABASE_URL names a database SQLAlchemy doesn't know" in found[0]
    assert "FOLLOWTHROUGH_HTTP_PORT must be a port number" in found[1]
    assert "FOLLOWTHROUGH_DISCORD_API_URL must be a http/https URL" in found[2]
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in found[3]


async def test_oauth_without_a_secret_key_is_a_problem(tmp_path: Path) -> None:
    arrange = set_env(
        SLACK_BOT_TOKEN="", SLACK_APP_TOKEN="", SLACK_CLIENT_ID="123.456",
        SLACK_CLIENT_SECRET="shh", SLACK_SIGNING_SECRET="sig",
    )  # fmt: skip
    found = problems(await examine_with(tmp_path, arrange))
    assert len(found) == 1, found
    assert "FOLLOWTHROUGH_SECRET_KEY is not set, so they would be stored unencrypted" in found[0]


async def test_the_intents_and_shards_are_read_from_the_application(tmp_path: Path) -> None:
    def big(slack: DoctorSlack, discord: DoctorDiscord, env: dict[str, str]) -> None:
        discord.guild_count = 6000

    report = await examine_with(tmp_path, big)
    assert problems(report) == []
    assert any(
        "in about 6000 servers: run gateway processes with --shard-count 3" in f.line()
        for f in report.findings
    )


@pytest.mark.postgres
def test_an_outdated_postgres_schema_says_to_upgrade(own_postgres: OwnDatabase) -> None:
    report = Report()
    engine = doctor.check_database(Settings(database_url=own_postgres.url), report)
    assert engine is None
    assert problems(report) == [
        "PROBLEM  database: the schema is at migration (none), this release needs"
        f" {schema_head()} -> run `followthrough db upgrade` once (docker compose"
        " runs it as the migrate service)"
    ]
    with build(Settings(database_url=own_postgres.url), migrate=True):
        pass
    report = Report()
    engine = doctor.check_database(Settings(database_url=own_postgres.url), report)
    assert engine is not None
    engine.dispose()
    assert problems(report) == []


def test_a_sqlite_file_not_there_yet_is_fine(tmp_path: Path) -> None:
    report = Report()
    url = f"sqlite:///{tmp_path / 'new' / 'ft.db'}"
    assert doctor.check_database(Settings(database_url=url), report) is None
    assert problems(report) == []
    assert not (tmp_path / "new").exists()  # doctor creates nothing


def test_the_command_line_runs_doctor(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in doctor.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FOLLOWTHROUGH_HTTP_PORT", "nope")
    assert cli.main(["doctor"]) == 1

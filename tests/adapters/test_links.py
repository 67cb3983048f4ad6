"""One person on Slack and Discord, through both real adapters on one database: a link
code asked for on Slack and typed on Discord, five wrong codes on Discord, and the one
morning delivered where the person chose."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.services.ports import SimulatedClock
from testkit import discord_payloads as p
from testkit.discord_harness import Harness as DiscordHarness
from testkit.discord_harness import deliver, text_of
from testkit.kit import START
from testkit.slack_harness import Harness as SlackHarness
from testkit.slack_harness import harness as slack_harness

CODE = re.compile(r"/followthrough link ([A-Z0-9]{8})")
ADA_ON_DISCORD = 730000000000000001
THURSDAY_MORNING = datetime(2026, 3, 5, 8, 1, tzinfo=UTC)

pytestmark = pytest.mark.timeout(60, func_only=True)


@dataclass
class Both:
    slack: SlackHarness
    discord: DiscordHarness
    clock: SimulatedClock

    async def on_slack(self, text: str, command: str = "/followthrough") -> str:
        return await self.slack.ask(text, command=command)

    async def on_discord(self, *path_and_options: Any, command: str = "followthrough") -> str:
        answer = await self.discord.interact(p.command(command, *path_and_options))
        assert answer["flags"] & 64, answer  # ephemeral: only the member sees it
        return text_of(answer)


@asynccontextmanager
async def both(tmp_path: Path) -> AsyncIterator[Both]:
    """The Slack server and the Discord bot on one SQLite database and one clock."""
    url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    clock = SimulatedClock(START)
    async with (
        slack_harness(tmp_path, database_url=url, clock=clock) as slack,
        DiscordHarness(tmp_path, database_url=url, clock=clock) as discord,
    ):
        yield Both(slack, discord, clock)


async def test_a_code_asked_for_on_slack_and_typed_on_discord_links_one_person(
    tmp_path: Path,
) -> None:
    async with both(tmp_path) as b:
        await b.on_slack("add Julie Martin at Acme", command="/lead")
        await b.on_discord(
            "add", p.option("contact", "Omar"), p.option("company", "Globex"), command="lead"
        )
        made = await b.on_slack("link")
        found = CODE.search(made)
        assert found is not None and "only you see this" in made
        answer = await b.on_discord("link", p.option("code", found.group(1)))
        assert answer.startswith("Linked: you are one person on Discord and Slack")
        assert "joined the others as #2" in answer
        # One set of leads, whichever platform asks; a Slack lead logged on Discord.
        await b.on_discord("emailed", p.option("lead", "julie"), command="lead")
        on_slack = await b.on_slack("list", command="/lead")
        assert "Julie Martin" in on_slack and "Omar" in on_slack and "emailed" in on_slack
        shown = await b.on_discord("link")
        assert shown.startswith("You are linked") and "Slack" in shown
        # Used once: typed again after an unlink, it links nothing.
        assert (await b.on_slack("unlink")).startswith("Unlinked")
        again = await b.on_discord("link", p.option("code", found.group(1)))
        assert "was used" in again


async def test_five_wrong_codes_on_discord_then_a_wait(tmp_path: Path) -> None:
    async with both(tmp_path) as b:
        made = await b.on_slack("link")
        found = CODE.search(made)
        assert found is not None
        wrong = "ZZZZ2222" if found.group(1) != "ZZZZ2222" else "ZZZZ3333"
        answers = [await b.on_discord("link", p.option("code", wrong)) for _ in range(5)]
        assert "4 tries left" in answers[0] and "1 try left" in answers[3]
        assert "wait 15 minutes" in answers[4]
        refused = await b.on_discord("link", p.option("code", found.group(1)))
        assert "wait 15 minutes" in refused  # the right code, during the wait


async def test_the_one_morning_comes_once_where_chosen(tmp_path: Path) -> None:
    async with both(tmp_path) as b:
        await b.on_slack("add Julie Martin at Acme", command="/lead")
        await b.on_slack("emailed julie", command="/lead")
        await b.on_discord(
            "add", p.option("contact", "Omar"), p.option("company", "Globex"), command="lead"
        )
        await b.on_discord("emailed", p.option("lead", "omar"), command="lead")
        found = CODE.search(await b.on_slack("link"))
        assert found is not None
        await b.on_discord("link", p.option("code", found.group(1)))
        chosen = await b.on_discord("me", p.option("deliver", "discord"))
        assert chosen == "Your morning now comes on Discord, once."
        b.clock.advance_to(THURSDAY_MORNING)
        b.discord.app.planner.plan()
        assert await deliver(b.discord) == 1
        assert await deliver(b.discord) == 0
        dms = [m for channel, sent in b.discord.fake.messages.items() for m in sent]
        [digest] = dms
        text = text_of(digest)
        assert "Julie" in text and "Omar" in text  # both platforms' follow-ups, in one
        assert b.slack.fake.calls_to("chat.postMessage") == []  # nothing on Slack

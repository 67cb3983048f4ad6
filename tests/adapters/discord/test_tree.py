"""Autocomplete from the command tree (bots.discord.tree): at most 25 short choices of
one's own leads, in time on a slow database, and the core's zones and countries."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from core.services import country_names
from testkit import discord_payloads as p
from testkit.discord import MAX_OPTIONS, command_errors
from testkit.discord_harness import Harness, who
from tests.adapters.discord.test_interactions import SlowApp

USER = 730000000000000001
OTHER = 730000000000000002


def complete(option: str, typed: str, *path: str, **kwargs: Any) -> dict[str, Any]:
    command, *subs = path
    return p.command(
        command, *subs, p.option(option, typed, focused=True), autocomplete=True, **kwargs
    )


def choices(h: Harness, payload: dict[str, Any]) -> list[dict[str, Any]]:
    [callback] = h.fake.callbacks[int(payload["id"])]
    assert callback["type"] == 8
    result: list[dict[str, Any]] = callback["data"]["choices"]
    return result


async def test_lead_autocomplete_offers_at_most_25_short_choices_of_ones_own_leads(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        for n in range(30):
            h.app.conversation.handle(who(USER), "/lead", f"add {'N' * 150}{n} at Acme{n}")
        h.app.conversation.handle(who(OTHER), "/lead", "add Stranger at Acme")
        payload = complete("lead", "", "lead", "emailed")
        await h.interact(payload)
        found = choices(h, payload)
        assert 0 < len(found) <= 25
        assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in found)
        assert not any("Stranger" in c["name"] for c in found)
        narrow = complete("lead", "acme29", "lead", "emailed")
        await h.interact(narrow)
        assert [c["value"] for c in choices(h, narrow)] == ["#30"]


async def test_lead_autocomplete_on_a_slow_database_answers_empty_in_time(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        h.bot.app = SlowApp(h.app.conversation, 2.5)  # type: ignore[assignment]
        payload = complete("lead", "ju", "lead", "emailed")
        started = time.monotonic()
        await h.interact(payload)
        assert time.monotonic() - started < 2.8
        assert choices(h, payload) == []


async def test_zone_and_country_autocomplete(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        tz = complete("tz", "berl", "followthrough", "me")
        await h.interact(tz)
        assert "Europe/Berlin" in [c["value"] for c in choices(h, tz)]
        every = complete("tz", "", "followthrough", "me")
        await h.interact(every)
        assert len(choices(h, every)) == 25
        country = complete("country", "ger", "followthrough", "me")
        await h.interact(country)
        assert "DE" in [c["value"] for c in choices(h, country)]
        named = dict(country_names())
        for choice in choices(h, country):  # the core's names, labelled "code · name"
            code = choice["value"]
            assert choice["name"] in (f"{code} · {named[code]}", code)
        assert {"name": "DE · Germany", "value": "DE"} in choices(h, country)


async def test_the_days_offered_for_an_interview_are_the_days_to_come(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        await h.interact(
            p.command("lead", "add", p.option("contact", "Julie"), p.option("company", "Acme"))
        )
        complete = p.command(
            "lead",
            "interview",
            p.option("lead", "#1"),
            p.option("when", "", focused=True),
            autocomplete=True,
        )
        await h.interact(complete)
        [callback] = h.fake.callbacks[int(complete["id"])]
        offered = [(c["name"], c["value"]) for c in callback["data"]["choices"]]
        assert offered[:3] == [
            ("Today", "today"),
            ("Tomorrow", "tomorrow"),
            ("Wed Mar 4", "2026-03-04"),
        ]


async def test_the_synced_tree_carries_link_unlink_and_deliver_within_discords_limits(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path, sync=True) as h:
        assert h.bot is not None and h.bot.synced is True  # the fake took it: within limits
        [followthrough] = [c for c in h.fake.commands if c["name"] == "followthrough"]
        subs = {o["name"]: o for o in followthrough["options"]}
        assert len(subs) <= MAX_OPTIONS
        [code] = subs["link"]["options"]
        assert code["name"] == "code" and not code.get("required")
        assert not subs["unlink"].get("options")
        deliver = {o["name"]: o for o in subs["me"]["options"]}["deliver"]
        assert [c["value"] for c in deliver["choices"]] == ["slack", "discord"]


def test_the_fake_refuses_a_tree_discord_would_refuse() -> None:
    option = {"name": "o", "description": "d", "type": 3}
    too_many = {"name": "x", "description": "d", "options": [option] * (MAX_OPTIONS + 1)}
    assert "options" in command_errors([too_many])["0"]
    assert command_errors([{"name": "Lead", "description": "d"}])["0"]["name"]
    assert command_errors([{"name": "x", "description": "d" * 101}])["0"]["description"]
    assert command_errors([{"name": f"c{n}", "description": "d"} for n in range(101)])
    long = {"name": "x", "description": "d", "choices": [{"name": "n", "value": "v"}] * 26}
    assert command_errors([{"name": "x", "description": "d", "options": [long]}])
    assert command_errors([{"name": "x", "description": "d"}]) == {}

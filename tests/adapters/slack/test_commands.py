"""Slash commands over real HTTP: signed, acked at once, answered ephemerally."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.adapters.slack.harness import ADA, BEA, harness, run, wait_until


def test_a_signed_command_is_acked_empty_and_answered_on_the_response_url(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with harness(tmp_path) as h:
            status, ack, hook = await h.command("add Julie Martin at Acme as EM")
            assert (status, ack) == (200, "")
            (answer,) = await h.answers(hook)
            assert answer["response_type"] == "ephemeral"
            assert "Julie Martin" in answer["text"]
            assert answer["blocks"]
            listed = await h.ask("list")
            assert "Acme" in listed

    run(scenario())


def test_the_first_answer_names_the_zone_taken_from_the_slack_profile(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with harness(tmp_path) as h:
            answer = await h.ask("list", user=BEA)
            assert "America/New_York" in answer

    run(scenario())


def test_the_home_tab_is_published_after_a_command_and_not_after_a_refusal(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with harness(tmp_path) as h:
            await h.ask("add Julie Martin at Acme")
            await wait_until(lambda: len(h.fake.calls_to("views.publish")) == 1)
            refused = await h.ask("emailed nobody-like-that")
            assert "nobody-like-that" in refused.lower() or "no lead" in refused.lower()
            await asyncio.sleep(0.3)
            assert len(h.fake.calls_to("views.publish")) == 1, "a refusal changed nothing"
            await h.ask("emailed julie")
            await wait_until(lambda: len(h.fake.calls_to("views.publish")) == 2)
            (view,) = [c.args for c in h.fake.calls_to("views.publish")][1:]
            assert view["user_id"] == ADA and "Julie" in json.dumps(view["view"]["blocks"])

    run(scenario())

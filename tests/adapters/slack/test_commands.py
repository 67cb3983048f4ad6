"""Slash commands over real HTTP: signed, acked at once, answered ephemerally."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.slack.harness import BEA, harness, run


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

"""Socket Mode: envelopes over a real websocket, acked, answered like HTTP requests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.adapters.slack.harness import ADA, harness, run, wait_until
from tests.fakes.slack import APP_TOKEN, TEAM


def test_a_slash_command_envelope_is_acked_and_answered(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with harness(tmp_path, app_token=APP_TOKEN) as h:
            await h.fake.connected()
            async with h.http.get(f"{h.base}/slack/health") as health:
                assert health.status == 200
            payload = {
                "command": "/lead",
                "text": "add Julie Martin at Acme",
                "user_id": ADA,
                "user_name": "ada",
                "team_id": TEAM,
                "channel_id": "D0CHANNEL1",
                "trigger_id": "trigger-socket",
                "response_url": h.fake.response_url("socket"),
                "api_app_id": "A0APP00001",
            }
            ack = await h.fake.envelope("slash_commands", payload)
            assert ack["envelope_id"].startswith("env-")
            (answer,) = await h.answers("socket")
            assert "Julie Martin" in answer["text"]

    run(scenario())


def test_an_event_retried_over_the_socket_applies_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with harness(tmp_path, app_token=APP_TOKEN) as h:
            await h.ask("add Julie at Acme")
            body = {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A0APP00001",
                "event_id": "Ev0SOCKET1",
                "event_time": 1,
                "event": {"type": "app_uninstalled"},
            }
            await h.fake.envelope("events_api", body)
            await wait_until(lambda: not h.has_group(TEAM))
            await h.ask("add Sam at Globex")  # back again, a new group
            await h.fake.envelope("events_api", body, retry_attempt=1)
            await asyncio.sleep(0.3)  # the event is acked before its listener runs
            assert "Sam" in await h.ask("list")

    run(scenario())

"""Socket Mode (bots.slack.server): envelopes over a real websocket, acked, answered like
HTTP requests."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from testkit.slack import APP_TOKEN, TEAM, FakeSlack
from testkit.slack_harness import ADA, Harness, harness, wait_until


class CuttingSlack(FakeSlack):
    """The fake Slack, able to drop a Socket Mode link as a network does (the TCP
    connection goes, no close frame is sent) and to refuse new links for a while."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[asyncio.Transport] = []  # every websocket's connection, in order
        self.refusing = False  # apps.connections.open answers internal_error

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        assert request.transport is not None
        self.links.append(request.transport)
        return await super()._socket(request)

    async def _apps_connections_open(self, args: dict[str, Any], token: str | None) -> web.Response:
        if self.refusing:
            return web.json_response({"ok": False, "error": "internal_error"})
        return await super()._apps_connections_open(args, token)

    async def cut(self) -> None:
        """Abort the newest link's connection and wait until its handler has ended."""
        self.links[-1].abort()
        await wait_until(lambda: not self._sockets)


def command_payload(h: Harness, text: str, hook: str) -> dict[str, Any]:
    return {
        "command": "/lead",
        "text": text,
        "user_id": ADA,
        "user_name": "ada",
        "team_id": TEAM,
        "channel_id": "D0CHANNEL1",
        "trigger_id": f"trigger-{hook}",
        "response_url": h.fake.response_url(hook),
        "api_app_id": "A0APP00001",
    }


async def health(h: Harness) -> int:
    async with h.http.get(f"{h.base}/slack/health") as response:
        return response.status


async def health_turns(h: Harness, status: int, timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await health(h) != status:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/slack/health never answered {status}")
        await asyncio.sleep(0.01)


async def test_a_slash_command_envelope_is_acked_and_answered(tmp_path: Path) -> None:
    async with harness(tmp_path, app_token=APP_TOKEN) as h:
        await h.fake.connected()
        assert await health(h) == 200
        payload = command_payload(h, "add Julie Martin at Acme", "socket")
        ack = await h.fake.envelope("slash_commands", payload)
        assert ack["envelope_id"].startswith("env-")
        answer = ack["payload"]  # the answer rides in the ack
        assert "Julie Martin" in answer["text"]


async def test_an_event_retried_over_the_socket_applies_once(tmp_path: Path) -> None:
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


async def test_the_watchdog_replaces_a_link_that_died_without_a_close_frame(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The fake aborts the websocket's TCP connection and refuses apps.connections.open
    for a while: /slack/health says 503, our watchdog (every 0.2 s here) finds the link
    down, retries after each refused reconnect, and once Slack accepts again puts up a
    new link on which a slash command is acked and answered.

    slack-sdk (slack_sdk/socket_mode/aiohttp) reconnects by itself in two places only:
    receive_messages, at once, on a CLOSE frame, which an aborted connection never sends
    (aiohttp hands it a CLOSED message, on which it sleeps ping_interval and reads
    again); and monitor_current_session, which reconnects a closed session but looks
    only every ping_interval, 10 s in Bolt's AsyncSocketModeHandler (without the
    watchdog the new link came up 10.0 s after this cut). This test is over in well
    under that, so the attempts to open a link it sees, the new link and the two log
    lines are the watchdog's; slack-sdk alone would recover too, 10 s late.
    """

    with caplog.at_level(logging.WARNING, logger="bots.slack.server"):
        fake = CuttingSlack()
        async with harness(tmp_path, fake=fake, app_token=APP_TOKEN, watchdog_seconds=0.2) as h:
            await fake.connected()
            assert await health(h) == 200
            opened = len(fake.calls_to("apps.connections.open"))
            fake.refusing = True
            await fake.cut()
            await health_turns(h, 503)  # and stays so: nothing can reconnect yet
            # Two refused attempts: the watchdog found the link down, and tried again
            # after its reconnect had failed.
            await wait_until(lambda: len(fake.calls_to("apps.connections.open")) >= opened + 2)
            assert len(fake.links) == 1
            assert await health(h) == 503
            fake.refusing = False
            await wait_until(lambda: len(fake.links) == 2)
            await fake.connected()
            payload = command_payload(h, "add Sam Lee at Globex", "again")
            ack = await fake.envelope("slash_commands", payload)  # over the new link
            assert ack["envelope_id"].startswith("env-")
            answer = ack["payload"]
            assert "Sam Lee" in answer["text"]
            assert await health(h) == 200
    messages = [r.getMessage() for r in caplog.records if r.name == "bots.slack.server"]
    assert "slack: socket mode link lost; reconnecting" in messages
    # Slack refusing is expected while it lasts: one line, no traceback.
    assert "slack: socket mode reconnect failed (internal_error); retrying" in messages
    assert not [r for r in caplog.records if r.name == "bots.slack.server" and r.exc_info]

"""The manifest declares exactly what the code handles, generated from the command table."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bots.slack.app import create_app
from bots.slack.manifest import BOT_SCOPES, manifest
from core.services import COMMANDS
from core.services.ports import SimulatedClock
from tests.adapters.slack.harness import config_for
from tests.conftest import START
from tests.fakes.slack import FakeSlack
from tests.kit import services


def handled(app: AsyncApp) -> tuple[set[str], set[str]]:
    """The slash commands and event types the app's listeners take, asked of each
    listener's own matchers (Bolt keeps no public list)."""
    commands = {
        name
        for name in ({f"/{spec.name}" for spec in COMMANDS} | {"/other"})
        if _taken(app, {"type": "", "command": name})
    }
    kinds = ("app_home_opened", "app_uninstalled", "tokens_revoked", "app_mention", "message")
    events = {
        kind for kind in kinds if _taken(app, {"type": "event_callback", "event": {"type": kind}})
    }
    return commands, events


def _taken(app: AsyncApp, body: dict[str, object]) -> bool:
    request = AsyncBoltRequest(
        body=json.dumps(body), headers={"content-type": ["application/json"]}
    )

    async def ask() -> bool:
        for listener in app._async_listeners:
            if await listener.async_matches(req=request, resp=BoltResponse(status=404)):
                return True
        return False

    return asyncio.run(ask())


def test_the_manifest_declares_exactly_the_commands_events_and_scopes_handled(
    tmp_path: Path,
) -> None:
    with services(f"sqlite:///{tmp_path / 'db.sqlite'}", SimulatedClock(START)) as built:
        fake = FakeSlack()  # never started: the app calls nothing while registering
        app, _ = create_app(built.app, config_for(fake, built.settings.database_url), built.core)
        commands, events = handled(app)
    for socket in (False, True):
        declared = manifest(socket=socket, url="https://bot.example.org")
        features = declared["features"]
        assert {c["command"] for c in features["slash_commands"]} == commands
        assert set(declared["settings"]["event_subscriptions"]["bot_events"]) == events
        assert declared["oauth_config"]["scopes"] == {"bot": list(BOT_SCOPES)}
        assert features["app_home"]["messages_tab_enabled"] is True
        assert features["app_home"]["messages_tab_read_only_enabled"] is False
        assert declared["settings"]["interactivity"]["is_enabled"] is True
        assert declared["settings"]["socket_mode_enabled"] is socket
    assert commands == {"/lead", "/followthrough", "/leaderboard"}
    assert set(BOT_SCOPES) == {"commands", "chat:write", "im:write", "users:read", "files:write"}


def test_http_mode_points_every_url_at_the_events_endpoint_and_socket_mode_at_none() -> None:
    http = json.dumps(manifest(url="https://bot.example.org/"))
    assert http.count("https://bot.example.org/slack/events") == 5  # 3 commands, events, actions
    socket = manifest(socket=True, url="https://bot.example.org")
    assert "/slack/events" not in json.dumps(socket)
    assert socket["oauth_config"]["redirect_urls"] == [
        "https://bot.example.org/slack/oauth_redirect"
    ]


ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("name", "socket"), [("manifest.json", False), ("manifest.socket.json", True)]
)
def test_the_shipped_manifests_are_what_the_code_generates(name: str, socket: bool) -> None:
    """deploy/slack/ holds both manifests for a coach to paste; regenerate them with
    `followthrough slack manifest [--socket] > deploy/slack/...` when the table changes."""
    shipped = json.loads((ROOT / "deploy" / "slack" / name).read_text(encoding="utf-8"))
    assert shipped == manifest(socket=socket)
    assert shipped["features"]["app_home"]["messages_tab_enabled"] is True
    assert shipped["features"]["app_home"]["messages_tab_read_only_enabled"] is False

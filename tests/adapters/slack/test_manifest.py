"""The manifest declares exactly what the code handles, generated from the command table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bots.cli import main
from bots.slack.app import create_app
from bots.slack.manifest import BOT_SCOPES, manifest
from bots.slack.oauth import Installations
from core.services import COMMANDS
from core.services.ports import SimulatedClock
from core.storage.platforms.slack import SlackStorage
from testkit.kit import services
from testkit.slack import FakeSlack
from testkit.slack_harness import config_for
from tests.conftest import START


async def handled(app: AsyncApp) -> tuple[set[str], set[str]]:
    """The slash commands and event types the app's listeners take, asked of each
    listener's own matchers (Bolt keeps no public list)."""
    commands = {
        name
        for name in ({f"/{spec.name}" for spec in COMMANDS} | {"/other"})
        if await _taken(app, {"type": "", "command": name})
    }
    kinds = (
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
        "file_shared",
        "app_mention",
        "message",
    )
    events = {
        kind
        for kind in kinds
        if await _taken(app, {"type": "event_callback", "event": {"type": kind}})
    }
    return commands, events


async def _taken(app: AsyncApp, body: dict[str, object]) -> bool:
    request = AsyncBoltRequest(
        body=json.dumps(body), headers={"content-type": ["application/json"]}
    )
    for listener in app._async_listeners:
        if await listener.async_matches(req=request, resp=BoltResponse(status=404)):
            return True
    return False


async def test_the_manifest_declares_exactly_the_commands_events_and_scopes_handled(
    tmp_path: Path,
) -> None:
    with services(f"sqlite:///{tmp_path / 'db.sqlite'}", SimulatedClock(START)) as built:
        fake = FakeSlack()  # never started: the app calls nothing while registering
        config = config_for(fake, built.settings.database_url)
        storage = SlackStorage(config.database_url, config.client_id)
        app, _ = create_app(
            built.app.conversation, config, built.core, Installations(config, storage)
        )
        commands, events = await handled(app)
    for url in ("https://bot.example.org", None):
        socket = url is None
        declared = manifest(url=url)
        features = declared["features"]
        assert {c["command"] for c in features["slash_commands"]} == commands
        subscribed = declared["settings"]["event_subscriptions"]["bot_events"]
        # A subscription names the event type and, for messages, where: `message.im`.
        assert {name.partition(".")[0] for name in subscribed} == events
        assert [name for name in subscribed if name.startswith("message")] == ["message.im"]
        assert declared["oauth_config"]["scopes"] == {"bot": list(BOT_SCOPES)}
        assert features["app_home"]["messages_tab_enabled"] is True
        assert features["app_home"]["messages_tab_read_only_enabled"] is False
        assert declared["settings"]["interactivity"]["is_enabled"] is True
        assert declared["settings"]["socket_mode_enabled"] is socket
    assert commands == {"/lead", "/followthrough", "/leaderboard"}
    assert set(BOT_SCOPES) == {
        "commands",
        "chat:write",
        "im:write",
        "im:history",  # message.im: what a member types in their DM with the bot
        "users:read",
        "files:write",
        "files:read",  # a file a member shares in their DM, to import
    }


def test_http_mode_points_every_url_at_the_events_endpoint_and_socket_mode_at_none() -> None:
    http = json.dumps(manifest(url="https://bot.example.org/"))
    assert http.count("https://bot.example.org/slack/events") == 5  # 3 commands, events, actions
    assert "/slack/events" not in json.dumps(manifest())


def test_only_an_oauth_manifest_declares_the_oauth_redirect() -> None:
    oauth = manifest(url="https://bot.example.org", oauth=True)
    assert oauth["oauth_config"]["redirect_urls"] == [
        "https://bot.example.org/slack/oauth_redirect"
    ]
    for one_workspace in (manifest(), manifest(url="https://bot.example.org")):
        assert "redirect_urls" not in one_workspace["oauth_config"]
        assert "oauth_redirect" not in json.dumps(one_workspace)
    with pytest.raises(ValueError, match="public URL"):
        manifest(oauth=True)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(["slack", "manifest", *args])
    except SystemExit as exit:  # argparse's usage errors
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_manifest_command_asks_for_a_url_or_socket_mode_instead_of_guessing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli([], capsys)
    assert (code, out) == (2, "")
    assert "one of the arguments --url --socket is required" in err
    assert "example" not in err


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://bot.example.org", "is not an https:// URL"),
        ("bot.example.org", "is not an https:// URL"),
        ("https://", "is not an https:// URL"),
        ("https://[::1", "is not an https:// URL"),
        ("ftp://bot.example.org", "is not an https:// URL"),
        ("https://bot.example.org/?next=1", "has a query or fragment"),
    ],
)
def test_the_manifest_command_refuses_a_url_slack_would_not_post_to(
    url: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["--url", url], capsys)
    assert (code, out) == (2, "")
    assert f"argument --url: {url!r} {problem}" in err
    assert "Traceback" not in err


def test_oauth_needs_the_public_url_and_socket_mode_takes_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(["--socket", "--oauth"], capsys)
    assert code == 2 and "--oauth needs --url" in err
    code, _, err = run_cli(["--socket", "--url", "https://bot.example.org"], capsys)
    assert code == 2 and "not allowed with argument --socket" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--socket"], manifest()),
        (["--url", "https://bot.example.org/"], manifest(url="https://bot.example.org")),
        (
            ["--url", "HTTPS://bot.example.org/ft", "--oauth"],
            manifest(url="HTTPS://bot.example.org/ft", oauth=True),
        ),
    ],
)
def test_the_manifest_command_prints_the_manifest_asked_for(
    args: list[str], expected: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(args, capsys)
    assert code == 0
    assert json.loads(out) == expected


ROOT = Path(__file__).resolve().parents[3]


# The HTTP form ships for a placeholder host that the README says to replace.
SHIPPED_URL = "https://followthrough.example.com"


@pytest.mark.parametrize(
    ("name", "url"), [("manifest.json", SHIPPED_URL), ("manifest.socket.json", None)]
)
def test_the_shipped_manifests_are_what_the_code_generates(name: str, url: str | None) -> None:
    """deploy/slack/ holds both manifests for a coach to paste; regenerate them with
    `followthrough slack manifest --url https://followthrough.example.com|--socket >
    deploy/slack/...` when the table changes."""
    shipped = json.loads((ROOT / "deploy" / "slack" / name).read_text(encoding="utf-8"))
    assert shipped == manifest(url=url)
    assert "redirect_urls" not in shipped["oauth_config"]  # one workspace: no OAuth
    assert shipped["features"]["app_home"]["messages_tab_enabled"] is True
    assert shipped["features"]["app_home"]["messages_tab_read_only_enabled"] is False

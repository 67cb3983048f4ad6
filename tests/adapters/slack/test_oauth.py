"""Many workspaces: the install page, the redirect, the stored installation used by that
workspace's next command; leaving erases the group; a retried event applies once."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bots.settings import ConfigError
from bots.slack.oauth import BUSY_SECONDS, MAX_STATES, STATE_SECONDS
from core.services import SAYINGS
from core.services.ports import SimulatedClock
from testkit.slack import TEAM
from testkit.slack_harness import Harness, harness, wait_until
from tests.conftest import START

OTHER, INSTALLER, MEMBER = "T0OTHER001", "U0INST0001", "U0MEMB0001"
KEY = "yTHvMhkxXnvpl-T3xG4wZ1iwKD6-0lT4J6sT2F6yY2c="  # a Fernet key, for these tests only
OAUTH = {
    "client_id": "111.222",
    "client_secret": "client-secret",
    "bot_token": None,
    "secret_key": KEY,
}


def stored_tokens(h: Harness) -> list[str]:
    """Every bot token column as the database holds it: what a dump would give away."""
    engine = create_engine(h.server.config.database_url)
    try:
        with engine.connect() as connection:
            found = []
            for table in ("slack_bots", "slack_installations"):
                query = text(f"SELECT bot_token FROM {table}")
                found += [str(row[0]) for row in connection.execute(query)]
            return found
    finally:
        engine.dispose()


def rows(h: Harness, table: str, team: str) -> int:
    engine = create_engine(h.server.config.database_url)
    try:
        with engine.connect() as connection:
            query = text(f"SELECT count(*) FROM {table} WHERE team_id = :team")
            return int(connection.execute(query, {"team": team}).scalar_one())
    finally:
        engine.dispose()


def events_kept(h: Harness, team: str) -> int:
    """The events of `team` kept as applied (their once-only keys)."""
    engine = create_engine(h.server.config.database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM applied_keys WHERE key LIKE :keys")
            return int(connection.execute(query, {"keys": f"event:{team}:%"}).scalar_one())
    finally:
        engine.dispose()


def organisers(h: Harness) -> list[str]:
    engine = create_engine(h.server.config.database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT external_id FROM members WHERE organiser")
            return [str(row[0]) for row in connection.execute(query)]
    finally:
        engine.dispose()


async def install(
    h: Harness, code: str, token: str, team: str = OTHER, installer: str = INSTALLER
) -> None:
    """A coach (`installer`) clicks "Add to Slack" on our install page and approves."""
    async with h.http.get(f"{h.base}/slack/install") as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"]
    state = re.search(r"state=([\w-]+)", html)
    assert state and "client_id=111.222" in html
    assert "scope=commands,chat:write,im:write,im:history,users:read,files:write" in html.replace(
        "%2C", ","
    ).replace("%3A", ":")
    h.fake.grant(code, team, installer, token)
    name, value = cookie.split(";", 1)[0].split("=", 1)
    # The state cookie is Secure (a browser sends it back over https only): send it by hand.
    async with h.http.get(
        f"{h.base}/slack/oauth_redirect",
        params={"code": code, "state": state[1]},
        headers={"Cookie": f"{name}={value}"},
    ) as done:
        assert done.status == 200, await done.text()


async def test_an_install_stores_the_workspace_and_its_next_command_uses_that_token(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True)
        h.fake.add_user(MEMBER, "Mo")
        await install(h, "code-1", "xoxb-other-1")
        assert rows(h, "slack_bots", OTHER) == 1
        assert rows(h, "slack_installations", OTHER) == 1
        # At rest the token is encrypted: a dump of the database gives nobody a token.
        assert stored_tokens(h) and not any("xoxb" in t for t in stored_tokens(h))
        answer = await h.ask("add Julie at Acme", user=MEMBER, team=OTHER)
        assert "Julie" in answer
        tokens = {c.token for c in h.fake.calls_to("users.info")}
        assert tokens == {"xoxb-other-1"}
        # Whoever installed is the first organiser.
        assert organisers(h) == [INSTALLER]
        # A workspace that never installed the app is told so, and nothing is stored.
        status, _, hook = await h.command("list", team=TEAM)
        assert status == 200
        (refusal,) = await h.answers(hook)
        assert "reinstall" in refusal["text"].lower()
        assert not h.has_group(TEAM)


def installer_row(h: Harness) -> tuple[str, str | None]:
    engine = create_engine(h.server.config.database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT name, tz FROM members WHERE external_id = :user")
            name, tz = connection.execute(query, {"user": INSTALLER}).one()
            return str(name), tz
    finally:
        engine.dispose()


async def test_the_installer_joins_with_their_slack_name_and_zone(tmp_path: Path) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True, tz="America/Chicago")
        await install(h, "code-1", "xoxb-other-1")
        assert installer_row(h) == ("Coach", "America/Chicago")
        (asked,) = h.fake.calls_to("users.info")
        assert asked.args["user"] == INSTALLER and asked.token == "xoxb-other-1"


async def test_an_installer_slack_will_not_describe_joins_by_their_user_id(tmp_path: Path) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.fail_next("users.info", "user_not_visible")
        await install(h, "code-1", "xoxb-other-1")
        assert installer_row(h)[0] == INSTALLER
        assert organisers(h) == [INSTALLER]


async def test_uninstall_erases_the_group_and_installation_and_its_retry_changes_nothing(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True)
        h.fake.add_user(MEMBER, "Mo")
        await install(h, "code-1", "xoxb-other-1")
        await h.ask("add Julie at Acme", user=MEMBER, team=OTHER)
        event = {"type": "app_uninstalled"}
        status, _ = await h.event(event, event_id="Ev0UNINST1", team=OTHER)
        assert status == 200
        await wait_until(lambda: rows(h, "slack_bots", OTHER) == 0)
        await wait_until(lambda: rows(h, "slack_installations", OTHER) == 0)
        await wait_until(lambda: not h.has_group(OTHER))

        # The coach installs again; then Slack retries the old uninstall event.
        await install(h, "code-2", "xoxb-other-2")
        await h.ask("add Sam at Globex", user=MEMBER, team=OTHER)
        status, _ = await h.event(event, event_id="Ev0UNINST1", team=OTHER, retry=1)
        assert status == 200
        await asyncio.sleep(0.3)
        assert rows(h, "slack_bots", OTHER) == 1
        assert "Sam" in await h.ask("list", user=MEMBER, team=OTHER)


class Down:
    """`erase_group` refusing its first `times` calls, as a database briefly down."""

    def __init__(self, h: Harness, times: int) -> None:
        self.core, self.times, self.calls = h.server.slack.services, times, 0
        self.real = self.core.erase_group
        self.waits: list[float] = []
        h.server.slack.erase_waits = (1.0, 2.0, 4.0)

        async def sleep(wait: float) -> None:
            self.waits.append(wait)

        h.server.slack.sleep = sleep

    def __call__(self, platform: str, workspace: str) -> bool:
        self.calls += 1
        if self.calls <= self.times:
            raise ConnectionError("the database is down")
        return self.real(platform, workspace)

    def __enter__(self) -> Down:
        self.core.erase_group = self  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.core.erase_group


async def test_an_erase_the_database_refuses_is_tried_again_after_waits(tmp_path: Path) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True)
        await install(h, "code-1", "xoxb-other-1")
        with Down(h, times=2) as down:
            await h.event({"type": "app_uninstalled"}, event_id="Ev0UNINST1", team=OTHER)
            await wait_until(lambda: not h.has_group(OTHER))
            await wait_until(lambda: rows(h, "slack_bots", OTHER) == 0)
        assert down.calls == 3 and down.waits == [1.0, 2.0]


async def test_an_erase_that_keeps_failing_is_logged_and_a_retry_of_its_event_applies(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True)
        await install(h, "code-1", "xoxb-other-1")
        event = {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT00001"]}}
        with Down(h, times=4) as down:
            await h.event(event, event_id="Ev0REVOKE1", team=OTHER)
            await wait_until(lambda: any(r.levelname == "ERROR" for r in caplog.records))
            await wait_until(lambda: events_kept(h, OTHER) == 0)
            assert down.calls == 4 and down.waits == [1.0, 2.0, 4.0]
            assert h.has_group(OTHER) and rows(h, "slack_bots", OTHER) == 1
            # Slack sends the event again (it thought we missed it): now it applies.
            await h.event(event, event_id="Ev0REVOKE1", team=OTHER, retry=1)
            await wait_until(lambda: not h.has_group(OTHER))
            await wait_until(lambda: rows(h, "slack_bots", OTHER) == 0)
        (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
        assert OTHER in error.getMessage() and "4 tries" in error.getMessage()


async def test_tokens_revoked_after_uninstall_is_harmless(tmp_path: Path) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True)
        await install(h, "code-1", "xoxb-other-1")
        await h.event({"type": "app_uninstalled"}, event_id="Ev1", team=OTHER)
        revoked = {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT00001"]}}
        status, _ = await h.event(revoked, event_id="Ev2", team=OTHER)
        assert status == 200
        await wait_until(lambda: events_kept(h, OTHER) == 2)
        await wait_until(lambda: rows(h, "slack_bots", OTHER) == 0)
        assert not h.has_group(OTHER)


async def test_tokens_revoked_alone_erases_the_group(tmp_path: Path) -> None:
    async with harness(tmp_path, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True)
        h.fake.add_user(MEMBER, "Mo")
        await install(h, "code-1", "xoxb-other-1")
        await h.ask("add Julie at Acme", user=MEMBER, team=OTHER)
        revoked = {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT00001"]}}
        await h.event(revoked, event_id="Ev3", team=OTHER)
        await wait_until(lambda: rows(h, "slack_bots", OTHER) == 0)
        await wait_until(lambda: not h.has_group(OTHER))


async def test_oauth_refuses_to_start_without_the_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="FOLLOWTHROUGH_SECRET_KEY"):
        async with harness(tmp_path, **{**OAUTH, "secret_key": None}):
            pass


def states(h: Harness) -> int:
    engine = create_engine(h.server.config.database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM slack_oauth_states")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


async def test_anonymous_install_visits_keep_a_bounded_number_of_states_and_expired_ones_go(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock, **OAUTH) as h:
        h.fake.add_user(INSTALLER, "Coach", admin=True)

        async def visit() -> tuple[int, str, str | None]:
            async with h.http.get(f"{h.base}/slack/install") as page:
                return page.status, await page.text(), page.headers.get("Retry-After")

        visits: list[tuple[int, str, str | None]] = []
        for _ in range(100):  # ten at a time
            visits += await asyncio.gather(*(visit() for _ in range(10)))
        assert [status for status, _, _ in visits].count(200) == MAX_STATES
        assert states(h) == MAX_STATES
        # Past the bound the page asks to come back later, and stores nothing.
        refused = [(text, wait) for status, text, wait in visits if status == 503]
        assert len(refused) == 1000 - MAX_STATES
        assert set(refused) == {(SAYINGS["installs_busy"], str(BUSY_SECONDS))}

        # Ten minutes on, those states have expired: the next visit prunes them, and
        # a coach's install goes through.
        clock.advance_to(START + timedelta(seconds=STATE_SECONDS + 1))
        await install(h, "code-1", "xoxb-other-1")
        assert states(h) == 0  # the coach's own state, consumed
        assert rows(h, "slack_bots", OTHER) == 1


async def test_an_install_page_left_open_past_its_ten_minutes_installs_nothing(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(START)
    async with harness(tmp_path, clock=clock, **OAUTH) as h:
        async with h.http.get(f"{h.base}/slack/install") as page:
            state = re.search(r"state=([\w-]+)", await page.text())
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        assert state
        h.fake.grant("code-1", OTHER, INSTALLER, "xoxb-other-1")
        clock.advance_to(START + timedelta(seconds=STATE_SECONDS + 1))
        async with h.http.get(
            f"{h.base}/slack/oauth_redirect",
            params={"code": "code-1", "state": state[1]},
            headers={"Cookie": cookie},
        ) as done:
            assert done.status == 401
            assert "invalid_state" in await done.text()
        assert rows(h, "slack_bots", OTHER) == 0
        assert not h.fake.calls_to("oauth.v2.access")

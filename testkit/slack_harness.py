"""The Slack adapter as it runs, against the fake Slack API: signed requests over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from bots.bootstrap import Services
from bots.slack.config import SlackConfig
from bots.slack.server import WATCHDOG_SECONDS, SlackServer
from core.services.ports import Clock, SimulatedClock
from core.storage.platforms.slack import SlackStorage
from testkit.kit import START
from testkit.kit import services as make_services
from testkit.slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    FakeSlack,
    form,
    message_refusal,
    sign,
)

ADA, BEA, ORG = "U0ADA00001", "U0BEA00001", "U0ORG00001"


async def wait_until(check: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


@dataclass
class Harness:
    fake: FakeSlack
    services: Services
    server: SlackServer
    http: aiohttp.ClientSession
    hooks: int = field(default=0)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # hook -> answer in the ack

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/slack/events"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def has_group(self, team: str = TEAM) -> bool:
        """Whether the database holds `team`'s group (a read; erase_group would erase)."""
        with self.services.database.engine.connect() as connection:
            query = text(
                "SELECT count(*) FROM groups WHERE platform = 'slack' AND external_id = :t"
            )
            return bool(connection.execute(query, {"t": team}).scalar_one())

    def hook(self) -> str:
        self.hooks += 1
        return f"h{self.hooks}"

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        age: float = 0,
        headers: dict[str, str] | None = None,
        secret: str = SIGNING_SECRET,
    ) -> tuple[int, str]:
        signed = sign(body, int(time.time() - age), secret)
        async with self.http.post(
            self.events_url,
            data=body.encode(),
            headers={"Content-Type": content_type, **signed, **(headers or {})},
        ) as response:
            return response.status, await response.text()

    def command_body(
        self,
        text: str,
        *,
        command: str = "/lead",
        user: str = ADA,
        team: str = TEAM,
        hook: str | None = None,
    ) -> tuple[str, str]:
        hook = hook or self.hook()
        return hook, form(
            command=command,
            text=text,
            user_id=user,
            user_name=user.lower(),
            team_id=team,
            channel_id="D0CHANNEL1",
            trigger_id=f"trigger-{hook}",
            response_url=self.fake.response_url(hook),
            api_app_id="A0APP00001",
            token="legacy-verification-token",
        )

    async def command(
        self,
        text: str,
        *,
        command: str = "/lead",
        user: str = ADA,
        team: str = TEAM,
        age: float = 0,
    ) -> tuple[int, str, str]:
        """(status, ack body, response hook) of a signed slash command."""
        hook, body = self.command_body(text, command=command, user=user, team=team)
        status, answer = await self.post(body, age=age)
        if status == 200 and answer:
            self.acks[hook] = json.loads(answer)
            # Slack shows an ack's answer only if it would show it as a message.
            refused = message_refusal(self.acks[hook])
            if refused is not None:
                self.fake.invalid.append((f"ack {hook}", refused))
        return status, answer, hook

    async def answers(self, hook: str, count: int = 1, timeout: float = 5) -> list[dict[str, Any]]:
        """The answers to `hook`'s command: in its ack, then on its response_url (waits
        for `count` of them)."""

        def got() -> list[dict[str, Any]]:
            acked = [self.acks[hook]] if hook in self.acks else []
            return acked + [body for name, body in self.fake.responses if name == hook]

        await wait_until(lambda: len(got()) >= count, timeout)
        return got()

    async def ask(self, text: str, **kwargs: Any) -> str:
        """A command's ephemeral answer, as text."""
        status, _, hook = await self.command(text, **kwargs)
        assert status == 200
        (answer,) = await self.answers(hook)
        assert answer["response_type"] == "ephemeral"
        return str(answer["text"])

    async def interact(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        return await self.post(body, **kwargs)

    async def event(
        self, event: dict[str, Any], *, event_id: str, team: str = TEAM, retry: int | None = None
    ) -> tuple[int, str]:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": team,
                "api_app_id": "A0APP00001",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = (
            {}
            if retry is None
            else {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        )
        return await self.post(body, content_type="application/json", headers=headers)

    async def dm(
        self, text: str, *, user: str = ADA, event_id: str | None = None, **extra: Any
    ) -> tuple[dict[str, Any], str]:
        """`user` types `text` in their DM with the bot: the signed `message.im` event, as
        Slack delivers it (refused here if Slack would send none). Returns the event and
        its event_id (to send again as a retry)."""
        event = self.fake.typed_in_dm(user, text, **extra)
        assert event is not None, "Slack sends message.im only to an app granted im:history"
        self.hooks += 1
        event_id = event_id or f"Ev{self.hooks:08d}"
        status, _ = await self.event(event, event_id=event_id)
        assert status == 200
        return event, event_id

    def dm_answers(self, user: str = ADA) -> list[dict[str, Any]]:
        """What the bot posted in `user`'s DM, in order."""
        return self.fake.posts(self.fake.dm_channel(user))


async def listeners_done(timeout: float = 10.0) -> None:
    """Let Bolt's listeners still running (the Home tab published after an answer) end
    before the fake Slack they are talking to goes away."""
    running = [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__name__", "") == "run_ack_function_asynchronously"
    ]
    if running:
        await asyncio.wait(running, timeout=timeout)


def config_for(fake: FakeSlack, database_url: str, **overrides: Any) -> SlackConfig:
    base = SlackConfig(
        signing_secret=SIGNING_SECRET,
        bot_token=BOT_TOKEN,
        api_url=fake.api_url,
        http_host="127.0.0.1",
        http_port=0,
        database_url=database_url,
        workspace_rate=50.0,
    )
    return replace(base, **overrides)


@asynccontextmanager
async def harness(
    tmp_path: Path,
    *,
    fake: FakeSlack | None = None,
    clock: Clock | None = None,
    database_url: str | None = None,
    watchdog_seconds: float = WATCHDOG_SECONDS,
    **config: Any,
) -> AsyncIterator[Harness]:
    """The Slack server on a fresh database, its Slack faked, members Ada, Bea and an
    organiser known to users.info. The test fails if Slack refused to show anything the
    adapter sent (a test that means it to clears `fake.invalid`)."""
    url = database_url or f"sqlite:///{tmp_path / 'followthrough.db'}"
    async with fake or FakeSlack() as slack:
        slack.add_user(ADA, "Ada")
        slack.add_user(BEA, "Bea", tz="America/New_York")
        slack.add_user(ORG, "Olga", admin=True)
        services = make_services(url, clock or SimulatedClock(START))
        slack_config = config_for(slack, url, **config)
        server = SlackServer(  # the process's core threads, as `followthrough run` wires it
            services.app.conversation,
            slack_config,
            SlackStorage(url, slack_config.client_id),
            core=services.core,
            watchdog_seconds=watchdog_seconds,
        )
        await server.start()
        try:
            async with aiohttp.ClientSession() as http:
                yield Harness(slack, services, server, http)
            await listeners_done()
            assert slack.invalid == [], f"Slack would refuse these: {slack.invalid}"
        finally:
            await listeners_done()
            await server.stop()
            services.close()

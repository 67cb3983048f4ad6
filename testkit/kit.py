"""The test kit: one recording messenger, the services on a test database, one bot harness.

- `RecordingMessenger` is the Messenger every test sends through: it records each try
  and each message "sent", and can be told to wait or to fail.
- `services(url, clock)` is FollowThrough as the composition root wires it, on a migrated
  database (the `services` and `db` fixtures of conftest.py use it; the services' tests
  that ask for `app` alone run on testkit/storage.py instead). A new SQLite
  file starts as a copy of one this process migrated already: what migrating it would
  leave, in milliseconds instead of a few hundred (the migrations are still run, once
  per process, and tested on their own in tests/storage/test_migrations.py).
- `Bot` is that app with a recording messenger and a deliverer, ticked by hand the way the
  production scheduler ticks: plan, then deliver.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Self
from zoneinfo import ZoneInfo

from sqlalchemy import make_url

from bots.bootstrap import Services, build
from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from bots.settings import Settings
from core.services import Delivery, Identity
from core.services.ports import Clock, SimulatedClock
from core.storage.database import make_engine, upgrade

PLATFORM, WORKSPACE = "slack", "T1"
# A Monday morning, before the default 08:00 digest of a UTC group.
START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def services(database_url: str, clock: Clock) -> Services:
    """FollowThrough on `database_url`, migrated, on `clock`'s time. Close it."""
    _start_migrated(database_url)
    return build(Settings(database_url=database_url), clock, migrate=True)


def _start_migrated(database_url: str) -> None:
    """A SQLite file that does not exist yet starts as a copy of the migrated template
    (then `build` finds it at the newest revision); anything else is left to `build`."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    target = Path(str(url.database))
    if not target.exists():
        shutil.copyfile(_migrated_template(), target)


@functools.cache
def _migrated_template() -> Path:
    """A SQLite database brought to the newest revision by the real migrations, once per
    process; its connections closed, so that the file holds everything (no WAL left)."""
    folder = Path(tempfile.mkdtemp(prefix="followthrough-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    template = folder / "migrated.db"
    engine = make_engine(f"sqlite:///{template}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    assert not template.with_name(template.name + "-wal").exists()
    return template


def member(user: str, name: str, *, workspace: str = WORKSPACE, admin: bool = False) -> Identity:
    return Identity(PLATFORM, workspace, user, name, is_admin=admin)


# -- the recording messenger -------------------------------------------------------------


class Attempt(NamedTuple):
    """One call of `send`, whatever came of it."""

    key: str
    at: datetime  # UTC, on the messenger's clock
    attempts: int  # as the outbox row said before this try
    user: str | None
    workspace: str


class Sent(NamedTuple):
    """One message the platform accepted."""

    key: str
    local: datetime  # the clock, in the recipient's zone, when it went out
    kind: str
    user: str | None
    text: str
    rules: tuple[str, ...] = ()


Rule = Callable[[Delivery], BaseException | None]


class RecordingMessenger:
    """Sends nothing; records every try (`tries`) and every message sent (`sent`).

    `latency` is each send's round trip (an `asyncio.sleep`: other senders run meanwhile);
    `fail(delivery)`, asked after it, returns the error this try raises, or None.
    """

    def __init__(self, clock: Clock, *, latency: float = 0.0, fail: Rule | None = None) -> None:
        self.clock = clock
        self.latency = latency
        self.fail: Rule = fail or (lambda delivery: None)
        self.tries: list[Attempt] = []
        self.sent: list[Sent] = []
        self.threads: set[int] = set()  # where send ran (the event loop's thread)

    def route(self, delivery: Delivery) -> str:
        return delivery.user_id or f"#{delivery.channel}"

    async def send(self, delivery: Delivery) -> str | None:
        self.threads.add(threading.get_ident())
        now = self.clock.now()
        self.tries.append(
            Attempt(delivery.key, now, delivery.attempts, delivery.user_id, delivery.workspace_id)
        )
        await asyncio.sleep(self.latency)
        error = self.fail(delivery)
        if error is not None:
            raise error
        message = delivery.message
        local = now.astimezone(ZoneInfo(delivery.recipient_tz))
        self.sent.append(
            Sent(
                delivery.key,
                local,
                str(message.kind),
                delivery.user_id,
                message.plain_text(),
                tuple(message.rules),
            )
        )
        return f"m-{len(self.sent)}"

    # -- reading the record --

    def keys(self) -> list[str]:
        """The keys of the messages sent, in order."""
        return [s.key for s in self.sent]

    def tried(self) -> list[str]:
        """The keys of every try, in order."""
        return [t.key for t in self.tries]

    def tries_by(self, user: str) -> list[Attempt]:
        return [t for t in self.tries if t.user == user]

    def sent_to(self, user: str | None, kind: str | None = None) -> list[Sent]:
        """What reached `user` (None: the group channel), of `kind` if given."""
        return [s for s in self.sent if s.user == user and kind in (None, s.kind)]

    def digests(self, user: str | None = None) -> list[Sent]:
        """Every digest sent, or those to `user`."""
        return [s for s in self.sent if s.kind == "digest" and user in (None, s.user)]


# -- the bot harness ---------------------------------------------------------------------


class Bot:
    """The services wired to a recording messenger on one platform, ticked by hand."""

    def __init__(
        self,
        database_url: str,
        clock: SimulatedClock,
        *,
        platform: str = PLATFORM,
        messenger: RecordingMessenger | None = None,
        worker: str = "test-worker",
    ) -> None:
        self.clock = clock
        self.services = services(database_url, clock)
        self.app = self.services.app
        self.messenger = messenger or RecordingMessenger(clock)
        self.platform = Platform(self.messenger, RateLimiter(rate=1e9))
        self.deliverer = self.services.deliverer({platform: self.platform}, worker)

    def tick(self) -> int:
        """One tick now: plan, then deliver; how many were sent."""
        self.app.planner.plan()
        return asyncio.run(self.deliverer.drain())

    def tick_at(self, instant: datetime) -> int:
        self.clock.advance_to(instant)
        return self.tick()

    def tick_every(self, step: timedelta, until: datetime) -> None:
        """Tick on the UTC grid of `step` (e.g. :00, :15, :30, :45), from the first grid
        point after now up to `until`, in one event loop."""

        async def ticks() -> None:
            now = self.clock.now()
            at = now - (now - datetime(2000, 1, 1, tzinfo=UTC)) % step + step
            while at <= until:
                self.clock.advance_to(at)
                self.app.planner.plan()
                await self.deliverer.drain()
                at += step

        asyncio.run(ticks())

    def close(self) -> None:
        self.services.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

"""A FollowThrough Discord bot on a test database, logged in to the fake Discord.

`Harness` starts the fake, points discord.py at it and logs the bot in over REST only;
`interact(payload)` feeds an INTERACTION_CREATE to the client's connection state (what
the gateway would do) and waits until the fake has seen the answer. `connect()` opens
the real gateway session for the few full-gateway tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine

from bots.bootstrap import Services, build
from bots.discord.client import Bot, Options, login, point_at
from bots.settings import Settings
from core.services.ports import Clock, SimulatedClock
from testkit.discord import FakeDiscord

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, before 08:00 UTC mornings


class Harness:
    def __init__(
        self,
        tmp: Path,
        *,
        database_url: str | None = None,
        clock: Clock | None = None,
        fake: FakeDiscord | None = None,
        services: Services | None = None,
        sync: bool = False,
    ) -> None:
        self.tmp = tmp
        self.clock = clock or SimulatedClock(START)
        self.database_url = database_url or f"sqlite:///{tmp / 'followthrough.db'}"
        self.fake = fake or FakeDiscord()
        self._own_services = services is None
        self.services = services or build(
            Settings(database_url=self.database_url), self.clock, migrate=True
        )
        self.app = self.services.app
        self.sync = sync
        self.bot: Bot | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._reader: Engine | None = None

    def reader(self) -> Engine:
        """An engine of the test's own on the bot's database, to look at what is stored."""
        if self._reader is None:
            self._reader = create_engine(self.database_url)
        return self._reader

    async def __aenter__(self) -> Self:
        if not self.fake.port:
            await self.fake.start()
        await self.login()
        return self

    async def login(self) -> Bot:
        point_at(self.fake.api_url, self.fake.gateway_url)
        options = Options(
            sync=self.sync,
            sync_file=self.tmp / "commands.sha256",
            guild_ready_timeout=0.05,
            rate=1000,
        )
        self.bot = Bot(self.app.conversation, options, self.services.core)  # as a process wires it
        await login(self.bot, self.fake.token)
        for guild in self.fake.guilds:  # what the gateway's GUILD_CREATEs would cache
            self.join(guild)
        return self.bot

    def join(self, guild: dict[str, Any]) -> None:
        """The bot is in `guild` (a GUILD_CREATE payload): its interactions are served."""
        assert self.bot is not None
        self.bot._connection.parse_guild_create(guild)

    async def connect(self) -> None:
        """Open the gateway and wait for READY."""
        assert self.bot is not None
        self._gateway = asyncio.create_task(self.bot.connect(reconnect=False))
        await asyncio.wait_for(self.bot.wait_until_ready(), 5)

    async def restart(self) -> Bot:
        """A new process: the old client closed, a fresh one logged in (same database)."""
        await self.stop_bot()
        return await self.login()

    async def stop_bot(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._gateway is not None:
            await asyncio.gather(self._gateway, return_exceptions=True)
            self._gateway = None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop_bot()
        await self.fake.close()
        if self._reader is not None:
            self._reader.dispose()
        if self._own_services:
            self.services.close()

    # -- interactions --------------------------------------------------------------------

    def feed(self, payload: dict[str, Any]) -> None:
        """What the gateway does with an INTERACTION_CREATE."""
        assert self.bot is not None
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]

    def feed_message(self, message: dict[str, Any]) -> None:
        """What the gateway does with a MESSAGE_CREATE (see `FakeDiscord.typed`)."""
        assert self.bot is not None
        self.bot._connection.parse_message_create(message)  # type: ignore[arg-type]

    async def dm(
        self, user_id: int, text: str, count: int = 1, **extra: Any
    ) -> list[dict[str, Any]]:
        """`user_id` types `text` in their DM with the bot; the bot's answers there (waits
        for `count` more of them)."""
        channel = self.fake.dm_channels.get(user_id)
        before = len(self.bot_said(channel)) if channel is not None else 0
        message = self.fake.typed(user_id, text, **extra)
        self.feed_message(message)
        channel = int(message["channel_id"])
        await self.fake.wait(lambda: len(self.bot_said(channel)) >= before + count)
        return self.bot_said(channel)[before:]

    def bot_said(self, channel: int) -> list[dict[str, Any]]:
        """What the bot posted in `channel`, in order (not what members typed there)."""
        return [m for m in self.fake.messages.get(channel, []) if not m.get("_typed")]

    async def interact(self, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Feed `payload`; return the answer the member sees (the last message sent)."""
        self.feed(payload)
        await self.answered(payload, timeout)
        return self.last_answer(payload)

    async def answered(self, payload: dict[str, Any], timeout: float = 5.0) -> None:
        token = payload["token"]
        await self.fake.wait(lambda: self._settled(payload), timeout)
        assert token in self.fake.answered

    def _settled(self, payload: dict[str, Any]) -> bool:
        token = payload["token"]
        callbacks = self.fake.callbacks.get(int(payload["id"]), [])
        if not callbacks:
            return False
        kind = callbacks[0].get("type")
        if kind in (4, 8):
            return True
        return token in self.fake.followups or (
            kind == 6 and token in self.fake.originals and token in self.fake.answered
        )

    def last_answer(self, payload: dict[str, Any]) -> dict[str, Any]:
        token = payload["token"]
        if token in self.fake.followups:
            return self.fake.followups[token][-1]
        callbacks = self.fake.callbacks[int(payload["id"])]
        return dict(callbacks[-1].get("data") or {})

    def answers(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        return self.fake.followups.get(payload["token"], [])


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def text_of(message: dict[str, Any]) -> str:
    """Content and embed descriptions of a Discord message, as one string."""
    parts = [message.get("content") or ""]
    parts += [e.get("description") or "" for e in message.get("embeds") or []]
    parts += [(e.get("footer") or {}).get("text", "") for e in message.get("embeds") or []]
    return "\n".join(p for p in parts if p)


def stored(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing was stored" (presses' keys included)."""
    from sqlalchemy import select

    from core.storage.tables import Base

    with h.reader().connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for name, table in Base.metadata.tables.items()
        }


def rows_of(h: Harness, guild: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to `guild`'s group: the group, its members, their leads,
    events, tallies and outbox rows."""
    from sqlalchemy import select

    from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow, TallyRow

    ids = select(GroupRow.id).where(GroupRow.platform == "discord", GroupRow.external_id == guild)
    members = select(MemberRow.id).where(MemberRow.group_id.in_(ids))
    queries = {
        "groups": select(GroupRow).where(GroupRow.id.in_(ids)),
        "members": select(MemberRow).where(MemberRow.group_id.in_(ids)),
        "leads": select(LeadRow).where(LeadRow.member_id.in_(members)),
        "events": select(EventRow).where(EventRow.group_id.in_(ids)),
        "tallies": select(TallyRow).where(TallyRow.group_id.in_(ids)),
        "outbox": select(OutboxRow).where(OutboxRow.group_id.in_(ids)),
    }
    with h.reader().connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(query)), key=repr)
            for name, query in queries.items()
        }


# -- mornings ----------------------------------------------------------------------------

GUILD = "710000000000000001"


def who(user_id: int, name: str = "Ada", *, admin: bool = False, guild: str = GUILD) -> Any:
    from core.services import Identity

    return Identity("discord", guild, str(user_id), name, is_admin=admin)


def due_digest(h: Harness, user_id: int, *, leads: int = 1, guild: str = GUILD) -> None:
    """Give the member `leads` emailed leads and move to the morning their follow-ups
    are due, with the digests planned into the outbox."""
    assert isinstance(h.clock, SimulatedClock)
    member = who(user_id, guild=guild)
    for n in range(leads):
        h.app.conversation.handle(member, "/lead", f"add Contact{n} Person at Company{n}")
        h.app.conversation.handle(member, "/lead", f"emailed #{n + 1}")
    # Three business days after Monday's email: Thursday's morning.
    h.clock.advance_to(datetime(2026, 3, 5, 8, 1, tzinfo=UTC))
    h.app.planner.plan()


async def deliver(h: Harness) -> int:
    """Claim what is due on Discord and send it through the bot's messenger."""
    from bots.runtime.delivery import Deliverer, Platform
    from bots.runtime.ratelimit import RateLimiter

    assert h.bot is not None
    deliverer = Deliverer(
        h.app.outbox,
        {"discord": Platform(h.bot.messenger, RateLimiter(rate=1e6))},
        "test",
        senders=4,
    )
    return await deliverer.drain()

"""Shard leases: no two live processes own the same Discord gateway shard.

Two gateway sessions on one shard would both receive every interaction of its guilds
and apply it twice. Each gateway process takes a lease on its shard range in the shared
database at start and renews it while it runs; a second process whose range overlaps a
live lease (or whose --shard-count differs: the guilds would map to other shards)
refuses to start and says who holds what. A process killed without a goodbye leaves a
lease that runs out after `LEASE_SECONDS`, or at once if it was on this host and its
pid is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, text, update

from core.services.ports import Clock
from core.storage.tables import ProcessLeaseRow

log = logging.getLogger(__name__)

LEASE_SECONDS = 90
RENEW_SECONDS = 30
ROLE = "discord"
MAX_SHARDS = 4096


class ShardConflict(Exception):
    """Another live process owns an overlapping shard range (the message says which)."""


class ShardRangeError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Shards:
    """Shards `first`..`last` (inclusive) of `count`."""

    first: int
    last: int
    count: int

    @classmethod
    def parse(cls, shards: str | None, count: int | None) -> Shards:
        """`--shards 0-3 --shard-count 8` (or `--shards 5`); no option: shard 0 of 1."""
        if shards is None and count is None:
            return cls(0, 0, 1)
        if count is None:
            raise ShardRangeError("--shards needs --shard-count (the same in every process)")
        if not 1 <= count <= MAX_SHARDS:
            raise ShardRangeError(f"--shard-count must be 1-{MAX_SHARDS}")
        if shards is None:
            return cls(0, count - 1, count)
        first_text, _, last_text = shards.partition("-")
        try:
            first = int(first_text)
            last = int(last_text) if last_text else first
        except ValueError:
            raise ShardRangeError(
                f"--shards must be a shard or a range such as 0-3, not {shards!r}"
            ) from None
        if not 0 <= first <= last < count:
            raise ShardRangeError(
                f"--shards {shards} is not within 0-{count - 1} (--shard-count {count})"
            )
        return cls(first, last, count)

    @property
    def ids(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    @property
    def owns_dms(self) -> bool:
        """Shard 0 receives every DM interaction (and syncs the commands)."""
        return self.first == 0

    def __str__(self) -> str:
        span = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return f"shards {span} of {self.count}"


def _alive_here(owner: str) -> bool | None:
    """Whether `owner` (host:pid:nonce) is a live process on this host; None: elsewhere."""
    host, _, rest = owner.partition(":")
    if host != socket.gethostname():
        return None
    try:
        pid = int(rest.partition(":")[0])
    except ValueError:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ShardLease:
    """This process's lease on its shard range."""

    def __init__(self, engine: Engine, clock: Clock, shards: Shards, owner: str) -> None:
        self.engine, self.clock, self.shards, self.owner = engine, clock, shards, owner
        self.id: int | None = None

    def acquire(self) -> None:
        """Take the lease, or raise ShardConflict naming the live owner in the way."""
        lease = ProcessLeaseRow
        now = self.clock.now()
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # One acquirer at a time: two processes starting together must not both
                # see the table free. Readers (renewals) are not blocked.
                connection.execute(text("LOCK TABLE process_leases IN SHARE ROW EXCLUSIVE MODE"))
            connection.execute(delete(lease).where(lease.expires_at < now))
            rows = connection.execute(select(lease).where(lease.role == ROLE)).all()
            for row in rows:
                if _alive_here(row.owner) is False:  # this host, its pid is gone
                    connection.execute(delete(lease).where(lease.id == row.id))
                    continue
                theirs = Shards(row.first_shard, row.last_shard, row.shard_count)
                until = row.expires_at.strftime("%H:%M:%S UTC")
                if theirs.count != self.shards.count:
                    raise ShardConflict(
                        f"{row.owner} runs Discord with --shard-count {theirs.count}, this"
                        f" process asks for {self.shards.count}: every gateway process must use"
                        f" the same count (its lease runs until {until} unless renewed)"
                    )
                if theirs.first <= self.shards.last and self.shards.first <= theirs.last:
                    raise ShardConflict(
                        f"{row.owner} already owns Discord {theirs}, which overlaps {self.shards}:"
                        " two sessions on one shard would apply every interaction twice. Give"
                        f" this process a disjoint --shards range (lease held until {until}"
                        " unless renewed; a stopped process frees it at once)"
                    )
            self.id = connection.execute(
                insert(lease)
                .returning(lease.id)
                .values(
                    role=ROLE,
                    owner=self.owner,
                    shard_count=self.shards.count,
                    first_shard=self.shards.first,
                    last_shard=self.shards.last,
                    started_at=now,
                    expires_at=now + timedelta(seconds=LEASE_SECONDS),
                )
            ).scalar_one()
        log.info("discord: %s leased to %s", self.shards, self.owner)

    def renew(self) -> bool:
        """Extend the lease; False if it was lost (expired and taken, or deleted)."""
        lease = ProcessLeaseRow
        until = self.clock.now() + timedelta(seconds=LEASE_SECONDS)
        with self.engine.begin() as connection:
            result = connection.execute(
                update(lease)
                .where(lease.id == self.id, lease.owner == self.owner)
                .values(expires_at=until)
            )
        return bool(result.rowcount)

    def release(self) -> None:
        if self.id is None:
            return
        lease = ProcessLeaseRow
        with self.engine.begin() as connection:
            connection.execute(delete(lease).where(lease.id == self.id, lease.owner == self.owner))
        self.id = None

    @staticmethod
    def held(engine: Engine) -> list[tuple[str, datetime, Shards]]:
        """Every lease row: (owner, expires_at, shards)."""
        lease = ProcessLeaseRow
        with engine.connect() as connection:
            rows = connection.execute(select(lease).order_by(lease.first_shard)).all()
        return [
            (r.owner, r.expires_at, Shards(r.first_shard, r.last_shard, r.shard_count))
            for r in rows
        ]


@contextlib.asynccontextmanager
async def holding(lease: ShardLease, lost: asyncio.Event | None = None) -> AsyncIterator[None]:
    """Acquire the lease (raising ShardConflict), renew it in the background, release it."""
    await asyncio.to_thread(lease.acquire)

    async def renew() -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                kept = await asyncio.to_thread(lease.renew)
            except Exception:  # the database is down: keep trying, /readyz says so
                log.exception("discord: could not renew the shard lease; retrying")
                continue
            if not kept:
                log.error("discord: the lease on %s was lost; stopping", lease.shards)
                if lost is not None:
                    lost.set()
                return

    task = asyncio.create_task(renew(), name="shard-lease")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            await asyncio.to_thread(lease.release)
        except Exception:
            log.exception("discord: could not release the shard lease (it runs out by itself)")

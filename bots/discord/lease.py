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

from core.services.ports import Clock, ProcessLease, ProcessLeases

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

    def __init__(self, leases: ProcessLeases, clock: Clock, shards: Shards, owner: str) -> None:
        self.leases, self.clock, self.shards, self.owner = leases, clock, shards, owner
        self.id: int | None = None

    def acquire(self) -> None:
        """Take the lease, or raise ShardConflict naming the live owner in the way."""
        now = self.clock.now()
        shards = self.shards
        claim = ProcessLease(
            ROLE,
            self.owner,
            shards.first,
            shards.last,
            shards.count,
            started_at=now,
            expires_at=now + timedelta(seconds=LEASE_SECONDS),
        )
        self.id = self.leases.take(claim, self._settle)
        log.info("discord: %s leased to %s", self.shards, self.owner)

    def _settle(self, held: list[ProcessLease]) -> list[int]:
        """The live leases' ids whose process is gone; ShardConflict if one is in the way."""
        gone = []
        for lease in held:
            if lease.id is not None and _alive_here(lease.owner) is False:
                gone.append(lease.id)  # this host, its pid is gone
                continue
            theirs = Shards(lease.first, lease.last, lease.count)
            until = lease.expires_at.strftime("%H:%M:%S UTC")
            if theirs.count != self.shards.count:
                raise ShardConflict(
                    f"{lease.owner} runs Discord with --shard-count {theirs.count}, this"
                    f" process asks for {self.shards.count}: every gateway process must use"
                    f" the same count (its lease runs until {until} unless renewed)"
                )
            if theirs.first <= self.shards.last and self.shards.first <= theirs.last:
                raise ShardConflict(
                    f"{lease.owner} already owns Discord {theirs}, which overlaps {self.shards}:"
                    " two sessions on one shard would apply every interaction twice. Give"
                    f" this process a disjoint --shards range (lease held until {until}"
                    " unless renewed; a stopped process frees it at once)"
                )
        return gone

    def renew(self) -> bool:
        """Extend the lease; False if it was lost (expired and taken, or deleted)."""
        if self.id is None:
            return False
        until = self.clock.now() + timedelta(seconds=LEASE_SECONDS)
        return self.leases.renew(self.id, self.owner, until)

    def release(self) -> None:
        if self.id is None:
            return
        self.leases.give_back(self.id, self.owner)
        self.id = None

    @staticmethod
    def held(leases: ProcessLeases) -> list[tuple[str, datetime, Shards]]:
        """Every Discord lease: (owner, expires_at, shards)."""
        return [
            (lease.owner, lease.expires_at, Shards(lease.first, lease.last, lease.count))
            for lease in leases.held(ROLE)
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

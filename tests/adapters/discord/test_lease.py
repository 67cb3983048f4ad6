"""Shard leases on a real database: disjoint ranges coexist, overlapping ones are refused."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from bots.bootstrap import Services
from bots.discord.lease import (
    LEASE_SECONDS,
    ShardConflict,
    ShardLease,
    ShardRangeError,
    Shards,
)
from core.services.ports import SimulatedClock
from testkit import kit
from testkit.processes import outside
from tests.conftest import START, _empty_postgres


def lease(services: Services, shards: str, count: int, owner: str) -> ShardLease:
    return ShardLease(
        services.database.leases, services.app.clock, Shards.parse(shards, count), owner
    )


def test_shard_ranges_are_read_as_operators_write_them() -> None:
    assert Shards.parse(None, None) == Shards(0, 0, 1)
    assert Shards.parse("0-3", 8) == Shards(0, 3, 8)
    assert Shards.parse("5", 8) == Shards(5, 5, 8)
    assert Shards.parse(None, 4) == Shards(0, 3, 4)
    assert Shards.parse("4-7", 8).ids == [4, 5, 6, 7]
    assert str(Shards.parse("4-7", 8)) == "shards 4-7 of 8"
    assert Shards.parse("0-3", 8).owns_dms and not Shards.parse("4-7", 8).owns_dms
    for shards, count, message in [
        ("0-3", None, "--shards needs --shard-count"),
        ("0-8", 8, "--shards 0-8 is not within 0-7"),
        ("3-1", 8, "--shards 3-1 is not within 0-7"),
        ("a-b", 8, "--shards must be a shard or a range such as 0-3, not 'a-b'"),
        (None, 0, "--shard-count must be 1-4096"),
    ]:
        with pytest.raises(ShardRangeError, match=message):
            Shards.parse(shards, count)


def test_disjoint_ranges_coexist_and_an_overlap_is_refused(services: Services) -> None:
    first = lease(services, "0-3", 8, "hostA:101:aaaaaa")
    second = lease(services, "4-7", 8, "hostB:202:bbbbbb")
    first.acquire()
    second.acquire()
    intruder = lease(services, "3-4", 8, "hostC:303:cccccc")
    with pytest.raises(ShardConflict) as refused:
        intruder.acquire()
    message = str(refused.value)
    assert message.startswith(
        "hostA:101:aaaaaa already owns Discord shards 0-3 of 8, which overlaps shards 3-4 of 8:"
        " two sessions on one shard would apply every interaction twice."
    )
    assert "Give this process a disjoint --shards range" in message
    assert [owner for owner, _, _ in ShardLease.held(services.database.leases)] == [
        "hostA:101:aaaaaa",
        "hostB:202:bbbbbb",
    ]
    first.release()
    with pytest.raises(ShardConflict, match="hostB:202:bbbbbb already owns"):
        intruder.acquire()  # still overlaps 4-7
    lease(services, "0-3", 8, "hostC:303:cccccc").acquire()  # 0-3 is free again


def test_every_process_must_use_the_same_shard_count(services: Services) -> None:
    lease(services, "0-1", 4, "hostA:1:a").acquire()
    with pytest.raises(ShardConflict, match="runs Discord with --shard-count 4, this process"):
        lease(services, "4-7", 8, "hostB:2:b").acquire()


def test_an_unrenewed_lease_runs_out(services: Services, clock: SimulatedClock) -> None:
    held = lease(services, "0-3", 8, "hostA:1:a")
    held.acquire()
    clock.advance_to(clock.now() + timedelta(seconds=LEASE_SECONDS - 1))
    assert held.renew()
    clock.advance_to(clock.now() + timedelta(seconds=LEASE_SECONDS - 1))
    with pytest.raises(ShardConflict):
        lease(services, "0-3", 8, "hostB:2:b").acquire()  # renewed: still live
    clock.advance_to(clock.now() + timedelta(seconds=2))
    taker = lease(services, "0-3", 8, "hostB:2:b")
    taker.acquire()  # it ran out: the process is taken for dead
    assert not held.renew()  # the old owner learns it lost the lease
    assert taker.renew()


def test_a_dead_process_on_this_host_frees_its_shards_at_once(services: Services) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, cwd=outside())  # fmt: skip
    owner = f"{socket.gethostname()}:{dead.stdout.strip()}:dead00"
    lease(services, "0-7", 8, owner).acquire()
    lease(services, "0-7", 8, f"{socket.gethostname()}:1:init00").acquire()  # pid 1 lives
    with pytest.raises(ShardConflict, match=":1:init00 already owns"):
        lease(services, "0", 8, "elsewhere:5:x").acquire()


@pytest.mark.postgres
def test_two_processes_starting_at_once_cannot_both_win(postgres_url: str) -> None:
    _empty_postgres(postgres_url)
    with kit.services(postgres_url, SimulatedClock(START)) as services:
        for attempt in range(5):
            barrier = threading.Barrier(4)
            outcomes: list[str] = []

            def start(
                owner: str, barrier: threading.Barrier = barrier, outcomes: list[str] = outcomes
            ) -> None:
                candidate = lease(services, "0-3", 8, owner)
                barrier.wait()
                try:
                    candidate.acquire()
                    outcomes.append("won")
                except ShardConflict:
                    outcomes.append("refused")

            threads = [
                threading.Thread(target=start, args=(f"h{attempt}:{n}:x",)) for n in range(4)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(outcomes) == ["refused", "refused", "refused", "won"]
            with services.database.engine.begin() as connection:
                connection.execute(text("DELETE FROM process_leases"))

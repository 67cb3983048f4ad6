"""Rate limits: the token bucket and route blocks, then 429s during a real delivery run."""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import time
from collections import Counter
from datetime import timedelta

import pytest

from bots.runtime.delivery import Deliverer, Platform
from bots.runtime.ratelimit import RateLimiter
from core.services import Delivery, Failure, FollowThrough, Identity, SendError
from core.services.ports import SimulatedClock
from testkit.kit import RecordingMessenger

# -- the limiter on a fake clock ----------------------------------------------------------


class FakeTime:
    """A monotonic clock that moves only when the limiter sleeps.

    Like a real clock it has a resolution (a microsecond), and a sleep takes at least one
    tick: a sleep shorter than the float spacing of `now` would otherwise not move it.
    """

    RESOLUTION = 1_000_000

    def __init__(self) -> None:
        self._micros = 100 * self.RESOLUTION
        self.sleeps: list[float] = []

    @property
    def now(self) -> float:
        return self._micros / self.RESOLUTION

    def clock(self) -> float:
        return self.now

    def idle(self, seconds: float) -> None:
        self._micros += round(seconds * self.RESOLUTION)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) > 10_000:
            raise AssertionError("the limiter keeps sleeping: a busy loop")
        self._micros += max(1, math.ceil(seconds * self.RESOLUTION))


def limiter(fake: FakeTime, rate: float, burst: int | None = None) -> RateLimiter:
    return RateLimiter(rate, burst, clock=fake.clock, sleep=fake.sleep)


async def acquire_all(limit: RateLimiter, fake: FakeTime, routes: list[str]) -> list[float]:
    """Acquire each route in turn; the fake time at which each was granted."""
    granted = []
    for route in routes:
        await limit.acquire(route)
        granted.append(fake.now)
    return granted


async def test_a_full_bucket_lets_a_burst_through_without_waiting() -> None:
    fake = FakeTime()
    granted = await acquire_all(limiter(fake, rate=10, burst=3), fake, ["a", "b", "c"])
    assert granted == [100.0] * 3
    assert fake.sleeps == []


async def test_after_the_burst_sends_are_spaced_at_the_rate() -> None:
    fake = FakeTime()
    granted = await acquire_all(limiter(fake, rate=10, burst=3), fake, ["r"] * 23)
    assert granted[:3] == [100.0] * 3
    gaps = [b - a for a, b in itertools.pairwise(granted[3:])]
    assert gaps == pytest.approx([0.1] * 19, abs=2e-6)
    assert granted[-1] - 100.0 == pytest.approx(2.0, abs=1e-4)  # 20 sends beyond the burst at 10/s
    # Never more than the burst plus what the rate has refilled since the start.
    for n, at in enumerate(granted, start=1):
        assert n <= 3 + (at - 100.0) * 10 + 1e-9


async def test_an_idle_bucket_refills_up_to_the_burst_only() -> None:
    fake = FakeTime()
    limit = limiter(fake, rate=10, burst=3)
    await acquire_all(limit, fake, ["r"] * 3)
    fake.idle(60)  # a quiet minute refills 600 tokens' worth, capped at the burst
    start = fake.now
    granted = await acquire_all(limit, fake, ["r"] * 5)
    assert granted[:3] == [start] * 3
    assert granted[3:] == pytest.approx([start + 0.1, start + 0.2], abs=1e-5)


async def test_by_default_requests_are_paced_without_a_burst() -> None:
    fake = FakeTime()
    assert limiter(fake, rate=50).burst == 1
    assert limiter(fake, rate=0.5).burst == 1
    other = FakeTime()
    paced = await acquire_all(limiter(other, rate=50), other, ["r"] * 3)
    assert paced == pytest.approx([paced[0], paced[0] + 0.02, paced[0] + 0.04], abs=1e-5)
    slow = limiter(fake, rate=0.5)
    granted = await acquire_all(slow, fake, ["r", "r"])
    assert granted == pytest.approx([100.0, 102.0], abs=1e-5)


async def test_a_blocked_route_waits_for_its_reset_and_other_routes_do_not() -> None:
    fake = FakeTime()
    limit = limiter(fake, rate=1000, burst=10)
    limit.block("dm:U1", 5.0)
    assert limit.blocked_for("dm:U1") == pytest.approx(5.0)
    assert limit.blocked_for("dm:U2") == 0.0

    granted = await acquire_all(limit, fake, ["dm:U2", "#general", "dm:U1", "dm:U2"])
    assert granted[:2] == [100.0, 100.0]  # other routes go straight through
    assert granted[2] >= 105.0  # the blocked one only after its Retry-After
    assert granted[3] == granted[2]  # and the block is over once it passed
    assert limit.blocked_for("dm:U1") == 0.0


def test_a_shorter_block_never_shortens_a_longer_one() -> None:
    fake = FakeTime()
    limit = limiter(fake, rate=1000)
    limit.block("r", 5.0)
    limit.block("r", 1.0)
    assert limit.blocked_for("r") == pytest.approx(5.0)
    limit.block("r", -3.0)  # a nonsensical negative Retry-After changes nothing
    assert limit.blocked_for("r") == pytest.approx(5.0)
    limit.block("r", 8.0)
    assert limit.blocked_for("r") == pytest.approx(8.0)


async def test_a_blocked_route_does_not_hold_up_concurrent_senders_on_other_routes() -> None:
    """With real asyncio sleeps: a sender waiting on a blocked route leaves the loop free."""

    limit = RateLimiter(rate=1000)
    limit.block("slow", 0.3)
    started = time.monotonic()
    done: dict[str, float] = {}

    async def take(route: str) -> None:
        await limit.acquire(route)
        done[route] = time.monotonic() - started

    await asyncio.gather(take("slow"), take("fast"))
    assert done["fast"] < 0.1
    assert done["slow"] >= 0.29


# -- delivery against a platform that answers 429s ------------------------------------------


class LimitedPlatform(RecordingMessenger):
    """A fake platform answering about 20% of requests with a 429 and a short Retry-After.

    Whether a request is limited depends only on (key, attempt), so the run is the same
    whatever order the senders interleave in. For each route it remembers when its limit
    resets, and it notes any request that arrives before that.
    """

    LIMITED_SHARE = 0.2
    ROUTES = 12

    def __init__(self, clock: SimulatedClock) -> None:
        # The round trip: other senders run meanwhile.
        super().__init__(clock, latency=0.001, fail=self._limited)
        self.reset_at: dict[str, float] = {}
        self.early: list[tuple[str, str, float]] = []  # (route, key, seconds too early)
        self.limited = 0

    def route(self, delivery: Delivery) -> str:
        assert delivery.user_id is not None
        return f"dm-bucket-{int(delivery.user_id[1:]) % self.ROUTES}"

    async def send(self, delivery: Delivery) -> str | None:
        route, arrived = self.route(delivery), time.monotonic()
        reset = self.reset_at.get(route)
        if reset is not None and arrived < reset:
            self.early.append((route, delivery.key, reset - arrived))
        return await super().send(delivery)

    def _limited(self, delivery: Delivery) -> BaseException | None:
        attempt = self.tried().count(delivery.key) - 1
        dice = random.Random(f"{delivery.key}/{attempt}")
        if dice.random() >= self.LIMITED_SHARE:
            return None
        retry_after = dice.uniform(0.05, 0.2)
        route = self.route(delivery)
        self.reset_at[route] = max(self.reset_at.get(route, 0.0), time.monotonic() + retry_after)
        self.limited += 1
        return SendError("429 Too Many Requests", Failure.RATE_LIMITED, retry_after=retry_after)


MESSAGES = 200


async def test_429s_are_honoured_per_route_and_every_message_is_delivered_once(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    app.groups.setup_group("slack", "T1", tz="UTC")
    for n in range(MESSAGES):
        app.conversation.join(Identity("slack", "T1", f"U{n}", f"Member {n}"))
    clock.advance_to(clock.now().replace(hour=8))  # Monday 08:00: everyone's first digest
    assert app.planner.plan() == MESSAGES

    platform = LimitedPlatform(clock)
    deliverer = Deliverer(
        app.outbox, {"slack": Platform(platform, RateLimiter(rate=1000))}, "w1", senders=4
    )
    started = time.monotonic()
    await deliverer.drain()
    # A message limited too often goes back to the outbox with its Retry-After as its
    # backoff; the next ticks (a second apart) send it.
    for _ in range(10):
        if app.outbox.status()["pending"] == 0:
            break
        clock.advance_to(clock.now() + timedelta(seconds=1))
        await deliverer.drain()
    elapsed = time.monotonic() - started

    assert platform.limited >= MESSAGES * LimitedPlatform.LIMITED_SHARE / 2  # it did bite
    assert platform.early == [], "requests reached a limited route before its reset"
    delivered = Counter(platform.keys())
    assert set(delivered) == {f"digest:{n + 1}:2026-03-02" for n in range(MESSAGES)}
    assert set(delivered.values()) == {1}
    status = app.outbox.status()
    assert status["sent"] == MESSAGES
    assert status["pending"] == status["claimed"] == status["failed"] == 0
    assert elapsed < 20

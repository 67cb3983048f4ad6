"""Platform rate limits: a token bucket for the global limit, a wait per route after a 429."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    """Never send faster than `rate` per second (bursts up to `burst`), and never touch a
    route again before the Retry-After the platform gave for it."""

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        # No burst by default: a full bucket plus its refill would let 2x the rate through
        # in the first second, and platforms count requests over sliding windows.
        self.burst = burst if burst is not None else 1
        self._clock, self._sleep = clock, sleep
        self._tokens = float(self.burst)
        self._stamp = clock()
        self._blocked_until: dict[str, float] = {}

    def block(self, route: str, seconds: float) -> None:
        """The platform said 429 for `route`: hold it for `seconds`."""
        until = self._clock() + max(seconds, 0.0)
        self._blocked_until[route] = max(self._blocked_until.get(route, 0.0), until)

    def blocked_for(self, route: str) -> float:
        return max(0.0, self._blocked_until.get(route, 0.0) - self._clock())

    async def acquire(self, route: str) -> None:
        """Wait until `route` is open and a token is free, then take the token."""
        while True:
            wait = self.blocked_for(route)
            if wait > 0:
                await self._sleep(wait)
                continue
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await self._sleep((1 - self._tokens) / self.rate)

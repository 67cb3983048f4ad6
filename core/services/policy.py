"""What follows a failed send: when to try again, if ever. Pure, so it is tested alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.services.ports import Failure

MAX_ATTEMPTS = 5
RATE_LIMIT_WAIT = 60.0  # seconds, when a 429 names no wait
FIRST_BACKOFF = 60.0  # seconds; doubled after each attempt


@dataclass(frozen=True, slots=True)
class Retry:
    """Send again at `at` (None: never); `counts` whether this failure used an attempt."""

    at: datetime | None
    counts: bool = True


def after_failure(
    kind: Failure, attempts: int, now: datetime, retry_after: float | None = None
) -> Retry:
    """The retry for a send that failed with `kind` after `attempts` earlier failures.

    A rate limit is not the message's fault: it waits as told and uses no attempt (a
    digest's expiry still bounds the wait). A transient failure backs off exponentially
    (60 s, 2 min, 4 min, ...) for at most MAX_ATTEMPTS attempts. Everything else (the
    member unreachable, the token or channel gone, a payload the platform refused) is
    not retried.
    """
    if kind is Failure.RATE_LIMITED:
        return Retry(now + timedelta(seconds=retry_after or RATE_LIMIT_WAIT), counts=False)
    if kind is Failure.TRANSIENT and attempts + 1 < MAX_ATTEMPTS:
        wait = retry_after or FIRST_BACKOFF * 2**attempts
        return Retry(now + timedelta(seconds=wait))
    return Retry(None)

"""The outbox as the deliverer sees it: claim what is due, record what happened.

The runtime sends; these record the outcome, each in its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.services import failures
from core.services.ports import Clock, Delivery, SendError, UnitOfWork

log = logging.getLogger(__name__)


class Outbox:
    """Claims with a lease, and what became of each claimed delivery."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow, self.clock = uow, clock

    def claim(
        self,
        worker: str,
        limit: int = 100,
        lease_seconds: int = 300,
        platforms: frozenset[str] | None = None,
    ) -> list[Delivery]:
        """Claim outbox rows that are due on `platforms`, for `worker`, for a lease."""
        with self._uow() as uow:
            batch = uow.outbox.claim(self.clock.now(), worker, limit, lease_seconds, platforms)
            uow.commit()
        return batch

    def sent(self, delivery: Delivery, platform_id: str | None) -> None:
        self.sent_many([(delivery, platform_id)])

    def sent_many(self, sent: list[tuple[Delivery, str | None]]) -> None:
        """Record sends (each with the platform's id of its message), in one transaction."""
        with self._uow() as uow:
            now = self.clock.now()
            lost = [d for d, platform_id in sent if not uow.outbox.mark_sent(d, now, platform_id)]
            uow.commit()
        for delivery in lost:
            log.warning("sent after its claim ran out: key=%s possibly duplicated", delivery.key)

    def release(self, delivery: Delivery | None = None, *, worker: str | None = None) -> None:
        """Give claims back unsent (a rate-limited route, or a graceful shutdown); a
        delivery's claim only while it is still its worker's."""
        with self._uow() as uow:
            if delivery is not None:
                uow.outbox.release(delivery.id, worker or delivery.worker)
            else:
                uow.outbox.release(None, worker)
            uow.commit()

    def failed(self, delivery: Delivery, error: SendError) -> None:
        """Record a failed send and do what its class calls for (core.services.failures)."""
        with self._uow() as uow:
            failures.record(uow, delivery, error, self.clock.now())
            uow.commit()

    def status(self) -> dict[str, int]:
        with self._uow() as uow:
            return uow.outbox.counts(self.clock.now())

"""The planner: what is due (Monday boards, members' mornings) into the outbox."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from core.services.boards import post_weekly_boards
from core.services.mornings import plan_batch
from core.services.ports import Clock, UnitOfWork

PLANNING_BATCH = 500


@contextmanager
def _acyclic() -> Iterator[None]:
    """No cyclic garbage collection while a batch is planned.

    A batch makes tens of thousands of short-lived objects (rows, leads, nudges, the
    digests' payloads) that reference counting frees, but their number alone set off
    full collections, each a walk over every object of the process: a fifth of
    planning's time. A batch takes a fraction of a second; what cycles it leaves (or
    another thread makes meanwhile) are collected right after.
    """
    if not gc.isenabled():  # already off (another batch, or the process's choice)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Planner:
    """Plans in batches, each in its own transaction; `catch_up` is how late a morning
    may still be sent (after a restart) rather than skipped. `pictures`: whether the
    Monday boards carry the week's picture (False where none can be shown, a terminal:
    the board carries its words instead, and nothing is drawn)."""

    pictures = True

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        catch_up: timedelta = timedelta(hours=2),
    ) -> None:
        self._uow, self.clock, self.catch_up = uow, clock, catch_up

    def plan(self) -> int:
        """Plan what is due: Monday boards and members' digests into the outbox.

        Returns how many messages were written.
        """
        now = self.clock.now()
        with self._uow() as uow:
            written = post_weekly_boards(uow, now, pictures=self.pictures)
            uow.commit()
        while True:
            with self._uow() as uow, _acyclic():
                members = uow.members.morning_due(now, PLANNING_BATCH)
                if not members:
                    return written
                written += plan_batch(uow, members, now, self.catch_up)
                uow.commit()

    def next_wake(self) -> datetime | None:
        """When the next morning or Monday board comes (for the simulator's clock)."""
        with self._uow() as uow:
            times = [uow.members.next_morning_at(), uow.groups.next_board_at()]
        return min((t for t in times if t is not None), default=None)

"""The product's services, by audience: what adapters call, group lifecycle, the planner,
and the outbox. The composition root builds one `FollowThrough` and hands each caller its
part: an adapter `conversation`, the deliverer `outbox`, the runner `planner`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from core.services.conversation import Conversation
from core.services.groups import Groups
from core.services.outbox import Outbox
from core.services.planner import Planner
from core.services.ports import Clock, UnitOfWork


class FollowThrough:
    """The four parts over one unit of work and one clock. `conversation` and `planner`
    are the classes of those parts: the composition root passes measured ones."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        catch_up: timedelta = timedelta(hours=2),
        conversation: type[Conversation] = Conversation,
        planner: type[Planner] = Planner,
    ) -> None:
        self.clock = clock
        self.groups = Groups(uow, clock)
        self.conversation = conversation(uow, clock, self.groups)
        self.planner = planner(uow, clock, catch_up=catch_up)
        self.outbox = Outbox(uow, clock)

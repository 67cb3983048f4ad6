"""The product's services, by audience: what adapters call, group lifecycle, the planner,
and the outbox. The composition root builds one `FollowThrough` and hands each caller its
part: an adapter `conversation`, the deliverer `outbox`, the runner `planner`, the HTTP
server's feed route `calendars`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from core.services.calendars import Calendars
from core.services.conversation import Conversation
from core.services.groups import Groups
from core.services.outbox import Outbox
from core.services.planner import Planner
from core.services.ports import Clock, UnitOfWork


class FollowThrough:
    """The parts over one unit of work and one clock. `conversation` and `planner` are
    the classes of those parts: the composition root passes measured ones. `public_url`
    is the address the bot's HTTP server is reached at from outside (members' calendar
    feeds are under it); None: there are no feeds."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        catch_up: timedelta = timedelta(hours=2),
        conversation: type[Conversation] = Conversation,
        planner: type[Planner] = Planner,
        public_url: str | None = None,
    ) -> None:
        self.clock = clock
        self.groups = Groups(uow, clock)
        self.conversation = conversation(uow, clock, self.groups, public_url=public_url)
        self.planner = planner(uow, clock, catch_up=catch_up)
        self.outbox = Outbox(uow, clock)
        self.calendars = Calendars(uow, clock)

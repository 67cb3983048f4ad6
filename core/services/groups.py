"""Group lifecycle: a workspace or guild set up by its organiser, erased when the bot is
removed from it; and how a command finds its caller's group."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time

from core.domain.members import Group, Member
from core.services import links
from core.services.ports import Clock, UnitOfWork
from core.services.turn import Identity

log = logging.getLogger(__name__)


class Groups:
    """Setting a group up and erasing it, each in its own transaction."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow, self.clock = uow, clock

    def setup_group(
        self,
        platform: str,
        workspace_id: str,
        *,
        tz: str = "UTC",
        country: str | None = None,
        morning: time | None = None,
        channel: str | None = None,
    ) -> None:
        """Create (or update) a group with its organiser's defaults."""
        with self._uow() as uow:
            group = group_of(uow, platform, workspace_id, self.clock.now())
            group.tz, group.country, group.channel = tz, country, channel
            if morning is not None:
                group.morning = morning
            group.schedule_board(self.clock.now())
            uow.groups.save(group)
            uow.commit()

    def erase_group(self, platform: str, workspace_id: str) -> bool:
        """Erase a workspace's or guild's group with everything in it (the bot was removed).

        Idempotent; returns whether there was anything to erase.
        """
        with self._uow() as uow:
            group = uow.groups.get(platform, workspace_id)
            if group is None:
                return False
            # A member linked to one in another group keeps the person's leads there.
            assert group.id is not None
            here = [m.id for m in uow.members.in_group(group.id) if m.id is not None]
            for found in uow.links.among(here) if here else []:
                stays = found.secondary_id if found.primary_id in here else found.primary_id
                links.split(uow, found, self.clock.now(), keeper=stays)
            uow.groups.delete(group)
            uow.commit()
        log.info("group erased: %s %s", platform, workspace_id)
        return True


def group_of(uow: UnitOfWork, platform: str, workspace_id: str, now: datetime) -> Group:
    """The group, created with defaults (and its first Monday board) if new."""
    group = uow.groups.get(platform, workspace_id)
    if group is None:
        group = Group(platform, workspace_id)
        group.schedule_board(now)
        group = uow.groups.add(group)
    return group


def known(uow: UnitOfWork, who: Identity) -> tuple[Group | None, Member | None]:
    """The caller's group and member if the bot knows them: read only, never waiting."""
    group = uow.groups.get(who.platform, who.workspace_id)
    if group is None or group.id is None:
        return group, None
    return group, uow.members.get(group.id, who.user_id, lock=False)

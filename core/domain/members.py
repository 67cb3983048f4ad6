"""Groups (a Slack workspace or Discord guild) and their members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from core.domain.calendar import BusinessCalendar
from core.domain.settings import PlaybookSettings

DEFAULT_MORNING = time(8, 0)


@dataclass(slots=True)
class Group:
    platform: str
    external_id: str
    tz: str = "UTC"
    country: str | None = None
    morning: time = DEFAULT_MORNING
    channel: str | None = None
    settings: PlaybookSettings = field(default_factory=PlaybookSettings)
    id: int | None = None


@dataclass(slots=True)
class Member:
    group_id: int
    external_id: str
    name: str
    tz: str | None = None  # None: the group's
    country: str | None = None  # None: the group's
    nudge_time: time | None = None  # None: the group's morning
    paused: bool = False
    share_companies: bool = False
    on_board: bool = True
    next_lead_number: int = 1
    # Kept by the services so that planning is an indexed read:
    next_morning_at: datetime | None = None  # UTC instant of the next digest to plan
    last_planned_on: date | None = None  # local date of the last planned morning
    last_pipeline_on: date | None = None  # local date of the last pipeline nudge
    active_leads: int = 0
    offer_since: datetime | None = None  # earliest pending offer, for offer-leverage
    id: int | None = None

    def calendar(self, group: Group) -> BusinessCalendar:
        return BusinessCalendar.of(self.tz or group.tz, self.country or group.country)

    def morning(self, group: Group) -> time:
        return self.nudge_time or group.morning

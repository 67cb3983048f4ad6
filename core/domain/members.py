"""Groups (a Slack workspace or Discord guild) and their members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from core.domain.calendar import BusinessCalendar
from core.domain.scoring import DEFAULT_POINTS, Streak
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
    points: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_POINTS))
    next_board_at: datetime | None = None  # UTC instant of the next Monday board
    suspended: bool = False  # the platform refused our token: delivery stopped
    log_preset: str | None = None  # the work-search log preset members start with
    id: int | None = None

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar.of(self.tz, self.country)

    def schedule_board(self, now: datetime) -> None:
        """The next Monday morning, in the group's zone, strictly after `now`."""
        cal = self.calendar()
        day = cal.local_date(now)
        monday = day + timedelta(days=(7 - day.weekday()) % 7)
        if cal.at(monday, self.morning) <= now:
            monday += timedelta(days=7)
        self.next_board_at = cal.at(monday, self.morning)


@dataclass(slots=True)
class Member:
    group_id: int
    external_id: str
    name: str
    tz: str | None = None  # None: the group's
    country: str | None = None  # None: the group's
    nudge_time: time | None = None  # None: the group's morning
    paused: bool = False
    paused_on: date | None = None
    graduated: bool = False  # accepted an offer: no more digests
    unreachable: bool = False  # DMs fail (left, DMs closed): no digests until they write
    share_companies: bool = False
    on_board: bool = True
    organiser: bool = False  # installed the app or ran an organiser command: gets admin notices
    dm_channel: str | None = None  # the platform's DM channel id, opened once
    # Their work-search log (core.domain.worklog.LogSettings.to_dict()); {}: the group's.
    log_settings: dict[str, Any] = field(default_factory=dict)
    # The SHA-256 (hex) of their calendar feed's secret token (`/followthrough calendar`);
    # the token itself is shown once and never kept. None: no feed.
    calendar_digest: str | None = None
    next_lead_number: int = 1
    # Kept by the services so that planning is an indexed read:
    next_morning_at: datetime | None = None  # UTC instant of the next digest to plan
    last_planned_on: date | None = None  # local date of the last planned morning
    last_pipeline_on: date | None = None  # local date of the last pipeline nudge
    active_leads: int = 0
    offer_since: datetime | None = None  # earliest pending offer, for offer-leverage
    streak_days: int = 0
    streak_last: date | None = None
    # When they last chose this group for what they type in the bot's DM (a DM names no
    # group; a member of several is asked once): the latest choice is the one in force.
    dm_chosen_at: datetime | None = None
    # When their latest action happened (bookkeeping and imported history aside): what
    # the organisers' report reads of thousands of members at once.
    last_action_at: datetime | None = None
    id: int | None = None

    @property
    def streak(self) -> Streak:
        return Streak(self.streak_days, self.streak_last)

    @streak.setter
    def streak(self, value: Streak) -> None:
        self.streak_days, self.streak_last = value.days, value.last

    def calendar(self, group: Group) -> BusinessCalendar:
        return BusinessCalendar.of(self.tz or group.tz, self.country or group.country)

    def morning(self, group: Group) -> time:
        return self.nudge_time or group.morning

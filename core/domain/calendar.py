"""Business days and mornings in a member's own time zone and country."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from core.domain.errors import UsageError

WEEKEND = (5, 6)  # Saturday, Sunday


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a UsageError a member can act on."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"`{name}` is not a time zone I know. Use an IANA name such as Europe/Berlin,"
            " America/New_York or Asia/Tokyo."
        ) from None


@functools.cache
def _country_holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def check_country(code: str) -> str:
    """The upper-cased ISO 3166 code, or a UsageError if `holidays` does not know it."""
    upper = code.upper()
    if upper not in holidays.list_supported_countries():
        raise UsageError(
            f"`{code}` is not a country code I have holidays for. Use ISO codes such as"
            " US, GB, DE, FR or JP."
        )
    return upper


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Weekdays that are not public holidays, in one time zone."""

    tz: ZoneInfo
    country: str | None = None

    @classmethod
    def of(cls, tz: str, country: str | None) -> BusinessCalendar:
        return cls(zone(tz), country)

    def is_business_day(self, day: date) -> bool:
        if day.weekday() in WEEKEND:
            return False
        return self.country is None or day not in _country_holidays(self.country)

    def holiday_name(self, day: date) -> str | None:
        if self.country is None:
            return None
        name = _country_holidays(self.country).get(day)
        return None if name is None else str(name)

    def add_business_days(self, day: date, n: int) -> date:
        """The n-th business day after `day` (Monday + 3 is Thursday, Friday + 3 Wednesday)."""
        while n > 0:
            day += timedelta(days=1)
            if self.is_business_day(day):
                n -= 1
        return day

    def next_business_day(self, day: date) -> date:
        return self.add_business_days(day, 1)

    def previous_business_day(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.is_business_day(day):
            day -= timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        """`day` if it is a business day, else the next one."""
        return day if self.is_business_day(day) else self.next_business_day(day)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def at(self, day: date, clock_time: time) -> datetime:
        """The UTC instant of `clock_time` on `day` in this zone.

        On a spring-forward gap zoneinfo moves the time forward; on a repeated hour it
        takes the first occurrence, so a morning is never skipped nor doubled.
        """
        return datetime.combine(day, clock_time, tzinfo=self.tz).astimezone(UTC)

    def next_morning(self, after: date, clock_time: time) -> datetime:
        """The UTC instant of the first business morning strictly after `after`."""
        day = self.next_business_day(after)
        return self.at(day, clock_time)

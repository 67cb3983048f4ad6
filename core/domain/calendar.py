"""Business days and mornings in a member's own time zone and country."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import holidays

from core.domain.errors import UsageError
from core.domain.text import echo

WEEKEND = (5, 6)  # Saturday, Sunday


MAX_ZONE_NAME = 64  # the longest IANA name is about 30 characters


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (any case), or a UsageError a member can act on."""
    canonical = canonical_zone(name)
    if canonical is None:
        raise UsageError(
            f"{echo(name, 40)} is not a time zone I know. Use an IANA name such as"
            " Europe/Berlin, America/New_York or Asia/Tokyo."
        )
    return _zone(canonical)


def canonical_zone(name: str) -> str | None:
    """`europe/berlin` -> `Europe/Berlin`; None for a name the database doesn't list."""
    if not 0 < len(name) <= MAX_ZONE_NAME:
        return None
    return _zone_names().get(name.casefold())


@functools.cache
def _zone_names() -> dict[str, str]:
    # Only names from the tzdata package's own list, the same on every host: anything else
    # (a folder such as `America`, a path, the host's `localtime`) would reach the file
    # system, or be a zone that another machine doesn't have.
    listed = resources.files("tzdata").joinpath("zones").read_text("utf-8").split()
    return {name.casefold(): name for name in listed if name not in NOT_ZONES}


NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@functools.cache
def _country_holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


@functools.cache
def _zone_countries() -> dict[str, str]:
    """Zone -> the one country the time-zone database places it in (zone.tab)."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    found: dict[str, str] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _, name = line.split("\t")[:3]
            found[name] = code
    return found


def country_of_zone(name: str) -> str | None:
    """The holiday country of a zone (`Europe/Berlin` -> `DE`), where there is one."""
    code = _zone_countries().get(name)
    return code if code is not None and code in _countries() else None


@functools.cache
def _countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def countries() -> list[str]:
    """The ISO codes `holidays` knows, sorted (for autocomplete)."""
    return sorted(_countries())


@functools.cache
def country_names() -> list[tuple[str, str]]:
    """(code, English name) of every country `holidays` knows, by code (autocomplete)."""
    names = {
        codes[1]: key.replace("_", " ").title()
        for key, codes in holidays.registry.COUNTRIES.items()
    }
    return [(code, names.get(code, code)) for code in countries()]


def zone_names() -> list[str]:
    """Every IANA zone name, sorted (for autocomplete)."""
    return sorted(_zone_names().values())


def check_country(code: str) -> str:
    """The upper-cased ISO 3166 code, or a UsageError if `holidays` does not know it."""
    upper = code.upper()
    if upper not in _countries():
        raise UsageError(
            f"{echo(code, 20)} is not a country code I have holidays for. Use ISO codes such as"
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
        """The calendar of a stored zone and country, checked when they were typed. One
        that a newer tzdata or `holidays` no longer knows falls back to UTC, or to no
        holidays, rather than stop the mornings of everyone planned with them."""
        canonical = canonical_zone(tz)
        known = country if country is None or country in _countries() else None
        return cls(_zone(canonical or "UTC"), known)

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

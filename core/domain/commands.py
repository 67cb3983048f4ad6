"""The commands a member can give, each checking its own values.

Both ways in (text parsed by core.domain.parser, typed options from Discord) build
these objects, so both refuse the same input with the same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from core.domain.calendar import check_country, zone
from core.domain.catalog import usage_error
from core.domain.dates import When
from core.domain.errors import UsageError
from core.domain.leads import LOGGABLE, VIA, Action
from core.domain.scoring import DEFAULT_POINTS, points_with
from core.domain.settings import PlaybookSettings
from core.domain.text import clean, echo

MAX_SNOOZE_DAYS = 365
MAX_NAME = 200  # a contact's, company's or role's name
MAX_REF = 200
MAX_NOTE = 2000
MAX_CHANNEL = 64
MAX_ACTION = 40
ON_OFF = ("on", "off")
PERIODS = ("week", "month", "all")
GROUP_NAMES = ("channel", "time", "tz", "country")


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def parse_time(value: str, key: str) -> time:
    """`07:45` -> time(7, 45), or the usage of `key`."""
    hours, sep, minutes = value.partition(":")
    if (
        sep
        and is_number(hours)
        and is_number(minutes)
        and len(hours) <= 2
        and len(minutes) == 2
        and int(hours) < 24
        and int(minutes) < 60
    ):
        return time(int(hours), int(minutes))
    raise usage_error(key, f"{echo(value)} is not a time; use 24-hour HH:MM, e.g. 07:45.")


def check_zone(name: str, key: str) -> str:
    """The canonical name of zone `name` (`europe/berlin` -> `Europe/Berlin`)."""
    try:
        return zone(name).key
    except UsageError as error:
        raise usage_error(key, str(error)) from None


def check_country_code(code: str, key: str) -> str:
    try:
        return check_country(code)
    except UsageError as error:
        raise usage_error(key, str(error)) from None


def _name(value: str, what: str, key: str, *, required: bool = True) -> str:
    value = clean(value)
    if required and not value:
        raise usage_error(key, f"The {what} is missing.")
    if len(value) > MAX_NAME:
        raise usage_error(key, f"The {what} is too long (at most {MAX_NAME} characters).")
    return value


def _ref(value: str, key: str) -> str:
    value = clean(value)
    if not value:
        raise usage_error(key, "Which lead? Give its #number or part of a name.")
    if len(value) > MAX_REF:
        raise usage_error(key, f"That lead reference is too long (at most {MAX_REF} characters).")
    return value


def _note(value: str, key: str, *, required: bool = False) -> str:
    value = clean(value)
    if required and not value:
        raise usage_error(key, "What should the note say?")
    if len(value) > MAX_NOTE:
        raise usage_error(key, f"That note is too long (at most {MAX_NOTE} characters).")
    return value


def on_off(value: str | bool, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if value.lower() in ON_OFF:
        return value.lower() == "on"
    raise usage_error(key, "Say `on` or `off`.")


@dataclass(frozen=True, slots=True)
class AddLead:
    contact: str
    company: str
    role: str | None = None
    via: str | None = None
    network: bool = False

    def __post_init__(self) -> None:
        _set(self, "contact", _name(self.contact, "contact", "add"))
        _set(self, "company", _name(self.company, "company", "add"))
        _set(self, "role", _name(self.role or "", "role", "add", required=False) or None)
        _set(self, "via", _via(self.via, "add"))


def _via(via: str | None, key: str) -> str | None:
    if via is None or not clean(via):
        return None
    if clean(via).lower() not in VIA:
        raise usage_error(key, f"`via {echo(via, 20)}`: choose one of {', '.join(VIA)}.")
    return clean(via).lower()


@dataclass(frozen=True, slots=True)
class LogAction:
    action: Action
    ref: str
    note: str = ""
    when: When | None = None  # None: it happened now

    def __post_init__(self) -> None:
        if self.action not in LOGGABLE:
            raise usage_error("log")
        _set(self, "ref", _ref(self.ref, self.action.value))
        _set(self, "note", _note(self.note, self.action.value))


@dataclass(frozen=True, slots=True)
class AddReferral:
    ref: str
    contact: str
    company: str
    role: str | None = None
    when: When | None = None

    def __post_init__(self) -> None:
        _set(self, "ref", _ref(self.ref, "referral"))
        _set(self, "contact", _name(self.contact, "contact", "referral"))
        _set(self, "company", _name(self.company, "company", "referral"))
        _set(self, "role", _name(self.role or "", "role", "referral", required=False) or None)


@dataclass(frozen=True, slots=True)
class AddNote:
    ref: str
    text: str

    def __post_init__(self) -> None:
        _set(self, "ref", _ref(self.ref, "note"))
        _set(self, "text", _note(self.text, "note", required=True))


@dataclass(frozen=True, slots=True)
class Snooze:
    ref: str
    days: int

    def __post_init__(self) -> None:
        _set(self, "ref", _ref(self.ref, "snooze"))
        if isinstance(self.days, bool) or not 1 <= self.days <= MAX_SNOOZE_DAYS:
            raise usage_error(
                "snooze", f"How many days? A whole number from 1 to {MAX_SNOOZE_DAYS}."
            )


@dataclass(frozen=True, slots=True)
class Drop:
    ref: str

    def __post_init__(self) -> None:
        _set(self, "ref", _ref(self.ref, "drop"))


@dataclass(frozen=True, slots=True)
class ListLeads:
    include_closed: bool = False


@dataclass(frozen=True, slots=True)
class Show:
    ref: str

    def __post_init__(self) -> None:
        _set(self, "ref", _ref(self.ref, "show"))


@dataclass(frozen=True, slots=True)
class Today:
    pass


@dataclass(frozen=True, slots=True)
class MySettings:
    nudge_time: time | None = None
    tz: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        if self.nudge_time is None and self.tz is None and self.country is None:
            raise usage_error("me", "Which setting? time, tz or country.")
        if self.tz is not None:
            _set(self, "tz", check_zone(clean(self.tz), "me"))
        if self.country is not None:
            _set(self, "country", check_country_code(clean(self.country), "me"))


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class ShareCompanies:
    on: bool


@dataclass(frozen=True, slots=True)
class Board:
    on: bool


@dataclass(frozen=True, slots=True)
class Export:
    pass


@dataclass(frozen=True, slots=True)
class ForgetMe:
    """Without `confirm`, what would be erased and how to confirm it; with it, erase."""

    confirm: bool = False


@dataclass(frozen=True, slots=True)
class GroupSetting:
    name: str  # channel, time, tz, country, or a playbook setting's name
    value: str

    def __post_init__(self) -> None:
        name, value = self.name.lower(), clean(self.value)
        _set(self, "name", name)
        if name == "channel":
            value = value.lstrip("#")
            if not value or len(value) > MAX_CHANNEL:
                raise usage_error("group channel", "Which channel? Name one, e.g. #job-search.")
        elif name == "time":
            parse_time(value, "group time")
        elif name == "tz":
            value = check_zone(value, "group tz")
        elif name == "country":
            value = check_country_code(value, "group country")
        elif name in PlaybookSettings.names():
            if not is_number(value) or len(value) > 3:
                raise usage_error("group setting", "The value is a whole number, e.g. 3.")
            try:
                PlaybookSettings().with_value(name, int(value))
            except UsageError as error:
                raise usage_error("group setting", str(error)) from None
        else:
            raise usage_error(
                "group setting",
                f"There is no group setting {echo(name, 40)}. Settings: "
                + ", ".join(PlaybookSettings.names())
                + ".",
            )
        _set(self, "value", value)


@dataclass(frozen=True, slots=True)
class GroupPoints:
    action: str
    points: int

    def __post_init__(self) -> None:
        _set(self, "action", clean(self.action).lower()[:MAX_ACTION])
        if isinstance(self.points, bool):
            raise usage_error("group points")
        try:
            points_with(DEFAULT_POINTS, self.action, self.points)
        except UsageError as error:
            raise usage_error("group points", str(error)) from None


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: str = "week"  # week, month or all

    def __post_init__(self) -> None:
        _set(self, "period", clean(self.period).lower() or "week")
        if self.period not in PERIODS:
            raise usage_error("leaderboard", "Choose week, month or all.")


@dataclass(frozen=True, slots=True)
class Help:
    pass


Command = (
    AddLead
    | LogAction
    | AddReferral
    | AddNote
    | Snooze
    | Drop
    | ListLeads
    | Show
    | Today
    | MySettings
    | Pause
    | Resume
    | ShareCompanies
    | Board
    | Export
    | ForgetMe
    | GroupSetting
    | GroupPoints
    | Leaderboard
    | Help
)

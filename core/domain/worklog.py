"""The work-search log an unemployment agency asks for: what counts, in which period,
against which minimum (WORK-SEARCH.md), and the reminder a member gets when behind.

Everything here is dates in the member's own calendar: an action counts on the local day
it happened, whatever day it was logged, and the log shows both.
"""

from __future__ import annotations

import calendar as months
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from core.domain.calendar import BusinessCalendar
from core.domain.commands import LogChange
from core.domain.errors import UsageError
from core.domain.leads import Action, Event, Lead, Stage
from core.domain.messages import plural
from core.domain.text import clean, echo

PERIODS = ("week", "month")
UNITS = ("activities", "hours")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_MINIMUM = 100  # activities or hours a period: more is a typo
# How far back /followthrough log reads: a year (agencies ask to keep the log that long,
# Washington's 30 days past the benefit year), and no year before MIN_YEAR, which is
# also far from the first date a calendar can hold.
LOG_DAYS_BACK = 400
MIN_YEAR = 1900
MIDNIGHT = time(0, 0)

# What a member did that is not about one lead, with the words they type for it.
ACTIVITY_KINDS: dict[str, str] = {
    "fair": "job fair",
    "workshop": "workshop",
    "career-centre": "career-centre visit",
    "agency": "agency appointment",
    "networking": "networking event",
    "search": "job search",
    "other": "other activity",
}
ACTIVITY_ALIASES = {
    "job-fair": "fair",
    "jobfair": "fair",
    "career-center": "career-centre",
    "careercentre": "career-centre",
    "careercenter": "career-centre",
    "career": "career-centre",
    "appointment": "agency",
    "event": "networking",
    "meetup": "networking",
}

# How an application was sent.
APPLIED_HOW = ("online", "email", "in person", "mail")

# The actions that are a work-search contact with an employer (a reply, a rejection or
# an offer is the employer's doing; a note, a snooze or a drop is bookkeeping).
CONTACTS: dict[Action, str] = {
    Action.APPLIED: "application",
    Action.EMAILED: "inquiry",
    Action.FOLLOWED_UP: "follow-up",
    Action.CALLED: "inquiry",
    Action.INTERVIEWED: "interview",
    Action.REFERRAL: "networking",
}

RESULTS = {
    Stage.NEW: "waiting",
    Stage.APPLIED: "waiting",
    Stage.EMAILED: "waiting",
    Stage.FOLLOWED_UP: "waiting",
    Stage.CALLED: "waiting",
    Stage.TALKING: "replied",
    Stage.INTERVIEWED: "interview",
    Stage.REJECTED: "rejected",
    Stage.OFFER: "offer",
}


@dataclass(frozen=True, slots=True)
class Activity:
    """Something the member did for their search that is not about one lead."""

    kind: str  # a key of ACTIVITY_KINDS
    at: datetime  # when it happened (UTC)
    what: str = ""
    where: str = ""
    minutes: int | None = None  # how long, if they said
    logged_at: datetime | None = None  # when it was logged, if later than it happened
    id: int | None = None

    @property
    def logged(self) -> datetime:
        return self.logged_at or self.at

    @property
    def label(self) -> str:
        return ACTIVITY_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class LogSettings:
    """A member's log: the period and its first day, and the minimum in it (None: no
    minimum, so no reminders)."""

    period: str = "week"
    week_starts: int = 0  # 0 is Monday, 6 Sunday
    minimum: int | None = None
    unit: str = "activities"
    different_days: bool = False
    preset: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LogSettings:
        data = data or {}
        found = cls(
            period=data.get("period", "week"),
            week_starts=int(data.get("week_starts", 0)),
            minimum=data.get("minimum"),
            unit=data.get("unit", "activities"),
            different_days=bool(data.get("different_days", False)),
            preset=data.get("preset"),
        )
        ok = found.period in PERIODS and found.unit in UNITS and 0 <= found.week_starts < 7
        return found if ok else cls()

    @property
    def rule(self) -> str:
        """`3 activities a week, on different days, weeks from Sunday`."""
        span = "month" if self.period == "month" else "week"
        if self.minimum is None:
            text = f"no minimum set, {span}ly periods"
        else:
            one = "activity" if self.unit == "activities" else "hour"
            text = f"{plural(self.minimum, one, self.unit)} a {span}"
            if self.different_days and self.unit == "activities":
                text += ", on different days"
        if self.period == "week":
            text += f", weeks from {months.day_name[self.week_starts]}"
        return text


@dataclass(frozen=True, slots=True)
class Preset:
    code: str
    name: str
    settings: LogSettings
    source: str
    note: str = ""  # what the member must still set or check


def _preset(code: str, name: str, source: str, note: str = "", **values: Any) -> Preset:
    return Preset(code, name, LogSettings(preset=code, **values), source, note)


_LETTER = "Set the number in your claim letter with `/followthrough me log minimum N`."
PRESETS: dict[str, Preset] = {
    p.code: p
    for p in (
        _preset(
            "US-NY",
            "New York (DOL)",
            "dol.ny.gov, work-search FAQ",
            minimum=3,
            different_days=True,
        ),
        _preset(
            "US-WA",
            "Washington (ESD)",
            "esd.wa.gov, job-search requirements",
            week_starts=6,
            minimum=3,
        ),
        _preset(
            "US-TX",
            "Texas (TWC)",
            "twc.texas.gov, work-search requirements",
            _LETTER,
            week_starts=6,
        ),
        _preset("US-FL", "Florida", "floridajobs.org, reemployment assistance", minimum=5),
        _preset(
            "US-MA",
            "Massachusetts",
            "mass.gov, work-search requirements",
            minimum=3,
            different_days=True,
        ),
        _preset("US-NE", "Nebraska", "dol.nebraska.gov, work-search requirements", _LETTER),
        _preset("US-ME", "Maine", "maine.gov, work-search requirements", _LETTER),
        _preset(
            "UK",
            "United Kingdom (Universal Credit)",
            "gov.uk, Universal Credit claimant commitment",
            unit="hours",
            minimum=35,
        ),
        _preset(
            "DE",
            "Germany (Eigenbemühungen)",
            "arbeitsagentur.de, Eigenbemühungen",
            _LETTER,
            period="month",
        ),
        _preset("CA", "Canada (EI)", "canada.ca, EI job-search", _LETTER),
    )
}


def preset(code: str) -> Preset | None:
    return PRESETS.get(code.strip().upper())


# -- periods ----------------------------------------------------------------------------


def period_of(day: date, settings: LogSettings) -> tuple[date, date]:
    """The first and last day of the period holding `day`."""
    if settings.period == "month":
        last = months.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    start = day - timedelta(days=(day.weekday() - settings.week_starts) % 7)
    return start, start + timedelta(days=6)


def previous(start: date, settings: LogSettings) -> tuple[date, date]:
    """The period before the one starting on `start`."""
    return period_of(start - timedelta(days=1), settings)


def business_days_left(today: date, end: date, cal: BusinessCalendar) -> int:
    """Business days from `today` to `end`, both included."""
    return sum(
        1 for n in range((end - today).days + 1) if cal.is_business_day(today + timedelta(days=n))
    )


# -- rows -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogRow:
    """One activity, with every field an agency's log asks for (WORK-SEARCH.md)."""

    day: date  # when it happened, in the member's calendar
    kind: str  # employer contact, job fair, workshop, ...
    employer: str = ""
    position: str = ""  # the role, and the job's reference or posting URL
    contact: str = ""  # the person and their title
    verify: str = ""  # a way to check it: email, phone, website or address
    method: str = ""  # email, online, phone, in person, mail, LinkedIn
    type: str = ""  # application, inquiry, follow-up, interview, networking
    result: str = ""  # waiting, replied, interview, rejected, offer, hired
    logged: date | None = None  # when it was logged, if another day
    minutes: int | None = None
    note: str = ""
    lead: str = ""  # the lead's #number, if it is about one


FIELDS = (
    "date",
    "kind",
    "employer",
    "position",
    "contact",
    "verify",
    "method",
    "type",
    "result",
    "hours",
    "logged",
    "lead",
    "note",
)


def hours(minutes: int | None) -> str:
    """`1.5` for 90 minutes; empty when not said."""
    if minutes is None:
        return ""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def row_values(row: LogRow) -> dict[str, str]:
    """A row as the strings of its columns (FIELDS), for the CSV and the PDF."""
    return {
        "date": row.day.isoformat(),
        "kind": row.kind,
        "employer": row.employer,
        "position": row.position,
        "contact": row.contact,
        "verify": row.verify,
        "method": row.method,
        "type": row.type,
        "result": row.result,
        "hours": hours(row.minutes),
        "logged": "" if row.logged is None else row.logged.isoformat(),
        "lead": row.lead,
        "note": row.note,
    }


def _result(lead: Lead, closed_by: Action | None) -> str:
    if lead.stage is Stage.CLOSED:
        return {Action.ACCEPTED: "hired", Action.DECLINED: "offer declined"}.get(
            closed_by or Action.DROPPED, "closed"
        )
    return RESULTS.get(lead.stage, lead.stage.value)


def _method(event: Event, lead: Lead) -> str:
    match event.action:
        case Action.APPLIED:
            return event.how or "online"
        case Action.EMAILED:
            return "LinkedIn" if lead.via == "linkedin" else "email"
        case Action.FOLLOWED_UP:
            return "email"
        case Action.CALLED:
            return "phone"
        case Action.REFERRAL:
            return "introduction"
    return event.how or ""


def lead_row(event: Event, lead: Lead, cal: BusinessCalendar, closed_by: Action | None) -> LogRow:
    day, logged = cal.local_date(event.at), cal.local_date(event.logged)
    position = " · ".join(x for x in (lead.role, lead.job_ref, lead.url) if x)
    contact = ", ".join(x for x in (lead.contact, lead.title) if x)
    verify = " · ".join(x for x in (lead.email, lead.phone, lead.website, lead.address) if x)
    return LogRow(
        day=day,
        kind="employer contact",
        employer=lead.company,
        position=position,
        contact=contact,
        verify=verify,
        method=_method(event, lead),
        type=CONTACTS[event.action],
        result=_result(lead, closed_by),
        logged=None if logged == day else logged,
        note=event.note,
        lead=lead.ref,
    )


def activity_row(activity: Activity, cal: BusinessCalendar) -> LogRow:
    day, logged = cal.local_date(activity.at), cal.local_date(activity.logged)
    return LogRow(
        day=day,
        kind=activity.label,
        employer=activity.where,
        position=activity.what,
        method="online" if activity.kind == "search" else "in person",
        type=activity.label,
        logged=None if logged == day else logged,
        minutes=activity.minutes,
    )


def rows(
    leads: dict[int, Lead],
    events: list[Event],
    activities: list[Activity],
    cal: BusinessCalendar,
) -> list[LogRow]:
    """Every work-search activity in `events` and `activities`, in the order they
    happened. `leads` holds the leads the events are about, by id."""
    closed_by: dict[int, Action] = {}
    for event in events:
        if event.action in (Action.ACCEPTED, Action.DECLINED, Action.DROPPED):
            closed_by[event.lead_id] = event.action
    found = [
        (event.at, lead_row(event, leads[event.lead_id], cal, closed_by.get(event.lead_id)))
        for event in events
        if event.action in CONTACTS and event.lead_id in leads
    ]
    found += [(activity.at, activity_row(activity, cal)) for activity in activities]
    found.sort(key=lambda pair: pair[0])
    return [row for _, row in found]


# -- a period against its minimum ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    rows: tuple[LogRow, ...]
    settings: LogSettings

    @property
    def count(self) -> float:
        """Activities, or hours where the minimum is in hours."""
        if self.settings.unit == "hours":
            return sum(row.minutes or 0 for row in self.rows) / 60
        return len(self.rows)

    @property
    def days(self) -> int:
        """Different days with at least one activity."""
        return len({row.day for row in self.rows})

    @property
    def met(self) -> bool | None:
        """Whether the minimum is met; None without one."""
        minimum = self.settings.minimum
        if minimum is None:
            return None
        if self.count < minimum:
            return False
        return not (self.needs_days and self.days < minimum)

    @property
    def needs_days(self) -> bool:
        return self.settings.different_days and self.settings.unit == "activities"

    def missing(self) -> int:
        """How many activities (or whole hours) are still needed; 0 when met."""
        minimum = self.settings.minimum
        if minimum is None:
            return 0
        short = math.ceil(minimum - self.count)
        if self.needs_days:
            short = max(short, minimum - self.days)
        return max(short, 0)

    @property
    def tally(self) -> str:
        """`2 of 3 activities, on 2 different days` (or without a minimum: `4 activities`)."""
        minimum, unit = self.settings.minimum, self.settings.unit
        count = hours(round(self.count * 60)) or "0" if unit == "hours" else str(int(self.count))
        one = count == "1" and minimum in (None, 1)
        unit = {"activities": "activity", "hours": "hour"}[unit] if one else unit
        text = f"{count} {unit}" if minimum is None else f"{count} of {minimum} {unit}"
        if self.needs_days:
            text += f", on {plural(self.days, 'different day')}"
        return text


@dataclass(frozen=True, slots=True)
class WorkLog:
    """What `/followthrough log` hands over: one or more periods of one member."""

    member: str
    periods: tuple[Period, ...]
    produced: date
    paper: str = "A4"  # or "Letter"


LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "PA"})


def paper(country: str | None) -> str:
    """The paper a member prints on: Letter in the Americas' Letter countries, else A4."""
    return "Letter" if country in LETTER_COUNTRIES else "A4"


def behind(period: Period, today: date, cal: BusinessCalendar) -> str | None:
    """One line for the morning digest and `/lead today` when the member is behind in the
    last business days of the period: when the business days left (today included) are
    at most one more than what is still missing. None otherwise, and always without a
    minimum."""
    if period.met is not False or not period.start <= today <= period.end:
        return None
    missing = period.missing()
    unit = period.settings.unit
    needed_days = missing if unit == "activities" else math.ceil(missing / 8)
    left = business_days_left(today, period.end, cal)
    if left > needed_days + 1:
        return None
    span = "month" if period.settings.period == "month" else "week"
    things = (
        plural(missing, "more activity", "more activities")
        if unit == "activities"
        else (plural(missing, "more hour"))
    )
    days = f"{plural(left, 'business day')} left" if left else "no business day left"
    apart = " on different days" if period.needs_days else ""
    return f"Work-search log: {period.tally} this {span}; {things}{apart} needed, {days}."


# -- what must never be stored ---------------------------------------------------------

# Read after `clean` and NFKC, so that invisible characters, other spaces and other forms
# of digits (`１２３`, `١٢٣`: \d is any script's) can't hide one. No repeat here holds
# another that can match the same text: each is read in one pass.
_SEP = r"(?: ?[-\u2010-\u2015\u2212./] ?| )"  # hyphens, dashes, a dot, a slash or a space
_ID = re.compile(
    rf"(?<!\d)\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{4}}(?!\d)"  # a US Social Security number
    r"|\b(?:ssn|social security)(?![a-z])\D{0,20}\d{9}(?!\d)"  # one named, digits together
    r"|\bclaim(?:ant)?(?:[\s#:.-]{0,3}(?:no|nr|number|num|id|ref|reference)\b)?"
    r"[\s#:.-]{0,3}(?:is )?\d(?:[\s-]?\d){4,}",  # a claim's number: five digits or more
    re.IGNORECASE,
)
NEVER_STORED = (
    "That looks like a Social Security or claim number. FollowThrough never stores one:"
    " the printed log has a blank line where you write it by hand. Nothing was changed."
)


def looks_like_id(text: str) -> bool:
    """Whether `text` holds what looks like a US Social Security number or a claim
    number, which the bot refuses to store anywhere."""
    return _ID.search(unicodedata.normalize("NFKC", clean(text))) is not None


# Any number of digits and a minus sign are read, so that `100h` or `-1h` is refused as
# a length instead of passing for text; each quantifier is separated by a literal, so
# nothing backtracks more than once over the text.
_DURATION = re.compile(
    r"(?P<sign>[-\u2212])?"
    r"(?:(?P<hours>[0-9]+(?:[.,][0-9]+)?)\s*(?P<h>hours|hour|hrs|hr|h))?\s*"
    r"(?:(?P<minutes>[0-9]+)\s*(?P<m>minutes|minute|mins|min|m)?)?",
    re.IGNORECASE,
)


def _duration(text: str) -> re.Match[str] | None:
    found = _DURATION.fullmatch(text.strip())
    return found if found is not None and (found["hours"] or found["minutes"]) else None


def is_duration(text: str) -> bool:
    """Whether `text` is written as a length with its unit (`3h`, `90 min`, and `100h`
    or `-1h` too): after `for`, it is what an activity lasted, right or wrong, never a
    few words of its description. A bare number (`for 2026`) is not."""
    found = _duration(text)
    return found is not None and bool(found["h"] or found["m"] or _bare_hours(found))


def _bare_hours(found: re.Match[str]) -> bool:
    """`3`, `12`: a number without a unit, small enough to be hours (`2026` is not)."""
    return not (found["h"] or found["m"] or found["hours"]) and len(found["minutes"]) <= 2


def parse_minutes(text: str) -> int:
    """How long an activity took: `3h`, `1.5 hours`, `90m`, `1h30`, `2 hours 15 min`, and
    a bare number of hours (`3`)."""
    found = _duration(text)
    if found is None:
        raise UsageError(f"{echo(text, 20)} is not a duration; say e.g. 3h, 90m or 1.5 hours.")
    hours, minutes = found["hours"] or "0", found["minutes"] or "0"
    if _bare_hours(found):  # `for 3`, Discord's `hours: 3`: three hours
        hours, minutes = minutes, "0"
    out_of_bounds = UsageError(f"An activity lasts from a minute to {MAX_MINUTES // 60} hours.")
    if found["sign"] or len(hours) > 6 or len(minutes) > 6:  # float("9" * 400) is inf
        raise out_of_bounds
    total = round(float(hours.replace(",", ".")) * 60) + int(minutes)
    if not 0 < total <= MAX_MINUTES:
        raise out_of_bounds
    return total


MAX_MINUTES = 16 * 60  # one activity, logged once


def settings_of(own: dict[str, Any], group_preset: str | None) -> LogSettings:
    """A member's log settings: their own if they set any, else their group's preset,
    else none (no minimum, weeks from Monday)."""
    if own:
        return LogSettings.from_dict(own)
    found = None if group_preset is None else preset(group_preset)
    return LogSettings() if found is None else found.settings


def changed(settings: LogSettings, change: LogChange) -> LogSettings:
    """`settings` with what `/followthrough me log ...` changes: a preset first (all of
    its rules), then each value given."""
    if change.preset is not None:
        found = preset(change.preset)
        assert found is not None  # checked when the command was built
        settings = found.settings
    values: dict[str, Any] = {
        name: value
        for name, value in (
            ("period", change.period),
            ("unit", change.unit),
            ("week_starts", change.week_starts),
            ("different_days", change.different_days),
        )
        if value is not None
    }
    if change.minimum is not None:
        values["minimum"] = change.minimum or None  # 0: no minimum
    if values and change.preset is None:
        values["preset"] = None  # their own rules now, not a preset's
    return replace(settings, **values)


def window(start: date, end: date, cal: BusinessCalendar) -> tuple[datetime, datetime]:
    """The UTC instants [first, until) of the local days `start` to `end`."""
    return cal.at(start, MIDNIGHT), cal.at(end + timedelta(days=1), MIDNIGHT)


def reminder(
    settings: LogSettings,
    today: date,
    cal: BusinessCalendar,
    events: list[Event],
    activities: list[Activity],
) -> str | None:
    """The digest's and `/lead today`'s line when the member is behind (see `behind`),
    from their events and activities (any span holding today's period)."""
    if settings.minimum is None:
        return None
    start, end = period_of(today, settings)
    first, until = window(start, end, cal)
    counted = [
        LogRow(cal.local_date(e.at), "employer contact")
        for e in events
        if e.action in CONTACTS and first <= e.at < until
    ]
    counted += [
        LogRow(cal.local_date(a.at), a.label, minutes=a.minutes)
        for a in activities
        if first <= a.at < until
    ]
    return behind(Period(start, end, tuple(counted), settings), today, cal)

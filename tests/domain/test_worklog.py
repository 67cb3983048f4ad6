"""The work-search log's rules: periods, what counts, the minimum, the reminder, presets,
and what is never stored (core.domain.worklog)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.domain.calendar import BusinessCalendar
from core.domain.commands import LogChange
from core.domain.errors import UsageError
from core.domain.leads import Action, Event, Lead, Stage
from core.domain.worklog import (
    PRESETS,
    Activity,
    LogRow,
    LogSettings,
    Period,
    behind,
    business_days_left,
    changed,
    looks_like_id,
    paper,
    parse_minutes,
    period_of,
    preset,
    reminder,
    rows,
    settings_of,
    window,
)

UTC_CAL = BusinessCalendar.of("UTC", None)
NY = BusinessCalendar.of("America/New_York", "US")
WEEK = LogSettings(minimum=3)
NY_RULES = LogSettings(minimum=3, different_days=True)


def period(settings: LogSettings, *days: date, minutes: int | None = None) -> Period:
    start, end = period_of(days[0] if days else date(2026, 12, 7), settings)
    found = tuple(LogRow(day, "employer contact", minutes=minutes) for day in days)
    return Period(start, end, found, settings)


# -- periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "day", "first"),
    [
        (0, date(2026, 12, 7), date(2026, 12, 7)),  # a Monday, weeks from Monday
        (0, date(2026, 12, 13), date(2026, 12, 7)),  # its Sunday: the same week
        (6, date(2026, 12, 12), date(2026, 12, 6)),  # Saturday, weeks from Sunday
        (6, date(2026, 12, 13), date(2026, 12, 13)),  # Sunday starts the next
    ],
)
def test_a_week_runs_seven_days_from_the_members_first_day(
    starts: int, day: date, first: date
) -> None:
    assert period_of(day, LogSettings(week_starts=starts)) == (first, first + timedelta(days=6))


@pytest.mark.parametrize(
    ("day", "last"),
    [(date(2026, 2, 14), date(2026, 2, 28)), (date(2028, 2, 1), date(2028, 2, 29))],
)
def test_a_month_period_is_the_calendar_month(day: date, last: date) -> None:
    assert period_of(day, LogSettings(period="month")) == (day.replace(day=1), last)


def test_the_period_window_follows_the_members_zone_across_a_dst_change() -> None:
    # New York leaves daylight time on Sunday 2026-11-01: that week is 169 hours long.
    first, until = window(*period_of(date(2026, 11, 1), LogSettings(week_starts=6)), NY)
    assert first == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # midnight EDT
    assert until == datetime(2026, 11, 8, 5, 0, tzinfo=UTC)  # midnight EST
    assert until - first == timedelta(hours=169)


def test_business_days_left_skip_weekends_and_the_members_holidays() -> None:
    # Thanksgiving, Thursday 2026-11-26, is a holiday in the US calendar.
    assert business_days_left(date(2026, 11, 23), date(2026, 11, 29), NY) == 4
    assert business_days_left(date(2026, 11, 23), date(2026, 11, 29), UTC_CAL) == 5
    assert business_days_left(date(2026, 11, 28), date(2026, 11, 29), NY) == 0


# -- counting against the minimum ---------------------------------------------------------


def test_three_activities_meet_a_minimum_of_three() -> None:
    monday = date(2026, 12, 7)
    assert period(WEEK, monday, monday, monday).met is True
    assert period(WEEK, monday, monday).met is False
    assert period(LogSettings(), monday).met is None  # no minimum: no verdict


def test_on_different_days_three_on_one_day_are_one_day() -> None:
    monday, tuesday, wednesday = (date(2026, 12, 7) + timedelta(days=n) for n in range(3))
    same_day = period(NY_RULES, monday, monday, monday)
    assert same_day.met is False
    assert same_day.missing() == 2
    assert same_day.tally == "3 of 3 activities, on 1 different day"
    assert period(NY_RULES, monday, tuesday, wednesday).met is True


def test_hours_count_minutes_not_rows() -> None:
    uk = PRESETS["UK"].settings
    monday = date(2026, 12, 7)
    assert period(uk, monday, monday, minutes=17 * 60).met is False  # 34 hours
    assert period(uk, monday, monday, minutes=17 * 60 + 30).met is True  # 35
    assert period(uk, monday, minutes=90).tally == "1.5 of 35 hours"


# -- the reminder ---------------------------------------------------------------------


def test_no_reminder_while_there_is_time_to_spare() -> None:
    # Weeks from Monday, 0 of 3: Monday has 5 business days left, more than 3 + 1.
    assert behind(period(WEEK), date(2026, 12, 7), UTC_CAL) is None


def test_the_reminder_starts_when_only_one_spare_day_is_left() -> None:
    line = behind(period(WEEK), date(2026, 12, 8), UTC_CAL)  # Tuesday: 4 days left
    assert line == (
        "Work-search log: 0 of 3 activities this week;"
        " 3 more activities needed, 4 business days left."
    )


def test_the_reminder_says_on_different_days_where_that_applies() -> None:
    wednesday, thursday = date(2026, 12, 9), date(2026, 12, 10)
    line = behind(period(NY_RULES, wednesday, wednesday), thursday, UTC_CAL)
    assert line is not None  # two on one day count as one day of three
    assert "2 more activities on different days needed, 2 business days left" in line
    line = behind(period(NY_RULES, wednesday, thursday), thursday, UTC_CAL)
    assert line is not None
    assert "1 more activity on different days needed" in line


def test_no_reminder_once_the_minimum_is_met_or_without_one() -> None:
    friday = date(2026, 12, 11)
    assert behind(period(WEEK, friday, friday, friday), friday, UTC_CAL) is None
    assert behind(period(LogSettings(), friday), friday, UTC_CAL) is None


def test_the_weekend_after_the_last_business_day_says_none_left() -> None:
    saturday = date(2026, 12, 12)
    line = behind(period(WEEK, saturday), saturday, UTC_CAL)
    assert line is not None and line.endswith("no business day left.")


def test_the_reminder_counts_contacts_and_activities_of_this_period_only() -> None:
    friday = datetime(2026, 12, 11, 15, tzinfo=UTC)
    events = [
        Event(1, Action.EMAILED, friday, Stage.EMAILED),
        Event(1, Action.REPLIED, friday, Stage.TALKING),  # their doing: not counted
        Event(1, Action.NOTE, friday, Stage.TALKING),
        Event(1, Action.APPLIED, friday - timedelta(days=7), Stage.APPLIED),  # last week
    ]
    fair = [Activity("fair", friday - timedelta(days=1))]
    line = reminder(WEEK, friday.date(), UTC_CAL, events, fair)
    assert line is not None and line.startswith("Work-search log: 2 of 3 activities")


# -- rows -----------------------------------------------------------------------------


def test_a_row_holds_every_field_a_log_asks_for() -> None:
    lead = Lead(
        member_id=1,
        number=4,
        contact="Julie Martin",
        company="Acme",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        role="Data Engineer",
        title="Head of Data",
        email="julie@acme.com",
        phone="+1 212 555 0100",
        job_ref="R-123",
        url="https://acme.com/jobs/123",
        stage=Stage.APPLIED,
        id=9,
    )
    applied = datetime(2026, 12, 4, 15, tzinfo=UTC)
    event = Event(9, Action.APPLIED, applied, Stage.APPLIED, "sent my CV", how="mail")
    dated = Event(9, Action.CALLED, applied, Stage.CALLED, logged_at=applied + timedelta(days=2))
    [row, call] = rows({9: lead}, [event, dated], [], NY)
    assert row == LogRow(
        day=date(2026, 12, 4),
        kind="employer contact",
        employer="Acme",
        position="Data Engineer · R-123 · https://acme.com/jobs/123",
        contact="Julie Martin, Head of Data",
        verify="julie@acme.com · +1 212 555 0100",
        method="mail",
        type="application",
        result="waiting",
        note="sent my CV",
        lead="#4",
    )
    assert (call.method, call.type, call.logged) == ("phone", "inquiry", date(2026, 12, 6))


def test_a_hire_and_an_activity_show_as_such() -> None:
    lead = Lead(1, 1, "", "Globex", datetime(2026, 12, 1, tzinfo=UTC), stage=Stage.CLOSED, id=2)
    at = datetime(2026, 12, 2, 12, tzinfo=UTC)
    history = [
        Event(2, Action.INTERVIEWED, at, Stage.INTERVIEWED),
        Event(2, Action.ACCEPTED, at + timedelta(days=1), Stage.CLOSED),
    ]
    fair = Activity("fair", at + timedelta(hours=1), "Tech Expo", "Javits", 180)
    [interview, activity] = rows({2: lead}, history, [fair], UTC_CAL)
    assert (interview.result, interview.type, interview.contact) == ("hired", "interview", "")
    assert (activity.kind, activity.employer, activity.position) == (
        "job fair",
        "Javits",
        "Tech Expo",
    )
    assert activity.minutes == 180 and activity.method == "in person"


# -- settings and presets -----------------------------------------------------------------


def test_every_preset_names_its_source_and_keeps_to_the_known_rules() -> None:
    assert set(PRESETS) >= {"US-NY", "US-WA", "US-TX", "US-FL", "US-MA", "UK", "DE"}
    ny, wa, uk, de = (PRESETS[code].settings for code in ("US-NY", "US-WA", "UK", "DE"))
    assert (ny.minimum, ny.different_days) == (3, True)
    assert (wa.minimum, wa.week_starts) == (3, 6)  # weeks end on Saturday
    assert (uk.minimum, uk.unit) == (35, "hours")
    assert (de.period, de.minimum) == ("month", None)  # the number is in their letter
    assert PRESETS["US-TX"].settings.minimum is None
    assert "claim letter" in PRESETS["US-TX"].note
    assert all(p.source for p in PRESETS.values())
    assert preset("us-ny") is PRESETS["US-NY"]


def test_a_member_without_settings_gets_the_groups_preset() -> None:
    assert settings_of({}, "US-NY") == PRESETS["US-NY"].settings
    assert settings_of({}, None) == LogSettings()
    own = LogSettings(minimum=5).to_dict()
    assert settings_of(own, "US-NY") == LogSettings(minimum=5)


def test_a_change_after_a_preset_makes_the_rules_the_members_own() -> None:
    tx = changed(LogSettings(), LogChange(preset="US-TX", minimum=4))
    assert (tx.minimum, tx.week_starts, tx.preset) == (4, 6, "US-TX")
    own = changed(tx, LogChange(different_days=True))
    assert own.preset is None and own.different_days
    assert changed(own, LogChange(minimum=0)).minimum is None  # `me log off`


def test_stored_settings_that_no_longer_make_sense_read_as_none() -> None:
    assert LogSettings.from_dict({"period": "fortnight", "minimum": 3}) == LogSettings()


@pytest.mark.parametrize(
    ("country", "size"), [("US", "Letter"), ("CA", "Letter"), ("DE", "A4"), (None, "A4")]
)
def test_the_paper_follows_the_members_country(country: str | None, size: str) -> None:
    assert paper(country) == size


# -- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("3h", 180),
        ("1.5 hours", 90),
        ("90m", 90),
        ("1h30", 90),
        ("2 hours 15 min", 135),
        ("3", 180),  # a bare number is hours: Discord's `hours` option, `for 3`
        ("45m", 45),
    ],
)
def test_durations_read_as_minutes(text: str, minutes: int) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "h", "lots", "0h", "17h", "45", "3 weeks"])
def test_durations_that_are_not_are_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_minutes(text)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("123-45-6789", True),
        ("my ssn is 123 45 6789", True),
        ("claim number: 12345678", True),
        ("Claim #99-887-766", True),
        ("call 555-123-4567", False),  # a phone number
        ("ref 123456789", False),  # a job's reference
        ("claim 3 jobs a week", False),
    ],
)
def test_what_looks_like_an_ssn_or_claim_number_is_recognised(text: str, refused: bool) -> None:
    assert looks_like_id(text) is refused

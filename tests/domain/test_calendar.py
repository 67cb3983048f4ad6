"""Business days and mornings (PLAYBOOK.md, "Business days and mornings")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.domain.calendar import BusinessCalendar, check_country, zone
from core.domain.errors import UsageError

US = BusinessCalendar.of("America/New_York", "US")
DE = BusinessCalendar.of("Europe/Berlin", "DE")
NO_HOLIDAYS = BusinessCalendar.of("UTC", None)
EIGHT = time(8, 0)


def d(text: str) -> date:
    return date.fromisoformat(text)


def days_of_2026() -> list[date]:
    return [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]


# --- "3 business days after an email" ---------------------------------------------------


def test_monday_plus_three_business_days_is_thursday_not_wednesday() -> None:
    assert US.add_business_days(d("2026-03-02"), 3) == d("2026-03-05")


def test_friday_plus_three_business_days_is_wednesday_not_tuesday() -> None:
    assert US.add_business_days(d("2026-03-06"), 3) == d("2026-03-11")


def test_observed_independence_day_pushes_the_deadline_one_business_day() -> None:
    # Wed 2026-07-01 + 3: Thu 2, (Fri 3 observed holiday), Mon 6, Tue 7.
    assert US.add_business_days(d("2026-07-01"), 3) == d("2026-07-07")
    assert NO_HOLIDAYS.add_business_days(d("2026-07-01"), 3) == d("2026-07-06")


def test_thanksgiving_pushes_the_deadline_one_business_day() -> None:
    assert US.add_business_days(d("2026-11-24"), 3) == d("2026-11-30")
    assert DE.add_business_days(d("2026-11-24"), 3) == d("2026-11-27")


def test_easter_weekend_pushes_a_german_deadline_two_business_days() -> None:
    # Thu 2026-04-02 + 3 in Germany: Good Friday and Easter Monday are holidays.
    assert DE.add_business_days(d("2026-04-02"), 3) == d("2026-04-09")
    assert US.add_business_days(d("2026-04-02"), 3) == d("2026-04-07")


def test_german_unity_day_on_a_saturday_pushes_nothing() -> None:
    assert not DE.is_business_day(d("2026-10-03"))  # a Saturday anyway
    assert DE.add_business_days(d("2026-10-02"), 3) == d("2026-10-07")


@pytest.mark.parametrize("cal", [US, DE], ids=["US", "DE"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_a_business_day_deadline_never_falls_on_a_weekend_or_holiday(
    cal: BusinessCalendar, n: int
) -> None:
    for start in days_of_2026():
        due = cal.add_business_days(start, n)
        assert due.weekday() < 5, (start, due)
        assert cal.is_business_day(due), (start, due)
        between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
        assert sum(cal.is_business_day(x) for x in between) == n, (start, due)


# --- whose holidays ----------------------------------------------------------------------


def test_a_german_member_gets_easter_monday_and_good_friday_off() -> None:
    assert not DE.is_business_day(d("2026-04-03"))
    assert not DE.is_business_day(d("2026-04-06"))
    assert DE.holiday_name(d("2026-04-06")) == "Easter Monday"


def test_a_german_member_works_on_us_holidays() -> None:
    for us_holiday in ("2026-07-03", "2026-11-26", "2026-09-07", "2026-01-19"):
        assert DE.is_business_day(d(us_holiday)), us_holiday
        assert DE.holiday_name(d(us_holiday)) is None


def test_a_us_member_gets_thanksgiving_and_observed_independence_day_off() -> None:
    assert not US.is_business_day(d("2026-11-26"))
    assert not US.is_business_day(d("2026-07-03"))
    assert US.holiday_name(d("2026-11-26")) == "Thanksgiving Day"


def test_a_us_member_works_on_german_holidays() -> None:
    for de_holiday in ("2026-04-03", "2026-04-06", "2026-05-14", "2026-05-01"):
        assert US.is_business_day(d(de_holiday)), de_holiday


def test_christmas_is_off_in_both_countries() -> None:
    assert not US.is_business_day(d("2026-12-25"))
    assert not DE.is_business_day(d("2026-12-25"))


def test_without_a_country_only_weekends_are_off() -> None:
    assert NO_HOLIDAYS.is_business_day(d("2026-12-25"))
    assert not NO_HOLIDAYS.is_business_day(d("2026-03-07"))
    assert not NO_HOLIDAYS.is_business_day(d("2026-03-08"))
    assert NO_HOLIDAYS.holiday_name(d("2026-12-25")) is None


def test_next_and_previous_business_days_step_over_weekends_and_holidays() -> None:
    assert US.next_business_day(d("2026-03-06")) == d("2026-03-09")
    assert US.next_business_day(d("2026-03-07")) == d("2026-03-09")
    assert US.next_business_day(d("2026-11-25")) == d("2026-11-27")
    assert US.previous_business_day(d("2026-03-09")) == d("2026-03-06")
    assert US.previous_business_day(d("2026-07-06")) == d("2026-07-02")
    assert US.on_or_after(d("2026-03-09")) == d("2026-03-09")
    assert US.on_or_after(d("2026-03-07")) == d("2026-03-09")


def test_the_local_date_is_the_members_not_utcs() -> None:
    late_monday_in_new_york = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)  # 23:30 EST Monday
    assert US.local_date(late_monday_in_new_york) == d("2026-03-02")
    early_monday_in_tokyo = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # 08:00 JST Monday
    assert BusinessCalendar.of("Asia/Tokyo", "JP").local_date(early_monday_in_tokyo) == d(
        "2026-03-02"
    )


# --- mornings and daylight saving time ---------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "before", "after", "offset_before", "offset_after"),
    [
        ("America/New_York", "2026-03-06", "2026-03-09", -5, -4),
        ("America/New_York", "2026-10-30", "2026-11-02", -4, -5),
        ("Europe/Berlin", "2026-03-27", "2026-03-30", 1, 2),
        ("Europe/Berlin", "2026-10-23", "2026-10-26", 2, 1),
        ("Australia/Lord_Howe", "2026-04-03", "2026-04-06", 11, 10.5),
        ("Australia/Lord_Howe", "2026-10-02", "2026-10-05", 10.5, 11),
    ],
)
def test_the_morning_stays_at_eight_local_across_a_dst_change(
    tz: str, before: str, after: str, offset_before: float, offset_after: float
) -> None:
    cal = BusinessCalendar.of(tz, None)
    friday = cal.at(d(before), EIGHT)
    monday = cal.next_morning(d(before), EIGHT)
    assert monday == cal.at(d(after), EIGHT)
    for instant, day, hours in ((friday, before, offset_before), (monday, after, offset_after)):
        local = instant.astimezone(cal.tz)
        assert (local.date(), local.time()) == (d(day), EIGHT)
        assert local.utcoffset() == timedelta(hours=hours)
    # The UTC instant moves with the clocks: the gap is not a whole number of days.
    assert monday - friday == timedelta(days=3, hours=offset_before - offset_after)


def test_mornings_are_utc_instants() -> None:
    instant = US.at(d("2026-03-02"), EIGHT)
    assert instant.utcoffset() == timedelta(0)
    assert instant == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def test_a_time_in_the_spring_forward_gap_moves_forward_not_back() -> None:
    instant = US.at(d("2026-03-08"), time(2, 30))
    assert instant == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT
    assert instant.astimezone(US.tz).time() == time(3, 30)


def test_a_repeated_hour_takes_its_first_occurrence() -> None:
    instant = US.at(d("2026-11-01"), time(1, 30))
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST


@pytest.mark.parametrize(
    ("cal", "after", "morning"),
    [
        (US, "2026-03-06", "2026-03-09"),  # Friday -> Monday
        (US, "2026-03-07", "2026-03-09"),  # Saturday -> Monday
        (US, "2026-11-25", "2026-11-27"),  # over Thanksgiving
        (US, "2026-07-02", "2026-07-06"),  # over the observed Independence Day
        (US, "2026-12-24", "2026-12-28"),  # over Christmas
        (DE, "2026-04-02", "2026-04-07"),  # over Good Friday and Easter Monday
        (DE, "2026-11-25", "2026-11-26"),  # Thanksgiving is a German working day
    ],
)
def test_the_next_morning_is_the_next_business_day_at_the_nudge_time(
    cal: BusinessCalendar, after: str, morning: str
) -> None:
    instant = cal.next_morning(d(after), EIGHT)
    local = instant.astimezone(cal.tz)
    assert (local.date(), local.time()) == (d(morning), EIGHT)


def test_the_next_morning_is_strictly_after_the_given_day() -> None:
    assert US.local_date(US.next_morning(d("2026-03-02"), EIGHT)) == d("2026-03-03")


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe"])
def test_consecutive_mornings_through_a_year_are_one_per_business_day_at_eight(tz: str) -> None:
    cal = BusinessCalendar.of(tz, None)
    day = d("2025-12-31")
    seen = []
    while day < d("2026-12-31"):
        instant = cal.next_morning(day, EIGHT)
        local = instant.astimezone(cal.tz)
        assert local.time() == EIGHT
        seen.append(local.date())
        day = local.date()
    expected = [x for x in days_of_2026() if x.weekday() < 5]
    assert seen == expected


# --- zones and countries -----------------------------------------------------------------


def test_an_unknown_time_zone_is_a_usage_error_naming_examples() -> None:
    with pytest.raises(UsageError, match="Mars/Base") as err:
        zone("Mars/Base")
    assert "Europe/Berlin" in str(err.value)


def test_a_known_country_code_is_upper_cased() -> None:
    assert check_country("de") == "DE"
    assert check_country("US") == "US"


def test_an_unknown_country_code_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="XX"):
        check_country("XX")

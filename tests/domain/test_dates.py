"""When a member says something happened: parsed without today, resolved in their calendar."""

from __future__ import annotations

from datetime import date, time

import pytest

from core.domain.dates import When, parse_clock, parse_when, recent_days, take, upcoming_days
from core.domain.errors import UsageError

MONDAY = date(2026, 11, 30)


def resolved(phrase: str, today: date = MONDAY) -> date:
    return parse_when(phrase).resolve(today)


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("today", MONDAY),
        ("yesterday", date(2026, 11, 29)),
        ("3 days ago", date(2026, 11, 27)),
        ("1 day ago", date(2026, 11, 29)),
        ("fri", date(2026, 11, 27)),
        ("on Friday", date(2026, 11, 27)),
        ("on thurs", date(2026, 11, 26)),
        ("2026-11-27", date(2026, 11, 27)),
        ("on 27 nov", date(2026, 11, 27)),
        ("on Nov 27", date(2026, 11, 27)),
        ("on 31 october", date(2026, 10, 31)),
        ("30 days ago", date(2026, 10, 31)),
    ],
)
def test_the_phrases_a_member_uses(phrase: str, day: date) -> None:
    assert resolved(phrase) == day


def test_a_weekday_name_means_the_most_recent_one_before_today() -> None:
    assert resolved("on mon") == date(2026, 11, 23)  # today is a Monday: a week ago
    assert resolved("on sun") == date(2026, 11, 29)
    assert resolved("on tue") == date(2026, 11, 24)


def test_a_day_and_month_without_a_year_is_the_latest_one_not_in_the_future() -> None:
    assert resolved("on 28 dec", date(2027, 1, 5)) == date(2026, 12, 28)


@pytest.mark.parametrize("phrase", ["31 days ago", "on 2026-10-30", "on 1 dec", "2026-12-01"])
def test_a_day_in_the_future_or_over_30_days_back_is_refused(phrase: str) -> None:
    with pytest.raises(UsageError):
        resolved(phrase)


@pytest.mark.parametrize("phrase", ["on 31 feb", "on 2026-13-01", "someday", "on"])
def test_what_is_not_a_day_is_refused_with_the_forms_that_are(phrase: str) -> None:
    with pytest.raises(UsageError, match="yesterday"):
        resolved(phrase)


def test_on_followed_by_words_is_a_note_not_a_date() -> None:
    assert take(["on", "the", "shortlist"]) == (None, ["on", "the", "shortlist"])
    assert take(["on", "fri", "sent", "cv"]) == (When(weekday=4), ["sent", "cv"])


@pytest.mark.parametrize(
    "words",
    [
        "on fir",
        "on Firday",
        "on fridy",
        "on frid",
        "on mno",
        "on tusday",
        "on wendsday",
        "on tomorow",
        "on yesterdy",
        "on toady",
        "on septmber 3",
        "on 3rd",
    ],
)
def test_a_day_mistyped_after_on_is_refused_not_taken_for_a_note(words: str) -> None:
    with pytest.raises(UsageError, match=r"is not a day I understand\. Say when"):
        take([*words.lower().split(), "sent", "my", "cv"])


@pytest.mark.parametrize(
    "words",
    [
        "on the phone",
        "on linkedin",
        "on zoom",
        "on teams",
        "on behalf of sam",
        "on my way",
        "on his mobile",
        "on par with acme",
        "on time",
        "on site",
        "on slack",
        "on a call",
        "on",
    ],
)
def test_a_note_may_still_start_with_on(words: str) -> None:
    assert take(words.split()) == (None, words.split())


@pytest.mark.parametrize("phrase", ["tomorrow", "on tomorrow", "on tomorrow, by email"])
def test_tomorrow_is_a_day_and_refused_as_the_future(phrase: str) -> None:
    when, _ = take(phrase.split())
    assert when == When(days_ago=-1)
    with pytest.raises(UsageError, match="Tue Dec 1 2026 is in the future"):
        when.resolve(MONDAY)


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("on today", MONDAY),
        ("on yesterday", date(2026, 11, 29)),
        ("on last fri", date(2026, 11, 27)),
        ("on 3 days ago", date(2026, 11, 27)),
    ],
)
def test_a_relative_day_after_on_is_that_day(words: str, day: date) -> None:
    when, rest = take([*words.split(), "hi"])
    assert when is not None and when.resolve(MONDAY) == day and rest == ["hi"]


def test_recent_days_for_autocomplete() -> None:
    days = recent_days(MONDAY)
    assert days[:3] == [
        ("Today", "today"),
        ("Yesterday", "yesterday"),
        ("Sat Nov 28", "2026-11-28"),
    ]
    assert all(resolved(value) <= MONDAY for _, value in days)


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("on fri.", date(2026, 11, 27)),
        ("on friday, sent the cv", date(2026, 11, 27)),
        ("yesterday, by email", date(2026, 11, 29)),
        ("3 days ago.", date(2026, 11, 27)),
        ("last friday", date(2026, 11, 27)),
        ("two days ago", date(2026, 11, 28)),
        ("a week ago", date(2026, 11, 23)),
        ("on 27 nov, hi", date(2026, 11, 27)),
    ],
)
def test_punctuation_and_everyday_phrasing_still_date_the_action(words: str, day: date) -> None:
    when, _ = take(words.split())
    assert when is not None and when.resolve(MONDAY) == day


def test_far_counts_are_refused_not_taken_for_a_note() -> None:
    when, rest = take(["10000", "days", "ago"])
    assert when is not None and rest == []
    with pytest.raises(UsageError, match="more than 30"):
        when.resolve(MONDAY)


def test_a_future_date_in_another_year_names_its_year() -> None:
    with pytest.raises(UsageError, match="Mon Mar 1 2027 is in the future"):
        resolved("on 2027-03-01")


THURSDAY = date(2026, 3, 5)


def ahead(phrase: str, today: date = THURSDAY) -> date:
    return parse_when(phrase).ahead(today)


# --- a day to come (an interview's), and its time --------------------------------------


@pytest.mark.parametrize(
    ("phrase", "day"),
    [
        ("today", THURSDAY),
        ("tomorrow", date(2026, 3, 6)),
        ("on fri", date(2026, 3, 6)),
        ("on mon", date(2026, 3, 9)),
        ("2026-03-10", date(2026, 3, 10)),
        ("on 10 mar", date(2026, 3, 10)),
        ("on 2 feb", date(2027, 2, 2)),  # no year: the next such date
        ("on 5 mar", THURSDAY),
    ],
)
def test_an_interviews_day_is_one_to_come(phrase: str, day: date) -> None:
    assert ahead(phrase) == day


def test_a_weekday_named_on_that_weekday_is_a_week_ahead_today_is_today() -> None:
    assert ahead("on thu") == date(2026, 3, 12)
    assert ahead("today") == THURSDAY


@pytest.mark.parametrize("phrase", ["yesterday", "3 days ago", "2026-03-04", "on 2025-12-01"])
def test_a_day_that_has_passed_is_refused(phrase: str) -> None:
    with pytest.raises(UsageError, match="has passed"):
        ahead(phrase)


def test_a_day_more_than_a_year_ahead_is_refused_and_a_year_is_not() -> None:
    assert When(year=2027, month=3, day=6).ahead(THURSDAY) == date(2027, 3, 6)  # 366 days
    with pytest.raises(UsageError, match="more than a year ahead"):
        When(year=2027, month=3, day=7).ahead(THURSDAY)


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("14:00", time(14, 0)),
        ("9:30", time(9, 30)),
        ("2pm", time(14, 0)),
        ("2:30 pm", time(14, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("11:59PM", time(23, 59)),
    ],
)
def test_a_time_as_people_write_it(text: str, clock: time) -> None:
    assert parse_clock(text) == clock


@pytest.mark.parametrize("text", ["14", "24:00", "9:5", "13pm", "0am", "noon", "14:60", "²:00"])
def test_what_is_not_a_time(text: str) -> None:
    assert parse_clock(text) is None


def test_the_days_offered_for_an_interview_start_today() -> None:
    days = upcoming_days(THURSDAY)
    assert days[:3] == [("Today", "today"), ("Tomorrow", "tomorrow"), ("Sat Mar 7", "2026-03-07")]
    assert all(parse_when(value).ahead(THURSDAY) >= THURSDAY for _, value in days)

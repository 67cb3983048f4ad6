"""When a member says something happened: parsed without today, resolved in their calendar."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.dates import When, parse_when, recent_days, take
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

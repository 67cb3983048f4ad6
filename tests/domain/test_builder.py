"""The typed way in (core.domain.builder) and the text that reaches it: commands built from
their options, checked against their row of the command table."""

from __future__ import annotations

from datetime import time

import pytest

from core.domain import commands as c
from core.domain.builder import build
from core.domain.dates import When
from core.domain.errors import UsageError
from core.domain.parser import parse

# --- /lead interview ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "when", "at"),
    [
        ("julie on thu 14:00", When(weekday=3), time(14, 0)),
        ("julie on 2026-12-10 9:30", When(month=12, day=10, year=2026), time(9, 30)),
        ("julie thu 2pm", When(weekday=3), time(14, 0)),
        ("julie tomorrow at 2 pm", When(days_ago=-1), time(14, 0)),
        ("julie on next fri 10:00", When(weekday=4), time(10, 0)),
        ('"Julie Martin" on 10 dec 16:30', When(month=12, day=10), time(16, 30)),
    ],
)
def test_an_interview_is_typed_with_its_day_and_time(text: str, when: When, at: time) -> None:
    made = parse("/lead", f"interview {text}")
    assert isinstance(made, c.Interview)
    assert (made.when, made.at, made.cancel) == (when, at, False)


def test_cancel_alone_calls_it_off() -> None:
    assert parse("/lead", "interview julie cancel") == c.Interview("julie", cancel=True)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("julie on thu", "At what time?"),
        ("julie", "When is it?"),
        ("julie on thu 25:00", "is not a time"),
        ("julie on fir 14:00", "is not a day I understand"),
        ("julie on someday 14:00", "is not a day I understand"),
    ],
)
def test_an_interview_without_a_day_and_time_is_refused_with_the_usage(
    text: str, said: str
) -> None:
    with pytest.raises(UsageError, match=said) as refused:
        parse("/lead", f"interview {text}")
    assert "/lead interview julie on thu 14:00" in str(refused.value)


def test_the_typed_options_build_the_same_command() -> None:
    typed = build("lead", "interview", {"lead": "julie", "when": "thu", "time": "14:00"})
    assert typed == parse("/lead", "interview julie on thu 14:00")
    with pytest.raises(UsageError, match="cancel"):
        build("lead", "interview", {"lead": "julie", "when": "thu", "cancel": True})


@pytest.mark.parametrize(
    ("text", "made"),
    [("calendar", c.CalendarFeed()), ("calendar reset", c.CalendarFeed(reset=True))],
)
def test_the_calendar_feed_is_asked_for_or_reset(text: str, made: c.CalendarFeed) -> None:
    assert parse("/followthrough", text) == made
    assert parse("/followthrough", f"me {text}") == made
    assert build("followthrough", "calendar", {"reset": made.reset}) == made


def test_anything_else_after_calendar_is_refused() -> None:
    with pytest.raises(UsageError, match="/followthrough calendar"):
        parse("/followthrough", "calendar please")

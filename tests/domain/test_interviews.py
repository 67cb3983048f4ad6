"""Interviews to come: the day and time a member gives (a day to come, in their zone), the
nudges around it (its morning, then "how did it go?" until they answer), and what ends it.
Dates are the member's local dates in 2026 (Mon 2026-03-02 is a Monday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from core.domain import commands as c
from core.domain.dates import When, parse_clock, parse_when, upcoming_days
from core.domain.errors import UsageError
from core.domain.leads import (
    Action,
    Lead,
    Stage,
    StageError,
    apply,
    check,
    clear_interview,
    schedule_interview,
)
from core.domain.parser import parse
from core.domain.rules import Context, Rule, due_on, waiting_for
from core.domain.settings import PlaybookSettings
from tests.domain.test_rules import CTX, US, d, lead_after, local, morning, nudge

THURSDAY = date(2026, 3, 5)


def ahead(phrase: str, today: date = THURSDAY) -> date:
    return parse_when(phrase).ahead(today)


# --- the day, as a member gives it ---------------------------------------------------------


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


# --- the command, typed ---------------------------------------------------------------------


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
    from core.domain.builder import build

    typed = build("lead", "interview", {"lead": "julie", "when": "thu", "time": "14:00"})
    assert typed == parse("/lead", "interview julie on thu 14:00")
    with pytest.raises(UsageError, match="cancel"):
        build("lead", "interview", {"lead": "julie", "when": "thu", "cancel": True})


# --- the nudges around it -------------------------------------------------------------------


def scheduled(day: str, hhmm: str = "14:00", **fields: object) -> Lead:
    """A lead emailed Monday 2026-03-02, with an interview set that day for `day`."""
    lead = lead_after((Action.EMAILED, "2026-03-02"), id=9, **fields)
    apply(lead, Action.INTERVIEW, local("2026-03-02", "11:00"))
    schedule_interview(lead, local(day, hhmm), "interview-9-a@followthrough")
    return lead


def test_an_interview_is_mentioned_on_its_morning_and_not_before() -> None:
    lead = scheduled("2026-03-05")
    assert due_on(lead, CTX) == d("2026-03-05")
    assert nudge(lead, "2026-03-04") is None  # and no email follow-up meanwhile
    assert morning(lead, "2026-03-05") is Rule.INTERVIEW_DAY


def test_an_interview_on_a_day_off_is_mentioned_the_last_business_morning_before() -> None:
    lead = scheduled("2026-03-08")  # a Sunday
    assert due_on(lead, CTX) == d("2026-03-06")
    assert nudge(lead, "2026-03-05") is None
    assert morning(lead, "2026-03-06") is Rule.INTERVIEW_DAY
    assert nudge(lead, "2026-03-07") is Rule.INTERVIEW_DAY  # `/lead today` on Saturday
    assert morning(lead, "2026-03-09") is Rule.HOW_DID_IT_GO


def test_the_morning_after_asks_how_it_went_until_answered_then_asks_once_if_still_on() -> None:
    lead = scheduled("2026-03-05")
    assert morning(lead, "2026-03-05") is Rule.INTERVIEW_DAY
    asked = [morning(lead, day) for day in ("2026-03-06", "2026-03-09", "2026-03-10")]
    assert asked == [Rule.HOW_DID_IT_GO] * 3
    assert morning(lead, "2026-03-11") is Rule.STILL_PURSUING
    assert nudge(lead, "2026-03-12") is None


def test_an_interview_set_after_its_morning_is_asked_about_the_next_morning() -> None:
    lead = scheduled("2026-03-02", "16:00")  # set at 11:00 for this afternoon
    assert nudge(lead, "2026-03-02") is Rule.INTERVIEW_DAY  # `/lead today`
    assert morning(lead, "2026-03-03") is Rule.HOW_DID_IT_GO


def test_interviewed_ends_it_and_the_post_interview_check_in_comes_14_days_later() -> None:
    lead = scheduled("2026-03-05")
    morning(lead, "2026-03-05")
    apply(lead, Action.INTERVIEWED, local("2026-03-05", "09:00"))  # logged for its day
    assert lead.interview_at is None and lead.stage is Stage.INTERVIEWED
    assert waiting_for(lead, CTX) is not None
    assert due_on(lead, CTX) == d("2026-03-19")
    assert nudge(lead, "2026-03-18") is None
    assert nudge(lead, "2026-03-19") is Rule.POST_INTERVIEW_CHECK_IN


def test_interviewed_for_an_earlier_round_keeps_the_next_one() -> None:
    lead = scheduled("2026-03-12")  # the second round, next week
    apply(lead, Action.INTERVIEWED, local("2026-03-04", "10:00"))  # the first, logged late
    assert lead.interview_at == local("2026-03-12", "14:00")
    assert nudge(lead, "2026-03-12") is Rule.INTERVIEW_DAY


@pytest.mark.parametrize("action", [Action.REJECTED, Action.DROPPED])
def test_a_rejection_or_a_closed_lead_has_no_interview_to_come(action: Action) -> None:
    lead = scheduled("2026-03-12")
    apply(lead, action, local("2026-03-04"))
    assert lead.interview_at is None and lead.interview_uid is None
    assert nudge(lead, "2026-03-12") is not Rule.INTERVIEW_DAY


def test_a_closed_lead_takes_no_interview() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), (Action.DROPPED, "2026-03-03"))
    with pytest.raises(StageError, match="closed"):
        check(lead, Action.INTERVIEW)


def test_setting_an_interview_means_they_answered_an_outreach_lead_is_talking() -> None:
    lead = lead_after((Action.FOLLOWED_UP, "2026-03-02"))
    apply(lead, Action.INTERVIEW, local("2026-03-03"))
    assert lead.stage is Stage.TALKING
    offered = lead_after((Action.OFFER, "2026-03-02"))
    apply(offered, Action.INTERVIEW, local("2026-03-03"))
    assert offered.stage is Stage.OFFER  # only outreach moves


def test_an_interview_set_wakes_a_snoozed_lead() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), id=9, snoozed_until=d("2026-04-01"))
    schedule_interview(lead, local("2026-03-05", "14:00"), "interview-9-a@followthrough")
    assert lead.snoozed_until is None
    assert nudge(lead, "2026-03-05") is Rule.INTERVIEW_DAY


def test_a_moved_interview_keeps_its_calendar_uid_and_counts_the_change() -> None:
    lead = scheduled("2026-03-05")
    uid = lead.interview_uid
    assert uid == "interview-9-a@followthrough" and lead.interview_sequence == 0
    assert schedule_interview(lead, local("2026-03-06", "10:00"), "unused") is True
    assert (lead.interview_uid, lead.interview_sequence) == (uid, 1)
    clear_interview(lead)
    assert (lead.interview_at, lead.interview_uid, lead.interview_sequence) == (None, None, 0)
    assert schedule_interview(lead, local("2026-03-20"), "interview-9-b@followthrough") is False
    assert (lead.interview_uid, lead.interview_sequence) == ("interview-9-b@followthrough", 0)


def test_an_interview_across_a_dst_change_keeps_its_local_time() -> None:
    # Set on Monday 2 March (EST, UTC-5) for Tuesday 10 March, after the clocks moved
    # (EDT, UTC-4): 14:00 in New York is 18:00 UTC then, not 19:00.
    lead = scheduled("2026-03-10")
    assert lead.interview_at == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    assert due_on(lead, CTX) == d("2026-03-10")
    ctx = Context(US, PlaybookSettings())
    assert ctx.calendar.local_date(lead.interview_at) == d("2026-03-10")

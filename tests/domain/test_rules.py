"""The nudge rules of PLAYBOOK.md, each at its boundary: the day before, nothing; the day
of, the nudge. Dates are the member's local dates in 2026 (Mon 2026-03-02 is a Monday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.domain.calendar import BusinessCalendar
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
from core.domain.members import Member
from core.domain.rules import (
    Context,
    Due,
    Rule,
    due_on,
    nudge_for,
    pipeline_due,
    record_nudge,
    waiting_for,
)
from core.domain.settings import PlaybookSettings

US = BusinessCalendar.of("America/New_York", "US")
DE = BusinessCalendar.of("Europe/Berlin", "DE")
DEFAULTS = PlaybookSettings()
CTX = Context(US, DEFAULTS)


def d(text: str) -> date:
    return date.fromisoformat(text)


def local(day: str, hhmm: str = "10:00", cal: BusinessCalendar = US) -> datetime:
    """The UTC instant of `hhmm` on `day` in the calendar's zone."""
    hours, minutes = hhmm.split(":")
    return cal.at(d(day), time(int(hours), int(minutes)))


def lead_after(
    *steps: tuple[Action, str],
    added: str = "2026-03-02",
    cal: BusinessCalendar = US,
    **fields: object,
) -> Lead:
    """A lead added on `added` (09:00 local), then each (action, day) logged at 10:00."""
    lead = Lead(
        member_id=1,
        number=1,
        contact="Julie Martin",
        company="Acme",
        created_at=local(added, "09:00", cal),
        **fields,  # type: ignore[arg-type]
    )
    for action, day in steps:
        apply(lead, action, local(day, "10:00", cal))
    return lead


def nudge(lead: Lead, day: str, ctx: Context = CTX) -> Rule | None:
    return nudge_for(lead, ctx, d(day))


def morning(lead: Lead, day: str, ctx: Context = CTX) -> Rule | None:
    """The morning of `day` is planned: the member is told, and does nothing."""
    rule = nudge_for(lead, ctx, d(day))
    if rule is not None:
        record_nudge(lead, rule, d(day))
    return rule


def business_days(cal: BusinessCalendar, start: str, count: int) -> list[str]:
    day, out = d(start), list[str]()
    while len(out) < count:
        if cal.is_business_day(day):
            out.append(day.isoformat())
        day += timedelta(days=1)
    return out


# --- email-follow-up ---------------------------------------------------------------------


def test_email_sent_monday_is_followed_up_thursday_not_wednesday() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    assert nudge(lead, "2026-03-04") is None
    assert nudge(lead, "2026-03-05") is Rule.EMAIL_FOLLOW_UP
    assert waiting_for(lead, CTX) == Due(Rule.EMAIL_FOLLOW_UP, d("2026-03-05"))
    assert due_on(lead, CTX) == d("2026-03-05")


def test_email_sent_friday_is_followed_up_wednesday_not_tuesday() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-06"))
    assert nudge(lead, "2026-03-10") is None
    assert nudge(lead, "2026-03-11") is Rule.EMAIL_FOLLOW_UP


def test_thanksgiving_between_email_and_follow_up_pushes_it_one_business_day() -> None:
    lead = lead_after((Action.EMAILED, "2026-11-24"))  # Tuesday
    assert nudge(lead, "2026-11-27") is None  # Friday: would be the day without the holiday
    assert nudge(lead, "2026-11-30") is Rule.EMAIL_FOLLOW_UP


def test_observed_independence_day_pushes_the_follow_up_one_business_day() -> None:
    lead = lead_after((Action.EMAILED, "2026-07-01"))  # Wednesday
    assert nudge(lead, "2026-07-06") is None
    assert nudge(lead, "2026-07-07") is Rule.EMAIL_FOLLOW_UP


def test_an_email_sent_late_monday_evening_counts_as_monday_in_the_members_zone() -> None:
    lead = lead_after()
    apply(lead, Action.EMAILED, local("2026-03-02", "23:30"))  # Tuesday 04:30 UTC
    assert nudge(lead, "2026-03-04") is None
    assert nudge(lead, "2026-03-05") is Rule.EMAIL_FOLLOW_UP


def test_a_business_day_rule_is_never_due_on_a_weekend() -> None:
    for start in (d("2026-03-02") + timedelta(days=i) for i in range(60)):
        lead = lead_after((Action.EMAILED, start.isoformat()))
        due = waiting_for(lead, CTX)
        assert due is not None
        assert US.is_business_day(due.on), (start, due)


def test_the_follow_up_keeps_coming_until_something_is_logged() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    assert nudge(lead, "2026-03-06") is Rule.EMAIL_FOLLOW_UP  # the day after, still due


# --- whose holidays ----------------------------------------------------------------------


def test_a_berlin_member_gets_german_holidays_easter_monday_delays_the_follow_up() -> None:
    ctx = Context(DE, DEFAULTS)
    lead = lead_after((Action.EMAILED, "2026-04-02"), cal=DE)  # Thursday before Easter
    assert nudge(lead, "2026-04-07", ctx) is None
    assert nudge(lead, "2026-04-08", ctx) is None
    assert nudge(lead, "2026-04-09", ctx) is Rule.EMAIL_FOLLOW_UP


def test_a_us_member_is_not_delayed_by_easter() -> None:
    lead = lead_after((Action.EMAILED, "2026-04-02"))
    assert nudge(lead, "2026-04-06") is None
    assert nudge(lead, "2026-04-07") is Rule.EMAIL_FOLLOW_UP


def test_a_berlin_member_is_not_delayed_by_thanksgiving() -> None:
    ctx = Context(DE, DEFAULTS)
    lead = lead_after((Action.EMAILED, "2026-11-24"), cal=DE)
    assert nudge(lead, "2026-11-26", ctx) is None
    assert nudge(lead, "2026-11-27", ctx) is Rule.EMAIL_FOLLOW_UP


# --- call-after-follow-up ----------------------------------------------------------------


def test_a_follow_up_sent_monday_gets_a_call_nudge_thursday() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-04"), (Action.FOLLOWED_UP, "2026-03-09"))
    assert nudge(lead, "2026-03-11") is None
    assert nudge(lead, "2026-03-12") is Rule.CALL_AFTER_FOLLOW_UP


def test_a_follow_up_sent_friday_gets_a_call_nudge_wednesday() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-03"), (Action.FOLLOWED_UP, "2026-03-06"))
    assert nudge(lead, "2026-03-10") is None
    assert nudge(lead, "2026-03-11") is Rule.CALL_AFTER_FOLLOW_UP


def test_an_unanswered_call_gets_one_more_call_nudge_five_business_days_later() -> None:
    lead = lead_after(
        (Action.EMAILED, "2026-03-02"),
        (Action.FOLLOWED_UP, "2026-03-05"),
        (Action.CALLED, "2026-03-12"),  # Thursday
    )
    assert (lead.stage, lead.calls) == (Stage.CALLED, 1)
    assert nudge(lead, "2026-03-13") is None
    assert nudge(lead, "2026-03-18") is None
    assert nudge(lead, "2026-03-19") is Rule.CALL_AFTER_FOLLOW_UP


def test_after_the_second_unanswered_call_the_bot_asks_whether_the_lead_is_still_pursued() -> None:
    lead = lead_after(
        (Action.EMAILED, "2026-03-02"),
        (Action.FOLLOWED_UP, "2026-03-05"),
        (Action.CALLED, "2026-03-12"),
        (Action.CALLED, "2026-03-19"),
    )
    assert lead.calls == 2
    assert nudge(lead, "2026-03-25") is None
    assert morning(lead, "2026-03-26") is Rule.STILL_PURSUING
    # Asked once; then quiet, never a third call nudge.
    for day in ("2026-03-27", "2026-03-30", "2026-04-15"):
        assert nudge(lead, day) is None


def test_a_holiday_delays_the_second_call_nudge() -> None:
    lead = lead_after((Action.FOLLOWED_UP, "2026-11-16"), (Action.CALLED, "2026-11-20"))
    # Fri 20 + 5 business days over Thanksgiving: 23, 24, 25, 27, 30.
    assert nudge(lead, "2026-11-27") is None
    assert nudge(lead, "2026-11-30") is Rule.CALL_AFTER_FOLLOW_UP


def test_answering_yes_still_pursuing_after_two_calls_does_not_ask_again_next_morning() -> None:
    # PLAYBOOK: after the second call, the "still pursuing?" question, asked once. The
    # digest's "Yes: remind me in a week" button snoozes the lead for 7 days; the bot must
    # not ask the very same question again the next business mornings.
    lead = lead_after(
        (Action.FOLLOWED_UP, "2026-03-02"),
        (Action.CALLED, "2026-03-05"),
        (Action.CALLED, "2026-03-12"),
    )
    assert morning(lead, "2026-03-19") is Rule.STILL_PURSUING
    lead.snoozed_until = date(2026, 3, 26)  # "Yes: remind me in a week"
    apply(lead, Action.SNOOZED, local("2026-03-19", "08:05"))
    asked_again = [day for day in ("2026-03-20", "2026-03-23", "2026-03-25") if morning(lead, day)]
    assert asked_again == [], f"asked 'still pursuing?' again on {asked_again}"
    assert morning(lead, "2026-03-26") is Rule.STILL_PURSUING  # a week later, once more


# --- post-interview-check-in -------------------------------------------------------------


def test_a_check_in_is_due_fourteen_calendar_days_after_an_interview_not_thirteen() -> None:
    lead = lead_after((Action.INTERVIEWED, "2026-03-05"))
    assert nudge(lead, "2026-03-18") is None
    assert nudge(lead, "2026-03-19") is Rule.POST_INTERVIEW_CHECK_IN


def test_the_check_in_counts_calendar_days_not_business_days() -> None:
    lead = lead_after((Action.INTERVIEWED, "2026-11-25"))  # before Thanksgiving
    assert nudge(lead, "2026-12-08") is None
    assert nudge(lead, "2026-12-09") is Rule.POST_INTERVIEW_CHECK_IN


def test_fourteen_days_of_silence_while_talking_also_gets_a_check_in() -> None:
    lead = lead_after((Action.EMAILED, "2026-02-25"), (Action.REPLIED, "2026-03-02"))
    assert lead.stage is Stage.TALKING
    assert nudge(lead, "2026-03-15") is None
    assert nudge(lead, "2026-03-16") is Rule.POST_INTERVIEW_CHECK_IN


def test_a_check_in_due_on_a_saturday_is_still_due_on_monday_morning() -> None:
    lead = lead_after((Action.INTERVIEWED, "2026-02-28"))  # a Saturday
    assert nudge(lead, "2026-03-13") is None
    assert nudge(lead, "2026-03-16") is Rule.POST_INTERVIEW_CHECK_IN


def test_any_touch_after_an_interview_restarts_the_fourteen_days() -> None:
    lead = lead_after((Action.INTERVIEWED, "2026-03-05"), (Action.EMAILED, "2026-03-19"))
    assert lead.stage is Stage.INTERVIEWED
    assert nudge(lead, "2026-04-01") is None
    assert nudge(lead, "2026-04-02") is Rule.POST_INTERVIEW_CHECK_IN


def test_a_note_is_not_a_communication_and_does_not_restart_the_silence() -> None:
    lead = lead_after((Action.INTERVIEWED, "2026-03-05"), (Action.NOTE, "2026-03-12"))
    assert nudge(lead, "2026-03-19") is Rule.POST_INTERVIEW_CHECK_IN


# --- rejection-call ----------------------------------------------------------------------


def test_rejected_friday_gets_the_rejection_call_monday_morning_not_saturday() -> None:
    lead = lead_after((Action.INTERVIEWED, "2026-03-03"), (Action.REJECTED, "2026-03-06"))
    assert nudge(lead, "2026-03-06") is None
    assert nudge(lead, "2026-03-07") is None
    assert waiting_for(lead, CTX) == Due(Rule.REJECTION_CALL, d("2026-03-09"))
    assert nudge(lead, "2026-03-09") is Rule.REJECTION_CALL


def test_rejected_midweek_gets_the_rejection_call_the_next_morning() -> None:
    lead = lead_after((Action.REJECTED, "2026-03-03"))
    assert nudge(lead, "2026-03-03") is None
    assert nudge(lead, "2026-03-04") is Rule.REJECTION_CALL


def test_rejected_before_thanksgiving_gets_the_call_on_friday() -> None:
    lead = lead_after((Action.REJECTED, "2026-11-25"))
    assert nudge(lead, "2026-11-26") is None
    assert nudge(lead, "2026-11-27") is Rule.REJECTION_CALL


def test_a_call_on_a_rejected_lead_closes_it_and_keeps_the_contact_in_the_network() -> None:
    lead = lead_after((Action.REJECTED, "2026-03-06"), (Action.CALLED, "2026-03-09"))
    assert lead.stage is Stage.CLOSED
    assert lead.network is True
    assert not lead.active
    assert nudge(lead, "2026-03-10") is None  # the rejection call is done


def test_after_the_rejection_call_keep_in_touch_comes_at_thirty_days_not_twenty_nine() -> None:
    lead = lead_after((Action.REJECTED, "2026-03-06"), (Action.CALLED, "2026-03-09"))
    assert nudge(lead, "2026-04-07") is None
    assert nudge(lead, "2026-04-08") is Rule.KEEP_IN_TOUCH


def test_dropping_a_rejection_contact_stops_keep_in_touch() -> None:
    # "No, drop it" (the still-pursuing answer) on a network contact that took the
    # rejection call: PLAYBOOK says a lead dropped by the member gets nothing.
    lead = lead_after((Action.REJECTED, "2026-01-05"), (Action.CALLED, "2026-01-06"))
    assert nudge(lead, "2026-02-05") is Rule.KEEP_IN_TOUCH
    try:
        apply(lead, Action.DROPPED, local("2026-02-05", "08:05"))
    except StageError as error:
        pytest.fail(f"the member cannot drop a network contact: {error}")
    assert nudge(lead, "2026-02-06") is None
    assert nudge(lead, "2026-06-01") is None


# --- reach-referral ----------------------------------------------------------------------


def test_a_referral_is_due_the_next_business_morning() -> None:
    lead = lead_after(added="2026-03-03", parent_id=7)
    assert nudge(lead, "2026-03-03") is None
    assert nudge(lead, "2026-03-04") is Rule.REACH_REFERRAL


def test_a_referral_obtained_friday_is_due_monday() -> None:
    lead = lead_after(added="2026-03-06", parent_id=7)
    assert nudge(lead, "2026-03-07") is None
    assert nudge(lead, "2026-03-09") is Rule.REACH_REFERRAL


def test_once_the_referral_is_contacted_the_email_clock_runs_instead() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-04"), added="2026-03-03", parent_id=7)
    assert nudge(lead, "2026-03-06") is None
    assert nudge(lead, "2026-03-09") is Rule.EMAIL_FOLLOW_UP


def test_a_plain_new_lead_gets_no_nudge_of_its_own() -> None:
    lead = lead_after()
    assert waiting_for(lead, CTX) is None
    assert nudge(lead, "2026-06-01") is None


# --- keep-in-touch -----------------------------------------------------------------------


def test_a_network_contact_gets_keep_in_touch_after_thirty_days_not_twenty_nine() -> None:
    lead = lead_after(added="2026-03-02", network=True)
    assert nudge(lead, "2026-03-31") is None
    assert nudge(lead, "2026-04-01") is Rule.KEEP_IN_TOUCH


def test_keeping_in_touch_with_a_network_contact_restarts_the_thirty_days() -> None:
    # The keep-in-touch "Done" button logs `emailed`. PLAYBOOK: a network contact gets
    # keep-in-touch after 30 days without a touch, not an email follow-up ("forward it as
    # Re: and ask for a few minutes") three business days after a friendly update.
    lead = lead_after(added="2026-03-02", network=True)
    assert nudge(lead, "2026-04-01") is Rule.KEEP_IN_TOUCH
    apply(lead, Action.EMAILED, local("2026-04-01", "08:10"))
    assert waiting_for(lead, CTX) == Due(Rule.KEEP_IN_TOUCH, d("2026-05-01"))
    assert nudge(lead, "2026-04-06") is None


def test_dropping_a_network_contact_stops_keep_in_touch() -> None:
    lead = lead_after(added="2026-01-05", network=True)
    apply(lead, Action.DROPPED, local("2026-02-10"))
    assert lead.stage is Stage.CLOSED
    assert nudge(lead, "2026-02-11") is None, "a dropped lead keeps getting keep-in-touch"
    assert nudge(lead, "2026-06-01") is None


def test_a_closed_lead_that_is_not_a_network_contact_gets_nothing() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), (Action.DROPPED, "2026-03-03"))
    assert waiting_for(lead, CTX) is None
    assert nudge(lead, "2026-09-01") is None


# --- pipeline ----------------------------------------------------------------------------


def member(active: int, last_pipeline_on: str | None = None) -> Member:
    m = Member(group_id=1, external_id="U1", name="Ana", active_leads=active)
    m.last_pipeline_on = None if last_pipeline_on is None else d(last_pipeline_on)
    return m


def test_fewer_than_five_active_leads_gets_the_pipeline_nudge() -> None:
    assert pipeline_due(member(0), DEFAULTS, d("2026-03-02"))
    assert pipeline_due(member(4), DEFAULTS, d("2026-03-02"))


def test_five_active_leads_get_no_pipeline_nudge() -> None:
    assert not pipeline_due(member(5), DEFAULTS, d("2026-03-02"))
    assert not pipeline_due(member(9), DEFAULTS, d("2026-03-02"))


def test_the_pipeline_nudge_comes_at_most_once_a_week() -> None:
    assert not pipeline_due(member(2, "2026-03-02"), DEFAULTS, d("2026-03-03"))
    assert not pipeline_due(member(2, "2026-03-02"), DEFAULTS, d("2026-03-08"))  # 6 days
    assert pipeline_due(member(2, "2026-03-02"), DEFAULTS, d("2026-03-09"))  # 7 days


def test_the_pipeline_nudge_of_this_morning_is_still_due_all_day() -> None:
    """`/lead today` at noon shows what the digest said at 08:00."""
    assert pipeline_due(member(2, "2026-03-02"), DEFAULTS, d("2026-03-02"))


# --- offer-leverage ----------------------------------------------------------------------


def offer_ctx(offer_day: str, cal: BusinessCalendar = US) -> Context:
    return Context(cal, DEFAULTS, offer_since=local(offer_day, "15:00", cal))


def test_an_offer_on_friday_means_telling_interviewed_and_talking_leads_on_monday() -> None:
    ctx = offer_ctx("2026-03-06")
    interviewed = lead_after((Action.INTERVIEWED, "2026-03-03"))
    talking = lead_after((Action.EMAILED, "2026-02-25"), (Action.REPLIED, "2026-03-04"))
    for lead in (interviewed, talking):
        assert nudge(lead, "2026-03-06", ctx) is None
        assert waiting_for(lead, ctx) == Due(Rule.OFFER_LEVERAGE, d("2026-03-09"))
        assert nudge(lead, "2026-03-09", ctx) is Rule.OFFER_LEVERAGE


def test_an_offer_midweek_means_telling_the_others_the_next_business_day() -> None:
    ctx = offer_ctx("2026-03-03")
    lead = lead_after((Action.INTERVIEWED, "2026-03-02"))
    assert nudge(lead, "2026-03-03", ctx) is None
    assert nudge(lead, "2026-03-04", ctx) is Rule.OFFER_LEVERAGE


def test_a_lead_told_after_the_offer_arrived_is_not_told_again() -> None:
    ctx = offer_ctx("2026-03-06")
    lead = lead_after((Action.INTERVIEWED, "2026-03-03"), (Action.EMAILED, "2026-03-09"))
    assert nudge(lead, "2026-03-10", ctx) is None
    # It falls back to the usual check-in, 14 days after that touch.
    assert waiting_for(lead, ctx) == Due(Rule.POST_INTERVIEW_CHECK_IN, d("2026-03-23"))


def test_leads_still_in_outreach_are_not_told_about_the_offer() -> None:
    ctx = offer_ctx("2026-03-06")
    lead = lead_after((Action.EMAILED, "2026-03-05"))
    assert nudge(lead, "2026-03-09", ctx) is None
    assert nudge(lead, "2026-03-10", ctx) is Rule.EMAIL_FOLLOW_UP


def test_without_an_offer_an_interviewed_lead_just_waits_fourteen_days() -> None:
    lead = lead_after((Action.INTERVIEWED, "2026-03-03"))
    assert nudge(lead, "2026-03-09") is None


# --- a reply stops every clock -----------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "would_be"),
    [
        ([(Action.EMAILED, "2026-03-02")], Rule.EMAIL_FOLLOW_UP),
        (
            [(Action.EMAILED, "2026-02-23"), (Action.FOLLOWED_UP, "2026-03-02")],
            Rule.CALL_AFTER_FOLLOW_UP,
        ),
        (
            [(Action.FOLLOWED_UP, "2026-02-20"), (Action.CALLED, "2026-02-25")],
            Rule.CALL_AFTER_FOLLOW_UP,
        ),
    ],
    ids=["emailed", "followed-up", "called"],
)
def test_a_reply_stops_the_waiting_clock(steps: list[tuple[Action, str]], would_be: Rule) -> None:
    waiting = lead_after(*steps)
    assert nudge(waiting, "2026-03-05") is would_be
    replied = lead_after(*steps, (Action.REPLIED, "2026-03-04"))
    assert replied.stage is Stage.TALKING
    for day in ("2026-03-05", "2026-03-06", "2026-03-09", "2026-03-17"):
        assert nudge(replied, day) is None, day
    # Only fourteen days of silence after the reply bring a check-in.
    assert nudge(replied, "2026-03-18") is Rule.POST_INTERVIEW_CHECK_IN


# --- snooze ------------------------------------------------------------------------------


def test_a_snoozed_lead_is_quiet_until_the_snooze_ends_then_the_nudge_fires() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), snoozed_until=d("2026-03-10"))
    for day in ("2026-03-05", "2026-03-06", "2026-03-09"):
        assert nudge(lead, day) is None, day
    assert nudge(lead, "2026-03-10") is Rule.EMAIL_FOLLOW_UP
    assert due_on(lead, CTX) == d("2026-03-10")


def test_a_snooze_ending_before_the_nudge_is_due_changes_nothing() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), snoozed_until=d("2026-03-04"))
    assert due_on(lead, CTX) == d("2026-03-05")
    assert nudge(lead, "2026-03-04") is None
    assert nudge(lead, "2026-03-05") is Rule.EMAIL_FOLLOW_UP


def test_a_snooze_also_silences_a_due_rejection_call() -> None:
    lead = lead_after((Action.REJECTED, "2026-03-02"), snoozed_until=d("2026-03-05"))
    assert nudge(lead, "2026-03-04") is None
    assert nudge(lead, "2026-03-05") is Rule.REJECTION_CALL


# --- ignored nudges ----------------------------------------------------------------------


def test_an_ignored_nudge_repeats_three_mornings_then_asks_once_then_goes_quiet() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    told = {day: morning(lead, day) for day in business_days(US, "2026-03-05", 7)}
    assert told == {
        "2026-03-05": Rule.EMAIL_FOLLOW_UP,
        "2026-03-06": Rule.EMAIL_FOLLOW_UP,
        "2026-03-09": Rule.EMAIL_FOLLOW_UP,
        "2026-03-10": Rule.STILL_PURSUING,
        "2026-03-11": None,
        "2026-03-12": None,
        "2026-03-13": None,
    }
    assert due_on(lead, CTX) is None


def test_planning_the_same_morning_twice_counts_it_once() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    for _ in range(5):
        assert morning(lead, "2026-03-05") is Rule.EMAIL_FOLLOW_UP
    assert morning(lead, "2026-03-06") is Rule.EMAIL_FOLLOW_UP
    assert morning(lead, "2026-03-09") is Rule.EMAIL_FOLLOW_UP
    assert morning(lead, "2026-03-10") is Rule.STILL_PURSUING
    assert morning(lead, "2026-03-10") is Rule.STILL_PURSUING  # the same morning, again
    assert morning(lead, "2026-03-11") is None


@pytest.mark.parametrize("action", [Action.NOTE, Action.SNOOZED, Action.EMAILED])
def test_logging_anything_about_the_lead_resets_the_ignored_count(action: Action) -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    morning(lead, "2026-03-05")
    morning(lead, "2026-03-06")
    apply(lead, action, local("2026-03-06", "12:00"))
    due = waiting_for(lead, CTX)
    assert due is not None
    days = business_days(US, max(due.on, d("2026-03-09")).isoformat(), 4)
    assert [morning(lead, day) for day in days] == [due.rule] * 3 + [Rule.STILL_PURSUING]


def test_logging_something_after_the_question_brings_the_nudges_back() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    for day in business_days(US, "2026-03-05", 4):
        morning(lead, day)
    assert lead.nudge_asked
    apply(lead, Action.NOTE, local("2026-03-10", "09:00"))
    assert morning(lead, "2026-03-11") is Rule.EMAIL_FOLLOW_UP


def test_the_ignored_count_is_per_rule() -> None:
    lead = lead_after((Action.REJECTED, "2026-03-02"))
    lead.nudge_rule, lead.nudge_count, lead.nudged_on = Rule.EMAIL_FOLLOW_UP.value, 3, None
    # Three ignored follow-ups are not three ignored rejection calls.
    assert nudge(lead, "2026-03-03") is Rule.REJECTION_CALL


# --- settings move the boundaries --------------------------------------------------------


def test_a_group_waiting_five_business_days_follows_up_monday_emails_next_monday() -> None:
    ctx = Context(US, PlaybookSettings(email_follow_up_days=5))
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    assert nudge(lead, "2026-03-05", ctx) is None
    assert nudge(lead, "2026-03-06", ctx) is None
    assert nudge(lead, "2026-03-09", ctx) is Rule.EMAIL_FOLLOW_UP


def test_the_email_setting_also_moves_the_call_after_the_follow_up() -> None:
    ctx = Context(US, PlaybookSettings(email_follow_up_days=1))
    lead = lead_after((Action.FOLLOWED_UP, "2026-03-06"))
    assert nudge(lead, "2026-03-07", ctx) is None
    assert nudge(lead, "2026-03-09", ctx) is Rule.CALL_AFTER_FOLLOW_UP


def test_a_shorter_call_retry_brings_the_second_call_sooner() -> None:
    ctx = Context(US, PlaybookSettings(call_retry_days=2))
    lead = lead_after((Action.FOLLOWED_UP, "2026-03-02"), (Action.CALLED, "2026-03-05"))
    assert nudge(lead, "2026-03-06", ctx) is None
    assert nudge(lead, "2026-03-09", ctx) is Rule.CALL_AFTER_FOLLOW_UP


def test_a_longer_interview_silence_moves_the_check_in() -> None:
    ctx = Context(US, PlaybookSettings(interview_silence_days=21))
    lead = lead_after((Action.INTERVIEWED, "2026-03-05"))
    assert nudge(lead, "2026-03-19", ctx) is None
    assert nudge(lead, "2026-03-25", ctx) is None
    assert nudge(lead, "2026-03-26", ctx) is Rule.POST_INTERVIEW_CHECK_IN


def test_a_longer_keep_in_touch_moves_the_network_nudge() -> None:
    ctx = Context(US, PlaybookSettings(keep_in_touch_days=60))
    lead = lead_after(added="2026-03-02", network=True)
    assert nudge(lead, "2026-04-01", ctx) is None
    assert nudge(lead, "2026-04-30", ctx) is None
    assert nudge(lead, "2026-05-01", ctx) is Rule.KEEP_IN_TOUCH


def test_a_lower_pipeline_minimum_and_a_longer_interval_move_the_pipeline_nudge() -> None:
    settings = PlaybookSettings(pipeline_minimum=3, pipeline_every_days=14)
    assert pipeline_due(member(2), settings, d("2026-03-02"))
    assert not pipeline_due(member(3), settings, d("2026-03-02"))
    assert not pipeline_due(member(2, "2026-03-02"), settings, d("2026-03-13"))
    assert pipeline_due(member(2, "2026-03-02"), settings, d("2026-03-16"))


def test_fewer_ignored_mornings_before_asking() -> None:
    ctx = Context(US, PlaybookSettings(ignored_before_asking=1))
    lead = lead_after((Action.EMAILED, "2026-03-02"))
    assert morning(lead, "2026-03-05", ctx) is Rule.EMAIL_FOLLOW_UP
    assert morning(lead, "2026-03-06", ctx) is Rule.STILL_PURSUING
    assert morning(lead, "2026-03-09", ctx) is None


def test_a_setting_must_exist_and_be_from_one_day_to_a_year() -> None:
    assert DEFAULTS.with_value("email_follow_up_days", 5).email_follow_up_days == 5
    assert DEFAULTS.with_value("keep_in_touch_days", 365).keep_in_touch_days == 365
    for bad in (0, 366, 3_000_000):
        with pytest.raises(UsageError, match="from 1 to 365"):
            DEFAULTS.with_value("email_follow_up_days", bad)
    with pytest.raises(UsageError, match="not a playbook setting"):
        DEFAULTS.with_value("patience", 3)


def test_settings_survive_storage_and_ignore_unknown_names() -> None:
    custom = PlaybookSettings(email_follow_up_days=4, pipeline_minimum=8)
    assert PlaybookSettings.from_dict(custom.to_dict()) == custom
    assert PlaybookSettings.from_dict({"gone": 1, "keep_in_touch_days": "45"}) == (
        PlaybookSettings(keep_in_touch_days=45)
    )
    assert PlaybookSettings.from_dict(None) == DEFAULTS


# --- interviews to come: their morning, then "how did it go?" until answered -----------


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
    assert US.local_date(lead.interview_at) == d("2026-03-10")

"""Points and streaks (PLAYBOOK.md, "The group"): persistence is rewarded, not luck.

Every expected number below is worked out by hand from the PLAYBOOK's table: lead added 1,
email 1, follow-up 2, call 3, referral 5, interview 5, offer 10, and +2 for a rejection
call made the same or the next business day after the rejection.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

import pytest

from core.domain.calendar import BusinessCalendar
from core.domain.errors import UsageError
from core.domain.leads import Action, Event, Stage
from core.domain.scoring import (
    BOOKKEEPING,
    DEFAULT_POINTS,
    REJECTION_CALL_BONUS,
    Streak,
    points_with,
    score,
)

NY = BusinessCalendar.of("America/New_York", "US")  # Fri 2026-07-03: Independence Day (obs.)
NY_NO_HOLIDAYS = BusinessCalendar.of("America/New_York", None)
BERLIN = BusinessCalendar.of("Europe/Berlin", "DE")  # Fri 2026-04-03 Good Friday, Mon 04-06
US_SPRING = BusinessCalendar.of("America/New_York", "US")  # (no holiday around Easter)

# July 2026: Mon 6, Tue 7, Wed 8, Thu 9, Fri 10, Sat 11, Sun 12, Mon 13, Tue 14.
MON, TUE, WED, THU, FRI = (date(2026, 7, d) for d in (6, 7, 8, 9, 10))
SAT, SUN, NEXT_MON, NEXT_TUE = (date(2026, 7, d) for d in (11, 12, 13, 14))


def at(day: date, hour: int = 10, minute: int = 0, cal: BusinessCalendar = NY) -> datetime:
    """The UTC instant of `hour:minute` on local `day` in `cal`'s zone."""
    return cal.at(day, time(hour, minute))


def ev(
    lead: int,
    action: Action,
    day: date,
    hour: int = 10,
    stage: Stage = Stage.EMAILED,
    cal: BusinessCalendar = NY,
) -> Event:
    return Event(lead, action, at(day, hour, cal=cal), stage)


def points(events: list[Event], cal: BusinessCalendar = NY, **kwargs: datetime) -> int:
    return score(events, cal, DEFAULT_POINTS, **kwargs)[0]


# -- points per action ---------------------------------------------------------------------


def test_default_points_are_the_playbooks() -> None:
    assert dict(DEFAULT_POINTS) == {
        "added": 1,
        "emailed": 1,
        "followedup": 2,
        "called": 3,
        "referral": 5,
        "interviewed": 5,
        "offer": 10,
    }
    assert REJECTION_CALL_BONUS == 2


@pytest.mark.parametrize(
    ("action", "stage", "expected"),
    [
        (Action.ADDED, Stage.NEW, 1),
        (Action.EMAILED, Stage.EMAILED, 1),
        (Action.FOLLOWED_UP, Stage.FOLLOWED_UP, 2),
        (Action.CALLED, Stage.CALLED, 3),
        (Action.REFERRAL, Stage.TALKING, 5),
        (Action.INTERVIEWED, Stage.INTERVIEWED, 5),
        (Action.OFFER, Stage.OFFER, 10),
        # Outcomes and bookkeeping are not persistence: they earn nothing.
        (Action.REPLIED, Stage.TALKING, 0),
        (Action.REJECTED, Stage.REJECTED, 0),
        (Action.ACCEPTED, Stage.CLOSED, 0),
        (Action.DECLINED, Stage.CLOSED, 0),
        (Action.NOTE, Stage.EMAILED, 0),
        (Action.SNOOZED, Stage.EMAILED, 0),
        (Action.DROPPED, Stage.CLOSED, 0),
    ],
)
def test_each_action_earns_its_points(action: Action, stage: Stage, expected: int) -> None:
    total, counts = score([ev(1, action, MON, stage=stage)], NY, DEFAULT_POINTS)
    assert total == expected
    assert counts == Counter({action: 1})


def test_a_weeks_history_adds_up() -> None:
    history = [
        ev(1, Action.ADDED, MON, 9, Stage.NEW),  # 1
        ev(1, Action.EMAILED, MON, 10),  # 1
        ev(2, Action.ADDED, MON, 11, Stage.NEW),  # 1
        ev(2, Action.EMAILED, MON, 12),  # 1
        ev(1, Action.FOLLOWED_UP, THU, 9, Stage.FOLLOWED_UP),  # 2
        ev(2, Action.CALLED, THU, 10, Stage.CALLED),  # 3
        ev(2, Action.REPLIED, FRI, 10, Stage.TALKING),  # 0
        ev(2, Action.INTERVIEWED, FRI, 15, Stage.INTERVIEWED),  # 5
        ev(2, Action.OFFER, NEXT_MON, 9, Stage.OFFER),  # 10
    ]
    total, counts = score(history, NY, DEFAULT_POINTS)
    assert total == 1 + 1 + 1 + 1 + 2 + 3 + 0 + 5 + 10 == 24
    assert counts[Action.EMAILED] == 2
    assert counts[Action.OFFER] == 1


def test_events_are_scored_in_time_order_whatever_order_they_come_in() -> None:
    history = [
        ev(1, Action.CALLED, TUE, 9, Stage.CLOSED),
        ev(1, Action.REJECTED, MON, 16, Stage.REJECTED),
    ]
    assert points(history) == 3 + 2


# -- group-configured points ----------------------------------------------------------------


def test_group_points_rescore_the_same_history() -> None:
    history = [
        ev(1, Action.EMAILED, MON),
        ev(1, Action.FOLLOWED_UP, THU, stage=Stage.FOLLOWED_UP),
        ev(1, Action.CALLED, NEXT_MON, stage=Stage.CALLED),
        ev(2, Action.REJECTED, NEXT_MON, 9, Stage.REJECTED),
        ev(2, Action.CALLED, NEXT_TUE, 9, Stage.CLOSED),
    ]
    assert points(history) == 1 + 2 + 3 + (3 + 2) == 11
    custom = points_with(DEFAULT_POINTS, "called", 4)
    assert score(history, NY, custom)[0] == 1 + 2 + 4 + (4 + 2) == 13
    zero_emails = points_with(custom, "emailed", 0)
    total, counts = score(history, NY, zero_emails)
    assert total == 0 + 2 + 4 + (4 + 2) == 12
    assert counts[Action.EMAILED] == 1, "an action worth 0 still counts in the totals"


def test_points_with_returns_a_new_mapping_and_leaves_the_old_one_alone() -> None:
    before = dict(DEFAULT_POINTS)
    changed = points_with(DEFAULT_POINTS, "offer", 20)
    assert changed["offer"] == 20
    assert dict(DEFAULT_POINTS) == before
    assert points_with(changed, "called", 0)["called"] == 0
    assert points_with(changed, "called", 100)["called"] == 100


@pytest.mark.parametrize("action", ["replied", "rejected", "note", "accepted", "bogus", ""])
def test_points_with_refuses_actions_that_earn_nothing(action: str) -> None:
    with pytest.raises(UsageError, match="earns no points"):
        points_with(DEFAULT_POINTS, action, 3)


@pytest.mark.parametrize("value", [-1, 101, 1000])
def test_points_with_refuses_values_outside_0_to_100(value: int) -> None:
    with pytest.raises(UsageError, match="0 to 100"):
        points_with(DEFAULT_POINTS, "called", value)


# -- duplicates ---------------------------------------------------------------------------


def test_a_duplicate_email_the_same_local_day_earns_once() -> None:
    history = [ev(1, Action.EMAILED, MON, 9), ev(1, Action.EMAILED, MON, 17)]
    total, counts = score(history, NY, DEFAULT_POINTS)
    assert total == 1
    assert counts[Action.EMAILED] == 1


def test_the_same_email_logged_again_the_next_day_earns_again() -> None:
    history = [ev(1, Action.EMAILED, MON, 9), ev(1, Action.EMAILED, TUE, 9)]
    assert points(history) == 2


def test_emails_to_two_leads_the_same_day_both_earn() -> None:
    assert points([ev(1, Action.EMAILED, MON), ev(2, Action.EMAILED, MON)]) == 2


def test_the_same_day_is_the_members_local_day_not_utc() -> None:
    # 19:00 and 23:30 in New York on Monday are Monday 23:00 and Tuesday 03:30 UTC.
    history = [
        ev(1, Action.EMAILED, MON, 19),
        Event(1, Action.EMAILED, at(MON, 23, 30), Stage.EMAILED),
    ]
    assert points(history) == 1
    # In Berlin, 23:30 (Mon) and 00:30 (Tue) local are two days: both count.
    berlin = [
        Event(1, Action.EMAILED, at(MON, 23, 30, cal=BERLIN), Stage.EMAILED),
        Event(1, Action.EMAILED, at(TUE, 0, 30, cal=BERLIN), Stage.EMAILED),
    ]
    assert points(berlin, BERLIN) == 2


def test_two_referrals_obtained_from_one_lead_the_same_day_both_earn() -> None:
    """PLAYBOOK: "referral obtained 5". A rejection call that yields two names (the call
    asks for "anyone else in the organisation or elsewhere") obtained two referrals; they
    are two distinct logs (different notes, two new leads), not a duplicate."""
    history = [
        Event(1, Action.REFERRAL, at(MON, 9), Stage.CLOSED, "-> Tom Becker at Acme Finance"),
        Event(1, Action.REFERRAL, at(MON, 9, 5), Stage.CLOSED, "-> Lena Park at Globex"),
    ]
    total, counts = score(history, NY, DEFAULT_POINTS)
    assert (total, counts[Action.REFERRAL]) == (10, 2), (
        "BUG core/domain/scoring.py score(): two different referrals obtained from the same"
        " lead on the same day are de-duplicated as if one were a repeated log"
        f" (got {total} points, {counts[Action.REFERRAL]} referral; PLAYBOOK: 5 each)"
    )


# -- the rejection call bonus -------------------------------------------------------------


def rejection_then_call(rejected: date, called: date, cal: BusinessCalendar = NY) -> list[Event]:
    hour = 16 if called == rejected else 8  # the same day: after the rejection
    return [
        ev(7, Action.REJECTED, rejected, 15, Stage.REJECTED, cal),
        ev(7, Action.CALLED, called, hour, Stage.CLOSED, cal),
    ]


def test_a_rejection_call_the_same_business_day_earns_the_bonus() -> None:
    assert points(rejection_then_call(TUE, TUE)) == 3 + 2


def test_a_rejection_call_the_next_business_day_earns_the_bonus() -> None:
    assert points(rejection_then_call(TUE, WED)) == 3 + 2


def test_a_rejection_call_two_business_days_later_earns_only_the_call() -> None:
    assert points(rejection_then_call(TUE, THU)) == 3


def test_friday_rejection_monday_call_earns_the_bonus() -> None:
    assert points(rejection_then_call(FRI, NEXT_MON)) == 3 + 2


def test_friday_rejection_tuesday_call_does_not() -> None:
    assert points(rejection_then_call(FRI, NEXT_TUE)) == 3


def test_a_weekend_call_after_a_friday_rejection_is_in_time() -> None:
    assert points(rejection_then_call(FRI, SAT)) == 3 + 2


def test_a_holiday_in_between_extends_the_window() -> None:
    thursday, monday = date(2026, 7, 2), date(2026, 7, 6)  # Fri 3 July: US holiday (observed)
    assert points(rejection_then_call(thursday, monday)) == 3 + 2
    # Without the country's holidays, Friday was the next business day: Monday is late.
    assert points(rejection_then_call(thursday, monday, NY_NO_HOLIDAYS), NY_NO_HOLIDAYS) == 3


def test_easter_in_germany_extends_the_window_but_not_in_the_us() -> None:
    thursday, tuesday = date(2026, 4, 2), date(2026, 4, 7)  # Good Friday, Easter Monday in DE
    assert points(rejection_then_call(thursday, tuesday, BERLIN), BERLIN) == 3 + 2
    assert points(rejection_then_call(thursday, tuesday, US_SPRING), US_SPRING) == 3


def test_the_bonus_is_only_for_the_call_that_closes_the_rejected_lead() -> None:
    not_closing = [
        ev(7, Action.REJECTED, TUE, 15, Stage.REJECTED),
        ev(7, Action.CALLED, WED, 8, Stage.CALLED),  # e.g. a lead reopened elsewhere
    ]
    assert points(not_closing) == 3
    other_lead = [
        ev(7, Action.REJECTED, TUE, 15, Stage.REJECTED),
        ev(8, Action.CALLED, WED, 8, Stage.CLOSED),
    ]
    assert points(other_lead) == 3
    no_rejection = [ev(7, Action.CALLED, WED, 8, Stage.CLOSED)]
    assert points(no_rejection) == 3


def test_the_bonus_follows_configured_call_points() -> None:
    custom = points_with(DEFAULT_POINTS, "called", 5)
    assert score(rejection_then_call(FRI, NEXT_MON), NY, custom)[0] == 5 + 2


def test_a_rejection_call_after_an_earlier_call_that_day_still_earns() -> None:
    """PLAYBOOK: the rejection call earns "the call's points plus 2". A morning call (lead
    still open), a rejection at noon and the rejection call in the afternoon are two calls,
    the second one closing the lead: it is not a duplicate log of the first."""
    history = [
        ev(7, Action.CALLED, TUE, 9, Stage.CALLED),
        ev(7, Action.REJECTED, TUE, 12, Stage.REJECTED),
        ev(7, Action.CALLED, TUE, 16, Stage.CLOSED),
    ]
    total = points(history)
    assert total == 3 + 3 + 2, (
        "BUG core/domain/scoring.py score(): the rejection call is de-duplicated against an"
        " earlier call the same day on the same lead, so it earns neither its 3 points nor"
        f" the +2 bonus (got {total}, expected 8)"
    )


# -- since --------------------------------------------------------------------------------


def test_since_excludes_earlier_events_from_points_and_counts() -> None:
    history = [
        ev(1, Action.EMAILED, FRI),
        ev(1, Action.FOLLOWED_UP, NEXT_MON, stage=Stage.FOLLOWED_UP),
    ]
    total, counts = score(history, NY, DEFAULT_POINTS, since=NY.at(NEXT_MON, time(0)))
    assert total == 2
    assert counts == Counter({Action.FOLLOWED_UP: 1})


def test_since_still_sees_an_earlier_rejection() -> None:
    history = rejection_then_call(FRI, NEXT_MON)
    assert points(history, since=NY.at(NEXT_MON, time(0))) == 3 + 2
    late = rejection_then_call(FRI, NEXT_TUE)
    assert points(late, since=NY.at(NEXT_MON, time(0))) == 3


def test_since_is_inclusive() -> None:
    event = Event(1, Action.EMAILED, NY.at(MON, time(0)), Stage.EMAILED)
    assert points([event], since=event.at) == 1


# -- streaks ------------------------------------------------------------------------------


def streak_of(days: list[date], cal: BusinessCalendar = NY) -> Streak:
    streak = Streak()
    for day in days:
        streak = streak.logged(day, cal)
    return streak


def test_consecutive_business_days_make_a_streak() -> None:
    assert streak_of([MON, TUE, WED]) == Streak(3, WED)


def test_several_actions_the_same_day_count_once() -> None:
    assert streak_of([MON, MON, TUE, TUE, TUE]) == Streak(2, TUE)


def test_friday_to_monday_continues_across_the_weekend() -> None:
    assert streak_of([THU, FRI, NEXT_MON]) == Streak(3, NEXT_MON)


def test_a_missed_business_day_breaks_the_streak() -> None:
    assert streak_of([MON, TUE, THU]) == Streak(1, THU)
    assert streak_of([THU, FRI, NEXT_TUE]) == Streak(1, NEXT_TUE)


def test_a_us_holiday_does_not_break_the_streak() -> None:
    days = [date(2026, 7, 1), date(2026, 7, 2), date(2026, 7, 6)]  # Fri 3 July: holiday
    assert streak_of(days) == Streak(3, date(2026, 7, 6))
    assert streak_of(days, NY_NO_HOLIDAYS) == Streak(1, date(2026, 7, 6))


def test_easter_monday_does_not_break_a_german_streak() -> None:
    days = [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 7)]  # Good Fri, Easter Mon
    assert streak_of(days, BERLIN) == Streak(3, date(2026, 4, 7))
    assert streak_of(days, US_SPRING) == Streak(1, date(2026, 4, 7))


def test_a_weekend_action_neither_counts_nor_breaks() -> None:
    assert streak_of([THU, FRI, SAT, SUN, NEXT_MON]) == Streak(3, NEXT_MON)
    assert streak_of([SAT]) == Streak()
    assert streak_of([SAT, SUN, NEXT_MON]) == Streak(1, NEXT_MON)


def test_an_action_on_a_holiday_neither_counts_nor_breaks() -> None:
    days = [date(2026, 7, 2), date(2026, 7, 3), date(2026, 7, 6)]
    assert streak_of(days) == Streak(2, date(2026, 7, 6))


def test_current_is_alive_today_and_through_the_next_business_day() -> None:
    streak = streak_of([WED, THU, FRI])
    assert streak.current(FRI, NY) == 3  # logged today
    assert streak.current(SAT, NY) == 3
    assert streak.current(SUN, NY) == 3
    assert streak.current(NEXT_MON, NY) == 3  # Friday is Monday's previous business day
    assert streak.current(NEXT_TUE, NY) == 0  # Monday passed without an action


def test_current_of_a_new_streak_is_zero() -> None:
    assert Streak().current(MON, NY) == 0


def test_current_lives_through_a_holiday() -> None:
    streak = streak_of([date(2026, 7, 1), date(2026, 7, 2)])
    assert streak.current(date(2026, 7, 6), NY) == 2
    assert streak.current(date(2026, 7, 7), NY) == 0
    assert streak.current(date(2026, 7, 6), NY_NO_HOLIDAYS) == 0


def test_a_pause_freezes_the_streak() -> None:
    streak = streak_of([WED, THU, FRI])  # 3 days, last Friday 10 July
    paused_on, back = NEXT_MON, date(2026, 7, 22)  # paused Monday, back Wednesday a week on
    assert streak.current(back, NY) == 0, "without the pause it would be broken"
    resumed = streak.resumed(paused_on, back, NY)
    assert resumed.current(back, NY) == 3
    assert resumed.logged(back, NY).days == 4
    assert streak.logged(back, NY).days == 1


def test_a_pause_over_a_weekend_and_back_on_monday() -> None:
    streak = streak_of([THU, FRI])
    resumed = streak.resumed(SAT, date(2026, 7, 20), NY)  # paused Sat 11, back Mon 20
    assert resumed.current(date(2026, 7, 20), NY) == 2
    assert resumed.logged(date(2026, 7, 20), NY) == Streak(3, date(2026, 7, 20))


def test_a_streak_dead_before_the_pause_stays_zero() -> None:
    streak = streak_of([MON, TUE])  # nothing Wed, Thu, Fri
    resumed = streak.resumed(NEXT_MON, date(2026, 7, 22), NY)
    assert resumed == Streak()
    assert resumed.current(date(2026, 7, 22), NY) == 0
    assert resumed.logged(date(2026, 7, 22), NY) == Streak(1, date(2026, 7, 22))


def test_bookkeeping_actions_are_the_documented_ones() -> None:
    # An interview set in the calendar is bookkeeping too: it counts once it took place.
    documented = {Action.NOTE, Action.SNOOZED, Action.DROPPED, Action.INTERVIEW}
    assert frozenset(documented) == BOOKKEEPING

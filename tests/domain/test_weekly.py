"""The week at a glance in words: the alt text's one sentence and the fallback's lines say
exactly what the picture shows."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from core.domain.leads import Action
from core.domain.weekly import Week, alt_text, fallback

MONDAY = date(2026, 3, 2)


def week(*days: dict[Action, int], chains: int = 0) -> Week:
    counts = {MONDAY + timedelta(days=n): Counter(day) for n, day in enumerate(days) if day}
    return Week(MONDAY, counts, chains)


def test_the_alt_text_gives_the_total_the_busiest_day_and_the_chains() -> None:
    busy = week({Action.EMAILED: 3}, {Action.CALLED: 2, Action.EMAILED: 36}, chains=3)

    assert alt_text(busy) == (
        "Bar chart of the group's week, Mon Mar 2 to Sun Mar 8: 41 actions, most on"
        " Tuesday (38); 3 referral chains grew."
    )


def test_days_that_tie_for_the_most_are_all_named() -> None:
    tied = week({Action.EMAILED: 2}, {}, {Action.CALLED: 2}, {}, {Action.OFFER: 2}, chains=1)

    assert alt_text(tied) == (
        "Bar chart of the group's week, Mon Mar 2 to Sun Mar 8: 6 actions, most on Monday,"
        " Wednesday and Friday (2 each); 1 referral chain grew."
    )


def test_one_action_is_said_in_the_singular() -> None:
    assert alt_text(week({}, {}, {}, {}, {}, {}, {Action.CALLED: 1})) == (
        "Bar chart of the group's week, Mon Mar 2 to Sun Mar 8: 1 action, most on Sunday (1);"
        " no referral chain grew."
    )


def test_what_the_board_doesnt_count_is_not_in_the_picture() -> None:
    # Adding a lead earns a point but is no board total: the picture adds up to the board.
    only_added = week({Action.ADDED: 4})

    assert only_added.total == 0
    assert alt_text(only_added).endswith("no actions logged yet; no referral chain grew.")


def test_the_fallback_lists_each_day_and_the_kinds_there_were() -> None:
    busy = week({Action.EMAILED: 3, Action.FOLLOWED_UP: 1}, {Action.REFERRAL: 1}, chains=1)

    assert fallback(busy) == (
        "The group's week, Mon Mar 2 to Sun Mar 8: 5 actions.\n"
        "By day: Mon 4 · Tue 1 · Wed 0 · Thu 0 · Fri 0 · Sat 0 · Sun 0.\n"
        "By kind: 3 emails · 1 follow-up · 1 referral.\n"
        "1 referral chain grew."
    )


def test_an_empty_weeks_fallback_says_nothing_is_logged_yet() -> None:
    assert fallback(Week(MONDAY, whose="Your")) == (
        "Your week, Mon Mar 2 to Sun Mar 8: no actions logged yet; no referral chain grew."
    )

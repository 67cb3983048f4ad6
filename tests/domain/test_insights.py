"""A member's funnel, replies by how they reached out, time in each stage, and pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.domain.insights import (
    LeadPath,
    Page,
    StageStay,
    list_filter,
    page_buttons,
    rate,
    since,
    stats,
)
from core.domain.leads import Action, Stage

MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
TODAY = date(2026, 3, 20)
DAY = timedelta(days=1)


def path(*steps: tuple[Action, int], via: str | None = None, referred: bool = False) -> LeadPath:
    """A lead added on MONDAY whose milestones came that many days later."""
    first = {action: MONDAY + days * DAY for action, days in steps}
    return LeadPath.of(MONDAY, via, referred, first)


@pytest.mark.parametrize(
    ("part", "whole", "said"),
    [
        (2, 3, "2 of 3"),
        (3, 4, "3 of 4"),  # below five: a count, never "75 %"
        (3, 5, "60 % (3 of 5)"),  # from five: a percentage, with its count
        (0, 0, "none yet"),
        (1, 1, "1 of 1"),
        (7, 21, "33 % (7 of 21)"),
    ],
)
def test_a_rate_over_fewer_than_five_is_a_count_never_a_percentage(
    part: int, whole: int, said: str
) -> None:
    assert rate(part, whole) == said


def test_the_funnel_counts_each_step_among_the_leads_of_the_step_before() -> None:
    paths = [
        path((Action.EMAILED, 0), (Action.REPLIED, 2), (Action.INTERVIEWED, 5), (Action.OFFER, 9)),
        path((Action.EMAILED, 0), (Action.REJECTED, 4)),  # a no is an answer
        path((Action.CALLED, 1)),
        path(),  # added, never contacted
    ]
    text = stats("all", None, TODAY, paths, []).plain_text()
    assert "4 leads added" in text
    assert "Contacted: 3 · 3 of 4 of those added" in text
    assert "Replied: 2 · 2 of 3 of those contacted" in text
    assert "Interviewed: 1 · 1 of 2 of those who replied" in text
    assert "Offers: 1 · 1 of 1 of those interviewed" in text
    assert "%" not in text  # every rate here is over fewer than five


def test_five_leads_make_a_percentage_and_four_a_count() -> None:
    four = [path((Action.EMAILED, 0), (Action.REPLIED, 1))] + [path((Action.EMAILED, 0))] * 3
    five = [*four, path((Action.EMAILED, 0))]
    assert (
        "Replied: 1 · 1 of 4 of those contacted" in stats("all", None, TODAY, four, []).plain_text()
    )
    assert "Replied: 1 · 20 % (1 of 5) of those contacted" in (
        stats("all", None, TODAY, five, []).plain_text()
    )


def test_a_path_is_read_from_the_first_time_of_each_action() -> None:
    found = path(
        (Action.EMAILED, 2),
        (Action.CALLED, 1),
        (Action.REJECTED, 5),
        (Action.REPLIED, 3),
        (Action.OFFER, 9),
    )
    assert (found.reached_by, found.reached_at) == (Action.CALLED, MONDAY + DAY)
    assert found.answered_at == MONDAY + 3 * DAY and found.reply_days() == 2
    assert found.interviewed_at == found.offered_at == MONDAY + 9 * DAY  # an offer: interviewed
    # At the same time, an application is what came first, then a call, then an email.
    tied = path((Action.EMAILED, 1), (Action.APPLIED, 1), (Action.CALLED, 1))
    assert tied.reached_by is Action.APPLIED and tied.channel == "application"
    assert not path().contacted and path((Action.REPLIED, 1)).contacted  # they wrote first


def test_replies_by_how_the_member_reached_out_with_the_median_time_to_reply() -> None:
    paths = [
        path((Action.EMAILED, 0), (Action.REPLIED, 2), via="email"),
        path((Action.EMAILED, 0), (Action.REPLIED, 4), via="email"),
        path((Action.EMAILED, 0), (Action.REPLIED, 6), via="email"),
        path((Action.EMAILED, 0), via="linkedin"),  # a LinkedIn message is logged as emailed
        path((Action.APPLIED, 0), (Action.REJECTED, 10), via="email"),  # applied: an application
        path((Action.CALLED, 0)),  # no `via`: what they did first
        path((Action.EMAILED, 0), (Action.REPLIED, 1), via="intro", referred=True),
    ]
    text = stats("all", None, TODAY, paths, []).plain_text()
    assert "Email: 3 of 3 replied, in about 4 days" in text
    assert "LinkedIn: 0 of 1 replied" in text
    assert "Phone: 0 of 1 replied" in text
    assert "Introduction: 1 of 1 replied, in 1 day" in text
    assert "Application: 1 of 1 replied, in about 10 days" in text
    assert "Referred or introduced: 1 of 1 replied, in 1 day" in text
    assert "Cold: 67 % (4 of 6) replied, in about 5 days" in text


def test_time_in_each_stage_is_the_median_of_the_stays_that_ended_in_stage_order() -> None:
    stays = [
        StageStay(Stage.EMAILED, 3),
        StageStay(Stage.EMAILED, 5),
        StageStay(Stage.EMAILED, 4),
        StageStay(Stage.NEW, 0.5),
    ]
    text = stats("all", None, TODAY, [path()], stays).plain_text()
    assert "Time in each stage:\nnew: under a day (1 lead)\nemailed: about 4 days (3 leads)" in text


def test_a_period_without_leads_says_so_and_points_to_all_time() -> None:
    first = since("week", TODAY)
    assert first == date(2026, 3, 16)  # Monday
    assert since("month", TODAY) == date(2026, 3, 1)
    assert since("all", TODAY) is None
    text = stats("week", first, TODAY, [], []).plain_text()
    assert text == (
        "No leads added this week (since Mon Mar 16). `/lead stats all` counts your whole search."
    )


def test_pages_of_ten_with_buttons_to_either_side_and_a_number_past_the_end_is_the_last() -> None:
    assert Page(1, 0).count == 1
    assert Page(1, 10).count == 1 and Page(1, 11).count == 2
    page = Page(2, 25)
    assert (page.first, page.last, page.offset) == (11, 20, 10)
    assert [b.command for b in page_buttons(page, "/lead list due")] == [
        "/lead list due page 1",
        "/lead list due page 3",
    ]
    assert page_buttons(Page(1, 5), "/lead list") == ()
    last = Page(99, 25).clamped()
    assert (last.number, last.first, last.last) == (3, 21, 25)
    assert Page(0, 25).clamped().number == 1


@pytest.mark.parametrize(
    ("word", "which"),
    [("interview", "interviewed"), ("Due", "due"), ("offers", "offer"), ("stuck", None)],
)
def test_a_list_is_named_by_a_stage_as_members_say_it(word: str, which: str | None) -> None:
    assert list_filter(word) == which

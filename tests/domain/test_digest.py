"""The morning digest (core.domain.digest): the nudges it carries, its buttons, the
`/lead today` answer beside it, and what fits in one message."""

from __future__ import annotations

from datetime import date, time

import pytest

from core.domain.commands import Drop, LogAction, Snooze
from core.domain.digest import digest, today_message
from core.domain.drafts import DraftFacts, pipeline_nudge
from core.domain.leads import Action, Stage, apply
from core.domain.messages import Button, Section
from core.domain.parser import parse
from core.domain.rules import Context, Rule, nudge_for
from core.domain.settings import PlaybookSettings
from core.domain.text import plain
from tests.domain.nudges import US, lead, worded

DONE = {
    Rule.EMAIL_FOLLOW_UP: "/lead followedup #7",
    Rule.CALL_AFTER_FOLLOW_UP: "/lead called #7",
    Rule.POST_INTERVIEW_CHECK_IN: "/lead emailed #7",
    Rule.REJECTION_CALL: "/lead called #7",
    Rule.REACH_REFERRAL: "/lead emailed #7",
    Rule.KEEP_IN_TOUCH: "/lead emailed #7",
    Rule.OFFER_LEVERAGE: "/lead emailed #7",
}


def buttons_of(rule: Rule) -> tuple[Button, ...]:
    return digest("Ana", date(2026, 3, 5), [worded(rule)]).sections[0].buttons


@pytest.mark.parametrize("rule", list(DONE))
def test_done_logs_what_the_nudge_asked_for(rule: Rule) -> None:
    done, replied, snooze = buttons_of(rule)
    assert (done.label, done.command) == ("Done", DONE[rule])
    assert (replied.label, replied.command) == ("They replied", "/lead replied #7")
    assert (snooze.label, snooze.command) == ("Snooze 2 days", "/lead snooze #7 2")


@pytest.mark.parametrize("rule", list(DONE))
def test_every_button_is_a_command_the_grammar_understands(rule: Rule) -> None:
    done, replied, snooze = (parse(*b.parts) for b in buttons_of(rule))
    assert isinstance(done, LogAction) and done.ref == "#7"
    assert replied == LogAction(Action.REPLIED, "#7")
    assert snooze == Snooze("#7", 2)


def test_the_still_pursuing_buttons_keep_or_drop_the_lead() -> None:
    keep, drop = buttons_of(Rule.STILL_PURSUING)
    assert keep.label == "Yes: remind me in a week"
    assert parse(*keep.parts) == Snooze("#7", 7)
    assert drop.label == "No, drop it"
    assert parse(*drop.parts) == Drop("#7")


@pytest.mark.parametrize(
    ("stage_steps", "rule"),
    [
        ([Action.EMAILED], Rule.EMAIL_FOLLOW_UP),
        ([Action.FOLLOWED_UP], Rule.CALL_AFTER_FOLLOW_UP),
        ([Action.REJECTED], Rule.REJECTION_CALL),
        ([Action.INTERVIEWED], Rule.POST_INTERVIEW_CHECK_IN),
    ],
)
def test_pressing_done_answers_the_nudge(stage_steps: list[Action], rule: Rule) -> None:
    ctx = Context(US, PlaybookSettings())
    target = lead()
    for action in stage_steps:
        apply(target, action, US.at(date(2026, 2, 2), time(10)))
    today = date(2026, 3, 2)
    assert nudge_for(target, ctx, today) is rule
    command = parse(*buttons_of(rule)[0].parts)
    assert isinstance(command, LogAction)
    apply(target, command.action, US.at(today, time(8, 15)))
    assert nudge_for(target, ctx, date(2026, 3, 3)) is None


def test_the_rejection_call_done_closes_the_lead_as_a_network_contact() -> None:
    target = lead(stage=Stage.REJECTED)
    command = parse(*buttons_of(Rule.REJECTION_CALL)[0].parts)
    assert isinstance(command, LogAction)
    apply(target, command.action, US.at(date(2026, 3, 2), time(8, 30)))
    assert (target.stage, target.network) == (Stage.CLOSED, True)


def test_the_pipeline_nudge_has_no_buttons() -> None:
    m = digest("Ana", date(2026, 3, 2), [pipeline_nudge(2, 5)])
    assert m.sections[0].buttons == ()


def test_the_digest_headline_greets_and_counts() -> None:
    one = digest("Ana", date(2026, 3, 5), [worded(Rule.EMAIL_FOLLOW_UP)])
    assert one.kind == "digest"
    assert plain(one.text) == "Good morning, Ana! 1 thing to do this Thursday, March 5:"
    two = digest("Ana", date(2026, 3, 5), [worded(Rule.REJECTION_CALL), pipeline_nudge(1, 5)])
    assert plain(two.text) == "Good morning, Ana! 2 things to do this Thursday, March 5:"
    assert two.rules == ("rejection-call", "pipeline")


def test_a_section_carries_the_nudges_words() -> None:
    n = worded(Rule.EMAIL_FOLLOW_UP)
    section = digest("Ana", date(2026, 3, 5), [n]).sections[0]
    assert (section.text, section.why, section.draft) == (n.what, n.why, n.draft)


def test_today_with_nothing_due_says_so() -> None:
    m = today_message("Ana", date(2026, 3, 5), [], paused=False)
    assert m.kind == "reply" and plain(m.text) == "Nothing is due today, Ana. Nice work."


def test_today_with_nudges_shows_the_same_sections_as_the_digest() -> None:
    nudges = [worded(Rule.EMAIL_FOLLOW_UP)]
    m = today_message("Ana", date(2026, 3, 5), nudges, paused=False)
    assert m.kind == "reply"
    assert m.text == "Due today (Thursday, March 5):"
    assert m.sections == digest("Ana", date(2026, 3, 5), nudges).sections


def test_today_shows_every_action_due_where_the_digest_counts_the_rest() -> None:
    nudges = [worded(Rule.EMAIL_FOLLOW_UP)] * 7
    m = today_message("Ana", date(2026, 3, 5), nudges, paused=False)
    morning = digest("Ana", date(2026, 3, 5), nudges)
    assert len(m.sections) == 7 and len(morning.sections) == 6
    assert m.sections[:5] == morning.sections[:5]


def test_today_tells_a_paused_member_they_are_paused_and_still_shows_what_is_due() -> None:
    due = today_message("Ana", date(2026, 3, 5), [worded(Rule.EMAIL_FOLLOW_UP)], paused=True)
    assert due.text == (
        "Due today (Thursday, March 5):\n"
        "Your morning digests are paused (`/followthrough resume` starts them again)."
    )
    assert len(due.sections) == 1
    nothing = today_message("Ana", date(2026, 3, 5), [], paused=True)
    assert plain(nothing.text).startswith("Nothing is due today, Ana. Nice work.\nYour morning")


def test_a_digest_shows_at_most_five_actions_and_counts_the_rest() -> None:
    nudges = [worded(Rule.REJECTION_CALL, number=n) for n in range(1, 8)]
    m = digest("Ana", date(2026, 3, 5), nudges)
    assert len(m.rules) == 5 and len(m.sections) == 6
    assert m.sections[-1] == Section("2 more things to do today: `/lead today` shows them all.")
    assert len(digest("Ana", date(2026, 3, 5), nudges[:5]).sections) == 5  # nothing more


def test_very_long_names_show_fewer_actions_so_the_digest_stays_one_message() -> None:
    """The longest names (200 characters, every one of them escaped) fit two actions."""
    longest = {"contact": "*" * 200, "company": "_" * 200, "role": "~" * 200}
    facts = DraftFacts("`" * 128, last_message_on=date(2026, 3, 2))
    nudges = [worded(Rule.POST_INTERVIEW_CHECK_IN, facts, **longest) for _ in range(5)]
    m = digest("Ana", date(2026, 3, 5), nudges)
    assert len(m.rules) == 2
    assert plain(m.sections[-1].text).startswith("3 more things to do today")

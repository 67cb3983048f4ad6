"""The words of a nudge (what, why, a ready draft), the digest that carries them, its
buttons, and messages as adapters store and render them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest

from core.domain.calendar import BusinessCalendar
from core.domain.commands import Drop, LogAction, Snooze
from core.domain.digest import digest, today_message
from core.domain.drafts import WHY, DraftFacts, Nudge, nudge, pipeline_nudge
from core.domain.leads import Action, Lead, Stage, apply
from core.domain.messages import Attachment, Button, Message, Section, reply
from core.domain.parser import parse
from core.domain.rules import Context, Rule, nudge_for
from core.domain.settings import PlaybookSettings
from core.domain.text import plain

LEAD_RULES = [rule for rule in Rule if rule is not Rule.PIPELINE]
WRITTEN = [
    Rule.EMAIL_FOLLOW_UP,
    Rule.POST_INTERVIEW_CHECK_IN,
    Rule.REACH_REFERRAL,
    Rule.KEEP_IN_TOUCH,
    Rule.OFFER_LEVERAGE,
]
FACTS = DraftFacts("Ana", last_message_on=date(2026, 3, 2), referred_by="Bob Stone")
US = BusinessCalendar.of("America/New_York", "US")


def lead(role: str | None = None, **fields: object) -> Lead:
    fields = {"number": 7, "contact": "Julie Martin", "company": "Acme", **fields}
    return Lead(
        member_id=1,
        created_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        role=role,
        **fields,  # type: ignore[arg-type]
    )


def worded(rule: Rule, facts: DraftFacts = FACTS, **fields: object) -> Nudge:
    return nudge(rule, lead(**fields), facts)  # type: ignore[arg-type]


def texts(n: Nudge) -> str:
    return "\n".join(x for x in (n.what, n.why, n.draft) if x)


# --- every nudge -------------------------------------------------------------------------


@pytest.mark.parametrize("rule", LEAD_RULES)
def test_every_nudge_says_what_to_do_and_why_and_all_but_the_question_carry_a_draft(
    rule: Rule,
) -> None:
    n = worded(rule)
    assert n.rule is rule
    assert plain(n.what).startswith("#7 ")
    assert "Julie Martin" in plain(n.what) and "Acme" in plain(n.what)
    assert n.why and n.why == WHY[rule]
    if rule is Rule.STILL_PURSUING:
        assert n.draft is None
    else:
        assert n.draft


@pytest.mark.parametrize("rule", [r for r in LEAD_RULES if r is not Rule.STILL_PURSUING])
def test_every_draft_uses_the_contacts_first_name_and_the_members_name(rule: Rule) -> None:
    draft = worded(rule).draft
    assert draft is not None
    assert "Julie" in draft
    assert "Julie Martin" not in draft  # first name only: warm, not a form letter
    assert "Ana" in draft


@pytest.mark.parametrize("rule", [*WRITTEN, Rule.CALL_AFTER_FOLLOW_UP])
def test_drafts_name_the_company(rule: Rule) -> None:
    draft = worded(rule).draft
    assert draft is not None and "Acme" in draft


def test_with_a_role_the_draft_names_the_role() -> None:
    draft = worded(Rule.EMAIL_FOLLOW_UP, role="Engineering Manager").draft
    assert draft is not None and "the Engineering Manager role" in draft


def test_whys_are_distinct() -> None:
    assert len(set(WHY.values())) == len(WHY)


@pytest.mark.parametrize("rule", [r for r in LEAD_RULES if r is not Rule.OFFER_LEVERAGE])
def test_no_nudge_but_offer_leverage_mentions_the_status(rule: Rule) -> None:
    for role in (None, "Engineering Manager"):
        assert "status" not in texts(worded(rule, role=role)).lower()


def test_the_pipeline_nudge_does_not_mention_the_status() -> None:
    n = pipeline_nudge(2, 5)
    assert "status" not in f"{plain(n.what)} {n.why}".lower()


def test_offer_leverage_asks_about_their_timeline_now_that_an_offer_arrived() -> None:
    n = worded(Rule.OFFER_LEVERAGE)
    assert "offer has arrived" in plain(n.what)
    assert n.draft is not None
    assert "offer" in n.draft and "timeline" in n.draft
    assert "only now" in n.why.lower()


# --- each rule's words -------------------------------------------------------------------


def test_the_email_follow_up_says_forward_as_re_with_a_reminder_and_a_request() -> None:
    n = worded(Rule.EMAIL_FOLLOW_UP)
    assert '"Fw:"' in plain(n.what) and '"Re:"' in plain(n.what)
    assert n.draft is not None
    assert "friendly reminder" in n.draft
    assert "my note of Monday, March 2" in n.draft  # the date of the last message
    assert "few minutes to talk" in n.draft
    assert "silence is not a no" in n.why.lower()


def test_the_email_follow_up_without_a_known_date_says_my_last_note() -> None:
    draft = worded(Rule.EMAIL_FOLLOW_UP, DraftFacts("Ana")).draft
    assert draft is not None and "my last note" in draft


def test_the_call_nudge_says_to_call_before_nine_their_time() -> None:
    n = worded(Rule.CALL_AFTER_FOLLOW_UP)
    assert plain(n.what).startswith("#7 Call ")
    assert "before 9 a.m. their time" in plain(n.what)


def test_the_rejection_call_says_call_not_email_around_half_past_eight() -> None:
    n = worded(Rule.REJECTION_CALL)
    assert plain(n.what).startswith("#7 Call (don't email)")
    assert "8:30 a.m." in plain(n.what)
    draft = n.draft
    assert draft is not None
    assert "Best," not in draft and not draft.startswith("Hi Julie,\n")  # a script, not a mail
    assert "wish you the best with the hire" in draft  # gracious
    assert "done better in the interview" in draft  # feedback
    assert "anyone else" in draft  # a referral
    assert "keep in touch" in draft
    assert "on the phone" in n.why


def test_the_check_in_restates_interest_mentions_other_talks_and_offers_help() -> None:
    n = worded(Rule.POST_INTERVIEW_CHECK_IN)
    assert "forwarding your last correspondence" in plain(n.what)
    draft = n.draft
    assert draft is not None
    assert "still very interested" in draft
    assert "Other conversations are moving forward" in draft
    assert "help your decision" in draft


def test_the_referral_names_who_referred_you() -> None:
    n = worded(Rule.REACH_REFERRAL)
    assert "naming Bob Stone" in plain(n.what)
    assert n.draft is not None and n.draft.startswith("Hi Julie,\n\nBob Stone suggested")


def test_a_referral_without_a_known_referrer_names_a_mutual_contact() -> None:
    n = worded(Rule.REACH_REFERRAL, DraftFacts("Ana"))
    assert n.draft is not None and "a mutual contact suggested" in n.draft


def test_keep_in_touch_offers_something_of_interest() -> None:
    n = worded(Rule.KEEP_IN_TOUCH)
    assert "something truly of interest" in plain(n.what)


def test_still_pursuing_asks_a_question() -> None:
    n = worded(Rule.STILL_PURSUING)
    assert plain(n.what) == "#7 Are you still pursuing Julie Martin at Acme?"


def test_the_pipeline_nudge_counts_active_leads_and_says_how_to_add_one() -> None:
    assert plain(pipeline_nudge(1, 5).what).startswith(
        "You have 1 active lead; aim for at least 5."
    )
    assert plain(pipeline_nudge(3, 5).what).startswith("You have 3 active leads;")
    assert "/lead add" in plain(pipeline_nudge(0, 5).what)
    assert pipeline_nudge(0, 5).lead is None and pipeline_nudge(0, 5).draft is None


def test_the_pipeline_is_not_a_nudge_about_one_lead() -> None:
    with pytest.raises(ValueError, match="pipeline_nudge"):
        nudge(Rule.PIPELINE, lead(), FACTS)


# --- the digest and its buttons ----------------------------------------------------------


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


# --- messages ----------------------------------------------------------------------------


def full_message() -> Message:
    m = digest("Ana", date(2026, 3, 5), [worded(Rule.REJECTION_CALL), pipeline_nudge(1, 5)])
    return Message(
        m.kind,
        m.text,
        m.sections,
        m.rules,
        attachments=(Attachment("export.csv", "date,lead\n2026-03-02,#7\n", "text/csv"),),
    )


def test_a_message_survives_to_dict_and_from_dict() -> None:
    m = full_message()
    assert Message.from_dict(m.to_dict()) == m


def test_a_message_survives_json() -> None:
    m = full_message()
    assert Message.from_dict(json.loads(json.dumps(m.to_dict()))) == m


def test_a_minimal_stored_message_gets_defaults() -> None:
    assert Message.from_dict({"kind": "reply", "text": "hi"}) == reply("hi")
    stored = {"kind": "reply", "text": "hi", "sections": [{"text": "a"}]}
    assert Message.from_dict(stored).sections == (Section("a"),)


def test_plain_text_quotes_the_draft_and_lists_attachments() -> None:
    text = full_message().plain_text()
    assert text.startswith("Good morning, Ana! 2 things to do")
    assert "#7 Call (don't email) Julie Martin at Acme" in text
    assert "> Hi Julie, it's Ana." in text
    assert "[attached: export.csv]" in text

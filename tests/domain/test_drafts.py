"""The words of a nudge (core.domain.drafts): what, why, a ready draft, and every step of
PLAYBOOK.md's "what the member is told to do"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.domain.drafts import WHY, DraftFacts, Nudge, nudge, pipeline_nudge
from core.domain.leads import Lead
from core.domain.rules import Rule
from core.domain.text import plain
from tests.domain.nudges import FACTS, lead, worded

LEAD_RULES = [rule for rule in Rule if rule is not Rule.PIPELINE]
QUESTIONS = (Rule.STILL_PURSUING, Rule.HOW_DID_IT_GO)  # asked: nothing to send
WRITTEN = [
    Rule.EMAIL_FOLLOW_UP,
    Rule.POST_INTERVIEW_CHECK_IN,
    Rule.REACH_REFERRAL,
    Rule.KEEP_IN_TOUCH,
    Rule.OFFER_LEVERAGE,
]


def texts(n: Nudge) -> str:
    return "\n".join(x for x in (n.what, n.why, n.draft) if x)


# --- every nudge -------------------------------------------------------------------------


@pytest.mark.parametrize("rule", LEAD_RULES)
def test_every_nudge_says_what_to_do_and_why_and_all_but_the_questions_carry_a_draft(
    rule: Rule,
) -> None:
    n = worded(rule)
    assert n.rule is rule
    assert plain(n.what).startswith("#7 ")
    assert "Julie Martin" in plain(n.what) and "Acme" in plain(n.what)
    assert n.why and n.why == WHY[rule]
    if rule in QUESTIONS:
        assert n.draft is None
    else:
        assert n.draft


@pytest.mark.parametrize("rule", [r for r in LEAD_RULES if r not in QUESTIONS])
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


# --- every step of the playbook ---------------------------------------------------------


PLAYBOOK_LEAD = Lead(
    member_id=1,
    number=7,
    contact="Julie Martin",
    company="Acme",
    created_at=datetime(2026, 2, 2, tzinfo=UTC),
)
PLAYBOOK_FACTS = DraftFacts("Ana", date(2026, 2, 27), referred_by="Bob Stone")

STEPS = {
    Rule.EMAIL_FOLLOW_UP: [
        "Forward your email",
        'turn "Fw:" into "Re:"',
        "two sentences",
        "a friendly reminder of your earlier note",
        "a request for a few minutes to talk",
    ],
    Rule.CALL_AFTER_FOLLOW_UP: ["Call", "before 9 a.m. their time"],
    Rule.POST_INTERVIEW_CHECK_IN: [
        "short check-in",
        "forwarding your last correspondence",
        "restate your strong interest",
        "other conversations are moving forward",
        "offer any further information that helps their decision",
        "Optionally, share a genuinely useful link or idea",
    ],
    Rule.REJECTION_CALL: [
        "Call (don't email)",
        "around 8:30 a.m.",
        "be gracious and wish them well with the hire",
        "ask for feedback on your interview",
        "anyone else in the organisation or elsewhere to talk to",
        "suggest keeping in touch",
    ],
    Rule.REACH_REFERRAL: ["Contact Julie Martin", "naming Bob Stone who referred you"],
    Rule.KEEP_IN_TOUCH: ["something truly of interest, or a short update"],
    Rule.OFFER_LEVERAGE: ["that an offer has arrived", "ask about their timeline"],
}


@pytest.mark.parametrize("rule", list(STEPS))
def test_the_instruction_carries_every_step_of_the_playbook(rule: Rule) -> None:
    what = plain(nudge(rule, PLAYBOOK_LEAD, PLAYBOOK_FACTS).what)
    missing = [step for step in STEPS[rule] if step not in what]
    assert missing == [], what


def test_the_pipeline_nudge_says_to_add_leads_and_reach_out() -> None:
    what = plain(pipeline_nudge(2, 5).what)
    assert "aim for at least 5" in what and "reach out today" in what and "/lead add" in what


@pytest.mark.parametrize("rule", [r for r in STEPS if r is not Rule.OFFER_LEVERAGE])
def test_only_offer_leverage_asks_about_the_status_or_timeline(rule: Rule) -> None:
    n = nudge(rule, PLAYBOOK_LEAD, PLAYBOOK_FACTS)
    text = plain(f"{n.what} {n.draft}").lower()
    assert "status" not in text and "timeline" not in text


@pytest.mark.parametrize("rule", [rule for rule in Rule if rule is not Rule.PIPELINE])
def test_a_lead_with_no_person_yet_reads_as_the_hiring_manager(rule: Rule) -> None:
    lead = Lead(1, 3, "", "Acme", datetime(2026, 3, 2, tzinfo=UTC), id=3)
    found = nudge(rule, lead, DraftFacts("Ana", last_message_on=date(2026, 3, 2)))
    words = plain(" ".join(x or "" for x in (found.what, found.why, found.draft)))
    assert "  " not in words.replace("\n\n", "\n") and "Hi ," not in words
    assert "Acme" in words

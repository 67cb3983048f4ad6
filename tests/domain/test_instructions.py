"""Each nudge tells the member every step of PLAYBOOK.md's "what the member is told to do"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.domain.drafts import DraftFacts, nudge, pipeline_nudge
from core.domain.leads import Lead
from core.domain.rules import Rule
from core.domain.text import plain

LEAD = Lead(
    member_id=1,
    number=7,
    contact="Julie Martin",
    company="Acme",
    created_at=datetime(2026, 2, 2, tzinfo=UTC),
)
FACTS = DraftFacts("Ana", date(2026, 2, 27), referred_by="Bob Stone")

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
    what = plain(nudge(rule, LEAD, FACTS).what)
    missing = [step for step in STEPS[rule] if step not in what]
    assert missing == [], what


def test_the_pipeline_nudge_says_to_add_leads_and_reach_out() -> None:
    what = plain(pipeline_nudge(2, 5).what)
    assert "aim for at least 5" in what and "reach out today" in what and "/lead add" in what


@pytest.mark.parametrize("rule", [r for r in STEPS if r is not Rule.OFFER_LEVERAGE])
def test_only_offer_leverage_asks_about_the_status_or_timeline(rule: Rule) -> None:
    n = nudge(rule, LEAD, FACTS)
    text = plain(f"{n.what} {n.draft}").lower()
    assert "status" not in text and "timeline" not in text

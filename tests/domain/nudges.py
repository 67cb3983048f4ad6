"""Builders the domain tests of nudges share: a lead, a nudge worded for it, and the
facts and calendar they are worded with."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.domain.calendar import BusinessCalendar
from core.domain.drafts import DraftFacts, Nudge, nudge
from core.domain.leads import Lead
from core.domain.rules import Rule

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

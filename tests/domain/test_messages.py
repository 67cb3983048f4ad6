"""Messages as adapters store and render them (core.domain.messages): round trips through
a dict and JSON, defaults, and plain text."""

from __future__ import annotations

import json
from datetime import date

from core.domain.digest import digest
from core.domain.drafts import pipeline_nudge
from core.domain.messages import Attachment, Message, Section, reply
from core.domain.rules import Rule
from tests.domain.nudges import worded


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

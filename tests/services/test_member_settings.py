"""A member's own settings (core.services.member_settings): a new zone recounts the points
its days decide; export gives a member everything of theirs, and forget-me erases it,
once confirmed, and nobody else's."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bots.bootstrap import Services
from core.domain.catalog import HELP
from core.domain.messages import Message
from core.domain.text import plain
from core.services import FollowThrough, Identity, MessageKind
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow

ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T1", "U-ben", "Ben")
# The clock fixture starts on Monday 2026-03-02 at 07:00 UTC; a new group is on UTC
# with 08:00 mornings.
MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_a_new_zone_recounts_the_points_its_days_decide(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")  # Monday 07:00 UTC: 1 point
    clock.advance_to(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    app.conversation.handle(ANA, "/lead", "emailed julie")  # Monday in UTC: 1 point
    clock.advance_to(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    app.conversation.handle(ANA, "/lead", "emailed julie")  # Tuesday in UTC: 1 more
    assert "1. Ana: 3 points" in app.conversation.handle(ANA, "/leaderboard", "week").plain_text()
    # In New York both emails were on Monday evening: the same email twice counts once.
    app.conversation.handle(ANA, "/followthrough", "me tz America/New_York")
    assert "1. Ana: 2 points" in app.conversation.handle(ANA, "/leaderboard", "week").plain_text()


# -- export and forget-me ------------------------------------------------------------


def exported(answer: Message) -> dict[str, Any]:
    """The JSON file of an export."""
    (file,) = [a for a in answer.attachments if a.media_type == "application/json"]
    document: dict[str, Any] = json.loads(file.content)
    return document


def member_id(db: Database, who: Identity) -> int | None:
    with db.uow() as uow:
        return uow.session.scalar(select(MemberRow.id).filter_by(external_id=who.user_id))


def test_export_then_forget_me_erases_the_member_and_nobody_else(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme via email")
    app.conversation.handle(ANA, "/lead", "emailed julie")
    app.conversation.handle(ANA, "/lead", "referral julie -> Omar Haddad at Initech")
    app.conversation.handle(BEN, "/lead", "add Carla Diaz at Globex")
    clock.advance_to(MONDAY_MORNING)
    assert app.planner.plan() == 2
    ana, ben = member_id(db, ANA), member_id(db, BEN)
    assert ana is not None and ben is not None

    document = exported(app.conversation.handle(ANA, "/followthrough", "export"))
    assert [lead["contact"] for lead in document["leads"]] == ["Julie Martin", "Omar Haddad"]
    assert document["leads"][1]["referred_by"] == "#1"
    assert [step["action"] for step in document["leads"][0]["history"]] == [
        "added",
        "emailed",
        "referral",
    ]
    assert "Carla" not in json.dumps(document)

    asked = app.conversation.handle(ANA, "/followthrough", "forget-me")
    assert not asked.changed
    said = plain(asked.plain_text())
    assert "· 2 leads\n· 4 entries in your leads' history" in said  # added x2, emailed, referral
    assert "· 1 pending message (to you" in said  # this morning's digest
    again = exported(app.conversation.handle(ANA, "/followthrough", "export"))
    assert again["leads"] == document["leads"]  # nothing erased until confirmed
    (button,) = [b for s in asked.sections for b in s.buttons]
    assert button.command == "/followthrough forget-me confirm"
    answer = app.conversation.handle(ANA, *button.parts)

    assert "your 2 leads" in answer.text
    with db.uow() as uow:
        left = {
            table.__tablename__: Counter(uow.session.scalars(select(table.member_id)))
            for table in (LeadRow, EventRow, OutboxRow)
        }
        assert uow.session.get(MemberRow, ana) is None
        assert uow.session.get(MemberRow, ben) is not None
        assert uow.session.scalar(select(func.count()).select_from(GroupRow)) == 1
    assert left == {"leads": {ben: 1}, "events": {ben: 1}, "outbox": {ben: 1}}

    assert (
        exported(app.conversation.handle(ANA, "/followthrough", "export"))["leads"] == []
    )  # a newcomer


def rows(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            table.__tablename__: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in (MemberRow, LeadRow, EventRow, OutboxRow)
        }


class TestForgetMe:
    """forget-me says exactly what would go and erases nothing until it is confirmed; Ana
    has a lead in Berlin, and her group no board."""

    @pytest.fixture
    def app(self, services: Services) -> FollowThrough:
        app = services.app
        app.conversation.join(ANA, tz="Europe/Berlin", country="DE")
        app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme")
        app.conversation.handle(ANA, "/lead", "emailed julie")
        app.conversation.handle(ANA, "/followthrough", "board off")
        return app

    def test_forget_me_lists_what_would_go_and_erases_nothing(
        self, app: FollowThrough, db: Database, clock: SimulatedClock
    ) -> None:
        clock.advance_to(datetime(2026, 3, 5, 7, 0, tzinfo=UTC))  # 08:00 in Berlin: a digest
        app.planner.plan()
        before = rows(db)
        answer = app.conversation.handle(ANA, "/followthrough", "forget-me")
        assert answer.kind is MessageKind.REPLY and not answer.changed
        assert plain(answer.plain_text()) == (
            "This erases everything I keep about you in this group, for good. Nothing is erased"
            " until you confirm.\n\n"
            "· 1 lead\n"
            "· 2 entries in your leads' history, and the points they earned\n"
            "· 1 pending message (to you, or about you to the group channel)\n"
            "· your settings (mornings 08:00 Europe/Berlin, holidays of DE, digests on,"
            " companies private, leaderboard off)\n"
            "· your membership of this group: its leaderboards and totals forget you\n"
            "To keep a copy first: /followthrough export. Posts already in the group channel"
            " stay there.\n\n"
            "To erase it all now, press the button or type `/followthrough forget-me confirm`."
        )
        (button,) = [b for s in answer.sections for b in s.buttons]
        assert (button.label, button.command) == (
            "Erase everything",
            "/followthrough forget-me confirm",
        )
        app.conversation.handle(ANA, "/followthrough", "me forget-me")
        assert rows(db) == before

    @pytest.mark.parametrize("text", ["forget-me now", "forget-me confirm please", "forget-me yes"])
    def test_only_confirm_erases_and_anything_else_gets_the_usage(
        self, app: FollowThrough, db: Database, text: str
    ) -> None:
        before = rows(db)
        answer = app.conversation.handle(ANA, "/followthrough", text)
        assert answer.kind is MessageKind.ERROR
        assert "Usage: /followthrough forget-me [confirm]" in answer.text
        assert rows(db) == before

    def test_confirm_erases_everything_at_once(self, app: FollowThrough, db: Database) -> None:
        answer = app.conversation.handle(ANA, "/followthrough", "forget-me CONFIRM")
        assert answer.changed and plain(answer.text).startswith(
            "Done: your 1 lead, their history, every pending message, your settings and your"
            " place in this group are erased."
        )
        assert rows(db) == {"members": 0, "leads": 0, "events": 0, "outbox": 0}

    def test_typed_options_ask_first_too(self, app: FollowThrough, db: Database) -> None:
        before = rows(db)
        asked = app.conversation.run(ANA, "followthrough", "forget-me", {"confirm": None})
        assert "Nothing is erased until you confirm" in asked.text and rows(db) == before
        app.conversation.run(ANA, "followthrough", "forget-me", {"confirm": True})
        assert rows(db)["members"] == 0


def test_the_help_says_how_to_confirm() -> None:
    assert "/followthrough forget-me [confirm]" in HELP

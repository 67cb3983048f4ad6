"""forget-me says exactly what would go and erases nothing until it is confirmed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bots.bootstrap import Services
from core.domain.catalog import HELP
from core.domain.text import plain
from core.services import FollowThrough, Identity, MessageKind
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import EventRow, LeadRow, MemberRow, OutboxRow

ANA = Identity("slack", "T1", "U-ana", "Ana")


@pytest.fixture
def app(services: Services) -> FollowThrough:
    app = services.app
    app.conversation.join(ANA, tz="Europe/Berlin", country="DE")
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme")
    app.conversation.handle(ANA, "/lead", "emailed julie")
    app.conversation.handle(ANA, "/followthrough", "board off")
    return app


def rows(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            table.__tablename__: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in (MemberRow, LeadRow, EventRow, OutboxRow)
        }


def test_forget_me_lists_what_would_go_and_erases_nothing(
    app: FollowThrough, db: Database, clock: SimulatedClock
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
    app: FollowThrough, db: Database, text: str
) -> None:
    before = rows(db)
    answer = app.conversation.handle(ANA, "/followthrough", text)
    assert answer.kind is MessageKind.ERROR
    assert "Usage: /followthrough forget-me [confirm]" in answer.text
    assert rows(db) == before


def test_confirm_erases_everything_at_once(app: FollowThrough, db: Database) -> None:
    answer = app.conversation.handle(ANA, "/followthrough", "forget-me CONFIRM")
    assert answer.changed and plain(answer.text).startswith(
        "Done: your 1 lead, their history, every pending message, your settings and your"
        " place in this group are erased."
    )
    assert rows(db) == {"members": 0, "leads": 0, "events": 0, "outbox": 0}


def test_typed_options_ask_first_too(app: FollowThrough, db: Database) -> None:
    before = rows(db)
    asked = app.conversation.run(ANA, "followthrough", "forget-me", {"confirm": None})
    assert "Nothing is erased until you confirm" in asked.text and rows(db) == before
    app.conversation.run(ANA, "followthrough", "forget-me", {"confirm": True})
    assert rows(db)["members"] == 0


def test_the_help_says_how_to_confirm() -> None:
    assert "/followthrough forget-me [confirm]" in HELP

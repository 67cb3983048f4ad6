"""The handlers (core.services.handlers): every row of the command table has one, those no
other test reached (drop, pause, resume) work, and the commands that apply once do so when
a press or a retry repeats them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from core.domain.catalog import COMMANDS, CommandSpec, SubcommandSpec
from core.domain.text import plain
from core.services import FollowThrough, Identity, MessageKind
from core.services.handlers import HANDLERS
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import LeadRow, MemberRow

ANA = Identity("slack", "T1", "U-ana", "Ana")
COACH = Identity("slack", "T1", "U-coach", "Coach", is_admin=True)


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    app.conversation.join(COACH)  # known already: no welcome in the answers below
    return app


def say(app: FollowThrough, who: Identity, line: str) -> str:
    command, _, text = line.partition(" ")
    return plain(app.conversation.handle(who, command, text).plain_text())


def member(db: Database, who: Identity) -> MemberRow:
    with db.uow() as uow:
        row = uow.session.scalars(select(MemberRow).filter_by(external_id=who.user_id)).one()
        uow.session.expunge(row)
        return row


def test_drop_closes_the_lead_and_keeps_it_in_the_history(app: FollowThrough, db: Database) -> None:
    say(app, ANA, "/lead add Julie Martin at Acme")
    assert say(app, ANA, "/lead drop julie").startswith("Dropped #1 Julie Martin at Acme.")
    with db.uow() as uow:
        assert uow.session.scalars(select(LeadRow.stage)).one() == "closed"
    assert "drop" not in say(app, ANA, "/lead list")
    assert "dropped" in say(app, ANA, "/lead show #1")
    assert (
        app.conversation.handle(ANA, "/lead", "drop julie").kind is MessageKind.ERROR
    )  # already closed


def test_pause_stops_the_digests_and_resume_starts_them_again(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    say(app, ANA, "/lead add Julie Martin at Acme")
    assert say(app, ANA, "/followthrough pause").startswith("Paused: no morning digests")
    assert member(db, ANA).paused and member(db, ANA).paused_on == date(2026, 3, 2)
    clock.advance_to(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    app.planner.plan()
    # No digest while paused (her pipeline nudge is due; the coach gets theirs).
    assert ANA.user_id not in {d.user_id for d in app.outbox.claim("test")}
    app.outbox.release(worker="test")
    assert say(app, ANA, "/followthrough me resume").startswith("Welcome back")
    row = member(db, ANA)
    assert not row.paused and row.next_morning_at is not None
    assert row.next_morning_at == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_a_press_with_a_key_is_applied_once_wherever_it_is_repeated(
    app: FollowThrough, db: Database
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    first = app.conversation.handle(ANA, "/lead", "followedup #1", once="press:m1:done")
    again = app.conversation.handle(ANA, "/lead", "followedup #1", once="press:m1:done")
    assert first.plain_text().startswith("Logged: followedup")
    assert again.plain_text().startswith("Already done") and again.repeat
    assert not first.repeat
    history = app.conversation.handle(ANA, "/lead", "show #1").plain_text()
    assert history.count("followedup") == 1


def test_a_read_with_a_key_keeps_none_but_an_export_is_sent_once(
    app: FollowThrough, db: Database
) -> None:
    """A read run again changes nothing: it answers again and writes no key (a key is a
    write, every read's on SQLite's one write lock). An export's file goes once."""
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    for _ in range(2):
        listed = app.conversation.handle(ANA, "/lead", "list", once="command:T1:trigger-list")
        assert "Julie" in listed.plain_text() and not listed.repeat
    first = app.conversation.handle(
        ANA, "/followthrough", "export", once="command:T1:trigger-export"
    )
    again = app.conversation.handle(
        ANA, "/followthrough", "export", once="command:T1:trigger-export"
    )
    assert first.attachments and not first.repeat
    assert again.repeat and not again.attachments
    with db.engine.connect() as connection:
        keys = connection.execute(text("SELECT key FROM applied_keys")).scalars().all()
    assert keys == ["command:T1:trigger-export"]


def test_a_refused_press_keeps_no_key_so_it_can_be_pressed_again(app: FollowThrough) -> None:
    refused = app.conversation.handle(ANA, "/lead", "followedup #1", once="press:m2:done")
    assert refused.kind == "error"  # there is no lead #1 yet
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    applied = app.conversation.handle(ANA, "/lead", "followedup #1", once="press:m2:done")
    assert applied.plain_text().startswith("Logged: followedup")


def test_every_row_names_a_command_type_with_a_handler() -> None:
    def rows(spec: CommandSpec | SubcommandSpec) -> list[CommandSpec | SubcommandSpec]:
        return [spec, *(row for sub in spec.subcommands for row in rows(sub))]

    named = {row.command for spec in COMMANDS for row in rows(spec) if row.command}
    assert named == set(HANDLERS)

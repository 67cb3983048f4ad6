"""What a DM or a button press may act on, read from our own records: a member's groups
on a platform, the buttons of the DM we sent them, and commands that create nobody."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from core.domain.replies import NOT_JOINED
from core.services import Identity
from core.services.app import FollowThrough
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import Base, MemberRow, OutboxRow

ANA = Identity("discord", "G1", "U-ana", "Ana")
ANA_ELSEWHERE = Identity("discord", "G2", "U-ana", "Ana")
BEN = Identity("discord", "G2", "U-ben", "Ben")
THURSDAY_MORNING = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


def rows(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def test_a_command_that_may_create_nothing_refuses_a_stranger_and_writes_nothing(
    app: FollowThrough, db: Database
) -> None:
    for answer in (
        app.conversation.handle(ANA, "/lead", "add Julie at Acme", create=False),
        app.conversation.run(ANA, "lead", "list", {}, create=False),
    ):
        assert answer.text == NOT_JOINED
    assert set(rows(db).values()) == {0}
    app.conversation.handle(
        BEN, "/lead", "add Zed at Initech"
    )  # Ben's group exists; Ana isn't in it
    before = rows(db)
    assert app.conversation.handle(ANA_ELSEWHERE, "/lead", "list", create=False).text == NOT_JOINED
    assert rows(db) == before
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    assert "Julie" in app.conversation.handle(ANA, "/lead", "list", create=False).plain_text()


def test_a_members_groups_are_theirs_on_that_platform_only(app: FollowThrough) -> None:
    app.conversation.handle(ANA, "/lead", "list")
    app.conversation.handle(BEN, "/lead", "list")
    app.conversation.handle(Identity("slack", "T9", "U-ana", "Ana"), "/lead", "list")
    assert app.conversation.workspaces("discord", "U-ana") == ["G1"]
    app.conversation.handle(ANA_ELSEWHERE, "/lead", "list")
    assert app.conversation.workspaces("discord", "U-ana") == ["G1", "G2"]
    assert app.conversation.workspaces("discord", "U-nobody") == []


def test_a_sent_dms_buttons_are_its_recipients_alone(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    app.conversation.handle(ANA, "/lead", "emailed #1")
    app.conversation.handle(BEN, "/lead", "add Zed at Initech")
    clock.advance_to(THURSDAY_MORNING)
    app.planner.plan()
    with db.uow() as uow:
        ana = select(MemberRow.id).filter_by(external_id="U-ana").scalar_subquery()
        rows_ = uow.session.scalars(
            select(OutboxRow.id)
            .filter_by(kind="digest")
            .where(OutboxRow.member_id == ana)
            .order_by(OutboxRow.id)
        )
        row = list(rows_)[-1]  # Thursday's, with the follow-up due
    found = app.conversation.sent_button("discord", row, "U-ana", 0, 0)
    assert found is not None
    workspace, button = found
    assert workspace == "G1" and button.command.endswith("#1")
    assert app.conversation.sent_button("discord", row, "U-ben", 0, 0) is None  # not his
    assert app.conversation.sent_button("slack", row, "U-ana", 0, 0) is None  # not on that platform
    assert app.conversation.sent_button("discord", row, "U-ana", 0, 9) is None  # no such button
    assert app.conversation.sent_button("discord", row, "U-ana", 5, 0) is None  # no such section
    assert app.conversation.sent_button("discord", row + 1000, "U-ana", 0, 0) is None  # no such row


def test_a_page_buttons_value_is_only_a_page_of_the_pressers_own_leads(
    app: FollowThrough, db: Database
) -> None:
    for n in range(1, 13):
        app.conversation.handle(ANA, "/lead", f"add Secret{n} at Hidden{n}")
    app.conversation.handle(BEN, "/lead", "add Zed at Initech")
    listed = app.conversation.handle(ANA, "/lead", "list all")
    (button,) = [b for s in listed.sections for b in s.buttons]
    assert button.command == "/lead list all page 2"  # a page number, nothing of Ana's
    before = rows(db)
    for value in (button.command, "/lead list all page 1", "/lead list due page 99"):
        command, text = button.parts if value == button.command else value.split(" ", 1)
        seen = app.conversation.handle(BEN, command, text, once="press:forged", create=False)
        assert "Secret" not in seen.plain_text() and "Hidden" not in seen.plain_text()
    assert "Zed" in app.conversation.handle(BEN, "/lead", "list all page 2").plain_text()
    assert rows(db) == before  # a read: nothing written, not even the press's key

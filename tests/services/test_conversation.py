"""The conversation (core.services.conversation) on the real database, SQLite and
PostgreSQL: a command that fails writes nothing, and what the storage refuses is
answered, not crashed on."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta

from sqlalchemy import func, select

from core.domain.text import plain
from core.services import Identity
from core.services.app import FollowThrough
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import Base, LeadRow

ANA = Identity("slack", "T1", "U-ana", "Ana")


def rows(db: Database) -> dict[str, int]:
    """How many rows each table holds."""
    with db.uow() as uow:
        return {
            table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


# -- commands that fail write nothing ------------------------------------------------


def test_a_command_that_fails_writes_nothing_not_even_the_newcomer(
    app: FollowThrough, db: Database
) -> None:
    answer = app.conversation.handle(ANA, "/lead", "emailed nobody")

    assert "No lead matches nobody." in plain(answer.text)
    assert set(rows(db).values()) == {0}


def test_a_command_that_fails_leaves_the_members_data_as_it_was(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme via email")
    app.conversation.handle(ANA, "/lead", "emailed julie")
    before = rows(db)
    with db.uow() as uow:
        lead_before = uow.session.scalars(select(LeadRow)).one()
        snapshot = {c.name: getattr(lead_before, c.name) for c in LeadRow.__table__.columns}
    clock.advance_to(clock.now() + timedelta(hours=1))

    refused = app.conversation.handle(ANA, "/lead", "accepted julie")  # there is no offer to accept
    unparsed = app.conversation.handle(ANA, "/lead", "snooze julie soon")

    assert "has no offer to accept" in refused.text
    assert "How many days?" in unparsed.text
    assert rows(db) == before
    with db.uow() as uow:
        lead_after = uow.session.scalars(select(LeadRow)).one()
        assert {c.name: getattr(lead_after, c.name) for c in LeadRow.__table__.columns} == snapshot


# -- reads ---------------------------------------------------------------------------


def test_a_read_is_not_held_up_by_a_command_of_the_same_member_under_way(
    app: FollowThrough, db: Database
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme")
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        with db.uow() as uow:  # another command of Ana's, not committed yet
            group = uow.groups.get("slack", "T1")
            assert group is not None and group.id is not None
            member = uow.members.get(group.id, "U-ana")
            assert member is not None
            member.paused = True
            uow.members.save(member)
            listed = pool.submit(app.conversation.handle, ANA, "/lead", "list")
            done, _ = concurrent.futures.wait([listed], timeout=5)
    finally:
        pool.shutdown()
    assert done, "the read waited for the other command"
    assert "Julie Martin" in plain(listed.result().plain_text())


# -- what the storage refuses is answered --------------------------------------------


def test_a_long_contact_name_is_answered_not_crashed_on(app: FollowThrough, db: Database) -> None:
    contact = "Julie " + "Marie-" * 40 + "Martin"  # 252 characters, over leads.contact's 200

    answer = app.conversation.handle(ANA, "/lead", f"add {contact} at Acme")

    with db.uow() as uow:
        stored = list(uow.session.scalars(select(LeadRow.contact)))
    # Either stored whole, or refused with a reply and nothing written; the same on
    # every backend (SQLite ignores VARCHAR lengths, PostgreSQL enforces them).
    assert stored == [contact] or (stored == [] and answer.kind == "error")

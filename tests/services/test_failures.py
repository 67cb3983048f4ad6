"""What a failed send leads to (core.services.failures): a group whose token was refused
stops its delivery, and resumes it when the platform delivers one of its commands again; a
member the platform cannot reach is reachable again at their next command, and the
organisers are told each time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.services import FollowThrough, Identity
from core.services.ports import Failure, SendError, SimulatedClock
from core.storage.database import Database
from core.storage.tables import GroupRow, MemberRow, OutboxRow

ANA = Identity("slack", "T1", "U-ana", "Ana")
COACH = Identity("slack", "T1", "U-coach", "Coach", is_admin=True)
# The clock fixture starts on Monday 2026-03-02 at 07:00 UTC; a new group is on UTC
# with 08:00 mornings.
MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
THURSDAY_MORNING = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)  # 3 business days after Monday


def suspended(db: Database) -> bool:
    with db.uow() as uow:
        return bool(uow.session.scalar(select(GroupRow.suspended)))


def test_a_suspended_group_resumes_when_the_platform_delivers_a_command_again(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    clock.advance_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    app.planner.plan()
    (digest,) = app.outbox.claim("w1")
    app.outbox.failed(digest, SendError("token_revoked", Failure.FATAL))
    assert suspended(db)
    assert app.outbox.claim("w1") == []  # nothing goes out while the token is refused
    app.conversation.handle(
        ANA, "/lead", "list"
    )  # a reinstall: the platform delivers commands again
    assert not suspended(db)
    assert [d.key for d in app.outbox.claim("w1")] == [digest.key]


# -- members the platform cannot reach -----------------------------------------------


def bounce_digest(app: FollowThrough) -> None:
    """Plan, and have the platform refuse the member's digest (left, or DMs closed)."""
    app.planner.plan()
    claimed = app.outbox.claim("w1")
    (digest,) = [d for d in claimed if d.message.kind == "digest" and d.user_id == ANA.user_id]
    app.outbox.failed(digest, SendError("cannot_dm", Failure.UNREACHABLE))
    app.outbox.release(worker="w1")


def unreachable(db: Database, who: Identity) -> bool | None:
    with db.uow() as uow:
        return uow.session.scalar(select(MemberRow.unreachable).filter_by(external_id=who.user_id))


@pytest.mark.parametrize("text", ["list", "today", "show julie", "note julie back from leave"])
def test_any_command_makes_an_unreachable_member_reachable_again(
    app: FollowThrough, db: Database, clock: SimulatedClock, text: str
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme via email")
    clock.advance_to(MONDAY_MORNING)
    bounce_digest(app)
    assert unreachable(db, ANA) is True

    app.conversation.handle(ANA, "/lead", text)

    # The admins' notice says: "stopped until they use a command again".
    assert unreachable(db, ANA) is False


def test_admins_are_told_each_time_a_member_becomes_unreachable(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.conversation.note_organiser(COACH)
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme via email")
    app.conversation.handle(ANA, "/lead", "emailed julie")
    clock.advance_to(MONDAY_MORNING)
    bounce_digest(app)  # Monday's digest (a thin pipeline)
    app.conversation.handle(
        ANA, "/lead", "note julie back from leave"
    )  # she is back: DMs work again
    assert unreachable(db, ANA) is False
    clock.advance_to(THURSDAY_MORNING)

    bounce_digest(app)  # Thursday's follow-up; her DMs are closed again

    with db.uow() as uow:
        notices = list(
            uow.session.execute(select(OutboxRow.key, OutboxRow.to_channel).filter_by(kind="admin"))
        )
    # DESIGN.md: a member who can't be reached is marked so and the organisers are told,
    # by DM, never in the channel; going quiet the second time would be giving up silently.
    assert len(notices) == 2, notices
    assert not any(to_channel for _, to_channel in notices)

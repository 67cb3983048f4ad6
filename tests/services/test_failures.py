"""What a failed send leads to: a group whose token was refused stops its delivery, and
resumes it when the platform delivers one of its commands again."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core.services import FollowThrough, Identity
from core.services.ports import Failure, SendError, SimulatedClock
from core.storage.database import Database
from core.storage.tables import GroupRow

ANA = Identity("slack", "T1", "U-ana", "Ana")


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

"""Planning the mornings (core.services.planner) on the real database: planning twice
writes one digest, and a member moving west gets no second one that day."""

from __future__ import annotations

import gc
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.services import Identity
from core.services.app import FollowThrough
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import MemberRow, OutboxRow

ANA = Identity("slack", "T1", "U-ana", "Ana")


BEN = Identity("slack", "T1", "U-ben", "Ben")

# The clock fixture starts on Monday 2026-03-02 at 07:00 UTC; a new group is on UTC
# with 08:00 mornings.
MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


THURSDAY_MORNING = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)  # 3 business days after Monday


def digests(db: Database) -> list[str]:
    with db.uow() as uow:
        return list(uow.session.scalars(select(OutboxRow.key).filter_by(kind="digest")))


def member_id(db: Database, who: Identity) -> int | None:
    with db.uow() as uow:
        return uow.session.scalar(select(MemberRow.id).filter_by(external_id=who.user_id))


def test_planning_again_at_the_same_instant_writes_no_second_digest(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    for who in (ANA, BEN):
        app.conversation.handle(who, "/lead", "add Julie Martin at Acme via email")
        app.conversation.handle(who, "/lead", "emailed julie")

    clock.advance_to(MONDAY_MORNING)
    written = [app.planner.plan(), app.planner.plan(), app.planner.plan()]
    clock.advance_to(THURSDAY_MORNING)
    written += [app.planner.plan(), app.planner.plan()]

    assert written == [2, 0, 0, 2, 0]
    ana, ben = member_id(db, ANA), member_id(db, BEN)
    assert sorted(digests(db)) == sorted(
        f"digest:{m}:{day}" for m in (ana, ben) for day in ("2026-03-02", "2026-03-05")
    )


def test_moving_west_after_the_digest_does_not_bring_the_same_day_again(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme via email")
    clock.advance_to(MONDAY_MORNING)
    assert app.planner.plan() == 1  # Monday's digest (a thin pipeline)

    clock.advance_to(MONDAY_MORNING + timedelta(minutes=5))  # 00:05 on Monday in LA
    moved = app.conversation.handle(ANA, "/followthrough", "me tz America/Los_Angeles")
    assert "Next digest: Tue Mar 3 at 08:00" in moved.text, moved.text
    for hours in (0, 8, 9):  # up to 09:05 on Monday in LA
        clock.advance_to(MONDAY_MORNING + timedelta(hours=hours, minutes=5))
        app.planner.plan()

    per_day = Counter(key.rsplit(":", 1)[1] for key in digests(db))
    assert per_day == {"2026-03-02": 1}


def test_planning_leaves_the_garbage_collector_as_it_found_it(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme via email")
    clock.advance_to(MONDAY_MORNING)
    assert gc.isenabled()
    assert app.planner.plan() == 1
    assert gc.isenabled()
    gc.disable()  # the process's own choice
    try:
        clock.advance_to(THURSDAY_MORNING)
        app.planner.plan()  # Thursday's morning: planned, with nothing to say
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Keys of requests applied once (core.storage.applied): let go, a key applies again;
past their month, keys are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.storage.database import Database


def test_a_key_let_go_is_applied_again_and_keys_past_their_month_are_pruned(
    db: Database,
) -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with db.uow() as uow:
        assert uow.applied.first("event:T1:Ev1", now)
        assert not uow.applied.first("event:T1:Ev1", now)
        uow.applied.forget("event:T1:Ev1")
        assert uow.applied.first("event:T1:Ev1", now)
        uow.commit()
    later = now + timedelta(days=31)
    with db.uow() as uow:
        assert uow.applied.first("event:T1:Ev2", later)  # and the month-old one goes
        assert uow.applied.first("event:T1:Ev1", later)

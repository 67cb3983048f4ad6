"""Keys of requests applied once (core.storage.applied): let go, a key applies again;
past their month, a key applies again, and old keys are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.storage.applied import PRUNE_ONE_IN
from core.storage.database import Database
from core.storage.tables import AppliedKeyRow


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
        assert uow.applied.first("event:T1:Ev2", later)
        assert uow.applied.first("event:T1:Ev1", later)  # past its month: applies again
        assert not uow.applied.first("event:T1:Ev1", later)


def test_keys_past_their_month_are_pruned_as_new_keys_come(db: Database) -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with db.uow() as uow:
        for n in range(10):
            uow.applied.first(f"old:{n}", now)
        uow.commit()
    later = now + timedelta(days=31)
    with db.uow() as uow:
        for n in range(4 * PRUNE_ONE_IN):  # one in PRUNE_ONE_IN prunes: surely one of these
            uow.applied.first(f"new:{n}", later)
        uow.commit()
        kept = select(func.count()).select_from(AppliedKeyRow).where(AppliedKeyRow.at == now)
        assert uow.session.scalar(kept) == 0

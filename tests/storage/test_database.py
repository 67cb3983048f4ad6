"""Units of work committed together (core.storage.database) on SQLite and PostgreSQL:
each is a savepoint of one transaction, kept only if it committed, and nothing of any of
them is durable, or seen by another connection, before that transaction commits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError

from core.services.ports import Conflict, SimulatedClock
from core.storage.database import Database
from core.storage.tables import GroupRow
from testkit import kit
from tests.storage.rows import NOW, add_group, add_member


def stored_groups(db: Database) -> set[str]:
    """The groups another connection sees (committed ones)."""
    with db.engine.connect() as connection:
        return set(connection.scalars(select(GroupRow.external_id)))


def test_units_of_work_together_keep_what_each_committed_once_their_transaction_commits(
    db: Database,
) -> None:
    with db.together() as batch:
        with db.uow() as uow:
            add_group(uow, "T1")
            uow.commit()
        with db.uow() as uow:  # refused: left without a commit
            add_group(uow, "T2")
        with db.uow() as uow:
            assert uow.groups.get("slack", "T1") is not None  # the batch's own work is seen
            assert uow.groups.get("slack", "T2") is None
            add_group(uow, "T3")
            uow.commit()
        assert stored_groups(db) == set()  # nothing durable before the one commit
        batch.commit()
    assert stored_groups(db) == {"T1", "T3"}


def test_a_conflict_in_one_unit_of_work_rolls_back_that_one_alone(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow, "T1")
        add_member(uow, group, "U1")
        uow.commit()
    with db.together() as batch:
        with db.uow() as uow:
            add_group(uow, "T2")
            uow.commit()
        with db.uow() as uow, pytest.raises(Conflict):  # PostgreSQL aborts its savepoint
            add_group(uow, "T3")
            add_member(uow, group, "U1")
        with db.uow() as uow:  # and the transaction goes on
            add_group(uow, "T4")
            uow.commit()
        batch.commit()
    assert stored_groups(db) == {"T1", "T2", "T4"}


def test_units_of_work_together_left_without_the_commit_keep_nothing(db: Database) -> None:
    with db.together(), db.uow() as uow:
        add_group(uow, "T1")
        uow.commit()
    assert stored_groups(db) == set()
    with db.uow() as uow:  # and the thread's units of work are their own again
        add_group(uow, "T2")
        uow.commit()
    assert stored_groups(db) == {"T2"}


def test_a_batch_knows_whether_anything_was_written_in_it(db: Database, database_url: str) -> None:
    with db.together() as batch:
        assert not batch.changed()  # nothing begun yet
        with db.uow() as uow:
            uow.groups.get("slack", "T1")
        # A read alone: SQLite can tell; PostgreSQL says so once it is used at all.
        assert batch.changed() is database_url.startswith("postgresql")
        with db.uow() as uow:  # written, then rolled back: it was written all the same
            add_group(uow, "T1")
        assert batch.changed()


def test_a_batch_that_waited_in_vain_for_the_write_lock_tries_again_with_its_next_unit(
    tmp_path: Path,
) -> None:
    """SQLite's one writer: batches are SQLite's alone (PostgreSQL commits each call)."""
    database_url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    with kit.services(database_url, SimulatedClock(NOW)) as services:
        _waits_in_vain_then_writes(services.database, database_url)


def _waits_in_vain_then_writes(db: Database, database_url: str) -> None:
    engine = create_engine(database_url, connect_args={"timeout": 0.05})
    impatient = Database(engine, SimulatedClock(NOW))
    try:
        with db.engine.connect() as writer:  # another connection holds the write lock
            writer.exec_driver_sql("BEGIN IMMEDIATE")
            with impatient.together() as batch:
                with pytest.raises(OperationalError), impatient.uow():
                    pass
                writer.rollback()
                with impatient.uow() as uow:
                    add_group(uow, "T1")
                    uow.commit()
                batch.commit()
    finally:
        impatient.engine.dispose()
    assert stored_groups(db) == {"T1"}

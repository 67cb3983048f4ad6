"""The outbox (core.storage.outbox) on SQLite and PostgreSQL: a key is written once, claims
come in order and under a lease, sent and failed rows are counted, and on PostgreSQL two
workers claim disjoint rows and two writers of one key write it once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from time import sleep

import pytest
from sqlalchemy import select, text

from core.domain.members import Group, Member
from core.domain.messages import Attachment, Button, Message, Section
from core.services.ports import Delivery, Outgoing, SimulatedClock
from core.storage.database import Database, make_engine
from core.storage.tables import OutboxRow
from tests.storage.rows import NOW, add_group, add_member, count, outgoing

# -- the outbox ----------------------------------------------------------------------


def test_a_key_is_written_once(db: Database, two_members: tuple[Group, Member, Member]) -> None:
    group, ana, _ = two_members
    with db.uow() as uow:
        assert uow.outbox.add(outgoing(group, ana, "digest:1:2026-03-02"), NOW) is True
        assert uow.outbox.add(outgoing(group, ana, "digest:1:2026-03-02"), NOW) is False
        uow.commit()
    with db.uow() as uow:
        assert uow.outbox.add(outgoing(group, ana, "digest:1:2026-03-02"), NOW) is False
        uow.commit()

    with db.uow() as uow:
        assert count(uow, OutboxRow) == 1
        assert uow.outbox.counts(NOW)["pending"] == 1


def test_a_claim_carries_the_addresses_and_the_message(db: Database) -> None:
    message = Message(
        "digest",
        "Due today (Monday, March 2):",
        (
            Section(
                "Follow up with Julie (#1)",
                why="3 business days since your email",
                draft="Hi Julie,\nJust following up.",
                buttons=(Button("Done", "followedup #1"), Button("Snooze 2 days", "snooze #1 2")),
            ),
            Section("Add a lead or two"),
        ),
        rules=("email-follow-up", "pipeline"),
        attachments=(Attachment("notes.txt", "é ✓", "text/plain"),),
    )
    with db.uow() as uow:
        group = add_group(uow, tz="America/New_York", channel="C-general")
        ana = add_member(uow, group, "U-ana", name="Ana", tz="Europe/Berlin")
        ben = add_member(uow, group, "U-ben", name="Ben")
        assert group.id is not None
        uow.outbox.add(Outgoing("dm-ana", group.id, ana.id, message, NOW), NOW)
        uow.outbox.add(outgoing(group, ben, "dm-ben", NOW + timedelta(minutes=1)), NOW)
        uow.outbox.add(
            outgoing(group, ana, "post", NOW + timedelta(minutes=2), to_channel=True), NOW
        )
        uow.outbox.add(
            outgoing(group, None, "board", NOW + timedelta(minutes=3), to_channel=True), NOW
        )
        uow.commit()

    with db.uow() as uow:
        claimed = uow.outbox.claim(NOW + timedelta(minutes=5), "w1", 10, 300)
        uow.commit()

    base = {"platform": "slack", "workspace_id": "T1", "channel": "C-general", "attempts": 0}
    base |= {"group_id": group.id, "worker": "w1", "lease_until": NOW + timedelta(minutes=10)}
    assert [d.key for d in claimed] == ["dm-ana", "dm-ben", "post", "board"]
    assert claimed[0] == Delivery(
        id=claimed[0].id,
        key="dm-ana",
        user_id="U-ana",
        recipient_tz="Europe/Berlin",
        recipient_name="Ana",
        message=message,
        member_id=ana.id,
        **base,
    )
    assert (claimed[1].user_id, claimed[1].recipient_tz, claimed[1].recipient_name) == (
        "U-ben",
        "America/New_York",  # no zone of his own: the group's
        "Ben",
    )
    for post in claimed[2:]:
        assert (post.user_id, post.recipient_tz, post.recipient_name) == (
            None,
            "America/New_York",
            "#group",
        )
    assert claimed[2].member_id == ana.id and claimed[3].member_id is None


def test_only_pending_rows_whose_time_has_come_are_claimed_in_order(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, _ = two_members
    with db.uow() as uow:
        uow.outbox.add(outgoing(group, ana, "second", NOW - timedelta(minutes=1)), NOW)
        uow.outbox.add(outgoing(group, ana, "first", NOW - timedelta(minutes=2)), NOW)
        uow.outbox.add(outgoing(group, ana, "third", NOW), NOW)
        uow.outbox.add(outgoing(group, ana, "later", NOW + timedelta(seconds=1)), NOW)
        uow.outbox.add(
            outgoing(group, ana, "missed", NOW - timedelta(hours=5), status="missed"), NOW
        )
        uow.commit()

    with db.uow() as uow:
        first_two = uow.outbox.claim(NOW, "w1", 2, 300)
        rest = uow.outbox.claim(NOW, "w1", 10, 300)
        uow.commit()

    assert [d.key for d in first_two] == ["first", "second"]
    assert [d.key for d in rest] == ["third"]


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, _ = two_members
    with db.uow() as uow:
        uow.outbox.add(outgoing(group, ana, "k"), NOW)
        uow.commit()

    def claim(at: datetime, worker: str) -> list[str]:
        with db.uow() as uow:
            keys = [d.key for d in uow.outbox.claim(at, worker, 10, 300)]
            uow.commit()
        return keys

    assert claim(NOW, "w1") == ["k"]
    with db.uow() as uow:
        assert uow.outbox.counts(NOW)["claimed"] == 1
    assert claim(NOW, "w2") == []
    assert claim(NOW + timedelta(seconds=300), "w2") == []
    assert claim(NOW + timedelta(seconds=301), "w2") == ["k"]  # w1 died holding it
    with db.uow() as uow:
        assert uow.session.scalar(select(OutboxRow.claimed_by)) == "w2"


def test_sent_and_failed_rows_are_counted_and_only_retries_come_back(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, ben = two_members
    with db.uow() as uow:
        for key in ("sent", "retry", "failed", "waiting"):
            uow.outbox.add(outgoing(group, ana, key), NOW)
        uow.outbox.add(outgoing(group, ben, "future", NOW + timedelta(days=1)), NOW)
        uow.commit()

    with db.uow() as uow:
        claimed = {d.key: d for d in uow.outbox.claim(NOW, "w1", 3, 300)}
        uow.commit()
    assert set(claimed) == {"sent", "retry", "failed"}
    retry_at = NOW + timedelta(minutes=2)
    with db.uow() as uow:
        uow.outbox.mark_sent(claimed["sent"], NOW, "ts-123")
        uow.outbox.mark_failed(claimed["retry"], "HTTP 503", retry_at)
        uow.outbox.mark_failed(claimed["failed"], "user_not_found " * 500, None)
        uow.commit()

    with db.uow() as uow:
        assert uow.outbox.counts(NOW) == {
            "pending": 3,  # "retry", "waiting", "future"
            "claimed": 0,
            "sent": 1,
            "failed": 1,
            "missed": 0,
        }
        sent = uow.session.scalar(select(OutboxRow).filter_by(key="sent"))
        failed = uow.session.scalar(select(OutboxRow).filter_by(key="failed"))
        assert sent is not None and failed is not None
        assert (sent.sent_at, sent.platform_message_id, sent.attempts) == (NOW, "ts-123", 1)
        assert failed.error is not None and len(failed.error) == 2000
        before_retry = [
            d.key for d in uow.outbox.claim(retry_at - timedelta(seconds=1), "w1", 10, 60)
        ]
        uow.rollback()
        at_retry = uow.outbox.claim(retry_at, "w1", 10, 60)

    assert before_retry == ["waiting"]
    assert sorted(d.key for d in at_retry) == ["retry", "waiting"]
    assert {d.key: d.attempts for d in at_retry}["retry"] == 1


def test_a_suspended_groups_rows_wait_and_a_released_claim_comes_back(db: Database) -> None:
    with db.uow() as uow:
        live, revoked = add_group(uow, "T1"), add_group(uow, "T2", suspended=True)
        uow.outbox.add(outgoing(live, None, "live:1"), NOW)
        uow.outbox.add(outgoing(live, None, "live:2"), NOW)
        uow.outbox.add(outgoing(revoked, None, "revoked"), NOW)
        uow.commit()

    with db.uow() as uow:
        first, second = uow.outbox.claim(NOW, "w1", 10, 300)
        uow.outbox.release(first.id)
        uow.commit()
    with db.uow() as uow:
        again = [d.key for d in uow.outbox.claim(NOW, "w2", 10, 300)]
        uow.outbox.release(worker="w1")
        uow.commit()
    with db.uow() as uow:
        last = [d.key for d in uow.outbox.claim(NOW, "w3", 10, 300)]

    assert [first.key, second.key] == ["live:1", "live:2"]
    assert again == ["live:1"]
    assert last == ["live:2"]


# -- PostgreSQL: several workers ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_claims_take_disjoint_rows(
    database_url: str, db: Database, clock: SimulatedClock
) -> None:
    """SQLite ignores FOR UPDATE SKIP LOCKED (it runs one worker), so PostgreSQL only."""
    with db.uow() as uow:
        group = add_group(uow)
        ana = add_member(uow, group, "U-ana")
        for n in range(6):
            uow.outbox.add(outgoing(group, ana, f"k{n}", NOW - timedelta(minutes=6 - n)), NOW)
        uow.commit()

    # A second process: its own engine, its own connections.
    other = Database(make_engine(database_url), clock)
    try:
        with db.uow() as first:
            mine = first.outbox.claim(NOW, "w1", 2, 300)  # its rows stay locked: not committed
            with other.uow() as second:
                # A regression to a plain FOR UPDATE would block here: fail instead.
                second.session.execute(text("SET LOCAL lock_timeout = '5s'"))
                theirs = second.outbox.claim(NOW, "w2", 10, 300)
                second.commit()
            first.commit()
    finally:
        other.engine.dispose()

    assert [d.key for d in mine] == ["k0", "k1"]
    assert [d.key for d in theirs] == ["k2", "k3", "k4", "k5"]
    with db.uow() as uow:
        owners = dict(uow.session.execute(select(OutboxRow.key, OutboxRow.claimed_by)).all())
        assert uow.outbox.claim(NOW, "w3", 10, 300) == []
    assert owners == {"k0": "w1", "k1": "w1", "k2": "w2", "k3": "w2", "k4": "w2", "k5": "w2"}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_writers_of_one_key_at_once_write_it_once_and_neither_fails(
    database_url: str, db: Database, clock: SimulatedClock
) -> None:
    """Two planners posting the same weekly board: `groups.board_due` takes no lock."""
    with db.uow() as uow:
        group = add_group(uow, channel="C-general")
        uow.commit()
    board = outgoing(group, None, "board:1:2026-03-02", to_channel=True)

    other = Database(make_engine(database_url), clock)
    first_uow, second_uow = db.uow(), other.uow()
    first, second = first_uow.__enter__(), second_uow.__enter__()
    outcome: list[object] = []

    def add_and_commit_second() -> None:
        try:
            second.session.execute(text("SET LOCAL lock_timeout = '10s'"))
            # Blocks on the key while the first transaction holds it, then writes nothing.
            outcome.append(second.outbox.add(board, NOW))
            second.commit()
            outcome.append("committed")
        except Exception as error:
            outcome.append(error)

    waiter = threading.Thread(target=add_and_commit_second)
    try:
        assert first.outbox.add(board, NOW) is True
        first.session.flush()  # its row holds the key until it commits
        waiter.start()
        sleep(0.3)  # let the second block on the key
        first.commit()
    finally:
        first_uow.__exit__(None, None, None)  # whatever happened, release the key first
        if waiter.ident is not None:
            waiter.join(15)
        second_uow.__exit__(None, None, None)
        other.engine.dispose()

    with db.uow() as uow:
        assert count(uow, OutboxRow) == 1
    # `Outbox.add`: a key written before is not written again, and nobody's transaction
    # fails for it (the second planner's whole tick would be lost).
    assert outcome == [False, "committed"]

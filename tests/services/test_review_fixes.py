"""What the final review found: delivery that never resumed, reads that waited on locks,
admin notices that could be doubled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from core.services import FollowThrough, Identity
from core.services.ports import Failure, SendError, SimulatedClock
from core.storage.database import Database
from core.storage.tables import GroupRow, MemberRow

ANA = Identity("slack", "T1", "U-ana", "Ana")


def suspended(db: Database) -> bool:
    with db.uow() as uow:
        return bool(uow.session.scalar(select(GroupRow.suspended)))


def test_a_suspended_group_resumes_when_the_platform_delivers_a_command_again(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.handle(ANA, "/lead", "add Julie at Acme")
    clock.advance_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    app.plan()
    (digest,) = app.claim("w1")
    app.failed(digest, SendError("token_revoked", Failure.FATAL))
    assert suspended(db)
    assert app.claim("w1") == []  # nothing goes out while the token is refused
    app.handle(ANA, "/lead", "list")  # a reinstall: the platform delivers commands again
    assert not suspended(db)
    assert [d.key for d in app.claim("w1")] == [digest.key]


@pytest.mark.postgres
def test_reads_for_autocomplete_and_home_never_wait_on_a_members_lock(
    empty_postgres: str, clock: SimulatedClock
) -> None:
    from testkit.kit import services

    with services(empty_postgres, clock) as built:
        app = built.app
        app.handle(ANA, "/lead", "add Julie at Acme")
        engine = built.database.engine
        with engine.connect() as holder:  # a long command or planning batch holds Ana
            holder.execute(text("SET LOCAL lock_timeout = '30s'"))
            holder.execute(select(MemberRow).with_for_update())
            answers: list[object] = []
            reader = threading.Thread(
                target=lambda: answers.extend(
                    [app.lead_choices(ANA, "jul"), app.day_choices(ANA), app.home(ANA)]
                )
            )
            reader.start()
            reader.join(timeout=10)
            assert not reader.is_alive(), "a read waited on the member's row lock"
            holder.rollback()
        assert answers[0] == [("#1 Julie at Acme · new", "#1")]


def test_a_new_zone_recounts_the_points_its_days_decide(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    app.handle(ANA, "/lead", "add Julie at Acme")  # Monday 07:00 UTC: 1 point
    clock.advance_to(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    app.handle(ANA, "/lead", "emailed julie")  # Monday in UTC: 1 point
    clock.advance_to(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    app.handle(ANA, "/lead", "emailed julie")  # Tuesday in UTC: 1 more
    assert "1. Ana: 3 points" in app.handle(ANA, "/leaderboard", "week").plain_text()
    # In New York both emails were on Monday evening: the same email twice counts once.
    app.handle(ANA, "/followthrough", "me tz America/New_York")
    assert "1. Ana: 2 points" in app.handle(ANA, "/leaderboard", "week").plain_text()


def test_a_press_with_a_key_is_applied_once_wherever_it_is_repeated(
    app: FollowThrough, db: Database
) -> None:
    app.handle(ANA, "/lead", "add Julie at Acme")
    first = app.handle(ANA, "/lead", "followedup #1", once="press:m1:done")
    again = app.handle(ANA, "/lead", "followedup #1", once="press:m1:done")
    assert first.plain_text().startswith("Logged: followedup")
    assert again.plain_text().startswith("Already done") and again.repeat
    assert not first.repeat
    history = app.handle(ANA, "/lead", "show #1").plain_text()
    assert history.count("followedup") == 1


def test_a_read_with_a_key_keeps_none_but_an_export_is_sent_once(
    app: FollowThrough, db: Database
) -> None:
    """A read run again changes nothing: it answers again and writes no key (a key is a
    write, every read's on SQLite's one write lock). An export's file goes once."""
    app.handle(ANA, "/lead", "add Julie at Acme")
    for _ in range(2):
        listed = app.handle(ANA, "/lead", "list", once="command:T1:trigger-list")
        assert "Julie" in listed.plain_text() and not listed.repeat
    first = app.handle(ANA, "/followthrough", "export", once="command:T1:trigger-export")
    again = app.handle(ANA, "/followthrough", "export", once="command:T1:trigger-export")
    assert first.attachments and not first.repeat
    assert again.repeat and not again.attachments
    with db.engine.connect() as connection:
        keys = connection.execute(text("SELECT key FROM applied_keys")).scalars().all()
    assert keys == ["command:T1:trigger-export"]


def test_a_refused_press_keeps_no_key_so_it_can_be_pressed_again(app: FollowThrough) -> None:
    refused = app.handle(ANA, "/lead", "followedup #1", once="press:m2:done")
    assert refused.kind == "error"  # there is no lead #1 yet
    app.handle(ANA, "/lead", "add Julie at Acme")
    applied = app.handle(ANA, "/lead", "followedup #1", once="press:m2:done")
    assert applied.plain_text().startswith("Logged: followedup")

"""The member's overview and autocomplete's choices are reads: they never wait on a
member's row lock (PostgreSQL) held by a long command or a planning batch."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from core.services import Identity
from core.services.ports import SimulatedClock
from core.storage.tables import MemberRow
from testkit.kit import services

ANA = Identity("slack", "T1", "U-ana", "Ana")


@pytest.mark.postgres
def test_reads_for_autocomplete_and_home_never_wait_on_a_members_lock(
    empty_postgres: str, clock: SimulatedClock
) -> None:
    with services(empty_postgres, clock) as built:
        app = built.app
        app.conversation.handle(ANA, "/lead", "add Julie at Acme")
        engine = built.database.engine
        with engine.connect() as holder:  # a long command or planning batch holds Ana
            holder.execute(text("SET LOCAL lock_timeout = '30s'"))
            holder.execute(select(MemberRow).with_for_update())
            answers: list[object] = []
            reader = threading.Thread(
                target=lambda: answers.extend(
                    [
                        app.conversation.lead_choices(ANA, "jul"),
                        app.conversation.day_choices(ANA),
                        app.conversation.home(ANA),
                    ]
                )
            )
            reader.start()
            reader.join(timeout=10)
            assert not reader.is_alive(), "a read waited on the member's row lock"
            holder.rollback()
        assert answers[0] == [("#1 Julie at Acme · new", "#1")]

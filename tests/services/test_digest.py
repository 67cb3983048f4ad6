"""The morning digest as a member meets it: one message, counted right, and `/lead today`
showing what the digest says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bots.bootstrap import Services
from core.domain.text import plain
from core.services import FollowThrough, Identity, Message
from core.services.ports import Delivery, SimulatedClock

ANA = Identity("slack", "T1", "U-ana", "Ana")
MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app(services: Services) -> FollowThrough:
    app = services.app
    app.join(ANA)  # known already: no welcome in the answers below
    return app


def say(app: FollowThrough, line: str) -> Message:
    command, _, text = line.partition(" ")
    return app.handle(ANA, command, text)


def morning(app: FollowThrough, clock: SimulatedClock, at: datetime) -> list[Delivery]:
    """What planning `at` wrote for Ana (left in the outbox)."""
    clock.advance_to(at)
    app.plan()
    claimed = app.claim("test")
    app.release(worker="test")
    return [d for d in claimed if d.user_id == ANA.user_id]


def test_the_pipeline_nudge_counts_the_leads_just_added(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    for name in ("Julie at Acme", "Sam at Globex", "Li at Initech", "Kim at Umbrella"):
        say(app, f"/lead add {name}")
    (digest,) = morning(app, clock, MONDAY_MORNING)
    assert "You have 4 active leads; aim for at least 5." in plain(digest.message.plain_text())

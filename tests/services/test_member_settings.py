"""A member's own settings: a new zone recounts the points its days decide."""

from __future__ import annotations

from datetime import UTC, datetime

from core.services import FollowThrough, Identity
from core.services.ports import SimulatedClock

ANA = Identity("slack", "T1", "U-ana", "Ana")


def test_a_new_zone_recounts_the_points_its_days_decide(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")  # Monday 07:00 UTC: 1 point
    clock.advance_to(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    app.conversation.handle(ANA, "/lead", "emailed julie")  # Monday in UTC: 1 point
    clock.advance_to(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    app.conversation.handle(ANA, "/lead", "emailed julie")  # Tuesday in UTC: 1 more
    assert "1. Ana: 3 points" in app.conversation.handle(ANA, "/leaderboard", "week").plain_text()
    # In New York both emails were on Monday evening: the same email twice counts once.
    app.conversation.handle(ANA, "/followthrough", "me tz America/New_York")
    assert "1. Ana: 2 points" in app.conversation.handle(ANA, "/leaderboard", "week").plain_text()

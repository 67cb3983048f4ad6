"""`/lead today` (core.services.reads) shows what this morning's digest said, and tells a
paused member so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.text import plain
from core.services import FollowThrough, Identity, Message
from core.services.ports import Delivery, SimulatedClock

ANA = Identity("slack", "T1", "U-ana", "Ana")


MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    app.conversation.join(ANA)  # known already: no welcome in the answers below
    return app


def say(app: FollowThrough, line: str) -> Message:
    command, _, text = line.partition(" ")
    return app.conversation.handle(ANA, command, text)


def morning(app: FollowThrough, clock: SimulatedClock, at: datetime) -> list[Delivery]:
    """What planning `at` wrote for Ana (left in the outbox)."""
    clock.advance_to(at)
    app.planner.plan()
    claimed = app.outbox.claim("test")
    app.outbox.release(worker="test")
    return [d for d in claimed if d.user_id == ANA.user_id]


def test_lead_today_shows_the_pipeline_nudge_this_mornings_digest_gave(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/lead add Julie at Acme")
    (digest,) = morning(app, clock, MONDAY_MORNING)
    assert digest.message.rules == ("pipeline",)
    clock.advance_to(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    today = say(app, "/lead today")
    assert today.text == "Due today (Monday, March 2):"
    assert today.sections == digest.message.sections


def test_a_paused_member_is_told_so_by_lead_today_and_still_sees_what_is_due(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/lead add Julie at Acme")
    say(app, "/lead emailed julie")
    say(app, "/followthrough pause")
    assert morning(app, clock, datetime(2026, 3, 5, 8, 0, tzinfo=UTC)) == []  # no digest
    today = say(app, "/lead today")
    assert "Your morning digests are paused (`/followthrough resume`" in today.text
    assert today.rules == ("email-follow-up", "pipeline")
    say(app, "/lead replied julie")
    say(app, "/lead add Sam at Globex")
    say(app, "/lead add Li at Initech")
    say(app, "/lead add Kim at Umbrella")
    say(app, "/lead add Bo at Hooli")
    nothing = plain(say(app, "/lead today").text)
    assert nothing.startswith("Nothing is due today, Ana. Nice work.\nYour morning digests are")

"""`/lead today` (core.services.reads) shows what this morning's digest said, and tells a
paused member so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.text import plain
from core.services import FollowThrough
from core.services.ports import SimulatedClock
from tests.services.test_mornings import ANA, MONDAY_MORNING, morning, say


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    app.conversation.join(ANA)  # known already: no welcome in the answers below
    return app


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

"""The morning digest (core.services.mornings) as a member meets it: one message, counted
right, its five most pressing actions first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.text import plain
from core.services import FollowThrough, Identity, Message, Section
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


def test_the_pipeline_nudge_counts_the_leads_just_added(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    for name in ("Julie at Acme", "Sam at Globex", "Li at Initech", "Kim at Umbrella"):
        say(app, f"/lead add {name}")
    (digest,) = morning(app, clock, MONDAY_MORNING)
    assert "You have 4 active leads; aim for at least 5." in plain(digest.message.plain_text())


def test_many_actions_due_make_one_digest_of_the_five_most_pressing(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    for n in range(1, 13):
        say(app, f"/lead add Contact{n} at Company{n}")
        say(app, f"/lead emailed #{n}")
    (digest,) = morning(app, clock, datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    assert digest.key.endswith(":2026-03-05")  # one key per member per local date
    message = digest.message
    assert plain(message.text) == "Good morning, Ana! 12 things to do this Thursday, March 5:"
    assert [s.buttons[0].command for s in message.sections[:5]] == [
        f"/lead followedup #{n}" for n in range(1, 6)
    ]
    assert message.sections[5:] == (
        Section("7 more things to do today: `/lead today` shows them all."),
    )
    today = say(app, "/lead today")
    assert today.rules == ("email-follow-up",) * 12
    assert today.sections[:5] == message.sections[:5]
    # An ignored nudge repeats the next business morning: the same five come first.
    (friday,) = morning(app, clock, datetime(2026, 3, 6, 8, 0, tzinfo=UTC))
    assert [s.buttons[0].command for s in friday.message.sections[:5]] == [
        f"/lead followedup #{n}" for n in range(1, 6)
    ]

"""The Monday board (core.services.boards) comes with the week's picture: its alt text and
words add up to the board's own totals, name nobody, and stand in for the picture where
none can be shown; a member's own week is drawn the same way."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from core.services import FollowThrough, Identity
from core.services.boards import my_week_picture
from core.services.ports import Delivery, SimulatedClock
from testkit.storage import FakeStorage

COACH = Identity("slack", "T1", "U-coach", "Coach", is_admin=True)
ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T1", "U-ben", "Ben")
# The clock starts on Monday 2026-03-02 at 07:00 UTC; the group is on UTC, mornings 08:00.
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
THURSDAY = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def app(storage: FakeStorage, clock: SimulatedClock) -> FollowThrough:
    return FollowThrough(storage.uow, clock)


def busy_week(app: FollowThrough, clock: SimulatedClock) -> None:
    """Tuesday: Ana emails two leads, Ben calls one. Thursday: Ana's first lead refers her
    on (a chain grows), Ben follows up."""
    app.conversation.handle(COACH, "/followthrough", "group channel C0GROUP0001")
    monday_board(app, clock, MONDAY)  # last week's, before anyone joined
    clock.advance_to(TUESDAY)
    for text in (
        "add Julie Martin at Acme via email",
        "add Omar Haddad at Globex via email",
        "emailed julie",
        "emailed omar",
    ):
        app.conversation.handle(ANA, "/lead", text)
    app.conversation.handle(BEN, "/lead", "add Zoe Lin at Initech")
    app.conversation.handle(BEN, "/lead", "called zoe")
    app.conversation.handle(BEN, "/lead", "add Sam Reyes at Hooli via email")
    app.conversation.handle(BEN, "/lead", "emailed sam")
    clock.advance_to(THURSDAY)
    app.conversation.handle(ANA, "/lead", "referral julie -> Kim Park at Acme Finance")
    app.conversation.handle(BEN, "/lead", "followedup sam")


def monday_board(
    app: FollowThrough, clock: SimulatedClock, when: datetime = NEXT_MONDAY
) -> Delivery:
    clock.advance_to(when)
    app.planner.plan()
    (board,) = [d for d in app.outbox.claim("w1") if d.key.startswith("board:")]
    return board


def test_the_monday_board_comes_with_a_picture_of_the_week_that_adds_up_to_its_totals(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    busy_week(app, clock)

    board = monday_board(app, clock)

    message = board.message
    assert "Together: 3 emails · 1 follow-up · 1 call · 1 referral" in message.plain_text()
    (picture,) = message.attachments
    assert picture.filename == "group-week-2026-03-02.png"
    assert picture.media_type == "image/png"
    assert isinstance(picture.content, bytes) and picture.content.startswith(PNG)
    assert Image.open(io.BytesIO(picture.content)).size == (960, 540)
    # 3 emails + 1 follow-up + 1 call + 1 referral, the board's totals: 4 on Tuesday.
    assert picture.alt == (
        "Bar chart of the group's week, Mon Mar 2 to Sun Mar 8: 6 actions, most on"
        " Tuesday (4); 1 referral chain grew."
    )
    assert picture.fallback == (
        "The group's week, Mon Mar 2 to Sun Mar 8: 6 actions.\n"
        "By day: Mon 0 · Tue 4 · Wed 0 · Thu 2 · Fri 0 · Sat 0 · Sun 0.\n"
        "By kind: 3 emails · 1 follow-up · 1 call · 1 referral.\n"
        "1 referral chain grew."
    )
    # A terminal (and Slack's notification text) shows the words in the picture's place.
    assert message.plain_text().endswith(picture.fallback)


def test_the_pictures_words_name_no_member_contact_or_company(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    busy_week(app, clock)

    (picture,) = monday_board(app, clock).message.attachments

    words = f"{picture.alt} {picture.fallback} {picture.filename}"
    for name in ("Ana", "Ben", "Julie", "Omar", "Zoe", "Sam", "Kim", "Acme", "Globex", "Hooli"):
        assert name not in words
    assert b"Julie" not in picture.data and b"Acme" not in picture.data


def test_where_no_picture_can_be_shown_the_board_carries_its_words_and_nothing_is_drawn(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    busy_week(app, clock)
    app.planner.pictures = False  # what the console and the simulator set

    message = monday_board(app, clock).message

    assert message.attachments == ()
    assert message.sections[-1].text == (
        "The group's week, Mon Mar 2 to Sun Mar 8: 6 actions.\n"
        "By day: Mon 0 · Tue 4 · Wed 0 · Thu 2 · Fri 0 · Sat 0 · Sun 0.\n"
        "By kind: 3 emails · 1 follow-up · 1 call · 1 referral.\n"
        "1 referral chain grew."
    )


def test_a_quiet_weeks_board_says_so_without_a_picture_of_nothing(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    app.conversation.handle(COACH, "/followthrough", "group channel C0GROUP0001")

    message = monday_board(app, clock, MONDAY).message

    assert "a quiet one" in message.text
    assert message.attachments == () and message.sections == ()


def test_a_members_own_week_is_drawn_from_their_actions_alone(
    app: FollowThrough, storage: FakeStorage, clock: SimulatedClock
) -> None:
    busy_week(app, clock)
    with storage.uow() as uow:
        group = uow.groups.get("slack", "T1")
        assert group is not None and group.id is not None
        ana = uow.members.get(group.id, ANA.user_id, lock=False)
        assert ana is not None
        picture = my_week_picture(uow, group, ana, THURSDAY)

    assert picture.filename == "my-week-2026-03-02.png"
    assert picture.data.startswith(PNG)
    assert picture.alt == (
        "Bar chart of your week, Mon Mar 2 to Sun Mar 8: 3 actions, most on Tuesday (2);"
        " 1 referral chain grew."
    )


def test_a_member_with_nothing_logged_gets_the_picture_that_says_so(
    app: FollowThrough, storage: FakeStorage, clock: SimulatedClock
) -> None:
    busy_week(app, clock)
    app.conversation.handle(Identity("slack", "T1", "U-cy", "Cy"), "/lead", "list")
    with storage.uow() as uow:
        group = uow.groups.get("slack", "T1")
        assert group is not None and group.id is not None
        cy = uow.members.get(group.id, "U-cy", lock=False)
        assert cy is not None
        picture = my_week_picture(uow, group, cy, THURSDAY)

    assert picture.data.startswith(PNG)
    assert picture.alt == (
        "Bar chart of your week, Mon Mar 2 to Sun Mar 8: no actions logged yet;"
        " no referral chain grew."
    )

"""`/lead list` a page at a time, `/lead stats` from what was logged, and the organisers'
`/followthrough group report` (core.services.insights)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.domain.messages import Message, MessageKind
from core.domain.replies import NOT_ORGANISER
from core.services import FollowThrough, Identity
from core.services.ports import SimulatedClock
from testkit.storage import FakeEvents, FakeMemberLeads

ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T1", "U-ben", "Ben")
COACH = Identity("slack", "T1", "U-coach", "Coach", is_admin=True)
MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def say(app: FollowThrough, who: Identity, line: str) -> Message:
    command, _, text = line.partition(" ")
    return app.conversation.handle(who, command, text)


@pytest.fixture
def app(app: FollowThrough, clock: SimulatedClock) -> FollowThrough:
    clock.advance_to(MONDAY)
    for who in (ANA, BEN, COACH):
        app.conversation.join(who)  # known already: no welcome in the answers below
    return app


def buttons(message: Message) -> list[str]:
    return [b.command for s in message.sections for b in s.buttons]


def test_a_long_list_is_shown_ten_at_a_time_with_buttons_to_the_others(app: FollowThrough) -> None:
    for n in range(1, 24):
        say(app, ANA, f"/lead add Person {n} at Company {n}")
    first = say(app, ANA, "/lead list")
    assert first.text == "Your 23 active leads (1–10):"
    assert "#10 Person 10" in first.plain_text() and "#11 " not in first.plain_text()
    assert buttons(first) == ["/lead list page 2"]
    second = say(app, ANA, "/lead list page 2")
    assert buttons(second) == ["/lead list page 1", "/lead list page 3"]
    last = say(app, ANA, "/lead list page 3")
    assert last.text == "Your 23 active leads (21–23):" and buttons(last) == ["/lead list page 2"]
    assert say(app, ANA, "/lead list page 99").sections == last.sections  # past the end
    assert "Page 3 of 3" in last.plain_text()
    assert not first.changed  # a read


def test_a_list_filtered_by_stage_or_what_is_due(app: FollowThrough, clock: SimulatedClock) -> None:
    for n in range(1, 5):
        say(app, ANA, f"/lead add Person {n} at Company {n}")
    say(app, ANA, "/lead emailed #1")
    say(app, ANA, "/lead emailed #2")
    say(app, ANA, "/lead replied #2")
    say(app, ANA, "/lead interviewed #2")
    say(app, ANA, "/lead drop #4")
    assert "#2 Person 2" in say(app, ANA, "/lead list interview").plain_text()
    assert say(app, ANA, "/lead list interview").text == "Your 1 lead at the interviewed stage:"
    assert say(app, ANA, "/lead list due").text.startswith("Nothing is due now.")
    clock.advance_to(MONDAY + timedelta(days=3))  # Thursday: the email of Monday is due
    due = say(app, ANA, "/lead list due")
    assert due.text == "Due now, 1 lead:" and "#1 Person 1" in due.plain_text()
    assert "due now: a follow-up (Re:)" in due.plain_text()
    assert "#4" in say(app, ANA, "/lead list closed").plain_text()
    assert "#4" not in say(app, ANA, "/lead list").plain_text()
    assert "None of your leads is in offer now" in say(app, ANA, "/lead list offer").text


def test_a_pressed_page_is_the_pressers_own_leads_whatever_the_button_says(
    app: FollowThrough,
) -> None:
    for n in range(1, 15):
        say(app, ANA, f"/lead add Secret {n} at Hidden {n}")
    say(app, BEN, "/lead add Zed at Initech")
    (pressed,) = buttons(say(app, ANA, "/lead list"))
    command, _, text = pressed.partition(" ")
    seen = app.conversation.handle(BEN, command, text, once="press:1")  # Ben presses it
    assert "Secret" not in seen.plain_text() and "Zed" in seen.plain_text()


def test_stats_count_the_leads_added_in_the_period_and_how_far_they_got(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, ANA, "/lead add Julie at Acme via email")
    say(app, ANA, "/lead add Omar at Globex via linkedin")
    say(app, ANA, "/lead add at Initech")
    say(app, ANA, "/lead emailed julie")
    say(app, ANA, "/lead emailed omar")
    say(app, ANA, "/lead applied initech online")
    clock.advance_to(MONDAY + timedelta(days=2))
    say(app, ANA, "/lead replied julie")
    say(app, ANA, "/lead referral julie -> Sam Lee at Umbrella")
    clock.advance_to(MONDAY + timedelta(days=7))  # the next week
    say(app, ANA, "/lead add Kim at Hooli")
    text = say(app, ANA, "/lead stats").plain_text()
    assert "Your search, all time: 5 leads added" in text
    assert "Contacted: 3 · 60 % (3 of 5) of those added" in text  # five: a percentage
    assert "Replied: 1 · 1 of 3 of those contacted" in text
    assert "Email: 1 of 1 replied, in about 2 days" in text
    assert "LinkedIn: 0 of 1 replied" in text
    assert "Application: 0 of 1 replied" in text
    assert "Cold: 1 of 3 replied" in text  # Sam, referred, was not reached yet
    assert "new: under a day (3 leads)" in text
    week = say(app, ANA, "/lead stats week").plain_text()
    assert week.startswith("Your search, this week (since Mon Mar 9): 1 lead added")


def test_the_weeks_stats_come_with_the_members_week_drawn(app: FollowThrough) -> None:
    say(app, ANA, "/lead add Julie at Acme via email")
    say(app, ANA, "/lead emailed julie")
    [picture] = say(app, ANA, "/lead stats week").attachments
    assert picture.media_type == "image/png" and picture.data.startswith(b"\x89PNG")
    assert picture.alt is not None and "1 action," in picture.alt  # the email
    assert picture.fallback  # the words where a picture can't be shown
    assert say(app, ANA, "/lead stats").attachments == ()  # all time: no week to draw


def test_the_report_is_for_organisers_only_and_writes_nothing(app: FollowThrough) -> None:
    say(app, ANA, "/lead add Julie at Acme")
    refused = say(app, ANA, "/followthrough group report")
    assert refused.kind is MessageKind.ERROR and refused.text == NOT_ORGANISER
    report = say(app, COACH, "/followthrough group report")
    assert report.kind is MessageKind.REPLY and not report.changed


def test_the_report_names_no_contact_no_note_and_only_shared_companies(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, ANA, "/lead add Julie Martin at Acme")
    say(app, ANA, "/lead emailed julie sent my portfolio to julie@acme.com")
    say(app, ANA, "/lead note julie prefers calls")
    say(app, BEN, "/lead add Omar Haddad at Globex")
    say(app, BEN, "/lead emailed omar")
    say(app, ANA, "/followthrough share companies on")
    clock.advance_to(MONDAY + timedelta(days=7))  # both follow-ups overdue since Thursday
    text = say(app, COACH, "/followthrough group report").plain_text()
    for secret in ("Julie", "Martin", "Omar", "Haddad", "portfolio", "calls", "Globex"):
        assert secret not in text
    assert "Ana · 0 actions this week · 1 overdue (Acme) · last action 7 days ago" in text
    assert "Ben · 0 actions this week · 1 overdue · last action 7 days ago" in text
    clock.advance_to(MONDAY + timedelta(days=8))  # Tuesday: 5 business days since Monday
    assert "Ana · QUIET" in say(app, COACH, "/followthrough group report").plain_text()


def test_members_off_the_board_are_counted_and_never_named(app: FollowThrough) -> None:
    say(app, ANA, "/lead add Julie at Acme")
    say(app, ANA, "/followthrough board off")
    text = say(app, COACH, "/followthrough group report").plain_text()
    assert "Ana" not in text
    assert "Off the board (counted, not named): 1 member, 1 action this week" in text


def test_a_big_group_is_reported_a_page_at_a_time_the_quiet_first(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    for n in range(25):
        who = Identity("slack", "T1", f"U{n:02d}", f"Member {n:02d}")
        say(app, who, "/lead add Julie at Acme")
    clock.advance_to(MONDAY + timedelta(days=8))
    say(app, Identity("slack", "T1", "U07", "Member 07"), "/lead emailed julie")
    first = say(app, COACH, "/followthrough group report")
    assert "Page 1 of 3 · quiet members first" in first.plain_text()
    assert buttons(first) == ["/followthrough group report page 2"]
    last = say(app, COACH, "/followthrough group report page 3")
    # 27 of the 28 never logged anything, or not for 5 business days: Member 07 is last.
    assert last.plain_text().split("\n\n")[1].splitlines()[-2].startswith("Member 07 · 1 action")
    assert "27 quiet" in first.text


def test_a_list_or_stats_never_read_all_of_a_members_leads(
    app: FollowThrough, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(1, 14):
        say(app, ANA, f"/lead add Person {n} at Company {n}")

    def everything(self: object) -> None:
        raise AssertionError("all of the member's leads were read")

    monkeypatch.setattr(FakeMemberLeads, "all", everything)
    monkeypatch.setattr(FakeEvents, "for_member", everything)
    for asked in ("/lead list", "/lead list all page 2", "/lead list due", "/lead stats"):
        assert say(app, ANA, asked).kind is MessageKind.REPLY, asked
    assert say(app, COACH, "/followthrough group report").kind is MessageKind.REPLY

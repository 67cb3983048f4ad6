"""What a member's calendar holds (core.domain.agenda): an interview to come as a timed
event in their zone, and each lead's next follow-up as an all-day event on the business
day the digest will say it, within four weeks."""

from __future__ import annotations

from datetime import date, time, timedelta

from core.domain.agenda import FEED_DAYS, feed, follow_up, interview
from core.domain.leads import Action, schedule_interview
from core.domain.rules import Context
from core.domain.settings import PlaybookSettings
from tests.domain.test_rules import CTX, US, d, lead_after, local

EIGHT = time(8, 0)


def test_a_follow_up_is_an_all_day_event_on_the_day_it_is_due_and_leaves_one_free() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), id=4)
    entry = follow_up(lead, CTX, d("2026-03-02"), EIGHT)
    assert entry is not None
    assert (entry.start, entry.busy, entry.length) == (d("2026-03-05"), False, None)
    assert (entry.uid, entry.summary) == ("follow-up-4@followthrough", "Follow up (Re:): Acme")
    assert "08:00 (America/New_York)" in entry.description


def test_an_overdue_follow_up_is_on_today_and_one_due_on_a_day_off_on_the_next_business_day() -> (
    None
):
    lead = lead_after((Action.EMAILED, "2026-03-02"), id=4)
    assert follow_up(lead, CTX, d("2026-03-10"), EIGHT).start == d("2026-03-10")  # type: ignore[union-attr]
    rejected = lead_after((Action.REJECTED, "2026-03-06"), id=5)  # a Friday
    assert follow_up(rejected, CTX, d("2026-03-06"), EIGHT).start == d("2026-03-09")  # type: ignore[union-attr]


def test_a_snoozed_lead_is_on_the_day_its_snooze_ends() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), id=4, snoozed_until=date(2026, 3, 16))
    assert follow_up(lead, CTX, d("2026-03-02"), EIGHT).start == d("2026-03-16")  # type: ignore[union-attr]


def test_nothing_past_four_weeks_nothing_once_asked_still_pursuing_nothing_when_closed() -> None:
    network = lead_after(id=6, network=True)  # keep in touch: 30 days after it was added
    assert follow_up(network, CTX, d("2026-03-02"), EIGHT) is None
    first_shown = d("2026-04-01") - timedelta(days=FEED_DAYS)
    assert follow_up(network, CTX, first_shown, EIGHT) is not None
    asked = lead_after((Action.EMAILED, "2026-03-02"), id=7)
    asked.nudge_asked = True
    assert follow_up(asked, CTX, d("2026-03-02"), EIGHT) is None
    dropped = lead_after((Action.EMAILED, "2026-03-02"), (Action.DROPPED, "2026-03-03"), id=8)
    assert follow_up(dropped, CTX, d("2026-03-03"), EIGHT) is None


def test_an_interview_is_an_hour_at_its_time_and_only_the_members_own_file_names_the_contact() -> (
    None
):
    lead = lead_after((Action.EMAILED, "2026-03-02"), id=9, role="Data Engineer")
    schedule_interview(lead, local("2026-03-10", "14:00"), "interview-9-a@followthrough")
    own = interview(lead, US, private=True)
    shared = interview(lead, US, private=False)
    assert own.start == local("2026-03-10", "14:00").astimezone(US.tz)
    assert own.start.tzinfo is US.tz and own.length == timedelta(hours=1)  # type: ignore[union-attr]
    assert "With Julie Martin." in own.description and "Role: Data Engineer." in own.description
    assert "Julie" not in shared.description and "Data Engineer" not in shared.description
    assert (own.uid, own.sequence, own.busy) == ("interview-9-a@followthrough", 0, True)
    gone = interview(lead, US, private=True, cancelled=True)
    assert (gone.uid, gone.sequence, gone.cancelled) == (own.uid, 1, True)


def test_a_lead_with_an_interview_to_come_has_no_follow_up_in_the_feed() -> None:
    lead = lead_after((Action.EMAILED, "2026-03-02"), id=9)
    schedule_interview(lead, local("2026-03-10", "14:00"), "interview-9-a@followthrough")
    other = lead_after((Action.EMAILED, "2026-03-02"), id=10)
    other.number, other.company = 2, "Globex"
    ctx = Context(US, PlaybookSettings())
    entries = feed([lead, other], ctx, d("2026-03-02"), EIGHT)
    assert [e.summary for e in entries] == ["Follow up (Re:): Globex", "Interview: Acme"]

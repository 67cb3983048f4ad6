"""`/lead interview` as a member meets it: the answer and its .ics (read back with the
icalendar library), the digest of the interview's morning and the one after, and a
daylight-saving change between the day it is set and the day it comes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core.domain.messages import Attachment, Message
from core.domain.text import plain
from core.services import FollowThrough, Identity
from core.services.ports import SimulatedClock
from tests.services.test_mornings import morning

ANA = Identity("slack", "T1", "U-ana", "Ana")
PARIS = ZoneInfo("Europe/Paris")
# The clock starts on Monday 2 March 2026, 07:00 UTC: 08:00 in Paris.
THURSDAY_MORNING = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)  # 08:00 in Paris


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    app.conversation.join(ANA, tz="Europe/Paris", country="FR")
    say(app, "/lead add Julie Martin at Acme as Data Engineer")
    say(app, "/lead set julie title Head of Data")
    say(app, "/lead emailed julie")
    return app


def say(app: FollowThrough, line: str, who: Identity = ANA) -> Message:
    command, _, text = line.partition(" ")
    return app.conversation.handle(who, command, text)


def text(message: Message) -> str:
    return plain(message.plain_text())


def ics(message: Message) -> tuple[Attachment, icalendar.Calendar]:
    (file,) = message.attachments
    assert isinstance(file.content, bytes)
    return file, icalendar.Calendar.from_ical(file.content)


def only_event(cal: icalendar.Calendar) -> icalendar.Event:
    (event,) = cal.walk("VEVENT")
    return event


def test_an_interview_is_answered_with_its_ics_in_the_members_zone(app: FollowThrough) -> None:
    answer = say(app, "/lead interview julie on thu 14:00")
    assert text(answer).startswith(
        "Set: interview with Julie Martin at Acme (#1), Thu Mar 5 at 14:00 (Europe/Paris)."
        " I'll mention it that morning, and the morning after ask how it went."
    )
    file, cal = ics(answer)
    assert (file.filename, file.media_type) == ("interview-1-2026-03-05.ics", "text/calendar")
    assert str(cal["method"]) == "PUBLISH" and str(cal["version"]) == "2.0"
    event = only_event(cal)
    start = event.decoded("dtstart")
    assert start == datetime(2026, 3, 5, 14, 0, tzinfo=PARIS)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert event.decoded("duration") == timedelta(hours=1)
    assert str(event["summary"]) == "Interview: Acme"
    description = str(event["description"])
    assert "With Julie Martin (Head of Data)." in description  # the member's own file
    assert "Role: Data Engineer." in description and "/lead interviewed #1" in description
    assert int(event["sequence"]) == 0 and str(event["status"]) == "CONFIRMED"
    assert str(event["uid"]).endswith("@followthrough")
    assert str(event["transp"]) == "OPAQUE"


def test_a_moved_interview_replaces_its_event_and_a_called_off_one_cancels_it(
    app: FollowThrough,
) -> None:
    first = only_event(ics(say(app, "/lead interview julie on thu 14:00"))[1])
    moved_answer = say(app, "/lead interview #1 on fri 9:30")
    assert text(moved_answer).startswith("Moved: interview with Julie Martin at Acme (#1),")
    assert "(it replaces the one I sent before)" in text(moved_answer)
    moved = only_event(ics(moved_answer)[1])
    assert moved["uid"] == first["uid"]
    assert int(moved["sequence"]) == 1
    assert moved.decoded("dtstart") == datetime(2026, 3, 6, 9, 30, tzinfo=PARIS)

    called_off = say(app, "/lead interview julie cancel")
    assert text(called_off).startswith(
        "Called off: the interview at Acme (#1) of Fri Mar 6 at 09:30."
    )
    gone = only_event(ics(called_off)[1])
    assert (gone["uid"], int(gone["sequence"]), str(gone["status"])) == (
        first["uid"],
        2,
        "CANCELLED",
    )
    assert "interview" not in text(say(app, "/lead list")).split("·")[-1]
    history = text(say(app, "/lead show julie"))
    assert "interview (set for 2026-03-05 14:00 Europe/Paris)" in history
    assert "interview (moved to 2026-03-06 09:30 Europe/Paris)" in history
    assert "interview (called off (was 2026-03-06 09:30))" in history
    # A new interview after that is a new event, not the old one back.
    again = only_event(ics(say(app, "/lead interview julie on mon 10:00"))[1])
    assert again["uid"] != first["uid"] and int(again["sequence"]) == 0


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/lead interview julie today 07:59", "Mon Mar 2 at 07:59 has passed"),  # it's 08:00
        ("/lead interview julie yesterday 14:00", "has passed"),
        ("/lead interview julie on 2027-03-04 10:00", "more than a year ahead"),
        ("/lead interview julie cancel", "#1 has no interview set."),
        ("/lead interview nobody on thu 14:00", "No lead matches"),
    ],
)
def test_what_cannot_be_an_interview_to_come_is_refused_and_nothing_is_kept(
    app: FollowThrough, line: str, said: str
) -> None:
    refused = say(app, line)
    assert refused.kind == "error" and said in text(refused)
    assert not refused.attachments
    assert "interview" not in text(say(app, "/lead show julie"))


def test_a_closed_lead_takes_no_interview(app: FollowThrough) -> None:
    say(app, "/lead drop julie")
    refused = say(app, "/lead interview julie on thu 14:00")
    assert refused.kind == "error" and "#1 is closed" in text(refused)


def test_the_pipeline_shows_the_interview_to_come(app: FollowThrough) -> None:
    say(app, "/lead interview julie on thu 14:00")
    assert "#1 Julie Martin at Acme · talking · interview Thu Mar 5 at 14:00" in text(
        say(app, "/lead list")
    )
    assert text(say(app, "/lead show julie")).startswith(
        "#1 Julie Martin at Acme · talking · interview Thu Mar 5 at 14:00"
    )


def test_setting_an_interview_earns_no_points_it_counts_once_it_took_place(
    app: FollowThrough,
) -> None:
    before = text(say(app, "/leaderboard"))
    say(app, "/lead interview julie today 16:00")
    assert text(say(app, "/leaderboard")) == before


def digest_about_julie(app: FollowThrough, clock: SimulatedClock, at: datetime) -> list[str]:
    """The sections of Ana's digest at `at` about lead #1 (the pipeline nudge aside)."""
    found = morning(app, clock, at)
    return [plain(s.text) for d in found for s in d.message.sections if s.text.startswith("#1")]


def test_the_digest_of_its_day_says_it_and_the_next_morning_asks_how_it_went(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/lead interview julie on thu 14:00")
    assert digest_about_julie(app, clock, datetime(2026, 3, 4, 7, 0, tzinfo=UTC)) == []

    (thursday,) = morning(app, clock, THURSDAY_MORNING)
    (mention,) = [s for s in thursday.message.sections if s.text.startswith("#1")]
    assert (
        plain(mention.text) == "#1 Interview with Julie Martin at Acme at 14:00 today. Good luck!"
    )
    assert mention.buttons == () and mention.draft and "Thank you for your time" in mention.draft
    assert thursday.message.rules[0] == "interview-day"

    (friday,) = morning(app, clock, datetime(2026, 3, 6, 7, 0, tzinfo=UTC))
    (asked,) = [s for s in friday.message.sections if s.text.startswith("#1")]
    assert plain(asked.text).startswith(
        "#1 How did your interview with Julie Martin at Acme on Thursday, March 5 at 14:00 go?"
    )
    assert "/lead interview #1 on <day> <HH:MM>" in plain(asked.text)  # moved
    assert [(b.label, b.command) for b in asked.buttons] == [
        ("It took place", "/lead interviewed #1 on 2026-03-05"),
        ("It was called off", "/lead interview #1 cancel"),
    ]
    # The member presses "It took place": logged on the interview's day, and the
    # post-interview check-in counts 14 days from then.
    command, _, rest = asked.buttons[0].command.partition(" ")
    logged = app.conversation.handle(ANA, command, rest, once="press:friday:1")
    assert "Logged: interviewed #1 Julie Martin at Acme on Thu Mar 5." in text(logged)
    assert "next: a check-in on Thu Mar 19" in text(logged)
    assert digest_about_julie(app, clock, datetime(2026, 3, 9, 7, 0, tzinfo=UTC)) == []


def test_without_an_answer_the_question_repeats_then_asks_once_if_still_pursued(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/lead interview julie on thu 14:00")
    said = [
        digest_about_julie(app, clock, datetime(2026, 3, day, 7, 0, tzinfo=UTC))
        for day in (5, 6, 9, 10, 11, 12)
    ]
    assert [lines[0].split(" ")[1] if lines else None for lines in said] == [
        "Interview",
        "How",
        "How",
        "How",
        "Are",  # three mornings unanswered: "Are you still pursuing ...?"
        None,
    ]


def test_an_interview_across_a_dst_change_keeps_its_local_time(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    sam = Identity("slack", "T1", "U-sam", "Sam")
    app.conversation.join(sam, tz="America/New_York", country="US")
    say(app, "/lead add Lee at Globex", sam)
    # Set on Monday 2 March (EST, UTC-5) for Tuesday 10 March, after the clocks moved
    # forward on Sunday 8 March (EDT, UTC-4).
    answer = say(app, "/lead interview lee on 2026-03-10 14:00", sam)
    event = only_event(ics(answer)[1])
    start = event.decoded("dtstart")
    assert start == datetime(2026, 3, 10, 14, 0, tzinfo=ZoneInfo("America/New_York"))
    assert start.astimezone(UTC) == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    (zone,) = ics(answer)[1].walk("VTIMEZONE")
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}

    clock.advance_to(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))  # 08:00 EDT
    app.planner.plan()
    (digest,) = [d for d in app.outbox.claim("test") if d.user_id == "U-sam"]
    assert "#1 Interview with Lee at Globex at 14:00 today." in plain(digest.message.plain_text())


def test_the_export_holds_the_interview_to_come_and_its_history(app: FollowThrough) -> None:
    say(app, "/lead interview julie on thu 14:00")
    (document, _) = say(app, "/followthrough export").attachments
    assert isinstance(document.content, str)
    (lead,) = json.loads(document.content)["leads"]
    assert lead["interview"] == "2026-03-05T14:00+01:00"
    assert lead["history"][-1]["action"] == "interview"

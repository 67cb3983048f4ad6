"""Proof of job search (core.services.worklog): applications, a lead's details, activities
that are not a lead, the member's log settings, the reminder, and `/followthrough log`."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from core.domain.messages import Message, MessageKind
from core.domain.text import plain
from core.services import FollowThrough
from core.services.ports import SimulatedClock
from core.services.turn import Identity
from tests.services.test_mornings import ANA, morning, say

BEN = Identity("slack", "T1", "U-ben", "Ben")
BOSS = Identity("slack", "T1", "U-boss", "Boss", is_admin=True)
THURSDAY = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    app.conversation.join(ANA)  # known already: no welcome in the answers below
    return app


def text(message: Message) -> str:
    return plain(message.plain_text())


def log_rows(message: Message) -> list[dict[str, str]]:
    (sheet,) = [a for a in message.attachments if a.filename.endswith(".csv")]
    content = sheet.content if isinstance(sheet.content, str) else sheet.content.decode()
    return list(csv.DictReader(io.StringIO(content)))


# -- applications and employers without a person ------------------------------------------


def test_an_employer_can_be_a_lead_before_anyone_there_is_known(app: FollowThrough) -> None:
    added = say(app, "/lead add at Acme as Data Engineer")
    assert text(added).startswith("Added #1 Acme.")
    applied = say(app, "/lead applied acme online")
    assert "Logged: applied #1 Acme" in text(applied)
    assert "Stage: applied." in text(applied)
    say(app, "/lead set acme contact Julie Martin")
    assert "#1 Julie Martin at Acme" in text(say(app, "/lead list"))


def test_an_application_earns_what_an_email_does(app: FollowThrough) -> None:
    say(app, "/lead add at Acme")
    say(app, "/lead applied acme")
    board = text(say(app, "/leaderboard"))
    assert "Ana: 2 points" in board  # 1 for the lead, 1 for the application


def test_an_application_starts_no_rule_of_its_own(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    for name in ("Acme", "Globex", "Initech", "Umbrella", "Hooli"):
        say(app, f"/lead add at {name}")
        say(app, f"/lead applied {name}")
    assert morning(app, clock, datetime(2026, 3, 12, 8, 0, tzinfo=UTC)) == []


def test_an_email_after_the_application_starts_the_email_follow_up(app: FollowThrough) -> None:
    say(app, "/lead add Julie at Acme")
    say(app, "/lead applied julie")
    assert "Stage: emailed" in text(say(app, "/lead emailed julie"))


# -- a lead's details -----------------------------------------------------------------


def test_a_leads_details_are_set_in_a_few_words_and_shown(app: FollowThrough) -> None:
    say(app, "/lead add Julie at Acme")
    assert text(say(app, "/lead set julie email julie@acme.com")) == (
        "#1 Julie at Acme: email julie@acme.com."
    )
    say(app, "/lead set julie title Head of Data")
    say(app, "/lead set acme url https://acme.com/jobs/42")
    say(app, "/lead set acme website acme.com")
    shown = text(say(app, "/lead show julie"))
    assert "title: Head of Data · email: julie@acme.com" in shown
    assert "website: https://acme.com · posting: https://acme.com/jobs/42" in shown
    assert text(say(app, "/lead set julie phone")) == "Cleared the phone of #1 Julie at Acme."


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/lead set julie email julie-at-acme", "doesn't look like an email address"),
        ("/lead set julie url ftp://acme.com/x", "is not a web address"),
        ("/lead set julie phone call me", "doesn't look like a phone number"),
        ("/lead set julie shoe 42", "choose one of"),
        ("/lead set julie company", "keeps its company"),
    ],
)
def test_a_bad_detail_is_refused_and_nothing_changes(
    app: FollowThrough, line: str, said: str
) -> None:
    say(app, "/lead add Julie at Acme")
    before = text(say(app, "/lead show julie"))
    answer = say(app, line)
    assert answer.kind is MessageKind.ERROR
    assert said in text(answer)
    assert text(say(app, "/lead show julie")) == before


def test_details_can_be_given_when_the_lead_is_added(app: FollowThrough) -> None:
    app.conversation.run(
        ANA,
        "lead",
        "add",
        {"company": "Acme", "email": "jobs@acme.com", "ref": "R-7", "url": "https://acme.com/7"},
    )
    shown = text(say(app, "/lead show acme"))
    assert "email: jobs@acme.com · reference: R-7 · posting: https://acme.com/7" in shown


# -- activities -------------------------------------------------------------------------


def test_an_activity_is_logged_with_where_when_and_how_long(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    clock.advance_to(THURSDAY)
    answer = say(app, "/lead activity fair Tech Jobs Expo at Javits Center on tue for 3h")
    assert text(answer) == (
        "Logged: job fair Tech Jobs Expo at Javits Center on Tue Mar 3, 3 h."
        " Your work-search log: 1 activity."
    )


def test_an_activity_more_than_30_days_back_is_refused(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    clock.advance_to(THURSDAY)
    answer = say(app, "/lead activity workshop on 2026-01-20")
    assert answer.kind is MessageKind.ERROR
    assert "more than 30 days ago" in text(answer)
    assert log_rows(say(app, "/followthrough log 2026-01-20")) == []


# -- settings, presets, and what is never stored --------------------------------------------


def test_a_preset_says_what_it_set_and_to_check_the_claim_letter(app: FollowThrough) -> None:
    answer = text(say(app, "/followthrough me log preset us-ny"))
    assert "Your work-search log: 3 activities a week, on different days" in answer
    assert "Preset US-NY: New York (DOL)" in answer
    assert "Check your own claim letter" in answer


def test_the_groups_preset_is_where_members_start(app: FollowThrough) -> None:
    refused = app.conversation.handle(ANA, "/followthrough", "group log US-WA")
    assert refused.kind is MessageKind.ERROR  # organisers only
    assert "US-WA" in text(app.conversation.handle(BOSS, "/followthrough", "group log US-WA"))
    assert "3 activities a week, weeks from Sunday" in text(say(app, "/followthrough me log"))
    say(app, "/followthrough me log minimum 5")
    app.conversation.handle(BOSS, "/followthrough", "group log off")
    assert "5 activities a week" in text(say(app, "/followthrough me log"))  # theirs now


@pytest.mark.parametrize(
    "line",
    [
        "/followthrough me log claim 1234567",
        "/lead note julie ssn 123-45-6789",
        "/lead activity agency claim number 99887766",
    ],
)
def test_an_ssn_or_claim_number_is_never_stored(app: FollowThrough, line: str) -> None:
    say(app, "/lead add Julie at Acme")
    answer = say(app, line)
    assert answer.kind is MessageKind.ERROR
    assert "never stores one" in text(answer)
    export = say(app, "/followthrough export")
    assert "123-45-6789" not in str(export.to_dict())
    assert "99887766" not in str(export.to_dict())


# -- the reminder -------------------------------------------------------------------------


def test_a_member_behind_near_the_end_of_the_week_is_told_in_the_digest(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/followthrough me log preset US-NY")
    for name in ("Julie at Acme", "Sam at Globex", "Li at Initech", "Kim at Umbrella", "Bo at X"):
        say(app, f"/lead add {name}")
    clock.advance_to(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))  # Wednesday
    say(app, "/lead emailed julie")
    (digest,) = morning(app, clock, datetime(2026, 3, 5, 8, 0, tzinfo=UTC))  # Thursday
    assert text(digest.message).endswith(
        "Work-search log: 1 of 3 activities, on 1 different day this week;"
        " 2 more activities on different days needed, 2 business days left."
    )
    clock.advance_to(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    assert "2 more activities on different days needed" in text(say(app, "/lead today"))


def test_members_without_a_minimum_are_told_nothing(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    for name in ("Julie at Acme", "Sam at Globex", "Li at Initech", "Kim at Umbrella", "Bo at X"):
        say(app, f"/lead add {name}")
    assert morning(app, clock, datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == []
    assert "Work-search" not in text(say(app, "/lead today"))


# -- the log ------------------------------------------------------------------------------


def test_the_log_counts_the_week_and_lists_every_row(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/followthrough me log preset US-NY")
    say(app, "/lead add Julie Martin at Acme as Data Engineer")
    say(app, "/lead set julie email julie@acme.com")
    clock.advance_to(THURSDAY)
    say(app, "/lead applied julie online on mon")
    say(app, "/lead activity workshop CV clinic at NYC career centre for 2h")
    answer = say(app, "/followthrough log")
    assert text(answer).startswith(
        "Work-search log, Mon Mar 2 – Sun Mar 8: 2 of 3 activities, on 2 different days."
        " Minimum not met yet."
    )
    assert [a.filename for a in answer.attachments] == [
        "work-search-log-2026-03-02.pdf",
        "work-search-log-2026-03-02.csv",
    ]
    application, workshop = log_rows(answer)
    assert application["date"] == "2026-03-02" and application["logged"] == "2026-03-05"
    assert (application["employer"], application["contact"]) == ("Acme", "Julie Martin")
    assert (application["method"], application["type"]) == ("online", "application")
    assert application["verify"] == "julie@acme.com"
    assert (workshop["kind"], workshop["hours"], workshop["logged"]) == ("workshop", "2", "")


def test_last_weeks_log_and_a_day_in_another_week(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, "/lead add Julie at Acme")
    say(app, "/lead emailed julie")  # Monday 2 March
    clock.advance_to(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    assert text(say(app, "/followthrough log")).startswith(
        "Work-search log, Mon Mar 9 – Sun Mar 15: 0 activities."
    )
    last = say(app, "/followthrough log last")
    assert [r["type"] for r in log_rows(last)] == ["inquiry"]
    assert log_rows(say(app, "/followthrough log 2026-03-04")) == log_rows(last)


def test_another_members_activities_never_reach_the_log(app: FollowThrough) -> None:
    app.conversation.join(BEN)
    app.conversation.handle(BEN, "/lead", "activity fair Secret Expo")
    assert log_rows(say(app, "/followthrough log")) == []


def test_the_export_holds_activities_and_a_leads_details(app: FollowThrough) -> None:
    say(app, "/lead add at Acme")
    say(app, "/lead set acme ref R-42")
    say(app, "/lead activity networking Data meetup at WeWork for 90m")
    export = say(app, "/followthrough export")
    assert text(export).startswith("Your search so far: 1 lead, 1 logged action, 1 activity.")
    document = json.loads(export.attachments[0].content)
    assert document["leads"][0]["job_ref"] == "R-42"
    assert document["activities"][0] | {"at": "", "logged_at": ""} == {
        "at": "",
        "logged_at": "",
        "kind": "networking",
        "what": "Data meetup",
        "where": "WeWork",
        "minutes": 90,
    }

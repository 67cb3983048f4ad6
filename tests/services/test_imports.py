"""Importing a search (core.services.imports) as a member meets it: a preview that writes
nothing, a confirm that writes everything in one transaction or nothing, history dated
as the file says that earns no points or streak days, and a next morning no busier than
usual."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.domain.importer import MAX_ROWS
from core.domain.leads import Action, Event, Lead
from core.domain.messages import MessageKind, Outcome
from core.domain.scoring import ALL_TIME
from core.domain.text import plain
from core.services import FollowThrough, Identity, Message
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import Base
from testkit.storage import FakeMemberLeads, FakeStorage

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T2", "U-ben", "Ben")
SECRET = "SCREENING-ANSWER-5150"
PRIVATE = (SECRET, "recruiter@northwind.example", "talent@fabrikam.example", "555 0100", "Gender")
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday afternoon in New York
TUESDAY_MORNING = datetime(2026, 3, 3, 13, 1, tzinfo=UTC)  # 08:01 in New York


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(MONDAY)


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def app(request: pytest.FixtureRequest, clock: SimulatedClock) -> FollowThrough:
    """Ana in New York (US holidays): in memory, or on the database a test asks for."""
    if "db" in request.fixturenames:
        app: FollowThrough = request.getfixturevalue("services").app
    else:
        app = FollowThrough(request.getfixturevalue("storage").uow, clock)
    app.conversation.join(ANA, tz="America/New_York", country="US")
    return app


def say(app: FollowThrough, line: str, who: Identity = ANA) -> Message:
    command, _, text = line.partition(" ")
    return app.conversation.handle(who, command, text)


def send(app: FollowThrough, name: str, who: Identity = ANA) -> Message:
    return app.conversation.import_file(who, name, (FILES / name).read_bytes())


def text(message: Message) -> str:
    return plain(message.plain_text())


def history(storage: FakeStorage, number: int) -> list[Event]:
    """The events of Ana's lead `number`, in time order."""
    _, member = member_of(storage)
    with storage.uow() as uow:
        (lead,) = [x for x in uow.leads.for_member(member.id) if x.number == number]
        return [e for e in uow.events.for_member(member.id) if e.lead_id == lead.id]


def member_of(storage: FakeStorage) -> Any:
    with storage.uow() as uow:
        group = uow.groups.get("slack", "T1")
        assert group is not None and group.id is not None
        return group, uow.members.get(group.id, ANA.user_id)


# -- the preview and the confirm ---------------------------------------------------------------


def test_a_preview_writes_nothing_and_the_confirm_writes_what_it_said(
    app: FollowThrough, storage: FakeStorage
) -> None:
    say(app, "/lead add Julie Martin at Acme")
    preview = send(app, "Job Applications.csv")
    assert preview.kind is MessageKind.REPLY and not preview.changed
    shown = text(preview)
    assert "Here is what importing Job Applications.csv (LinkedIn's Job Applications)" in shown
    assert "4 new leads with 4 actions: 4 applications" in shown
    assert "row 6: no company" in shown
    buttons = [(b.label, b.command) for s in preview.sections for b in s.buttons]
    assert buttons == [
        ("Import", "/followthrough import confirm"),
        ("Cancel", "/followthrough import cancel"),
    ]
    assert "Tailspin" not in text(say(app, "/lead list"))  # nothing written yet

    done = say(app, "/followthrough import confirm")

    assert done.changed
    assert text(done).startswith(
        "Imported 4 leads (#2 to #5) from Job Applications.csv, with 4 actions of history."
    )
    listed = text(say(app, "/lead list"))
    for company in ("Tailspin Toys", "Fabrikam", "Contoso", "Northwind Traders"):
        assert company in listed
    # Numbered oldest first; history dated as LinkedIn says, logged now, marked imported.
    assert [(e.action, e.at, e.logged_at, e.imported) for e in history(storage, 2)] == [
        (Action.ADDED, datetime(2025, 12, 16, 20, 7, tzinfo=UTC), MONDAY, True),
        (Action.APPLIED, datetime(2025, 12, 16, 20, 7, tzinfo=UTC), MONDAY, True),
    ]
    shown = text(say(app, "/lead show #2"))
    assert "Tailspin Toys" in shown and "applied" in shown
    assert "No import is waiting" in text(say(app, "/followthrough import confirm"))


def test_import_alone_says_how_to_send_the_file_here(app: FollowThrough) -> None:
    answer = say(app, "/followthrough import")
    assert "send me the CSV in our DM" in text(answer) and not answer.changed
    discord = Identity("discord", "G1", "42", "Ana")
    assert "`/followthrough import` with its `file` option" in text(
        say(app, "/followthrough import", discord)
    )


def test_a_confirm_or_cancel_with_nothing_previewed_is_refused(app: FollowThrough) -> None:
    for word in ("confirm", "cancel"):
        answer = say(app, f"/followthrough import {word}")
        assert answer.kind is MessageKind.ERROR
        assert "No import is waiting" in text(answer)


def test_a_cancelled_or_expired_preview_imports_nothing(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    send(app, "simplify.csv")
    assert (
        text(say(app, "/followthrough import cancel")) == "Import cancelled: nothing was imported."
    )
    assert say(app, "/followthrough import confirm").kind is MessageKind.ERROR
    send(app, "simplify.csv")
    clock.advance_to(MONDAY + timedelta(days=1, seconds=1))  # a preview waits a day
    assert "No import is waiting" in text(say(app, "/followthrough import confirm"))
    assert "Litware" not in text(say(app, "/lead list all"))


def test_a_second_file_replaces_the_first_preview(app: FollowThrough) -> None:
    send(app, "simplify.csv")
    send(app, "Saved Jobs.csv")
    say(app, "/followthrough import confirm")
    listed = text(say(app, "/lead list all"))
    assert "Woodgrove Bank" in listed and "Litware" not in listed


def test_the_same_file_twice_is_all_duplicates_the_second_time(app: FollowThrough) -> None:
    send(app, "simplify.csv")
    say(app, "/followthrough import confirm")
    again = text(send(app, "simplify.csv"))
    assert "Nothing in simplify.csv (Simplify's export) can be imported" in again
    assert "row 2: already in your leads as #2 (same posting)" in again  # #1 is older


def test_leads_added_after_the_preview_are_duplicates_at_the_confirm(app: FollowThrough) -> None:
    send(app, "Saved Jobs.csv")
    say(app, "/lead add at Woodgrove Bank as Machine Learning Engineer")
    say(app, "/lead set woodgrove url https://www.linkedin.com/jobs/view/4100000010")
    assert text(say(app, "/followthrough import confirm")).startswith("Imported 1 lead (#2)")


def test_a_file_too_big_or_not_a_csv_is_refused_and_nothing_waits(app: FollowThrough) -> None:
    rows = "".join(f"Company {n},2026-01-05\n" for n in range(MAX_ROWS + 1))
    big = app.conversation.import_file(ANA, "big.csv", f"Company,Date applied\n{rows}".encode())
    assert big.kind is MessageKind.ERROR and "more than 5,000 rows" in text(big)
    announced = app.conversation.import_file(ANA, "huge.csv", b"", size=3 * 1024 * 1024)
    assert "over 2 MB" in text(announced)
    assert "not a CSV" in text(app.conversation.import_file(ANA, "s.xlsx", b"PK\x03\x04..."))
    assert "No import is waiting" in text(say(app, "/followthrough import confirm"))


def test_a_latin_1_file_is_imported_with_its_accents(app: FollowThrough) -> None:
    preview = text(send(app, "spreadsheet_latin1.csv"))
    assert "I read it as Windows-1252 (Latin-1)" in preview
    say(app, "/followthrough import confirm")
    assert "Société Générale" in text(say(app, "/lead list"))


def test_dates_that_read_two_ways_wait_for_the_member_to_say_which(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    ben = Identity("slack", "T9", "U-ben", "Ben")  # a group with no country, Ben none either
    app.conversation.join(ben)
    preview = send(app, "ambiguous.csv", ben)
    assert "does 03/04/2025 mean 3 April 2025 or March 4, 2025?" in text(preview)
    asked = say(app, "/followthrough import confirm", ben)
    assert asked.kind is MessageKind.ERROR and "Which order are this file's dates in?" in text(
        asked
    )
    assert text(say(app, "/followthrough import confirm dayfirst", ben)).startswith(
        "Imported 2 leads (#1 to #2)"
    )
    assert "Thu Apr 3 2025: applied · logged Mon Mar 2" in text(say(app, "/lead show #1", ben))


def test_a_followthrough_export_moves_a_search_to_another_group(app: FollowThrough) -> None:
    say(app, "/lead add Julie Martin at Acme as Engineering Manager")
    say(app, "/lead emailed julie sent my CV")
    say(app, "/lead add at Globex as Data Engineer")
    say(app, "/lead applied globex online")
    say(app, "/lead activity fair Tech Jobs Expo at Javits Center")
    export = say(app, "/followthrough export")
    (csv_file,) = [a for a in export.attachments if a.filename.endswith(".csv")]

    app.conversation.join(BEN, tz="America/New_York", country="US")
    preview = app.conversation.import_file(BEN, csv_file.filename, csv_file.data)
    assert "(a FollowThrough export)" in text(preview)
    assert "2 new leads with 2 actions: 1 email, 1 application\n· 1 activity" in text(preview)
    say(app, "/followthrough import confirm", BEN)

    shown = text(say(app, "/lead show julie", BEN))
    assert "Julie Martin at Acme" in shown and "sent my CV" in shown
    assert "Globex" in text(say(app, "/lead list", BEN))
    log = text(say(app, "/followthrough log", BEN))
    assert "Mon Mar 2 · job fair · Tech Jobs Expo at Javits Center" in log


# -- one transaction -----------------------------------------------------------------------------


def test_an_import_that_fails_halfway_writes_nothing(
    app: FollowThrough, storage: FakeStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    send(app, "simplify.csv")
    before = {name: dict(getattr(storage.tables, name)) for name in TABLES}
    real = FakeMemberLeads.add
    written: list[Lead] = []

    def add(self: FakeMemberLeads, lead: Lead) -> Lead:
        if len(written) == 3:  # three of the five leads are written
            raise RuntimeError("the database went away")
        written.append(lead)
        return real(self, lead)

    monkeypatch.setattr(FakeMemberLeads, "add", add)

    failed = say(app, "/followthrough import confirm")

    assert failed.outcome is Outcome.FAILED
    assert len(written) == 3
    assert {name: dict(getattr(storage.tables, name)) for name in TABLES} == before
    monkeypatch.setattr(FakeMemberLeads, "add", real)
    # The preview is still there: the member can confirm again.
    assert text(say(app, "/followthrough import confirm")).startswith("Imported 5 leads")


TABLES = ("leads", "events", "members", "imports", "tallies", "activities", "outbox")


def every_row(db: Database) -> str:
    """Every row of every table, as text: what a search for a value finds."""
    with db.engine.connect() as connection:
        return json.dumps(
            {
                name: [list(map(str, row)) for row in connection.execute(select(table))]
                for name, table in Base.metadata.tables.items()
            }
        )


def test_the_screening_answers_and_contact_details_are_nowhere_in_the_database(
    app: FollowThrough, db: Database
) -> None:
    data = (FILES / "Job Applications.csv").read_bytes()
    assert all(value.encode() in data for value in PRIVATE)
    send(app, "Job Applications.csv")
    waiting = every_row(db)
    assert "Northwind Traders" in waiting  # the preview is stored ...
    for value in PRIVATE:
        assert value not in waiting  # ... without them
    say(app, "/followthrough import confirm")
    stored = every_row(db)
    assert "Northwind Traders" in stored
    for value in PRIVATE:
        assert value not in stored
    export = say(app, "/followthrough export")
    files = "".join(a.data.decode() for a in export.attachments)
    assert "Northwind Traders" in files
    for value in PRIVATE:
        assert value not in files


def test_a_failure_halfway_writes_nothing_on_the_database(
    app: FollowThrough, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.storage.events import SqlEvents
    from core.storage.repositories import SqlMemberLeads

    send(app, "simplify.csv")
    before = every_row(db)
    real, calls = SqlMemberLeads.add, []

    def add(self: SqlMemberLeads, lead: Lead) -> Lead:
        calls.append(lead)
        if len(calls) == 4:
            raise RuntimeError("the disk is full")
        return real(self, lead)

    monkeypatch.setattr(SqlMemberLeads, "add", add)
    assert say(app, "/followthrough import confirm").outcome is Outcome.FAILED
    assert every_row(db) == before  # three leads were written, then rolled back
    monkeypatch.setattr(SqlMemberLeads, "add", real)

    def history_fails(self: SqlEvents, group_id: int, member_id: int, events: list[Event]) -> None:
        raise RuntimeError("the disk is full")  # after every lead was written

    monkeypatch.setattr(SqlEvents, "add_imported", history_fails)
    assert say(app, "/followthrough import confirm").outcome is Outcome.FAILED
    assert every_row(db) == before


def test_forget_me_erases_a_waiting_preview(app: FollowThrough, db: Database) -> None:
    send(app, "Job Applications.csv")
    assert "Northwind" in every_row(db)
    say(app, "/followthrough forget-me confirm")
    assert "Northwind" not in every_row(db)


def test_forget_me_erases_a_waiting_preview_in_memory(
    app: FollowThrough, storage: FakeStorage
) -> None:
    send(app, "Job Applications.csv")
    assert storage.tables.imports
    say(app, "/followthrough forget-me confirm")
    assert not storage.tables.imports


# -- points, streaks and the next morning ----------------------------------------------------------


def test_imported_history_earns_no_points_and_no_streak_days(
    app: FollowThrough, storage: FakeStorage, clock: SimulatedClock
) -> None:
    # Friday's application, imported on Monday: in time for a streak, were it logged.
    data = b"Company,Role,Date applied,Status\nLitware,Engineer,2026-02-27,interviewing\n"
    app.conversation.import_file(ANA, "friday.csv", data)
    say(app, "/followthrough import confirm")
    group, member = member_of(storage)
    assert member.streak_days == 0
    with storage.uow() as uow:
        assert uow.events.tallies(group.id, ALL_TIME) == {}
    assert "Ana" not in text(say(app, "/leaderboard all"))

    say(app, "/lead emailed litware")  # what she does now counts

    group, member = member_of(storage)
    assert member.streak_days == 1
    with storage.uow() as uow:
        (tally,) = uow.events.tallies(group.id, ALL_TIME).values()
    assert dict(tally.counts) == {Action.EMAILED: 1}


def test_a_late_log_does_not_rebuild_a_streak_from_imported_days(
    app: FollowThrough, storage: FakeStorage
) -> None:
    data = b"Company,Date applied\nLitware,2026-02-26\nContoso,2026-02-25\n"
    app.conversation.import_file(ANA, "week.csv", data)
    say(app, "/followthrough import confirm")
    say(app, "/lead add Julie at Acme")
    say(app, "/lead emailed julie on fri")  # a day late: it keeps Friday only
    _, member = member_of(storage)
    assert member.streak_days == 2  # Friday and Monday, not Wednesday or Thursday


def test_the_next_morning_is_the_usual_digest_the_oldest_asking_still_pursuing(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    # Twelve rejections weeks ago (their rejection call long overdue), one interview
    # last week (its check-in due in a week), and applications waiting for an answer.
    rows = [f"Company {n:02},Engineer,2026-01-{n + 5:02},rejected" for n in range(12)]
    rows += ["Proseware,Engineer,2026-02-24,interviewing"]
    rows += [f"Waiting {n},Engineer,2026-02-{n + 10},applied" for n in range(8)]
    data = ("Company,Role,Date applied,Status\n" + "\n".join(rows) + "\n").encode()
    app.conversation.import_file(ANA, "search.csv", data)
    answer = text(say(app, "/followthrough import confirm"))
    assert "12 leads with a follow-up long overdue will ask" in answer

    clock.advance_to(TUESDAY_MORNING)
    app.planner.plan()
    (digest,) = [d for d in app.outbox.claim("test") if d.user_id == ANA.user_id]
    app.outbox.release(worker="test")

    message = digest.message
    assert message.rules == ("still-pursuing",) * 5  # the usual digest: five at most
    # The oldest first: numbered in the order the file dates them.
    for n, section in enumerate(message.sections[:5], start=1):
        asked = plain(section.text)
        assert asked.startswith(f"#{n} Are you still pursuing") and f"Company {n - 1:02}" in asked
    assert plain(message.sections[5].text).startswith("7 more things to do today")


def test_a_confirm_with_every_row_added_meanwhile_imports_nothing(app: FollowThrough) -> None:
    send(app, "Saved Jobs.csv")
    for n, url in enumerate(("4100000010", "4100000001"), start=1):
        say(app, f"/lead add at Company {n}")
        say(app, f"/lead set #{n} url https://www.linkedin.com/jobs/view/{url}")
    answer = say(app, "/followthrough import confirm")
    assert text(answer).startswith("Nothing left to import")
    assert "No import is waiting" in text(say(app, "/followthrough import confirm"))

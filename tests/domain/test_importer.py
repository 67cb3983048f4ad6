"""Reading a member's search from a file, and the plan it makes (core.domain.importer):
each format from a file written from its documented header (tests/fixtures/imports,
invented data), what is never imported, the dates, the statuses, the duplicates and the
limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from core.domain.calendar import BusinessCalendar
from core.domain.import_replies import preview_message
from core.domain.importer import (
    DAY_FIRST,
    MAX_BYTES,
    MAX_ROWS,
    MONTH_FIRST,
    ImportRefused,
    Known,
    Plan,
    Table,
    header_key,
    known,
    parse_date,
    plan,
    read,
    settle,
)
from core.domain.leads import Action, Event, Lead, Stage, apply
from core.domain.members import Group, Member
from core.domain.planning import context
from core.domain.rules import Rule, nudge_for
from core.domain.text import plain

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday
NY = BusinessCalendar.of("America/New_York", "US")
LONDON = BusinessCalendar.of("Europe/London", "GB")
NOWHERE = BusinessCalendar.of("UTC", None)
SECRET = "SCREENING-ANSWER-5150"


def table(name: str) -> Table:
    return read(name, (FILES / name).read_bytes())


def planned(name: str, cal: BusinessCalendar = NY, said: str | None = None) -> Plan:
    return plan(table(name), [], cal, NOW, said)


def history(found: Plan, company: str) -> list[tuple[Action, datetime, str]]:
    lead = next(lead for lead in found.leads if lead.company == company)
    return [(s.action, s.at, s.note) for s in lead.steps]


def said(found: Plan) -> str:
    return plain(preview_message(found).plain_text())


# -- each format -----------------------------------------------------------------------------


def test_linkedin_applications_become_applied_leads_dated_as_linkedin_wrote_them() -> None:
    found = planned("Job Applications.csv")
    assert found.table.kind == "linkedin"
    assert found.table.columns == (
        ("Application Date", "applied"),
        ("Company Name", "company"),
        ("Job Title", "role"),
        ("Job Url", "url"),
    )
    # Oldest first: the lead numbers will follow the search's own order.
    assert [lead.company for lead in found.leads] == [
        "Tailspin Toys",
        "Fabrikam",
        "Contoso",
        "Northwind Traders",
    ]
    # `2/20/26, 3:07 PM`: month first, two-digit year, a wall-clock time in New York.
    applied_at = datetime(2026, 2, 20, 20, 7, tzinfo=UTC)
    assert history(found, "Northwind Traders") == [
        (Action.ADDED, applied_at, ""),
        (Action.APPLIED, applied_at, ""),
    ]
    northwind = next(lead for lead in found.leads if lead.company == "Northwind Traders")
    assert northwind.role == "Data Engineer"
    assert northwind.url == "https://www.linkedin.com/jobs/view/4100000001"
    assert northwind.contact == ""  # the recruiter's email is no contact's name
    assert [(s.row, plain(s.why)) for s in found.skipped] == [(6, "no company")]


def test_linkedin_screening_answers_and_contact_details_are_dropped_as_the_file_is_read() -> None:
    data = (FILES / "Job Applications.csv").read_bytes()
    assert SECRET.encode() in data and b"recruiter@northwind.example" in data

    read_in = read("Job Applications.csv", data)

    assert read_in.dropped == ("Contact Email", "Contact Phone Number", "Question And Answers")
    kept = repr(read_in.to_dict())
    for private in (SECRET, "Gender", "recruiter@northwind.example", "212 555 0100", "Desired"):
        assert private not in kept
        assert private not in repr(plan(read_in, [], NY, NOW))
        assert private not in said(plan(read_in, [], NY, NOW))
    assert "Never imported: Contact Email, Contact Phone Number, Question And Answers" in said(
        plan(read_in, [], NY, NOW)
    )


def test_linkedin_saved_jobs_are_leads_to_pursue_not_applications() -> None:
    found = planned("Saved Jobs.csv")
    assert found.table.kind == "linkedin-saved"
    assert [lead.company for lead in found.leads] == ["Woodgrove Bank", "Northwind Traders"]
    assert [s.action for s in found.leads[0].steps] == [Action.ADDED]
    assert found.leads[0].created_at == datetime(2026, 2, 26, 1, 1, tzinfo=UTC)


def test_simplify_statuses_become_their_actions_at_the_status_date() -> None:
    found = planned("simplify.csv")
    assert found.table.kind == "simplify"
    day = lambda d: NY.at(d, time(12, 0))  # noqa: E731 - a date without a time: noon, there
    assert history(found, "Litware") == [
        (Action.ADDED, day(date(2026, 1, 12)), ""),
        (Action.APPLIED, day(date(2026, 1, 12)), ""),
        (Action.REJECTED, day(date(2026, 1, 30)), ""),
        (Action.NOTE, day(date(2026, 1, 30)), "Referred by a former colleague"),
    ]
    assert [s.action for s in found.leads[-1].steps[1:]] == [Action.APPLIED, Action.OFFER]
    assert [s.action for s in history_steps(found, "Proseware")] == [
        Action.APPLIED,
        Action.INTERVIEWED,
        Action.NOTE,
    ]
    # Archived in Simplify: dropped, on the day it was archived.
    assert history(found, "Coho Winery")[2] == (Action.DROPPED, day(date(2026, 1, 5)), "")
    assert ("Interviewing", "interviewed", 1) in found.statuses
    assert found.counts() == {
        Action.APPLIED: 5,
        Action.REJECTED: 1,
        Action.INTERVIEWED: 1,
        Action.OFFER: 1,
        Action.DROPPED: 1,
        Action.NOTE: 3,
    }


def history_steps(found: Plan, company: str) -> list[object]:
    lead = next(lead for lead in found.leads if lead.company == company)
    return list(lead.steps[1:])


def test_a_followthrough_export_comes_back_lead_by_lead_with_its_activities() -> None:
    berlin = BusinessCalendar.of("Europe/Berlin", "DE")
    found = planned("followthrough.csv", berlin)
    assert found.table.kind == "followthrough"
    assert [(lead.contact, lead.company, lead.role) for lead in found.leads] == [
        ("Julie Martin", "Acme", "Engineering Manager"),
        ("", "Globex", "Data Engineer"),
    ]
    assert [s.action for s in found.leads[0].steps] == [
        Action.ADDED,
        Action.EMAILED,
        Action.FOLLOWED_UP,
        Action.REPLIED,
        Action.INTERVIEWED,
    ]
    # The export writes local times: 09:20 in Berlin is 08:20 UTC.
    assert found.leads[0].steps[1].at == datetime(2026, 2, 9, 8, 20, tzinfo=UTC)
    assert found.leads[0].steps[1].note == "sent my CV"
    (fair,) = found.activities
    assert (fair.kind, fair.what) == ("fair", "Tech Jobs Expo at Javits Center")


def test_any_spreadsheet_is_read_by_its_headers_whatever_their_case_and_spacing() -> None:
    found = planned("spreadsheet.csv")
    assert found.table.kind == "sheet"
    assert found.table.columns == (
        ("COMPANY", "company"),
        ("Position", "role"),
        ("date_applied", "applied"),
        ("Status", "status"),
        ("Job Link", "url"),
        ("Contact Name", "contact"),
        ("Notes", "notes"),
    )
    assert found.table.dropped == ("Contact Email",)
    assert found.table.unused == ("Salary",)
    acme = next(lead for lead in found.leads if lead.company == "Acme Corp")
    assert (acme.contact, acme.url) == ("Dana Reyes", "https://acme.example/jobs/1")
    assert [s.action for s in history_steps(found, "Initech")] == [
        Action.APPLIED,
        Action.REPLIED,  # a phone screen: they answered
        Action.NOTE,
    ]
    assert history(found, "Initech")[3][2] == 'Recruiter said "next week"'
    assert [(s.row, plain(s.why)) for s in found.skipped] == [
        (5, "no company"),
        (6, "the date 2026-02-30 can't be read"),
        (7, "the same as row 2"),
        (8, "no date"),
    ]


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Date Applied", "date applied"),
        ("  date_applied ", "date applied"),
        ("DATE-APPLIED", "date applied"),
        ("Job URL", "job url"),
        ("Company*", "company"),
        ("Company Name:", "company name"),
    ],
)
def test_headers_match_whatever_their_case_and_spacing(header: str, key: str) -> None:
    assert header_key(header) == key


def test_a_semicolon_file_from_a_european_excel_is_read_day_first_as_its_dates_show() -> None:
    data = b"\xef\xbb\xbf" + (FILES / "excel_semicolon.csv").read_bytes()  # Excel's BOM
    found = plan(read("bewerbungen.csv", data), [], NOWHERE, NOW)
    assert found.dates.order == DAY_FIRST and not found.dates.asked
    assert found.leads[1].steps[1].at.date() == date(2026, 2, 3)  # 03.02: the 3rd of February


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("12/16/22, 3:07 PM", MONTH_FIRST, (date(2022, 12, 16), time(15, 7))),
        ("1/3/23, 12:05 AM", MONTH_FIRST, (date(2023, 1, 3), time(0, 5))),
        ("03/04/2024", DAY_FIRST, (date(2024, 4, 3), None)),
        ("03/04/2024", MONTH_FIRST, (date(2024, 3, 4), None)),
        ("14.01.2026", DAY_FIRST, (date(2026, 1, 14), None)),
        ("2024-03-05", MONTH_FIRST, (date(2024, 3, 5), None)),
        ("2024-03-05 10:30", DAY_FIRST, (date(2024, 3, 5), time(10, 30))),
        ("2024-03-05T10:30:00", DAY_FIRST, (date(2024, 3, 5), time(10, 30))),
        ("2024/3/5", DAY_FIRST, (date(2024, 3, 5), None)),
        ("Mar 5, 2024", DAY_FIRST, (date(2024, 3, 5), None)),
        ("Tue, March 5, 2024 9:00 am", DAY_FIRST, (date(2024, 3, 5), time(9, 0))),
        ("5 Mar 2024", MONTH_FIRST, (date(2024, 3, 5), None)),
        ("5-Mar-24", MONTH_FIRST, (date(2024, 3, 5), None)),
    ],
)
def test_the_dates_these_files_use_are_read(
    text: str, order: str, expected: tuple[date, time | None]
) -> None:
    assert parse_date(text, order) == expected


def test_a_date_with_its_zone_is_that_instant() -> None:
    assert parse_date("2024-03-05T10:30:00Z", DAY_FIRST) == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "31/04/2024",
        "13/13/2024",
        "2024-02-30",
        "yesterday",
        "",
        "1/2/3",
        "12/16/22, 13:07 PM",
        "x" * 41,
    ],
)
def test_what_is_no_date_is_not_read_as_one(text: str) -> None:
    assert parse_date(text, DAY_FIRST) is None and parse_date(text, MONTH_FIRST) is None


def test_ambiguous_dates_follow_the_members_country() -> None:
    assert planned("ambiguous.csv", NY).dates.order == MONTH_FIRST
    assert planned("ambiguous.csv", LONDON).dates.order == DAY_FIRST
    babbage = planned("ambiguous.csv", LONDON).leads[0]
    assert LONDON.local_date(babbage.created_at) == date(2025, 4, 3)
    assert "as your country (GB) writes them" in said(planned("ambiguous.csv", LONDON))


def test_ambiguous_dates_and_no_country_ask_which_order_until_the_member_says() -> None:
    found = planned("ambiguous.csv", NOWHERE)
    assert found.dates.asked and found.dates.example == "03/04/2025"
    text = said(found)
    assert "does 03/04/2025 mean 3 April 2025 or March 4, 2025?" in text
    buttons = [b.command for s in preview_message(found).sections for b in s.buttons]
    assert buttons == [
        "/followthrough import confirm dayfirst",
        "/followthrough import confirm monthfirst",
        "/followthrough import cancel",
    ]
    told = planned("ambiguous.csv", NOWHERE, MONTH_FIRST)
    assert not told.dates.asked
    assert NOWHERE.local_date(told.leads[0].created_at) == date(2025, 3, 4)


def test_a_date_that_reads_only_one_way_decides_the_whole_file() -> None:
    data = b"Company,Date applied\nA,03/04/2025\nB,25/04/2025\n"
    found = plan(read("sheet.csv", data), [], NOWHERE, NOW)
    assert found.dates.order == DAY_FIRST and not found.dates.asked
    assert NOWHERE.local_date(found.leads[0].created_at) == date(2025, 4, 3)


def test_a_date_in_the_future_is_skipped() -> None:
    data = b"Company,Date applied\nA,2026-03-01\nB,2026-03-03\n"
    found = plan(read("sheet.csv", data), [], NY, NOW)
    assert [lead.company for lead in found.leads] == ["A"]
    assert [(s.row, plain(s.why)) for s in found.skipped] == [
        (3, "the date 2026-03-03 is in the future")
    ]


# -- duplicates ----------------------------------------------------------------------------------


def lead(
    number: int, company: str, role: str | None, added: datetime, url: str | None = None
) -> Lead:
    return Lead(1, number, "", company, added, role=role, url=url, id=number)


def test_a_lead_the_member_has_on_the_same_company_role_and_day_is_a_duplicate() -> None:
    mine = [
        # Added on the day LinkedIn says they applied: the same application.
        lead(1, "contoso", "ANALYTICS ENGINEER", datetime(2026, 2, 18, 17, 0, tzinfo=UTC)),
        # Added later, applied on the day LinkedIn says.
        lead(2, "Fabrikam", "Senior Data Engineer", datetime(2026, 2, 1, 17, 0, tzinfo=UTC)),
        # The same company and role, another day: another application.
        lead(3, "Tailspin Toys", "Data Platform Engineer", datetime(2026, 2, 1, 17, 0, tzinfo=UTC)),
        # The same posting, whatever its names.
        lead(
            4,
            "NW",
            None,
            datetime(2026, 1, 1, tzinfo=UTC),
            "https://www.linkedin.com/jobs/view/4100000001",
        ),
    ]
    applied = [Event(2, Action.APPLIED, datetime(2026, 1, 9, 18, 0, tzinfo=UTC), Stage.APPLIED)]

    found = plan(table("Job Applications.csv"), known(mine, applied, NY), NY, NOW)

    assert [lead.company for lead in found.leads] == ["Tailspin Toys"]
    assert [(s.row, plain(s.why)) for s in found.skipped] == [
        (2, "already in your leads as #4 (same posting)"),
        (3, "already in your leads as #1"),
        (4, "already in your leads as #2"),
        (6, "no company"),
    ]


def test_the_same_file_imported_twice_is_all_duplicates_the_second_time() -> None:
    first = planned("simplify.csv")
    made = [lead(n, new.company, new.role, new.created_at) for n, new in enumerate(first.leads, 1)]
    again = plan(table("simplify.csv"), known(made, [], NY), NY, NOW)
    assert again.empty and len(again.skipped) == 5


def test_known_is_a_plain_value() -> None:
    mine = known([lead(7, "Acme", "PM", datetime(2026, 1, 5, 15, tzinfo=UTC))], [], NY)
    assert mine == [Known("#7", ("acme", "pm"), frozenset({date(2026, 1, 5)}), None)]


# -- what can't be imported ------------------------------------------------------------------------


def test_a_file_of_more_than_five_thousand_rows_is_refused_with_the_limit() -> None:
    rows = "".join(f"Company {n},2026-01-05\n" for n in range(MAX_ROWS + 1))
    with pytest.raises(ImportRefused, match="more than 5,000 rows"):
        read("big.csv", f"Company,Date applied\n{rows}".encode())
    assert (
        len(
            read(
                "ok.csv",
                f"Company,Date applied\n{rows}".encode()[: -len("Company 5000,2026-01-05\n")],
            ).rows
        )
        == MAX_ROWS
    )


def test_a_file_over_two_megabytes_is_refused_even_before_it_is_downloaded() -> None:
    with pytest.raises(ImportRefused, match="over 2 MB"):
        read("big.csv", b"Company\n" + b"x" * MAX_BYTES)
    with pytest.raises(ImportRefused, match="over 2 MB"):
        read("big.csv", b"", size=MAX_BYTES + 1)  # what the platform announced


def test_a_latin_1_file_is_read_as_such_and_the_preview_says_so() -> None:
    found = planned("spreadsheet_latin1.csv", LONDON)
    assert found.table.encoding == "windows-1252"
    assert [lead.company for lead in found.leads] == ["Société Générale", "Müller GmbH"]
    assert "The file isn't UTF-8: I read it as Windows-1252 (Latin-1)" in said(found)


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("search.xlsx", b"PK\x03\x04rest of a zip", "is an Excel, Numbers or OpenDocument file"),
        ("search.csv", b"PK\x03\x04rest of a zip", "not a CSV"),
        ("search.xls", b"Company\nAcme\n", "is a spreadsheet file, not a CSV"),
        ("cv.pdf", b"%PDF-1.7 ...", "is a PDF, not a CSV"),
        ("search.csv", "Company\nAcme\n".encode("utf-16-le"), "isn't text I can read"),
        ("search.csv", b"\x00\x01\x02\x03", "isn't text I can read"),
        ("search.csv", b"  \n\n", "is empty"),
        ("search.csv", b"Name,Salary\nAda,100\n", "I found no header I know"),
        ("search.csv", b"Company,Date applied\n", "no rows under it"),
        (
            "search.csv",
            b'Company,Notes\nAcme,"' + b"x" * 200_000 + b'"\n',
            "isn't a CSV I can read",
        ),
    ],
)
def test_what_is_not_a_csv_we_know_is_refused_with_why(
    name: str, data: bytes, problem: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        plan(read(name, data), [], NY, NOW)
    assert problem in plain(str(refused.value))
    assert "Nothing was imported" in plain(str(refused.value)) or "nothing to import" in plain(
        str(refused.value)
    )


def test_a_utf_16_file_with_its_mark_is_read() -> None:
    data = "Company\tDate applied\nZürich Ltd\t2026-01-05\n".encode("utf-16")
    assert [lead.company for lead in plan(read("s.csv", data), [], NY, NOW).leads] == ["Zürich Ltd"]


def test_a_title_above_the_header_is_passed_over_and_row_numbers_stay_the_files() -> None:
    data = b"My job search 2026\n\nCompany,Date applied\n,2026-01-05\nAcme,2026-01-05\n"
    found = plan(read("s.csv", data), [], NY, NOW)
    assert [(s.row, plain(s.why)) for s in found.skipped] == [(4, "no company")]
    assert found.leads[0].row == 5


def test_cells_that_look_like_a_social_security_number_are_never_kept() -> None:
    data = b"Company,Date applied,Notes\nAcme,2026-01-05,my SSN 123-45-6789\n"
    found = plan(read("claim 987-65-4321.csv", data), [], NY, NOW)
    assert found.table.filename == "your file"
    assert [s.action for s in found.leads[0].steps] == [Action.ADDED, Action.APPLIED]
    assert "123-45-6789" not in repr(found.leads)
    assert "look like a Social Security or claim number" in said(found)


# -- imported leads and the playbook --------------------------------------------------------------


def test_a_long_overdue_nudge_of_an_imported_lead_asks_still_pursuing_first() -> None:
    member, group = Member(1, "U1", "Ana", tz="America/New_York", country="US"), Group("slack", "T")
    ctx, today = context(member, group), date(2026, 3, 2)
    old = Lead(1, 1, "", "Litware", datetime(2026, 1, 12, 17, tzinfo=UTC))
    apply(old, Action.APPLIED, datetime(2026, 1, 12, 17, tzinfo=UTC))
    apply(old, Action.REJECTED, datetime(2026, 1, 30, 17, tzinfo=UTC))
    recent = Lead(1, 2, "", "Proseware", datetime(2026, 2, 24, 17, tzinfo=UTC))
    apply(recent, Action.INTERVIEWED, datetime(2026, 2, 24, 17, tzinfo=UTC))

    settle(old, ctx, today)
    settle(recent, ctx, today)

    tomorrow = date(2026, 3, 3)
    assert nudge_for(old, ctx, tomorrow) is Rule.STILL_PURSUING
    assert nudge_for(recent, ctx, tomorrow) is None  # its check-in is due on March 10
    assert nudge_for(recent, ctx, date(2026, 3, 10)) is Rule.POST_INTERVIEW_CHECK_IN


def test_a_status_it_does_not_know_is_left_out_and_the_preview_says_so() -> None:
    data = b"Company,Date applied,Status\nAcme,2026-01-05,Maybe later\nGlobex,2026-01-06,Ghosted?\n"
    found = plan(read("s.csv", data), [], NY, NOW)
    assert [[s.action for s in lead.steps] for lead in found.leads] == [
        [Action.ADDED, Action.APPLIED],
        [Action.ADDED, Action.APPLIED],  # ghosted: no answer is no "no"
    ]
    assert found.statuses == (
        ("Maybe later", "not a status I know: left out", 1),
        ("Ghosted?", "applied", 1),
    )
    assert "Maybe later → not a status I know: left out (1)" in said(found)

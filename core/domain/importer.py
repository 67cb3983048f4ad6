"""Bringing a member's search in from a file (WORK-SEARCH.md, "Trackers people already
use"): LinkedIn's `Job Applications.csv` and `Saved Jobs.csv`, Simplify's export,
FollowThrough's own CSV export, or any spreadsheet by its header names.

Two steps, both pure. `read` turns the file's bytes into a `Table`: only the columns
that become something, each cell cleaned; what is never imported (LinkedIn's screening
answers, contact emails and phone numbers) is dropped as each row is read, and is in no
table, plan, message or row stored. `plan` turns a table, the member's own leads and
calendar into a `Plan`: the leads and their dated history it would create, and the rows
it skips with why. The services store the table between the preview and the confirm,
and plan again on confirm, against the leads the member has then.

Everything is linear in the size of the file: the stdlib csv reader, one pass, anchored
patterns on cells of bounded length.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from core.domain import details
from core.domain.calendar import BusinessCalendar
from core.domain.catalog import MAX_NAME, MAX_NOTE
from core.domain.dates import MONTHS
from core.domain.errors import DomainError, UsageError
from core.domain.export import CSV_COLUMNS
from core.domain.leads import Action, Event, Lead, folded
from core.domain.messages import plural
from core.domain.rules import Context, waiting_for
from core.domain.text import clean, echo
from core.domain.worklog import ACTIVITY_KINDS, looks_like_id

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SEARCH = 10  # rows a header may come after (a title, a note above the table)
MAX_DATE = 40  # characters of a date cell: longer is no date
MAX_URL = 500
NOON = time(12, 0)  # the time of day of a date without one

DAY_FIRST, MONTH_FIRST = "dayfirst", "monthfirst"
# Where 03/04 is March 4 (the US and the places that write dates its way). Elsewhere a
# country's own order is day first; an ISO date (2024-03-04) is read the same everywhere.
MONTH_FIRST_COUNTRIES = frozenset(
    {"US", "CA", "PH", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW"}
)


class ImportRefused(DomainError):
    """A file that can't be imported at all: nothing was read into anything."""


# -- what a file's columns become -------------------------------------------------------

# The fields of a row, as a table keeps them.
COMPANY, ROLE, CONTACT, URL, NOTES, STATUS = "company", "role", "contact", "url", "notes", "status"
APPLIED, SAVED, STATUS_DATE, ARCHIVED, ARCHIVED_DATE = (
    "applied",
    "saved",
    "status_date",
    "archived",
    "archived_date",
)
# FollowThrough's own export: one row per event.
F_DATE, F_TIME, F_LEAD, F_ACTION = "date", "time", "lead", "action"
DATES = (SAVED, APPLIED, STATUS_DATE, ARCHIVED_DATE, F_DATE)

T = TypeVar("T", bound=Hashable)


def synonyms(table: dict[T, str]) -> dict[str, T]:
    """`{field: "a | b"}` as `{"a": field, "b": field}`: words that mean one thing."""
    return {word.strip(): key for key, words in table.items() for word in words.split("|")}


# Headers whose cells are never imported, nor kept past reading their row: screening
# answers (demographics, salary), and the contact details of people a member didn't ask
# to keep (a lead's email and phone are set by hand: `/lead set julie email ...`).
NEVER = frozenset(
    synonyms(
        {
            "never": "question and answers | questions and answers | screening questions"
            " | screening answers | contact email | contact email address | email"
            " | email address | e mail | contact phone number | contact phone | phone"
            " | phone number | mobile | telephone"
        }
    )
)

# Any spreadsheet: its headers, compared case- and spacing-insensitively (`header_key`).
ALIASES: dict[str, str] = synonyms(
    {
        COMPANY: "company | company name | employer | employer name | organisation"
        " | organization | org | business",
        ROLE: "role | title | job title | position | position title | job | job name"
        " | job role | position applied for | job position",
        APPLIED: "date applied | applied date | applied | applied on | application date"
        " | date of application | date submitted | date",
        SAVED: "saved date | date saved | date added | added | added on | created | date created",
        STATUS: "status | stage | application status | state | result | outcome",
        STATUS_DATE: "status date | last updated | updated | date updated | last update",
        URL: "job url | url | link | job link | posting | posting url | job posting"
        " | job posting url | listing | listing url",
        CONTACT: "contact | contact name | contact person | recruiter | recruiter name"
        " | hiring manager",
        NOTES: "notes | note | comments | comment | remarks",
        ARCHIVED: "archived",
        ARCHIVED_DATE: "date archived | archived date | archived on",
    }
)


@dataclass(frozen=True, slots=True)
class Format:
    """A known export: the headers that identify it, and what each becomes."""

    kind: str
    name: str  # as a preview names it
    signature: frozenset[str]  # header keys it always has
    columns: dict[str, str]  # header key -> field
    month_first: bool = False  # its numeric dates are month first, whatever the country


FOLLOWTHROUGH = Format(
    "followthrough",
    "a FollowThrough export",
    frozenset(CSV_COLUMNS),
    {
        "date": F_DATE,
        "time": F_TIME,
        "lead": F_LEAD,
        "contact": CONTACT,
        "company": COMPANY,
        "role": ROLE,
        "action": F_ACTION,
        "note": NOTES,
    },
)
LINKEDIN_APPLIED = Format(
    "linkedin",
    "LinkedIn's Job Applications",
    frozenset({"application date", "company name", "job title", "job url"}),
    {"application date": APPLIED, "company name": COMPANY, "job title": ROLE, "job url": URL},
    month_first=True,
)
LINKEDIN_SAVED = Format(
    "linkedin-saved",
    "LinkedIn's Saved Jobs",
    frozenset({"saved date", "company name", "job title", "job url"}),
    {"saved date": SAVED, "company name": COMPANY, "job title": ROLE, "job url": URL},
    month_first=True,
)
SIMPLIFY = Format(
    "simplify",
    "Simplify's export",
    frozenset({"job title", "company name", "job url", "applied date", "status", "status date"}),
    {
        "job title": ROLE,
        "company name": COMPANY,
        "job url": URL,
        "applied date": APPLIED,
        "status": STATUS,
        "status date": STATUS_DATE,
        "archived": ARCHIVED,
        "date archived": ARCHIVED_DATE,
        "notes": NOTES,
    },
)
SHEET = Format("sheet", "a spreadsheet", frozenset(), ALIASES)
FORMATS = (FOLLOWTHROUGH, LINKEDIN_APPLIED, LINKEDIN_SAVED, SIMPLIFY)

_SEPARATORS = re.compile(r"[\s_\-./:*()#?]+")


def header_key(text: str) -> str:
    """How a header is compared: `Date_Applied`, ` date applied ` and `DATE-APPLIED` are
    one (case, spaces, underscores, hyphens and punctuation aside)."""
    words = _SEPARATORS.split(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(word for word in words if word)


def recognise(keys: Iterable[str]) -> Format | None:
    """The format whose headers these are: a known export, else a spreadsheet with a
    company column; None if neither."""
    present = set(keys)
    for known in FORMATS:
        if known.signature <= present:
            return known
    return SHEET if any(ALIASES.get(key) == COMPANY for key in present) else None


# -- the table: what a file holds, read once ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number in the file (the header's is 1, as a spreadsheet shows
    it) and its non-empty cells, by field."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class Table:
    """What a file holds that may become leads, and how its columns were read."""

    filename: str
    kind: str  # a Format's
    columns: tuple[tuple[str, str], ...]  # (header as written, field)
    dropped: tuple[str, ...]  # headers never imported
    unused: tuple[str, ...]  # headers that become nothing
    rows: tuple[Row, ...]
    encoding: str = "utf-8"

    @property
    def format(self) -> Format:
        return next((f for f in (*FORMATS, SHEET) if f.kind == self.kind), SHEET)

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "kind": self.kind,
            "columns": [list(pair) for pair in self.columns],
            "dropped": list(self.dropped),
            "unused": list(self.unused),
            "encoding": self.encoding,
            "rows": [[row.number, row.values] for row in self.rows],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        return cls(
            filename=str(data["filename"]),
            kind=str(data["kind"]),
            columns=tuple((str(a), str(b)) for a, b in data["columns"]),
            dropped=tuple(map(str, data["dropped"])),
            unused=tuple(map(str, data["unused"])),
            rows=tuple(
                Row(int(n), {str(k): str(v) for k, v in values.items()})
                for n, values in data["rows"]
            ),
            encoding=str(data.get("encoding", "utf-8")),
        )


_NOT_CSV = {
    b"PK\x03\x04": "an Excel, Numbers or OpenDocument file",
    b"\xd0\xcf\x11\xe0": "an old Excel file",
    b"%PDF": "a PDF",
}
_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".numbers", ".ods")
SAVE_AS_CSV = (
    "Open it in your spreadsheet, choose File → Save As (or Download) → CSV, and send me that."
)


def read(filename: str, data: bytes, size: int | None = None) -> Table:
    """The file's rows worth importing, or ImportRefused saying why not (too big, not a
    CSV, no header I know). `size`: what the platform said the file holds, when it was
    not downloaded for being too big."""
    name = clean(filename)[:MAX_NAME]
    name = "your file" if not name or looks_like_id(name) else name  # it is kept a day
    if max(size or 0, len(data)) > MAX_BYTES:
        raise ImportRefused(
            f"{echo(name)} is over {MAX_BYTES // (1024 * 1024)} MB, the most I import at once."
            f" Split it into smaller files (each up to {MAX_ROWS:,} rows). Nothing was imported."
        )
    kind = next((what for magic, what in _NOT_CSV.items() if data.startswith(magic)), None)
    if kind is None and name.casefold().endswith(_SPREADSHEETS):
        kind = "a spreadsheet file"
    if kind is not None:
        raise ImportRefused(
            f"{echo(name)} is {kind}, not a CSV. {SAVE_AS_CSV} Nothing was imported."
        )
    text, encoding = _decode(data, name)
    records = _records(text, name)
    number, found, cells, first = 0, None, [], None
    for cells in records:  # the header: the first row with one we know
        number += 1
        first = cells if first is None and any(c.strip() for c in cells) else first
        found = recognise(map(header_key, cells))
        if found is not None or number >= HEADER_SEARCH:
            break
    if found is None:
        raise ImportRefused(_no_header(name, first or []))
    columns, dropped, unused, wanted = _columns(found, cells)
    rows: list[Row] = []
    for record in records:
        number += 1
        # Only the wanted cells are kept: the rest of `record` (screening answers, a
        # contact's email) goes with it, now.
        values = {
            name: value
            for index, name in wanted
            if index < len(record) and (value := clean(record[index]))
        }
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(rows) == MAX_ROWS:
            raise ImportRefused(
                f"{echo(name)} has more than {MAX_ROWS:,} rows, the most I import at once."
                " Split it into smaller files. Nothing was imported."
            )
        rows.append(Row(number, values))
    if not rows:
        raise ImportRefused(f"{echo(name)} has a header but no rows under it: nothing to import.")
    return Table(name, found.kind, columns, dropped, unused, tuple(rows), encoding)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """The file as text, and how it was read: UTF-8 (with or without its mark), UTF-16
    with its mark, else the Windows-1252 (Latin-1) that Excel writes on Windows."""
    candidates: tuple[str, ...] = ("utf-8-sig", "cp1252", "latin-1")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # UTF-16 without its mark, or a binary file: not text we can read
        if not text.strip():
            raise ImportRefused(f"{echo(name)} is empty: nothing to import.")
        return text, {"utf-8-sig": "utf-8", "cp1252": "windows-1252"}.get(encoding, encoding)
    raise ImportRefused(
        f"{echo(name)} isn't text I can read as CSV (it looks like a binary file, or text in"
        f" an encoding other than UTF-8). {SAVE_AS_CSV} Choose CSV UTF-8 if you're asked."
        " Nothing was imported."
    )


def _records(text: str, name: str) -> Iterator[list[str]]:
    """The file's records, with the separator its first line uses (`,`, `;` or a tab)."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    separator = max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        yield from reader
    except csv.Error as error:
        raise ImportRefused(
            f"{echo(name)} isn't a CSV I can read (row {reader.line_num}: {error})."
            f" {SAVE_AS_CSV} Nothing was imported."
        ) from None


def _no_header(name: str, cells: list[str]) -> str:
    seen = ", ".join(echo(cell, 30) for cell in cells[:8] if cell.strip()) or "nothing"
    return (
        f"I found no header I know in {echo(name)}: its first row says {seen}. I need a"
        " Company column (or Company Name, Employer); Role or Title, Date applied, Status,"
        " Job URL, Contact and Notes are read too. LinkedIn's Job Applications.csv and"
        " Saved Jobs.csv, Simplify's export and FollowThrough's own are known as they are."
        " Nothing was imported."
    )


def _columns(
    found: Format, cells: list[str]
) -> tuple[
    tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...], tuple[tuple[int, str], ...]
]:
    """(header, field) of each column used, the headers never imported, those unused,
    and (index, field) of the cells to keep. A second column for one field is unused."""
    columns: list[tuple[str, str]] = []
    dropped: list[str] = []
    unused: list[str] = []
    wanted: list[tuple[int, str]] = []
    taken: set[str] = set()
    for index, cell in enumerate(cells):
        key, shown = header_key(cell), clean(cell)[:60]
        target = found.columns.get(key)
        if key in NEVER:
            dropped.append(shown)
        elif target is not None and target not in taken:
            taken.add(target)
            columns.append((shown, target))
            wanted.append((index, target))
        elif shown:
            unused.append(shown)
    return tuple(columns), tuple(dropped), tuple(unused), tuple(wanted)


# -- dates ---------------------------------------------------------------------------------

_TIME = (
    r"(?:(?:,?\s*(?:at\s+)?|T)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,6})?)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?)?"
)
_NUMERIC = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})\.?" + _TIME,
    re.IGNORECASE | re.ASCII,
)
_ISO_ZONE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})"
)
_MONTH_DAY = re.compile(
    r"(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME,
    re.IGNORECASE | re.ASCII,
)
_DAY_MONTH = re.compile(
    r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+(?P<mon>[a-z]{3,9})\.?,?[\s-]+(?P<y>\d{4}|\d{2})" + _TIME,
    re.IGNORECASE | re.ASCII,
)
_WEEKDAY = re.compile(r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]{0,6}\.?,?\s+", re.I)
FIRST_YEAR = 1990  # an earlier date in a job search is a typo


def _ambiguous(text: str) -> tuple[int, int] | None:
    """(first, second) of a numeric date whose order is in question (`03/04/2024`), None
    for any other text (`2024/03/04` and ISO dates have one reading)."""
    found = _NUMERIC.fullmatch(text.strip()[:MAX_DATE])
    if found is None or len(found["a"]) > 2 or len(found["c"]) not in (2, 4):
        return None
    return int(found["a"]), int(found["b"])


def _clock(found: re.Match[str]) -> time | None:
    if found["h"] is None:
        return None
    hour, minute, second = int(found["h"]), int(found["mi"]), int(found["s"] or 0)
    ampm = (found["ampm"] or "").lower()[:1]
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError("not a 12-hour time")
        hour = hour % 12 + (12 if ampm == "p" else 0)
    return time(hour, minute, second)


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def parse_date(text: str, order: str) -> tuple[date, time | None] | datetime | None:
    """A cell as a day (and time, if it has one), or an instant if it names its zone;
    None if it is no date. `order` reads `03/04/2024`: DAY_FIRST or MONTH_FIRST."""
    text = text.strip()
    if not text or len(text) > MAX_DATE:
        return None
    text = _WEEKDAY.sub("", text, count=1) if text[:1].isalpha() else text
    try:
        if _ISO_ZONE.fullmatch(text):
            return datetime.fromisoformat(text.replace(" ", "T"))
        if (found := _NUMERIC.fullmatch(text)) is not None:
            a, b, c = found["a"], int(found["b"]), found["c"]
            if len(a) == 4:  # 2024/03/04, 2024-03-04
                day = date(int(a), b, int(c)) if len(c) <= 2 else None
            elif len(a) == 3 or len(c) not in (2, 4):
                day = None
            elif order == MONTH_FIRST:
                day = date(_year(c), int(a), b)
            else:
                day = date(_year(c), b, int(a))
        elif (found := _MONTH_DAY.fullmatch(text) or _DAY_MONTH.fullmatch(text)) is not None:
            month = MONTHS.get(found["mon"].lower())
            day = None if month is None else date(_year(found["y"]), month, int(found["d"]))
        else:
            return None
        if day is None or day.year < FIRST_YEAR:
            return None
        return day, _clock(found)
    except ValueError:  # a 31st of April, a 25th hour
        return None


@dataclass(frozen=True, slots=True)
class DateOrder:
    """How a file's numeric dates are read, and why; `asked`: nothing decides, so the
    member is asked (the dates are read day first until they say)."""

    order: str = DAY_FIRST
    why: str = ""
    asked: bool = False
    example: str = ""  # a date of the file that reads both ways


def date_order(table: Table, country: str | None, said: str | None = None) -> DateOrder:
    """How to read `03/04/2024` in this file: as the member said; as the format writes
    it (LinkedIn: month first); as the file's own dates show (`31/01/2024` can only be
    day first); as the member's country writes it; else ask."""
    if said is not None:
        return DateOrder(said, "as you said")
    if table.format.month_first:
        return DateOrder(MONTH_FIRST, f"as {table.format.name} writes them")
    votes: Counter[str] = Counter()
    example = ""
    for row in table.rows:
        for name in DATES:
            parts = _ambiguous(row.values.get(name, ""))
            if parts is None:
                continue
            first, second = parts
            if first > 12 >= second:
                votes[DAY_FIRST] += 1
            elif second > 12 >= first:
                votes[MONTH_FIRST] += 1
            elif first != second and not example:
                example = row.values[name]
    if votes[DAY_FIRST] != votes[MONTH_FIRST]:
        order = DAY_FIRST if votes[DAY_FIRST] > votes[MONTH_FIRST] else MONTH_FIRST
        return DateOrder(order, "as the file's own dates show")
    if not example:
        return DateOrder(DAY_FIRST)  # no date reads two ways: the order changes nothing
    if country is not None:
        order = MONTH_FIRST if country in MONTH_FIRST_COUNTRIES else DAY_FIRST
        return DateOrder(order, f"as your country ({country}) writes them")
    return DateOrder(DAY_FIRST, asked=True, example=example)


# -- statuses --------------------------------------------------------------------------------

# What a tracker's status becomes: the actions it implies after the application.
# Statuses that say nothing happened yet make a lead to pursue; "ghosted" is no "no".
STATUSES: dict[str, tuple[Action, ...]] = synonyms(
    {
        (): "saved | bookmarked | wishlist | wish list | interested | to apply | not applied"
        " | not applied yet | planned | considering | new",
        (Action.APPLIED,): "applied | application submitted | submitted | sent | waiting"
        " | pending | in review | under review | no response | no reply | ghosted",
        (Action.REPLIED,): "screen | screening | phone screen | recruiter screen | responded"
        " | replied | reply | in progress | assessment | online assessment | oa | take home"
        " | contacted | talking | interview scheduled",
        (Action.INTERVIEWED,): "interview | interviews | interviewing | interviewed | onsite"
        " | on site | final round | final interview | technical interview",
        (Action.REJECTED,): "rejected | rejection | not selected | unsuccessful | no offer"
        " | turned down | not moving forward",
        (Action.OFFER,): "offer | offered | offer received | offer extended",
        (Action.OFFER, Action.ACCEPTED): "accepted | offer accepted | hired",
        (Action.OFFER, Action.DECLINED): "offer declined | declined offer",
        (Action.DROPPED,): "withdrawn | withdrew | withdraw | archived | closed"
        " | not interested | no longer interested | dropped",
    }
)
STAGE_WORDS = {
    Action.APPLIED: "applied",
    Action.REPLIED: "talking",
    Action.INTERVIEWED: "interviewed",
    Action.REJECTED: "rejected",
    Action.OFFER: "offer",
    Action.ACCEPTED: "accepted",
    Action.DECLINED: "declined",
    Action.DROPPED: "dropped",
}
_YES = frozenset({"yes", "y", "true", "1", "x", "archived"})


def status_of(text: str) -> tuple[Action, ...] | None:
    """The actions a status implies; None for a status not known."""
    return STATUSES.get(header_key(text))


# -- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One event of an imported lead's history, as the file dates it (UTC)."""

    action: Action
    at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class NewLead:
    row: int
    company: str
    contact: str
    role: str | None
    url: str | None
    steps: tuple[Step, ...]  # the first is its ADDED
    status: str = ""  # as the file says it, if it does

    @property
    def created_at(self) -> datetime:
        return self.steps[0].at


@dataclass(frozen=True, slots=True)
class NewActivity:
    """An activity of FollowThrough's export (a job fair...), not about one lead."""

    row: int
    kind: str
    at: datetime
    what: str


@dataclass(frozen=True, slots=True)
class Skip:
    row: int
    why: str  # may hold marked text of the file


@dataclass(frozen=True, slots=True)
class Known:
    """One of the member's leads, as duplicates are told: its company and role, the
    days it was added or applied to, and its posting."""

    ref: str
    key: tuple[str, str]
    days: frozenset[date]
    url: str | None


@dataclass(frozen=True, slots=True)
class Plan:
    table: Table
    dates: DateOrder
    leads: tuple[NewLead, ...] = ()
    activities: tuple[NewActivity, ...] = ()
    skipped: tuple[Skip, ...] = ()
    statuses: tuple[tuple[str, str, int], ...] = ()  # (status, what it became, rows)
    notes: tuple[str, ...] = ()  # what was left out of cells, in words

    def counts(self) -> Counter[Action]:
        """How many of each action the plan writes, its leads' additions aside."""
        return Counter(s.action for lead in self.leads for s in lead.steps[1:])

    @property
    def actions(self) -> int:
        return sum(self.counts().values())

    @property
    def empty(self) -> bool:
        return not self.leads and not self.activities


def known(leads: Iterable[Lead], events: Iterable[Event], cal: BusinessCalendar) -> list[Known]:
    """The member's leads as an import tells duplicates: by company and role, on the day
    each was added or applied to (the day the file would date it), or by its posting."""
    applied: dict[int, set[date]] = {}
    for event in events:
        if event.action is Action.APPLIED:
            applied.setdefault(event.lead_id, set()).add(cal.local_date(event.at))
    return [
        Known(
            lead.ref,
            _key(lead.company, lead.role),
            frozenset({cal.local_date(lead.created_at), *applied.get(lead.id or 0, ())}),
            lead.url,
        )
        for lead in leads
    ]


def _key(company: str, role: str | None) -> tuple[str, str]:
    return folded(company), folded(role or "")


def plan(
    table: Table,
    mine: list[Known],
    cal: BusinessCalendar,
    now: datetime,
    said: str | None = None,
) -> Plan:
    """What importing `table` would create for a member with the leads `mine` (in their
    calendar, as of `now`), its dates read as `said` (a DateOrder's order) if given."""
    order = date_order(table, cal.country, said)
    dates = _Dates(order.order, cal, now)
    notes = _Notes()
    if table.kind == FOLLOWTHROUGH.kind:
        candidates, activities, skipped = _from_export(table, dates, notes)
    else:
        candidates, activities, skipped = _from_rows(table, dates, notes)
    by_key = {m.key: m for m in mine}
    by_url = {m.url: m for m in mine if m.url}
    seen: dict[tuple[tuple[str, str], date], int] = {}
    leads: list[NewLead] = []
    for lead in candidates:
        key, day = _key(lead.company, lead.role), cal.local_date(lead.created_at)
        mine_too = by_key.get(key)
        posting = by_url.get(lead.url) if lead.url else None
        if posting is not None:
            skipped.append(Skip(lead.row, f"already in your leads as {posting.ref} (same posting)"))
        elif mine_too is not None and day in mine_too.days:
            skipped.append(Skip(lead.row, f"already in your leads as {mine_too.ref}"))
        elif (key, day) in seen:
            skipped.append(Skip(lead.row, f"the same as row {seen[key, day]}"))
        else:
            seen[key, day] = lead.row
            leads.append(lead)
    leads.sort(key=lambda lead: (lead.created_at, lead.row))  # numbered oldest first
    return Plan(
        table,
        order,
        tuple(leads),
        tuple(activities),
        tuple(sorted(skipped, key=lambda s: s.row)),
        tuple(_statuses(leads)),
        tuple(notes.said()),
    )


class _Notes:
    """What a plan tells the member about the cells it left out or read its own way."""

    def __init__(self) -> None:
        self.left: Counter[str] = Counter()

    def said(self) -> list[str]:
        words = {
            "url": "job URLs that aren't web addresses (https://...)",
            "contact": "contacts that are an email address or a phone number",
            "id": "cells that look like a Social Security or claim number (never stored)",
        }
        return [f"{plural(n, 'cell')} left out: {words[what]}" for what, n in self.left.items()]


def _statuses(leads: list[NewLead]) -> list[tuple[str, str, int]]:
    """(status, what it became, how many leads) of the leads a plan makes, most first."""
    found: Counter[tuple[str, str]] = Counter()
    for lead in leads:
        if lead.status:
            actions = status_of(lead.status)
            if actions is None:
                became = "not a status I know: left out"
            else:
                became = STAGE_WORDS[actions[-1]] if actions else "a lead to pursue"
            found[lead.status[:40], became] += 1
    return [(status, became, n) for (status, became), n in found.most_common()]


class _Dates:
    """Dates of one file in the member's calendar: instants in UTC, none in the future."""

    def __init__(self, order: str, cal: BusinessCalendar, now: datetime) -> None:
        self.order, self.cal, self.now = order, cal, now
        self.today = cal.local_date(now)

    def at(self, text: str, clock: str = "") -> datetime | str:
        """The instant of a date cell (and a time cell), or why it is skipped."""
        found = parse_date(f"{text} {clock}".strip() if clock else text, self.order)
        if found is None:
            return f"the date {echo(text, 30)} can't be read"
        if isinstance(found, datetime):
            instant = found.astimezone(UTC)
            day = self.cal.local_date(instant)
        else:
            day, hour = found
            instant = self.cal.at(day, hour or NOON)
        if day > self.today:
            return f"the date {echo(text, 30)} is in the future"
        return min(instant, self.now)


def _name(text: str | None) -> str:
    return (text or "")[:MAX_NAME].strip()


def _contact(text: str | None, notes: _Notes) -> str:
    """A contact's name; an email address or a phone number is not imported."""
    value = _name(text)
    digits = sum(ch.isdigit() for ch in value)
    if "@" in value or digits >= 5:
        notes.left["contact"] += 1
        return ""
    return value


def _url(text: str | None, notes: _Notes) -> str | None:
    if not text:
        return None
    try:
        return details.check("url", text[:MAX_URL])
    except UsageError:
        notes.left["url"] += 1
        return None


def _safe(text: str, notes: _Notes) -> str:
    """A cell's text, unless it holds what looks like an SSN or claim number."""
    if looks_like_id(text):
        notes.left["id"] += 1
        return ""
    return text


def _from_rows(
    table: Table, dates: _Dates, notes: _Notes
) -> tuple[list[NewLead], list[NewActivity], list[Skip]]:
    """A lead per row (LinkedIn, Simplify, a spreadsheet), dated as the row says."""
    leads: list[NewLead] = []
    skipped: list[Skip] = []
    for row in table.rows:
        found = _lead_of(row, dates, notes)
        if isinstance(found, Skip):
            skipped.append(found)
        else:
            leads.append(found)
    return leads, [], skipped


def _lead_of(row: Row, dates: _Dates, notes: _Notes) -> NewLead | Skip:
    v = row.values
    company = _safe(_name(v.get(COMPANY)), notes)
    if not company:
        return Skip(row.number, "no company")
    when: dict[str, datetime] = {}
    for name in (SAVED, APPLIED, STATUS_DATE, ARCHIVED_DATE):
        if v.get(name):
            found = dates.at(v[name])
            if isinstance(found, str):
                return Skip(row.number, found)
            when[name] = found
    if not when:
        return Skip(row.number, "no date")
    first, last = min(when.values()), max(when.values())
    status = v.get(STATUS, "")
    actions = status_of(status) if status else ()
    applied = when.get(APPLIED)
    if applied is None and actions is not None and Action.APPLIED in actions:
        applied = when.get(STATUS_DATE, first)
    steps = [Step(Action.ADDED, first)]
    if applied is not None:
        steps.append(Step(Action.APPLIED, applied))
    since = applied or first
    for action in actions or ():
        if action is not Action.APPLIED:
            steps.append(Step(action, max(when.get(STATUS_DATE, last), since)))
    if v.get(ARCHIVED, "").casefold() in _YES and Action.DROPPED not in (actions or ()):
        steps.append(Step(Action.DROPPED, max(when.get(ARCHIVED_DATE, last), since)))
    note = _safe(v.get(NOTES, "")[:MAX_NOTE], notes)
    if note:
        steps.append(Step(Action.NOTE, last, note))
    steps[1:] = sorted(steps[1:], key=lambda s: s.at)  # stable: a status after its application
    role = _safe(_name(v.get(ROLE)), notes) or None
    contact = _safe(_contact(v.get(CONTACT), notes), notes)
    url = _url(v.get(URL), notes)
    return NewLead(row.number, company, contact, role, url, tuple(steps), status)


def _from_export(
    table: Table, dates: _Dates, notes: _Notes
) -> tuple[list[NewLead], list[NewActivity], list[Skip]]:
    """FollowThrough's own export: its rows grouped by lead, each row one event."""
    groups: dict[str, list[Row]] = {}
    activities: list[NewActivity] = []
    skipped: list[Skip] = []
    for row in table.rows:
        v = row.values
        action = v.get(F_ACTION, "").lower()
        if action.startswith("activity:"):
            kind = action.removeprefix("activity:")
            at = dates.at(v.get(F_DATE, ""), v.get(F_TIME, ""))
            if kind not in ACTIVITY_KINDS:
                skipped.append(Skip(row.number, f"no activity {echo(kind, 20)}"))
            elif isinstance(at, str):
                skipped.append(Skip(row.number, at))
            else:
                what = _safe(v.get(NOTES, "")[:MAX_NAME], notes)
                activities.append(NewActivity(row.number, kind, at, what))
        elif v.get(F_LEAD):
            groups.setdefault(v[F_LEAD], []).append(row)
        else:
            skipped.append(Skip(row.number, "no lead"))
    leads = []
    for rows in groups.values():
        found = _lead_of_events(rows, dates, notes, skipped)
        if found is not None:
            leads.append(found)
    return leads, activities, skipped


_ACTIONS = {action.value: action for action in Action}


def _lead_of_events(
    rows: list[Row], dates: _Dates, notes: _Notes, skipped: list[Skip]
) -> NewLead | None:
    first = rows[0]
    company = next((r.values[COMPANY] for r in rows if r.values.get(COMPANY)), "")
    company = _safe(_name(company), notes)
    if not company:
        skipped.extend(Skip(r.number, "no company") for r in rows)
        return None
    steps: list[Step] = []
    for row in rows:
        action = _ACTIONS.get(row.values.get(F_ACTION, "").lower())
        at = dates.at(row.values.get(F_DATE, ""), row.values.get(F_TIME, ""))
        if action is None:
            skipped.append(Skip(row.number, f"no action {echo(row.values.get(F_ACTION, ''), 20)}"))
        elif isinstance(at, str):
            skipped.append(Skip(row.number, at))
        elif action is not Action.SNOOZED:  # a snooze of the past snoozes nothing now
            steps.append(Step(action, at, _safe(row.values.get(NOTES, "")[:MAX_NOTE], notes)))
    if not steps:
        return None
    steps.sort(key=lambda s: s.at)
    added = next((s for s in steps if s.action is Action.ADDED), None)
    rest = [s for s in steps if s is not added]
    start = Step(Action.ADDED, min(steps[0].at, added.at if added else steps[0].at))
    role = _safe(_name(first.values.get(ROLE)), notes) or None
    contact = _safe(_contact(first.values.get(CONTACT), notes), notes)
    return NewLead(first.number, company, contact, role, None, (start, *rest))


# -- imported leads and the playbook ----------------------------------------------------------


def settle(lead: Lead, ctx: Context, today: date) -> None:
    """An imported lead's nudge memory: a nudge whose day had passed before the import
    (a follow-up weeks overdue) is not told as overdue the next morning; the lead asks
    "still pursuing?" first, as a nudge ignored for days would. One due from today on
    comes as the playbook says."""
    due = waiting_for(lead, ctx)
    if due is not None and due.on < today:
        lead.nudge_rule, lead.nudge_count = due.rule, ctx.settings.ignored_before_asking
        lead.nudged_on = None


PENDING_FOR = timedelta(days=1)  # how long a preview waits for its confirm


@dataclass(frozen=True, slots=True)
class PendingImport:
    """A previewed import waiting for the member's confirm: the table read from the file
    (only what would be imported), until `expires_at`."""

    member_id: int
    table: Table = field(repr=False)
    created_at: datetime
    expires_at: datetime

"""What a member is told about an import (core.domain.importer): how to send the file
here, the preview of what it would add, the question about its dates, and what was
imported."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from core.domain.importer import (
    APPLIED,
    ARCHIVED,
    ARCHIVED_DATE,
    COMPANY,
    CONTACT,
    DAY_FIRST,
    F_ACTION,
    F_DATE,
    F_LEAD,
    F_TIME,
    MONTH_FIRST,
    NOTES,
    ROLE,
    SAVED,
    STATUS,
    STATUS_DATE,
    URL,
    Plan,
    Skip,
    Table,
    parse_date,
)
from core.domain.leads import Action
from core.domain.messages import Button, Message, Section, plural, reply
from core.domain.text import typed

SHOWN_SKIPS = 10  # skipped rows a preview lists one by one
CONFIRM = "/followthrough import confirm"
CANCEL = "/followthrough import cancel"

SHOWN = {
    COMPANY: "company",
    ROLE: "role",
    CONTACT: "contact (a name)",
    URL: "job posting",
    NOTES: "a note",
    STATUS: "status",
    APPLIED: "date applied",
    SAVED: "date added",
    STATUS_DATE: "date of the status",
    ARCHIVED: "archived (dropped)",
    ARCHIVED_DATE: "date archived",
    F_DATE: "date",
    F_TIME: "time",
    F_LEAD: "lead",
    F_ACTION: "action",
}

HOW_TO_SEND = {
    "slack": "send me the CSV in our DM (FollowThrough's Messages tab): drop the file in,"
    " no command needed",
    "discord": "attach it to the command: `/followthrough import` with its `file` option",
    "console": "give its path: `/followthrough import FILE` here, or from a shell"
    " `followthrough import --as NAME FILE`",
    "sim": "in the script, `NAME: /followthrough import FILE` (the path from the script's folder)",
}
WHERE_FROM = (
    "LinkedIn: Settings → Data privacy → Get a copy of your data → Job applications (the"
    " files Job Applications.csv and Saved Jobs.csv). Simplify: its CSV export. A"
    " spreadsheet: saved as CSV, with a Company column (Role, Date applied, Status, Job URL,"
    " Contact and Notes are read too)."
)


def how_to_send(platform: str) -> Message:
    """`/followthrough import` alone: how to send the file here."""
    way = HOW_TO_SEND.get(platform, "send me the CSV file with the command")
    return reply(
        f"To bring your search in, {way}. I answer with a preview of what it would add;"
        " nothing is imported until you confirm.",
        Section(WHERE_FROM),
    )


NOTHING_PENDING = (
    "No import is waiting: send me the CSV first (`/followthrough import` says how). A"
    " preview waits a day for its confirm."
)
CANCELLED = "Import cancelled: nothing was imported."
NOTHING_LEFT = "Nothing left to import: every row is in your leads already, or skipped."


def _counted(counts: Counter[Action]) -> str:
    words = {
        Action.APPLIED: ("application", "applications"),
        Action.EMAILED: ("email", "emails"),
        Action.FOLLOWED_UP: ("follow-up", "follow-ups"),
        Action.CALLED: ("call", "calls"),
        Action.REFERRAL: ("referral", "referrals"),
        Action.REPLIED: ("reply", "replies"),
        Action.INTERVIEWED: ("interview", "interviews"),
        Action.REJECTED: ("rejection", "rejections"),
        Action.OFFER: ("offer", "offers"),
        Action.ACCEPTED: ("accepted offer", "accepted offers"),
        Action.DECLINED: ("declined offer", "declined offers"),
        Action.DROPPED: ("dropped lead", "dropped leads"),
        Action.NOTE: ("note", "notes"),
    }
    parts = [
        plural(n, *words.get(action, (f"{action.value} action", f"{action.value} actions")))
        for action, n in counts.most_common()
    ]
    return ", ".join(parts)


def _columns_said(table: Table) -> str:
    used = " · ".join(f"{typed(header)} → {SHOWN.get(f, f)}" for header, f in table.columns)
    lines = [f"Columns: {used}"]
    if table.dropped:
        lines.append("Never imported: " + ", ".join(typed(h) for h in table.dropped) + " (privacy)")
    if table.unused:
        lines.append("Not used: " + ", ".join(typed(h) for h in table.unused[:12]))
    return "\n".join(lines)


def _skipped_said(skipped: tuple[Skip, ...]) -> str:
    lines = [f"· row {s.row}: {s.why}" for s in skipped[:SHOWN_SKIPS]]
    if len(skipped) > SHOWN_SKIPS:
        lines.append(f"· …and {plural(len(skipped) - SHOWN_SKIPS, 'more row')}")
    return f"Skipped {plural(len(skipped), 'row')}:\n" + "\n".join(lines)


def preview_message(found: Plan) -> Message:
    """The preview of an import: what it would add, what it skips and why, how it read
    the columns and dates; with Confirm and Cancel (or, if the dates read two ways,
    a button for each way)."""
    table = found.table
    source = f"{typed(table.filename)} ({table.format.name})"
    if found.empty:
        return reply(
            f"Nothing in {source} can be imported: every row was skipped.",
            Section(_skipped_said(found.skipped)) if found.skipped else Section(WHERE_FROM),
            Section(_columns_said(table)),
        )
    adds = [f"· {plural(len(found.leads), 'new lead')}"]
    if found.actions:
        adds[0] += f" with {plural(found.actions, 'action')}: {_counted(found.counts())}"
    if found.activities:
        adds.append(f"· {plural(len(found.activities), 'activity', 'activities')}")
    sections = [Section("Importing it would add:\n" + "\n".join(adds))]
    sections.append(Section(_columns_said(table)))
    if found.statuses:
        said = " · ".join(f"{typed(s)} → {became} ({n})" for s, became, n in found.statuses[:10])
        sections.append(Section(f"Statuses: {said}"))
    if found.skipped:
        sections.append(Section(_skipped_said(found.skipped)))
    notes = list(found.notes)
    if table.encoding != "utf-8":
        notes.insert(
            0,
            f"The file isn't UTF-8: I read it as {table.encoding.capitalize()} (Latin-1), as"
            " Excel writes on Windows. Check the accented names before you confirm.",
        )
    if found.dates.why:
        notes.append(f"Dates like 03/04/2024 read {_way(found.dates.order)}, {found.dates.why}.")
    if notes:
        sections.append(Section("\n".join(notes)))
    history = (
        "Imported history earns no points and no streak days: the board counts what you do"
        " from now on. Follow-ups that were already overdue start by asking whether you're"
        " still pursuing the lead."
    )
    if found.dates.asked:
        example = found.dates.example
        sections.append(
            Section(
                f"One question first: does {typed(example)} mean {_reading(example, DAY_FIRST)}"
                f" or {_reading(example, MONTH_FIRST)}? Neither the file nor your country says"
                " which (your country: `/followthrough me country CC`).",
                history,
                buttons=(
                    Button(_reading(example, DAY_FIRST), f"{CONFIRM} {DAY_FIRST}", DAY_FIRST),
                    Button(_reading(example, MONTH_FIRST), f"{CONFIRM} {MONTH_FIRST}", MONTH_FIRST),
                    Button("Cancel", CANCEL, "cancel"),
                ),
            )
        )
        sections.append(
            Section(f"Or type `{CONFIRM} {DAY_FIRST}` or `{CONFIRM} {MONTH_FIRST}` (within a day).")
        )
    else:
        sections.append(
            Section(
                "Nothing is imported until you confirm.",
                history,
                buttons=(Button("Import", CONFIRM, "confirm"), Button("Cancel", CANCEL, "cancel")),
            )
        )
        sections.append(Section(f"Or type `{CONFIRM}` (within a day) or `{CANCEL}`."))
    return reply(f"Here is what importing {source} would do.", *sections)


def _way(order: str) -> str:
    return "day first (3 April)" if order == DAY_FIRST else "month first (March 4)"


def _reading(text: str, order: str) -> str:
    found = parse_date(text, order)
    day = found.date() if isinstance(found, datetime) else found[0] if found else None
    if day is None:
        return "day first" if order == DAY_FIRST else "month first"
    return f"{day.day} {day:%B %Y}" if order == DAY_FIRST else f"{day:%B} {day.day}, {day.year}"


def ask_dates(found: Plan) -> str:
    """A confirm without the dates' order, when the file needs one."""
    example = found.dates.example
    return (
        f"Which order are this file's dates in? {typed(example)} could be"
        f" {_reading(example, DAY_FIRST)} or {_reading(example, MONTH_FIRST)}. Say"
        f" `{CONFIRM} {DAY_FIRST}` or `{CONFIRM} {MONTH_FIRST}`. Nothing was imported."
    )


def imported_message(found: Plan, numbers: list[int], asking: int) -> Message:
    """The answer to a confirmed import: `numbers` of the leads it made, in order."""
    table = found.table
    made = plural(len(found.leads), "lead")
    if numbers:
        made += f" (#{numbers[0]})" if len(numbers) == 1 else f" (#{numbers[0]} to #{numbers[-1]})"
    text = f"Imported {made} from {typed(table.filename)}"
    if found.actions:
        text += f", with {plural(found.actions, 'action')} of history"
    if found.activities:
        text += f", and {plural(len(found.activities), 'activity', 'activities')}"
    text += ". `/lead list` shows them."
    sections = [
        Section(
            "Imported history earns no points and no streak days: what you do from now on"
            " does."
            + (
                f" {plural(asking, 'lead')} with a follow-up long overdue will ask, a few a"
                " morning, whether you're still pursuing it."
                if asking
                else ""
            )
        )
    ]
    if found.skipped:
        sections.append(
            Section(f"{plural(len(found.skipped), 'row')} skipped, as the preview said.")
        )
    return reply(text, *sections)

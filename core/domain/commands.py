"""The commands a member can give, as typed values.

Each is built by core.domain.builder from the options of its row in the command table
(core.domain.catalog), which checks every value against that row: by the time a command
exists, its values are clean, within their limits, and among their choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from core.domain.dates import When
from core.domain.leads import Action

Details = tuple[tuple[str, str], ...]  # (a Lead field, its value): `(("email", "j@a.com"),)`


@dataclass(frozen=True, slots=True)
class AddLead:
    contact: str  # "" for an employer with no person yet
    company: str
    role: str | None = None
    via: str | None = None
    network: bool = False
    details: Details = ()


@dataclass(frozen=True, slots=True)
class LogAction:
    action: Action
    ref: str
    note: str = ""
    when: When | None = None  # None: it happened now
    how: str | None = None  # an application's: online, email, in person, mail


@dataclass(frozen=True, slots=True)
class Interview:
    """`/lead interview julie on thu 14:00`: an interview to come, at a time of day on a
    day (the member's own); or `cancel` the one set."""

    ref: str
    when: When | None = None
    at: time | None = None
    cancel: bool = False


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """`/followthrough calendar [reset]`: the member's private feed address, made once;
    `reset` makes a new one, and the old one stops working."""

    reset: bool = False


@dataclass(frozen=True, slots=True)
class SetDetail:
    """`/lead set julie email julie@acme.com`: one field of a lead, None to clear it."""

    ref: str
    field: str  # a Lead field
    value: str | None


@dataclass(frozen=True, slots=True)
class LogActivity:
    """Something done for the search that is not about one lead (a job fair...)."""

    kind: str  # a key of core.domain.worklog.ACTIVITY_KINDS
    what: str = ""
    where: str = ""
    when: When | None = None
    minutes: int | None = None


@dataclass(frozen=True, slots=True)
class WorkLog:
    """`/followthrough log [this|last|<day>]`: the period holding `when` (None: today's),
    or the one before today's."""

    when: When | None = None
    last: bool = False


@dataclass(frozen=True, slots=True)
class AddReferral:
    ref: str
    contact: str
    company: str
    role: str | None = None
    when: When | None = None


@dataclass(frozen=True, slots=True)
class AddNote:
    ref: str
    text: str


@dataclass(frozen=True, slots=True)
class Snooze:
    ref: str
    days: int


@dataclass(frozen=True, slots=True)
class Drop:
    ref: str


@dataclass(frozen=True, slots=True)
class ListLeads:
    """`/lead list [all|due|<stage>] [page <n>]`: a page of the leads a filter picks
    (core.domain.insights: `active`, the default, `all`, `due`, or a stage's word)."""

    which: str = "active"
    page: int = 1


@dataclass(frozen=True, slots=True)
class Stats:
    """`/lead stats [week|month|all]`: the member's funnel over the leads added then."""

    period: str = "all"


@dataclass(frozen=True, slots=True)
class GroupReport:
    """`/followthrough group report [page <n>]`: the organisers' view of every member."""

    page: int = 1


@dataclass(frozen=True, slots=True)
class Show:
    ref: str


@dataclass(frozen=True, slots=True)
class Today:
    pass


@dataclass(frozen=True, slots=True)
class LogChange:
    """What `/followthrough me log ...` changes in the member's log; None keeps it."""

    preset: str | None = None
    minimum: int | None = None  # 0: no minimum
    period: str | None = None
    unit: str | None = None
    week_starts: int | None = None
    different_days: bool | None = None


@dataclass(frozen=True, slots=True)
class MySettings:
    nudge_time: time | None = None
    tz: str | None = None
    country: str | None = None
    log: LogChange | None = None  # `me log` alone: LogChange() (shows the log's settings)
    deliver: str | None = None  # a linked member's morning: on this platform (`me deliver`)


@dataclass(frozen=True, slots=True)
class Link:
    """`/followthrough link`: a one-time code to type on the other platform, or what is
    linked already; `link <code>`: that code, typed on the other platform, links."""

    code: str | None = None


@dataclass(frozen=True, slots=True)
class Unlink:
    """`/followthrough unlink`: two members again, each with what it had."""


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class ShareCompanies:
    on: bool


@dataclass(frozen=True, slots=True)
class Board:
    on: bool


@dataclass(frozen=True, slots=True)
class Export:
    pass


@dataclass(frozen=True, slots=True)
class ForgetMe:
    """Without `confirm`, what would be erased and how to confirm it; with it, erase."""

    confirm: bool = False


@dataclass(frozen=True, slots=True)
class Import:
    """`/followthrough import [confirm [dayfirst|monthfirst] | cancel]`: apply or drop the
    import previewed last; alone, how to send the file."""

    action: str | None = None  # confirm, cancel; None: how to send a file
    dates: str | None = None  # dayfirst, monthfirst: how the file writes its dates


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file the member sent to import: previewed, nothing written until they confirm.
    Made by an adapter from the file it received, never from typed text.

    `size` is the size the platform announced, when it was too big to download."""

    filename: str
    data: bytes = field(repr=False)
    size: int | None = None


@dataclass(frozen=True, slots=True)
class GroupChannel:
    channel: str  # a channel's name, or the platform's id of it


@dataclass(frozen=True, slots=True)
class GroupMorning:
    morning: time


@dataclass(frozen=True, slots=True)
class GroupZone:
    tz: str  # a canonical IANA name


@dataclass(frozen=True, slots=True)
class GroupCountry:
    country: str  # an ISO code with public holidays


@dataclass(frozen=True, slots=True)
class GroupLog:
    preset: str | None  # a preset's code; None: none


@dataclass(frozen=True, slots=True)
class GroupPlaybook:
    name: str  # a PlaybookSettings field
    value: int


@dataclass(frozen=True, slots=True)
class GroupPoints:
    action: str
    points: int


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: str = "week"  # week, month or all


@dataclass(frozen=True, slots=True)
class Help:
    pass


GroupCommand = (
    GroupChannel | GroupMorning | GroupZone | GroupCountry | GroupLog | GroupPlaybook | GroupPoints
)

Command = (
    AddLead
    | LogAction
    | Interview
    | CalendarFeed
    | SetDetail
    | LogActivity
    | WorkLog
    | AddReferral
    | AddNote
    | Snooze
    | Drop
    | ListLeads
    | Stats
    | GroupReport
    | Show
    | Today
    | MySettings
    | Link
    | Unlink
    | Pause
    | Resume
    | ShareCompanies
    | Board
    | Export
    | ForgetMe
    | Import
    | ImportFile
    | GroupCommand
    | Leaderboard
    | Help
)

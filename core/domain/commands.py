"""The commands a member can give, as typed values.

Each is built by core.domain.builder from the options of its row in the command table
(core.domain.catalog), which checks every value against that row: by the time a command
exists, its values are clean, within their limits, and among their choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from core.domain.dates import When
from core.domain.leads import Action


@dataclass(frozen=True, slots=True)
class AddLead:
    contact: str
    company: str
    role: str | None = None
    via: str | None = None
    network: bool = False


@dataclass(frozen=True, slots=True)
class LogAction:
    action: Action
    ref: str
    note: str = ""
    when: When | None = None  # None: it happened now


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
    include_closed: bool = False


@dataclass(frozen=True, slots=True)
class Show:
    ref: str


@dataclass(frozen=True, slots=True)
class Today:
    pass


@dataclass(frozen=True, slots=True)
class MySettings:
    nudge_time: time | None = None
    tz: str | None = None
    country: str | None = None


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


GroupCommand = GroupChannel | GroupMorning | GroupZone | GroupCountry | GroupPlaybook | GroupPoints

Command = (
    AddLead
    | LogAction
    | AddReferral
    | AddNote
    | Snooze
    | Drop
    | ListLeads
    | Show
    | Today
    | MySettings
    | Pause
    | Resume
    | ShareCompanies
    | Board
    | Export
    | ForgetMe
    | GroupCommand
    | Leaderboard
    | Help
)

"""The command grammar of DESIGN.md: text a member types -> a command, or a UsageError.

Slack sends `/lead emailed julie`; Discord's typed options and the console are turned
into the same text by their adapters, so every platform reaches this one parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from core.domain.calendar import check_country, zone
from core.domain.errors import UsageError
from core.domain.leads import LOGGABLE, VIA, Action

MAX_SNOOZE_DAYS = 365
MAX_NAME = 200  # a contact's, company's or role's name
MAX_NOTE = 2000
MAX_CHANNEL = 64

USAGE = {
    "add": "/lead add <contact> at <company> [as <role>]"
    " [via email|linkedin|phone|intro] [network]",
    "log": "/lead emailed|followedup|called|replied|interviewed|rejected|offer|accepted|declined"
    " <lead> [note...]",
    "referral": "/lead referral <lead> -> <contact> at <company> [as <role>]",
    "note": "/lead note <lead> <text>",
    "snooze": f"/lead snooze <lead> <days>  (1 to {MAX_SNOOZE_DAYS})",
    "drop": "/lead drop <lead>",
    "list": "/lead list [all]",
    "show": "/lead show <lead>",
    "today": "/lead today",
    "me": "/followthrough me [time HH:MM] [tz Zone/Name] [country CC]",
    "pause": "/followthrough pause",
    "resume": "/followthrough resume",
    "share": "/followthrough share companies on|off",
    "board": "/followthrough board on|off",
    "export": "/followthrough export",
    "forget-me": "/followthrough forget-me",
    "group": "/followthrough group channel <channel> | time HH:MM | tz Zone/Name | country CC"
    " | points <action> <n> | setting <name> <n>",
    "leaderboard": "/leaderboard [week|month|all]",
    "help": "/followthrough help",
}

HELP = f"""\
FollowThrough keeps your leads and tells you, each business morning, whom to follow up with.

Log what you did:
  {USAGE["add"]}
  {USAGE["log"]}
  {USAGE["referral"]}
  {USAGE["note"]}
  {USAGE["snooze"]}
  {USAGE["drop"]}
See your search:
  {USAGE["list"]}
  {USAGE["show"]}
  {USAGE["today"]}
  {USAGE["leaderboard"]}
Your settings:
  {USAGE["me"]}
  {USAGE["pause"]}  ·  {USAGE["resume"]}
  {USAGE["share"]}  ·  {USAGE["board"]}
  {USAGE["export"]}  ·  {USAGE["forget-me"]}
Organisers:
  {USAGE["group"]}

<lead> is a short id such as #12, or any unambiguous part of the contact's or company's name.
Example: /lead add Julie Martin at Acme as Engineering Manager via email,
then /lead emailed julie."""


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


@dataclass(frozen=True, slots=True)
class AddReferral:
    ref: str
    contact: str
    company: str
    role: str | None = None


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
    pass


@dataclass(frozen=True, slots=True)
class GroupSetting:
    name: str  # channel, time, tz, country, or a playbook setting's name
    value: str


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
    | GroupSetting
    | GroupPoints
    | Leaderboard
    | Help
)

_NEW_CONTACT = re.compile(
    r"^(?P<contact>.+?)\s+at\s+(?P<company>.+?)"
    r"(?:\s+as\s+(?P<role>.+?))?"
    r"(?:\s+via\s+(?P<via>\S+))?"
    r"(?:\s+(?P<network>network))?$",
    re.IGNORECASE,
)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def _usage(key: str, problem: str | None = None) -> UsageError:
    text = f"Usage: {USAGE[key]}"
    return UsageError(text if problem is None else f"{problem}\n{text}")


def _split_ref(text: str, key: str) -> tuple[str, str]:
    """The lead reference (one word, or "quoted words") and the rest of `text`."""
    text = text.strip()
    if not text:
        raise _usage(key, "Which lead?")
    if len(text) > MAX_NOTE:
        raise _usage(key, f"That is too long (at most {MAX_NOTE} characters).")
    if text[0] in "\"'“":
        close = {"“": "”"}.get(text[0], text[0])
        end = text.find(close, 1)
        if end <= 1:
            raise _usage(key, "A quoted lead needs its closing quote.")
        return text[1:end].strip(), text[end + 1 :].strip()
    ref, _, rest = text.partition(" ")
    return ref, rest.strip()


def parse_time(value: str, key: str) -> time:
    match = _TIME.match(value)
    if not match:
        raise _usage(key, f"`{value}` is not a time; use 24-hour HH:MM, e.g. 07:45.")
    return time(int(match[1]), int(match[2]))


def _on_off(value: str, key: str) -> bool:
    if value.lower() in ("on", "off"):
        return value.lower() == "on"
    raise _usage(key)


def _new_contact(text: str, key: str) -> dict[str, str | bool | None]:
    match = _NEW_CONTACT.match(text.strip())
    if not match:
        raise _usage(key)
    too_long = [
        part for part in ("contact", "company", "role") if len(match[part] or "") > MAX_NAME
    ]
    if too_long:
        raise _usage(key, f"The {too_long[0]} is too long (at most {MAX_NAME} characters).")
    via = match["via"]
    if via is not None and via.lower() not in VIA:
        raise _usage(key, f"`via {via}`: choose one of {', '.join(VIA)}.")
    return {
        "contact": match["contact"].strip(),
        "company": match["company"].strip(),
        "role": match["role"].strip() if match["role"] else None,
        "via": via.lower() if via else None,
        "network": bool(match["network"]),
    }


def parse_lead(text: str) -> Command:
    """Parse the text of `/lead ...`."""
    verb, _, rest = text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in ("", "help"):
        return Help()
    if verb == "add":
        fields = _new_contact(rest, "add")
        return AddLead(
            contact=str(fields["contact"]),
            company=str(fields["company"]),
            role=fields["role"] if isinstance(fields["role"], str) else None,
            via=fields["via"] if isinstance(fields["via"], str) else None,
            network=bool(fields["network"]),
        )
    if verb in {a.value for a in LOGGABLE}:
        ref, note = _split_ref(rest, "log")
        return LogAction(Action(verb), ref, note)
    if verb == "referral":
        ref, tail = _split_ref(rest, "referral")
        arrow = re.match(r"^(?:->|→)\s*(.+)$", tail)
        if not arrow:
            raise _usage(
                "referral", "Write `->` between the lead and the person you were referred to."
            )
        fields = _new_contact(arrow[1], "referral")
        if fields["via"] or fields["network"]:
            raise _usage("referral")
        role = fields["role"] if isinstance(fields["role"], str) else None
        return AddReferral(ref, str(fields["contact"]), str(fields["company"]), role)
    if verb == "note":
        ref, note = _split_ref(rest, "note")
        if not note:
            raise _usage("note", "What should the note say?")
        return AddNote(ref, note)
    if verb == "snooze":
        ref, days = _split_ref(rest, "snooze")
        if not is_number(days) or not 1 <= int(days) <= MAX_SNOOZE_DAYS:
            raise _usage("snooze", "How many days? A whole number, e.g. `/lead snooze #12 7`.")
        return Snooze(ref, int(days))
    if verb == "drop":
        ref, extra = _split_ref(rest, "drop")
        if extra:
            raise _usage("drop")
        return Drop(ref)
    if verb == "list":
        if rest.lower() not in ("", "all"):
            raise _usage("list")
        return ListLeads(include_closed=rest.lower() == "all")
    if verb == "show":
        ref, extra = _split_ref(rest, "show")
        if extra:
            raise _usage("show")
        return Show(ref)
    if verb == "today":
        if rest:
            raise _usage("today")
        return Today()
    raise UsageError(f"I don't know `/lead {verb}`.\n\n{HELP}")


def _parse_me(rest: str) -> MySettings:
    words = rest.split()
    if not words or len(words) % 2:
        raise _usage("me")
    values: dict[str, str] = {}
    for key, value in zip(words[::2], words[1::2], strict=True):
        key = key.lower()
        if key not in ("time", "tz", "country") or key in values:
            raise _usage("me")
        values[key] = value
    tz, country = values.get("tz"), values.get("country")
    return MySettings(
        nudge_time=parse_time(values["time"], "me") if "time" in values else None,
        tz=None if tz is None else _zone(tz, "me"),
        country=None if country is None else _country(country, "me"),
    )


def _zone(name: str, key: str) -> str:
    try:
        zone(name)
    except UsageError as error:
        raise _usage(key, str(error)) from None
    return name


def _country(code: str, key: str) -> str:
    try:
        return check_country(code)
    except UsageError as error:
        raise _usage(key, str(error)) from None


def _parse_group(rest: str) -> GroupSetting | GroupPoints:
    words = rest.split()
    if not words:
        raise _usage("group")
    name = words[0].lower()
    if name == "points":
        if len(words) != 3 or not is_number(words[2]) or len(words[2]) > 3:
            raise _usage("group")
        return GroupPoints(words[1].lower(), int(words[2]))
    if name == "setting":
        if len(words) != 3 or not is_number(words[2]) or len(words[2]) > 3:
            raise _usage("group")
        return GroupSetting(words[1], words[2])
    if len(words) != 2 or name not in ("channel", "time", "tz", "country"):
        raise _usage("group")
    value = words[1]
    if name == "channel" and len(value) > MAX_CHANNEL:
        raise _usage("group", "That channel id is too long.")
    if name == "time":
        parse_time(value, "group")
    elif name == "tz":
        _zone(value, "group")
    elif name == "country":
        value = _country(value, "group")
    return GroupSetting(name, value)


def parse_followthrough(text: str) -> Command:
    """Parse the text of `/followthrough ...`."""
    verb, _, rest = text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    simple: dict[str, Command] = {
        "": Help(),
        "help": Help(),
        "pause": Pause(),
        "resume": Resume(),
        "export": Export(),
        "forget-me": ForgetMe(),
    }
    if verb in simple:
        if rest and verb:
            raise _usage(verb)
        return simple[verb]
    if verb == "me":
        return _parse_me(rest)
    if verb == "share":
        words = rest.split()
        if len(words) != 2 or words[0].lower() != "companies":
            raise _usage("share")
        return ShareCompanies(_on_off(words[1], "share"))
    if verb == "board":
        return Board(_on_off(rest, "board"))
    if verb == "group":
        return _parse_group(rest)
    raise UsageError(f"I don't know `/followthrough {verb}`.\n\n{HELP}")


def parse(command: str, text: str) -> Command:
    """Parse a slash command (`/lead`, `/followthrough`, `/leaderboard`) and its text."""
    match command.lstrip("/").lower():
        case "lead":
            return parse_lead(text)
        case "followthrough":
            return parse_followthrough(text)
        case "leaderboard":
            period = text.strip().lower() or "week"
            if period not in ("week", "month", "all"):
                raise _usage("leaderboard")
            return Leaderboard(period)
    raise UsageError(f"I don't know `{command}`.\n\n{HELP}")

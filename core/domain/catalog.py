"""Every command, subcommand and option as data: the help text, Slack's manifest and
Discord's command tree are generated from this table, never copied; each row names the
command type it builds and whether it writes, and each option its limits and choices,
which core.domain.builder checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.domain import commands as c
from core.domain.errors import UsageError
from core.domain.insights import FILTERS, MAX_PAGE
from core.domain.insights import PERIODS as STATS_PERIODS
from core.domain.leads import LOGGABLE, VIA, Action
from core.domain.scoring import DEFAULT_POINTS, MAX_POINTS
from core.domain.settings import MAX_VALUE, PlaybookSettings
from core.domain.worklog import (
    ACTIVITY_KINDS,
    APPLIED_HOW,
    MAX_MINIMUM,
    PERIODS,
    PRESETS,
    UNITS,
    WEEKDAYS,
)

SNOOZE_RANGE = (1, 365)
MAX_NAME = 200  # a contact's, company's or role's name
MAX_REF = 200
MAX_NOTE = 2000
MAX_CHANNEL = 64
MAX_ACTION = 40


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One typed option. `kind` is one of KINDS; `choices` lists a choice's values."""

    name: str
    description: str
    kind: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None  # of a text, after cleaning


# `date`: a day that has passed (when something happened); `day`: one to come.
KINDS = (
    "text",
    "lead",
    "integer",
    "choice",
    "time",
    "tz",
    "country",
    "channel",
    "flag",
    "date",
    "day",
    "attachment",  # a file sent with the command (Discord's attachment option)
)


@dataclass(frozen=True, slots=True)
class SubcommandSpec:
    """One subcommand: its words, its options, and the command type it builds.

    `writes`: whether running it changes what the member or group has (a read doesn't).
    """

    name: str
    description: str
    usage: str
    example: str
    options: tuple[OptionSpec, ...] = ()
    admin: bool = False  # organisers only (the platform's admins)
    subcommands: tuple[SubcommandSpec, ...] = ()  # `/followthrough group channel ...`
    command: type[Any] | None = None  # None: only its subcommands build one
    writes: bool = False


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str  # without the slash
    description: str
    usage_hint: str
    subcommands: tuple[SubcommandSpec, ...] = ()
    options: tuple[OptionSpec, ...] = ()  # a command without subcommands (`/leaderboard`)
    command: type[Any] | None = None  # what a command without subcommands builds
    writes: bool = False


def _lead(
    description: str = "Your lead: #number, or part of the contact's or company's name",
) -> OptionSpec:
    return OptionSpec("lead", description, "lead", max_length=MAX_REF)


NOTE = OptionSpec("note", "A note to keep with it", required=False, max_length=MAX_NOTE)
WHEN = OptionSpec(
    "when", "When it happened, if not now: fri, yesterday, 3 days ago, 2026-11-27", "date", False
)
CONTACT = OptionSpec("contact", "The person, ideally the hiring manager", max_length=MAX_NAME)
PERSON = OptionSpec(
    "contact",
    "The person, ideally the hiring manager (none yet: leave it out)",
    required=False,
    max_length=MAX_NAME,
)
COMPANY = OptionSpec("company", "Their organisation", max_length=MAX_NAME)
ROLE = OptionSpec("role", "The role you're after", required=False, max_length=MAX_NAME)
ON_OFF = ("on", "off")
IMPORT_ACTIONS = ("confirm", "cancel")
IMPORT_DATES = ("dayfirst", "monthfirst")
PLATFORMS = ("slack", "discord")  # where a linked member's morning may come

# A lead's optional details (what a work-search log asks for): option -> Lead field.
DETAILS = {
    "title": "title",
    "email": "email",
    "phone": "phone",
    "website": "website",
    "address": "address",
    "ref": "job_ref",
    "url": "url",
}
DETAIL_OPTIONS = (
    OptionSpec("title", "The contact's job title", required=False, max_length=MAX_NAME),
    OptionSpec("email", "The contact's email address", required=False, max_length=MAX_NAME),
    OptionSpec("phone", "Their phone number", required=False, max_length=40),
    OptionSpec("website", "The employer's website", required=False, max_length=MAX_NAME),
    OptionSpec("address", "The employer's address", required=False, max_length=MAX_NAME),
    OptionSpec("ref", "The job's reference number", required=False, max_length=MAX_NAME),
    OptionSpec("url", "The job posting's web address", required=False, max_length=500),
)
# What `/lead set` may change: the details, and the names the lead was added with.
SETTABLE = ("contact", "company", "role", *DETAILS)

LOG_DESCRIPTIONS = {
    Action.APPLIED: "You applied for the job: online, by email, in person or by mail",
    Action.EMAILED: "You sent a first email or LinkedIn message",
    Action.FOLLOWED_UP: 'You forwarded your email again as "Re:"',
    Action.CALLED: "You phoned them (reached them or left a voicemail)",
    Action.REPLIED: "They answered: a conversation is running",
    Action.INTERVIEWED: "You had an interview",
    Action.REJECTED: "They went with someone else",
    Action.OFFER: "You got an offer",
    Action.ACCEPTED: "You accepted their offer",
    Action.DECLINED: "You declined their offer",
}
LOG_USAGE = "/lead " + "|".join(a.value for a in LOGGABLE) + " <lead> [on <day>] [note...]"


HOW = OptionSpec("how", "How you applied", "choice", False, APPLIED_HOW)


def _log(action: Action) -> SubcommandSpec:
    if action is Action.APPLIED:
        return SubcommandSpec(
            action.value,
            LOG_DESCRIPTIONS[action],
            "/lead applied <lead> [online|email|in person|mail] [on <day>] [note...]",
            "/lead applied acme online on mon",
            (_lead(), HOW, NOTE, WHEN),
            command=c.LogAction,
            writes=True,
        )
    return SubcommandSpec(
        action.value,
        LOG_DESCRIPTIONS[action],
        f"/lead {action.value} <lead> [on <day>] [note...]",
        f"/lead {action.value} julie" + (" on fri sent my CV" if action is Action.EMAILED else ""),
        (_lead(), NOTE, WHEN),
        command=c.LogAction,
        writes=True,
    )


LEAD = CommandSpec(
    "lead",
    "Log what you did about a lead, and see your pipeline",
    "emailed julie",
    (
        SubcommandSpec(
            "add",
            "Add a lead: a person at an organisation (or the organisation alone)",
            "/lead add [<contact>] at <company> [as <role>] [via email|linkedin|phone|intro]"
            " [network]",
            "/lead add Julie Martin at Acme as Engineering Manager via email",
            (
                PERSON,
                COMPANY,
                ROLE,
                OptionSpec("via", "How you reach them", "choice", required=False, choices=VIA),
                OptionSpec(
                    "network", "A contact to keep in touch with, not a job lead", "flag", False
                ),
                *DETAIL_OPTIONS,
            ),
            command=c.AddLead,
            writes=True,
        ),
        *(_log(action) for action in LOGGABLE),
        SubcommandSpec(
            "interview",
            "An interview to come: said the morning of, and sent to your calendar",
            "/lead interview <lead> on <day> <HH:MM> | /lead interview <lead> cancel",
            "/lead interview julie on thu 14:00",
            (
                _lead(),
                OptionSpec("when", "Its day: today, tomorrow, thu, 2026-12-10", "day", False),
                OptionSpec("time", "Its time in your zone: 14:00, 9:30, 2pm", "time", False),
                OptionSpec("cancel", "It was called off: take it out", "flag", False),
            ),
            command=c.Interview,
            writes=True,
        ),
        SubcommandSpec(
            "set",
            "A detail of a lead, for your work-search log: title, email, phone, url...",
            f"/lead set <lead> {'|'.join(SETTABLE)} [value]  (no value: clear it)",
            "/lead set julie email julie@acme.com",
            (
                _lead(),
                OptionSpec("field", "What to set", "choice", choices=SETTABLE),
                OptionSpec(
                    "value", "Its value (leave out to clear it)", required=False, max_length=500
                ),
            ),
            command=c.SetDetail,
            writes=True,
        ),
        SubcommandSpec(
            "activity",
            "Log a job fair, workshop, agency appointment or hours of search",
            f"/lead activity {'|'.join(ACTIVITY_KINDS)} [what] [at <where>] [on <day>]"
            " [for <hours>]",
            "/lead activity fair Tech Jobs Expo at Javits Center on fri for 3h",
            (
                OptionSpec(
                    "kind", "What kind of activity", "choice", choices=tuple(ACTIVITY_KINDS)
                ),
                OptionSpec("what", "What it was", required=False, max_length=MAX_NAME),
                OptionSpec("where", "Where, or who ran it", required=False, max_length=MAX_NAME),
                WHEN,
                OptionSpec("hours", "How long: 3h, 90m, 1.5 hours", required=False, max_length=20),
            ),
            command=c.LogActivity,
            writes=True,
        ),
        SubcommandSpec(
            "referral",
            "They referred you to someone: a new lead in the chain",
            "/lead referral <lead> [on <day>] -> <contact> at <company> [as <role>]",
            "/lead referral julie -> Sam Lee at Globex as Head of Data",
            (_lead("Who referred you"), CONTACT, COMPANY, ROLE, WHEN),
            command=c.AddReferral,
            writes=True,
        ),
        SubcommandSpec(
            "note",
            "Keep a note on a lead",
            "/lead note <lead> <text>",
            "/lead note julie prefers calls after 4pm",
            (_lead(), OptionSpec("text", "The note", max_length=MAX_NOTE)),
            command=c.AddNote,
            writes=True,
        ),
        SubcommandSpec(
            "snooze",
            "No nudges about a lead for a few days",
            f"/lead snooze <lead> <days>  ({SNOOZE_RANGE[0]} to {SNOOZE_RANGE[1]})",
            "/lead snooze julie 7",
            (
                _lead(),
                OptionSpec("days", "How many days", "integer", True, (), *SNOOZE_RANGE),
            ),
            command=c.Snooze,
            writes=True,
        ),
        SubcommandSpec(
            "drop",
            "Stop pursuing a lead",
            "/lead drop <lead>",
            "/lead drop #3",
            (_lead(),),
            command=c.Drop,
            writes=True,
        ),
        SubcommandSpec(
            "list",
            "Your pipeline, a page at a time: active leads, what is due, a stage, or all",
            "/lead list [all|due|<stage>] [page <n>]",
            "/lead list interviewed",
            (
                OptionSpec(
                    "filter",
                    "Which leads: what is due, a stage, or all (default: the active ones)",
                    "choice",
                    False,
                    FILTERS,
                ),
                OptionSpec("page", "Which page", "integer", False, (), 1, MAX_PAGE),
            ),
            command=c.ListLeads,
        ),
        SubcommandSpec(
            "stats",
            "What works: your funnel, replies by how you reached out, time in each stage",
            "/lead stats [week|month|all]",
            "/lead stats month",
            (
                OptionSpec(
                    "period",
                    "The leads added this week, this month, or all (default)",
                    "choice",
                    False,
                    STATS_PERIODS,
                ),
            ),
            command=c.Stats,
        ),
        SubcommandSpec(
            "show",
            "One lead with its history and referral chain",
            "/lead show <lead>",
            "/lead show julie",
            (_lead(),),
            command=c.Show,
        ),
        SubcommandSpec(
            "today", "Today's follow-ups, now", "/lead today", "/lead today", command=c.Today
        ),
        SubcommandSpec(
            "help", "How FollowThrough works", "/lead help", "/lead help", command=c.Help
        ),
    ),
)

LOG_OPTIONS = (
    OptionSpec(
        "log_preset", "Your log's rules from an agency's preset", "choice", False, tuple(PRESETS)
    ),
    OptionSpec(
        "log_minimum",
        f"Activities (or hours) a period, 0 for none (at most {MAX_MINIMUM})",
        "integer",
        False,
        (),
        0,
        MAX_MINIMUM,
    ),
    OptionSpec("log_period", "Your log's period", "choice", False, PERIODS),
    OptionSpec("log_unit", "What the minimum counts", "choice", False, UNITS),
    OptionSpec("log_start", "The day your log's week starts", "choice", False, WEEKDAYS),
    OptionSpec("log_days", "Must activities fall on different days?", "choice", False, ON_OFF),
)
ME_LOG_USAGE = (
    "/followthrough me log [preset <code>] [minimum <n> [week|month] [hours]] [start <day>]"
    " [days on|off] | me log off"
)

GROUP = SubcommandSpec(
    "group",
    "Organisers: the group's report, channel, morning, zone, holidays, log preset and scoring",
    "/followthrough group report | channel <channel> | time HH:MM | tz Zone/Name | country CC"
    " | log <preset>|off | points <action> <n> | setting <name> <n>",
    "/followthrough group channel #job-search",
    admin=True,
    subcommands=(
        SubcommandSpec(
            "channel",
            "Where boards and celebrations are posted",
            "/followthrough group channel <channel>",
            "/followthrough group channel #job-search",
            (OptionSpec("channel", "The group's channel", "channel", max_length=MAX_CHANNEL),),
            admin=True,
            command=c.GroupChannel,
            writes=True,
        ),
        SubcommandSpec(
            "time",
            "The group's default morning",
            "/followthrough group time HH:MM",
            "/followthrough group time 08:00",
            (OptionSpec("time", "24-hour HH:MM", "time"),),
            admin=True,
            command=c.GroupMorning,
            writes=True,
        ),
        SubcommandSpec(
            "tz",
            "The group's time zone (boards, default mornings)",
            "/followthrough group tz Zone/Name",
            "/followthrough group tz Europe/London",
            (OptionSpec("tz", "An IANA time zone", "tz"),),
            admin=True,
            command=c.GroupZone,
            writes=True,
        ),
        SubcommandSpec(
            "country",
            "Whose public holidays are days off",
            "/followthrough group country CC",
            "/followthrough group country GB",
            (OptionSpec("country", "An ISO country code", "country"),),
            admin=True,
            command=c.GroupCountry,
            writes=True,
        ),
        SubcommandSpec(
            "log",
            "The work-search log preset new members start with",
            "/followthrough group log <preset>|off",
            "/followthrough group log US-NY",
            (
                OptionSpec(
                    "preset", "A preset, or off", "choice", choices=(*PRESETS, "off"), max_length=8
                ),
            ),
            admin=True,
            command=c.GroupLog,
            writes=True,
        ),
        SubcommandSpec(
            "report",
            "Each member's week, overdue follow-ups and who has gone quiet (only you see it)",
            "/followthrough group report [page <n>]",
            "/followthrough group report",
            (OptionSpec("page", "Which page", "integer", False, (), 1, MAX_PAGE),),
            admin=True,
            command=c.GroupReport,
        ),
        SubcommandSpec(
            "points",
            "What an action earns on the leaderboard",
            "/followthrough group points <action> <n>",
            "/followthrough group points called 4",
            (
                OptionSpec(
                    "action",
                    "The action",
                    "choice",
                    choices=tuple(DEFAULT_POINTS),
                    max_length=MAX_ACTION,
                ),
                OptionSpec(
                    "points", f"Points, 0 to {MAX_POINTS}", "integer", True, (), 0, MAX_POINTS
                ),
            ),
            admin=True,
            command=c.GroupPoints,
            writes=True,
        ),
        SubcommandSpec(
            "setting",
            "A playbook number (e.g. email_follow_up_days)",
            "/followthrough group setting <name> <n>",
            "/followthrough group setting email_follow_up_days 4",
            (
                OptionSpec("name", "The setting", "choice", choices=PlaybookSettings.names()),
                OptionSpec("value", "A whole number", "integer", True, (), 1, MAX_VALUE),
            ),
            admin=True,
            command=c.GroupPlaybook,
            writes=True,
        ),
    ),
)

FOLLOWTHROUGH = CommandSpec(
    "followthrough",
    "Your settings, your data, and help",
    "me time 07:45 tz Europe/Berlin",
    (
        SubcommandSpec(
            "me",
            "Your morning time, time zone, holidays and work-search log",
            "/followthrough me [time HH:MM] [tz Zone/Name] [country CC] [deliver slack|discord]",
            "/followthrough me time 07:45 tz Europe/Berlin country DE",
            (
                OptionSpec("time", "Your morning, 24-hour HH:MM", "time", required=False),
                OptionSpec("tz", "Your IANA time zone", "tz", required=False),
                OptionSpec("country", "Whose public holidays you keep", "country", False),
                OptionSpec(
                    "deliver",
                    "Linked: the platform your morning comes on",
                    "choice",
                    False,
                    PLATFORMS,
                ),
                *LOG_OPTIONS,
            ),
            command=c.MySettings,
            writes=True,
        ),
        SubcommandSpec(
            "link",
            "Be one person on Slack and Discord: a code here, typed there",
            "/followthrough link [code]  (no code: get one, or see what is linked)",
            "/followthrough link ABCD2345",
            (
                OptionSpec(
                    "code",
                    "The code your other platform gave you (leave out to get one)",
                    required=False,
                    max_length=20,
                ),
            ),
            command=c.Link,
            writes=True,
        ),
        SubcommandSpec(
            "unlink",
            "Split your linked accounts again, each keeping what it had",
            "/followthrough unlink",
            "/followthrough unlink",
            command=c.Unlink,
            writes=True,
        ),
        SubcommandSpec(
            "pause",
            "No digests, streak frozen",
            "/followthrough pause",
            "/followthrough pause",
            command=c.Pause,
            writes=True,
        ),
        SubcommandSpec(
            "resume",
            "Digests start again",
            "/followthrough resume",
            "/followthrough resume",
            command=c.Resume,
            writes=True,
        ),
        SubcommandSpec(
            "share",
            "May group posts name your companies? (never your contacts)",
            "/followthrough share companies on|off",
            "/followthrough share companies on",
            (OptionSpec("companies", "on or off", "choice", choices=ON_OFF),),
            command=c.ShareCompanies,
            writes=True,
        ),
        SubcommandSpec(
            "board",
            "Be listed on the leaderboard, or not",
            "/followthrough board on|off",
            "/followthrough board off",
            (OptionSpec("board", "on or off", "choice", choices=ON_OFF),),
            command=c.Board,
            writes=True,
        ),
        SubcommandSpec(
            "log",
            "Your work-search log for a week (or month): PDF and CSV",
            "/followthrough log [this|last|<day>]",
            "/followthrough log last",
            (
                OptionSpec(
                    "period",
                    "this (default), last, or a day in the period: 2026-11-27, 3 days ago",
                    required=False,
                    max_length=40,
                ),
            ),
            command=c.WorkLog,
        ),
        SubcommandSpec(
            "calendar",
            "Your private calendar feed: interviews and follow-ups in your calendar app",
            "/followthrough calendar [reset]",
            "/followthrough calendar",
            (
                OptionSpec(
                    "reset", "A new address: the old one stops working at once", "flag", False
                ),
            ),
            command=c.CalendarFeed,
            writes=True,
        ),
        SubcommandSpec(
            "export",
            "Your whole search as JSON and CSV files",
            "/followthrough export",
            "/followthrough export",
            command=c.Export,
        ),
        SubcommandSpec(
            "import",
            "Bring your search in from a CSV: LinkedIn, Simplify, or a spreadsheet",
            "/followthrough import [confirm [dayfirst|monthfirst] | cancel]  (send the CSV first)",
            "/followthrough import confirm",
            (
                OptionSpec(
                    "action",
                    "Confirm or cancel the import you previewed",
                    "choice",
                    False,
                    IMPORT_ACTIONS,
                ),
                OptionSpec(
                    "dates",
                    "If I asked: does the file write 03/04 as 3 April (dayfirst) or March 4?",
                    "choice",
                    False,
                    IMPORT_DATES,
                ),
                OptionSpec(
                    "file",
                    "Your CSV: LinkedIn's Job Applications.csv, Simplify's export, a spreadsheet",
                    "attachment",
                    False,
                ),
            ),
            command=c.Import,
            writes=True,  # with `confirm` or `cancel`: alone, it only says how to send a file
        ),
        SubcommandSpec(
            "forget-me",
            "Erase everything about you: first see what goes, then confirm",
            "/followthrough forget-me [confirm]",
            "/followthrough forget-me",
            (OptionSpec("confirm", "Erase it now, without seeing what goes first", "flag", False),),
            command=c.ForgetMe,
            writes=True,  # with `confirm`: without it, it only reads (core.services.handlers)
        ),
        GROUP,
        SubcommandSpec(
            "help",
            "How FollowThrough works",
            "/followthrough help",
            "/followthrough help",
            command=c.Help,
        ),
    ),
)

LEADERBOARD = CommandSpec(
    "leaderboard",
    "The group's leaderboard",
    "[week|month|all]",
    options=(
        OptionSpec(
            "period",
            "This week (default), this month, or all time",
            "choice",
            False,
            ("week", "month", "all"),
        ),
    ),
    command=c.Leaderboard,
)

COMMANDS: tuple[CommandSpec, ...] = (LEAD, FOLLOWTHROUGH, LEADERBOARD)


def command(name: str) -> CommandSpec | None:
    name = name.lstrip("/").lower()
    return next((spec for spec in COMMANDS if spec.name == name), None)


def subcommand(command_name: str, *path: str) -> SubcommandSpec | None:
    """`subcommand("followthrough", "group", "tz")`: the spec at that path, or None."""
    spec = command(command_name)
    specs = () if spec is None else spec.subcommands
    found: SubcommandSpec | None = None
    for name in path:
        found = next((s for s in specs if s.name == name.lower()), None)
        if found is None:
            return None
        specs = found.subcommands
    return found


def _usage_of(key: str) -> tuple[str, str]:
    """(usage, example) of `key`: a subcommand's name or path (`group tz`, `log`)."""
    if key == "log":
        return LOG_USAGE, "/lead emailed julie"
    if key == "me log":
        return ME_LOG_USAGE, "/followthrough me log preset US-NY"
    if key == "leaderboard":
        return "/leaderboard [week|month|all]", "/leaderboard month"
    path = key.split()
    if path[0] in ("lead", "followthrough"):  # `followthrough help`: that command's own
        spec = subcommand(path[0], *path[1:])
    else:
        spec = subcommand("lead", *path) or subcommand("followthrough", *path)
    assert spec is not None, key
    return spec.usage, spec.example


def usage(key: str) -> str:
    text, example = _usage_of(key)
    return f"Usage: {text}\nExample: {example}"


def usage_error(key: str, problem: str | None = None) -> UsageError:
    """The usage of `key` (and its example), after what was wrong with the input."""
    return UsageError(usage(key) if problem is None else f"{problem}\n{usage(key)}")


def _lines(command_name: str, names: tuple[str, ...]) -> str:
    return "\n".join(f"  {_usage_of(name)[0]}" for name in names)


HELP = f"""\
FollowThrough keeps your leads and tells you, each business morning, whom to follow up with.

Log what you did:
{_lines("lead", ("add", "log", "referral", "note", "snooze", "drop"))}
See your search:
{_lines("lead", ("list", "show", "today", "stats", "leaderboard"))}
Interviews to come, and your calendar:
{_lines("lead", ("interview", "calendar"))}
Your work-search log (proof of job search for an unemployment claim):
{_lines("lead", ("applied", "activity", "set"))}
{_lines("followthrough", ("followthrough log", "me log"))}
Your settings (each also works after `/followthrough me`):
{_lines("followthrough", ("me", "pause", "resume", "share", "board", "export", "forget-me"))}
One person on Slack and Discord (one set of leads, one morning):
{_lines("followthrough", ("link", "unlink"))}
Bring your search in (a CSV from LinkedIn, Simplify or a spreadsheet):
{_lines("followthrough", ("import",))}
Organisers:
{_lines("followthrough", ("group",))}

<stage> is new, applied, emailed, followedup, called, talking, interviewed, rejected, offer
or closed.
<lead> is a short id such as #12, or any unambiguous part of the contact's or company's name.
<day> comes right after the lead: on fri, yesterday, 3 days ago, on 2026-11-27, on 27 nov.
A word after `on` that looks like a day (on fir, on tomorrow) must be a past one, or nothing
is logged; any other `on` starts the note (/lead called julie on the phone).
An interview's day is one to come: on thu is the next Thursday; today, tomorrow, on 10 dec.
Example: /lead add Julie Martin at Acme as Engineering Manager via email,
then /lead emailed julie."""

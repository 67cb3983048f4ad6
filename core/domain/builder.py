"""The one way a command is made: from its row in the command table and its options.

Discord's typed options come here as they are; the text a member types (Slack, the
console, the simulator) comes here once core.domain.parser has split it into the same
options. Every value is checked against its option in the table (limits, choices), so
both ways in refuse the same input with the same message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import time

from core.domain import commands as c
from core.domain import details
from core.domain.calendar import check_country, zone
from core.domain.catalog import (
    COMMANDS,
    DETAILS,
    FOLLOWTHROUGH,
    GROUP,
    HELP,
    LOG_OPTIONS,
    MAX_NAME,
    SETTABLE,
    CommandSpec,
    OptionSpec,
    SubcommandSpec,
    usage_error,
)
from core.domain.catalog import command as command_spec
from core.domain.dates import AHEAD_HINT, When, parse_clock, parse_when
from core.domain.dates import WEEKDAYS as DAY_NAMES
from core.domain.errors import UsageError
from core.domain.insights import ACTIVE, FILTERS, list_filter
from core.domain.leads import Action
from core.domain.scoring import DEFAULT_POINTS, points_with
from core.domain.settings import PlaybookSettings
from core.domain.text import MAX_COMMAND, clean, echo
from core.domain.worklog import (
    ACTIVITY_ALIASES,
    LOG_DAYS_BACK,
    MIN_YEAR,
    NEVER_STORED,
    PRESETS,
    WEEKDAYS,
    looks_like_id,
    parse_minutes,
    preset,
)

Options = Mapping[str, str | int | bool | None]
Spec = SubcommandSpec | CommandSpec


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def parse_time(value: str, key: str) -> time:
    """`07:45` -> time(7, 45), or the usage of `key`."""
    hours, sep, minutes = value.partition(":")
    if (
        sep
        and is_number(hours)
        and is_number(minutes)
        and len(hours) <= 2
        and len(minutes) == 2
        and int(hours) < 24
        and int(minutes) < 60
    ):
        return time(int(hours), int(minutes))
    raise usage_error(key, f"{echo(value)} is not a time; use 24-hour HH:MM, e.g. 07:45.")


def too_long(text: str) -> None:
    if len(text) > MAX_COMMAND:
        raise UsageError(
            f"That command is too long ({len(text):,} characters; at most {MAX_COMMAND:,})."
            " Nothing was changed."
        )


def unknown(command: str, verb: str) -> UsageError:
    return UsageError(f"I don't know `{command} {echo(verb, 30)}`.\n\n{HELP}")


def spec_at(command: str, path: str) -> Spec | None:
    """The row that builds a command: `("lead", "emailed")`, `("followthrough", "group
    tz")`, `("leaderboard", "")`; None if there is none (or it only has subcommands)."""
    found: Spec | None = command_spec(command)
    for word in path.split():
        subs = () if found is None else found.subcommands
        found = next((s for s in subs if s.name == word), None)
    return found if found is not None and found.command is not None else None


def writes(kind: type[c.Command]) -> bool:
    """Whether commands of type `kind` change what the member or group has."""
    return kind in _WRITES


class Values:
    """The options of one command, each read and checked against its row's option."""

    def __init__(self, spec: Spec, options: Options, key: str) -> None:
        self.spec, self.options, self.key = spec, options, key

    def _option(self, name: str) -> OptionSpec:
        return next(option for option in self.spec.options if option.name == name)

    def raw(self, name: str) -> str | int | bool | None:
        return self.options.get(name)

    def text(self, name: str) -> str:
        value = self.options.get(name)
        return "" if value is None else str(value)

    def flag(self, name: str) -> bool:
        return bool(self.options.get(name))

    def _limit(self, name: str) -> int:
        """An option's longest value: its own limit, else any command's."""
        return self._option(name).max_length or MAX_COMMAND

    def name(self, option: str) -> str | None:
        """A contact's, company's or role's name: required unless its option says not."""
        value, limit = self.text(option), self._limit(option)
        if self._option(option).required and not value:
            raise usage_error(self.key, f"The {option} is missing.")
        if len(value) > limit:
            raise usage_error(self.key, f"The {option} is too long (at most {limit} characters).")
        return value or None

    def ref(self) -> str:
        value, limit = self.text("lead"), self._limit("lead")
        if not value:
            raise usage_error(self.key, "Which lead? Give its #number or part of a name.")
        if len(value) > limit:
            raise usage_error(
                self.key, f"That lead reference is too long (at most {limit} characters)."
            )
        return value

    def note(self, option: str) -> str:
        value, limit = self.text(option), self._limit(option)
        if self._option(option).required and not value:
            raise usage_error(self.key, "What should the note say?")
        if len(value) > limit:
            raise usage_error(self.key, f"That note is too long (at most {limit} characters).")
        return value

    def when(self) -> When | None:
        value = self.options.get("when")
        if value is None or not str(value).strip():
            return None
        try:
            return parse_when(str(value))
        except UsageError as error:
            raise usage_error(self.key, str(error)) from None

    def choice(self, option: str) -> str | None:
        """One of the option's choices (any case), None if left out."""
        value = self.text(option)
        if not value:
            return None
        choices = self._option(option).choices
        if value.lower() not in choices:
            raise usage_error(
                self.key, f"`{option} {echo(value, 20)}`: choose one of {', '.join(choices)}."
            )
        return value.lower()

    def on_off(self, option: str) -> bool:
        value = self.options.get(option)
        if isinstance(value, bool):
            return value
        word = self.text(option).lower()
        if word not in self._option(option).choices:
            raise usage_error(self.key, "Say `on` or `off`.")
        return word == "on"

    def in_range(self, option: str, value: int, problem: str) -> int:
        spec = self._option(option)
        assert spec.min_value is not None and spec.max_value is not None
        if isinstance(value, bool) or not spec.min_value <= value <= spec.max_value:
            raise usage_error(self.key, problem.format(low=spec.min_value, high=spec.max_value))
        return value

    def zone(self, option: str) -> str:
        """The canonical name of a zone (`europe/berlin` -> `Europe/Berlin`)."""
        try:
            return zone(self.text(option)).key
        except UsageError as error:
            raise usage_error(self.key, str(error)) from None

    def country(self, option: str) -> str:
        try:
            return check_country(self.text(option))
        except UsageError as error:
            raise usage_error(self.key, str(error)) from None

    def checked(self, option: OptionSpec) -> object:
        """An option's value checked by its kind alone, None if left out."""
        given = self.raw(option.name) not in (None, "")
        match option.kind:
            case "lead":
                return self.ref()
            case "flag":
                return self.flag(option.name)
            case "choice":
                return self.choice(option.name)
            case "date":
                return self.when()
            case "time":
                return parse_time(self.text(option.name), self.key) if given else None
            case "tz":
                return self.zone(option.name) if given else None
            case "country":
                return self.country(option.name) if given else None
            case "integer":
                value = self.raw(option.name)
                if value is None and not option.required:
                    return None
                if not isinstance(value, int):
                    raise usage_error(self.key, f"The {option.name} is a whole number.")
                if option.min_value is None or option.max_value is None:
                    return value
                problem = f"The {option.name} is a whole number from {{low}} to {{high}}."
                return self.in_range(option.name, value, problem)
        return self.name(option.name)  # text, a channel: required unless it says not


def _either(names: tuple[str, ...]) -> str:
    """`week, month or all`."""
    return f"{', '.join(names[:-1])} or {names[-1]}"


# -- the makers: one per command type whose values need more than their kinds' checks ----


def _plain(v: Values) -> c.Command:
    """A command whose fields are its options (`lead` is its `ref`), each checked by its
    kind: what a new subcommand gets without a maker of its own."""
    assert v.spec.command is not None
    values = {
        "ref" if option.kind == "lead" else option.name: v.checked(option)
        for option in v.spec.options
    }
    made: c.Command = v.spec.command(**values)
    return made


def _detail(v: Values, option: str, value: str) -> str:
    """A lead's detail, checked (details.check), or the usage with what was wrong."""
    try:
        return details.check(DETAILS.get(option, option), value)
    except UsageError as error:
        raise usage_error(v.key, str(error)) from None


def _add(v: Values) -> c.AddLead:
    contact, company, role = v.name("contact"), v.name("company"), v.name("role")
    assert company is not None
    found = ((DETAILS[o], v.name(o)) for o in DETAILS)
    extra = tuple((name, _detail(v, name, value)) for name, value in found if value)
    return c.AddLead(contact or "", company, role, v.choice("via"), v.flag("network"), extra)


def _log(v: Values) -> c.LogAction:
    when = v.when()
    how = v.choice("how") if any(o.name == "how" for o in v.spec.options) else None
    return c.LogAction(Action(v.spec.name), v.ref(), v.note("note"), when, how)


def _interview(v: Values) -> c.Interview:
    ref = v.ref()
    day, at = v.text("when").strip(), v.text("time").strip()
    if v.flag("cancel"):
        if day or at:
            raise usage_error(v.key, "To call it off, say `cancel` alone.")
        return c.Interview(ref, cancel=True)
    if not day:
        raise usage_error(v.key, "When is it? Give its day and time, e.g. `on thu 14:00`.")
    try:
        when = parse_when(day)
    except UsageError:
        problem = f"{echo(day, 30)} is not a day I understand. {AHEAD_HINT}"
        raise usage_error(v.key, problem) from None
    clock = parse_clock(at) if at else None
    if clock is None:
        problem = "At what time?" if not at else f"{echo(at, 12)} is not a time."
        raise usage_error(v.key, f"{problem} Use 24-hour HH:MM (14:00, 9:30) or 2pm.")
    return c.Interview(ref, when, clock)


def _set(v: Values) -> c.SetDetail:
    ref, field = v.ref(), v.choice("field")
    if field is None:
        raise usage_error(v.key, f"Which detail? One of {', '.join(SETTABLE)}.")
    value = v.name("value")
    if value is None and field == "company":
        raise usage_error(v.key, "A lead keeps its company: give the new name.")
    if value is not None and len(value) > MAX_NAME and field != "url":
        raise usage_error(v.key, f"The {field} is too long (at most {MAX_NAME} characters).")
    name = DETAILS.get(field, field)
    return c.SetDetail(ref, name, None if value is None else _detail(v, name, value))


def _activity(v: Values) -> c.LogActivity:
    typed = v.text("kind").lower()
    kind = v.choice("kind") if typed not in ACTIVITY_ALIASES else ACTIVITY_ALIASES[typed]
    if kind is None:  # typed options may leave it out, required or not
        raise usage_error(v.key, "What kind of activity?")
    minutes = None
    if v.text("hours"):
        try:
            minutes = parse_minutes(v.text("hours"))
        except UsageError as error:
            raise usage_error(v.key, str(error)) from None
    what, where = v.name("what") or "", v.name("where") or ""
    return c.LogActivity(kind, what, where, v.when(), minutes)


def _work_log(v: Values) -> c.WorkLog:
    text = v.text("period").lower().strip()
    if text in ("", "this", "this week", "this month"):
        return c.WorkLog()
    if text in ("last", "last week", "last month"):
        return c.WorkLog(last=True)
    try:
        when = parse_when(text)
    except UsageError as error:
        raise usage_error(v.key, f"{error} Or say `this` or `last`.") from None
    # What the day is resolved against is the service's; what is out of reach whatever
    # today is, is refused here (`999999 days ago` once overflowed the calendar).
    if when.days_ago is not None and when.days_ago < 0:
        raise usage_error(v.key, "The log holds what has happened: say `this` or a past day.")
    if (when.days_ago or 0) > LOG_DAYS_BACK or (when.year or MIN_YEAR) < MIN_YEAR:
        raise usage_error(v.key, f"The log goes back {LOG_DAYS_BACK} days at most.")
    return c.WorkLog(when=when)


def _referral(v: Values) -> c.AddReferral:
    when, ref = v.when(), v.ref()
    contact, company, role = v.name("contact"), v.name("company"), v.name("role")
    assert contact is not None and company is not None
    return c.AddReferral(ref, contact, company, role, when)


def _snooze(v: Values) -> c.Snooze:
    days = v.raw("days")
    if not isinstance(days, int):
        raise usage_error(v.key, "How many days? A whole number.")
    ref = v.ref()
    problem = "How many days? A whole number from {low} to {high}."
    return c.Snooze(ref, v.in_range("days", days, problem))


def _log_change(v: Values) -> c.LogChange | None:
    """What the `log_...` options change; None if none was given (`me log` alone gives
    `log_show`: the log's settings are shown)."""
    given = [o.name for o in LOG_OPTIONS if v.raw(o.name) not in (None, "")]
    if not given and not v.flag("log_show"):
        return None
    log = Values(v.spec, v.options, "me log")  # refused with `me log`'s usage, not `me`'s
    minimum = log.raw("log_minimum")
    if minimum is not None and not isinstance(minimum, int):
        raise usage_error(log.key, "The minimum is a whole number, e.g. 3.")
    if minimum is not None:
        problem = "The minimum is a whole number from {low} to {high} (0: none)."
        minimum = log.in_range("log_minimum", minimum, problem)
    code = log.text("log_preset")
    if code and preset(code) is None:
        raise usage_error(
            log.key, f"There is no preset {echo(code, 12)}. Presets: {', '.join(PRESETS)}."
        )
    # A day as it is written (`sun`, `sunday`, `tues`), never a word that begins like one:
    # `start monkey` once set weeks from Monday.
    start = log.text("log_start").lower()
    if start and start not in DAY_NAMES:
        raise usage_error(log.key, f"{echo(start, 20)} is not a day: say {_either(WEEKDAYS)}.")
    days = None if log.raw("log_days") in (None, "") else log.on_off("log_days")
    return c.LogChange(
        preset=preset(code).code if code else None,  # type: ignore[union-attr]
        minimum=minimum,
        period=log.choice("log_period"),
        unit=log.choice("log_unit"),
        week_starts=DAY_NAMES.get(start),
        different_days=days,
    )


def _my_settings(v: Values) -> c.MySettings:
    # An option left out, or typed empty, keeps what the member has.
    nudge_time = parse_time(v.text("time"), v.key) if v.raw("time") else None
    tz, country = v.raw("tz"), v.raw("country")
    log = _log_change(v)
    deliver = v.choice("deliver") if v.raw("deliver") else None
    if nudge_time is None and not tz and not country and log is None and deliver is None:
        names = tuple(o.name for o in v.spec.options if o not in LOG_OPTIONS)
        raise usage_error(v.key, f"Which setting? {_either((*names, 'log'))}.")
    return c.MySettings(
        nudge_time,
        v.zone("tz") if tz else None,
        v.country("country") if country else None,
        log,
        deliver,
    )


def _group_log(v: Values) -> c.GroupLog:
    code = v.text("preset")
    if code.lower() == "off":
        return c.GroupLog(None)
    found = preset(code)
    if found is None:
        raise usage_error(v.key, f"Choose a preset ({', '.join(PRESETS)}) or off.")
    return c.GroupLog(found.code)


def _channel(v: Values) -> c.GroupChannel:
    value = v.text("channel").lstrip("#")
    if not value or len(value) > v._limit("channel"):
        raise usage_error(v.key, "Which channel? Name one, e.g. #job-search.")
    return c.GroupChannel(value)


def _playbook(v: Values) -> c.GroupCommand:
    name, value = v.text("name").lower(), v.text("value")
    other = next(
        (s for s in GROUP.subcommands if s.name == name and len(s.options) == 1 and s.writes),
        None,
    )
    if other is not None:  # `group setting tz Europe/Berlin`: the group's own `tz`
        assert other.command is not None
        made = MAKERS[other.command](Values(other, {name: value}, f"group {name}"))
        assert isinstance(made, c.GroupCommand)
        return made
    if name not in PlaybookSettings.names():
        raise usage_error(
            v.key,
            f"There is no group setting {echo(name, 40)}. Settings: "
            + ", ".join(PlaybookSettings.names())
            + ".",
        )
    if not is_number(value) or len(value) > 3:
        raise usage_error(v.key, "The value is a whole number, e.g. 3.")
    try:
        PlaybookSettings().with_value(name, int(value))
    except UsageError as error:
        raise usage_error(v.key, str(error)) from None
    return c.GroupPlaybook(name, int(value))


def _points(v: Values) -> c.GroupPoints:
    points = v.raw("points")
    if not isinstance(points, int):
        raise usage_error(v.key, "Points are a whole number, e.g. 4.")
    action = v.text("action").lower()[: v._limit("action")]
    if isinstance(points, bool):
        raise usage_error(v.key)
    try:
        points_with(DEFAULT_POINTS, action, points)
    except UsageError as error:
        raise usage_error(v.key, str(error)) from None
    return c.GroupPoints(action, points)


def _import(v: Values) -> c.Import:
    """`import confirm [dayfirst|monthfirst]`, `import cancel`, or `import` alone (how to
    send the file). A file itself never comes this way: an adapter hands it over as
    `ImportFile`."""
    action, dates = v.choice("action"), v.choice("dates")
    if dates is not None and action != "confirm":
        raise usage_error(v.key, "The order of the dates goes with `confirm`.")
    return c.Import(action, dates)


def _page(v: Values) -> int:
    """The page asked for (1 if none): a whole number within the option's bounds."""
    page = v.raw("page")
    if page is None:
        return 1
    if not isinstance(page, int):
        raise usage_error(v.key, "The page is a whole number, e.g. `page 2`.")
    return v.in_range("page", page, "The page is a whole number from {low} to {high}.")


def _list(v: Values) -> c.ListLeads:
    typed = v.text("filter")
    which = list_filter(typed) if typed else ACTIVE
    if which is None:
        raise usage_error(
            v.key, f"`{echo(typed, 20)}`: list one of {', '.join(FILTERS)}, or leave it out."
        )
    return c.ListLeads(which, _page(v))


def _leaderboard(v: Values) -> c.Leaderboard:
    period = v.text("period").lower() or "week"
    if period not in v._option("period").choices:
        raise usage_error(v.key, f"Choose {_either(v._option('period').choices)}.")
    return c.Leaderboard(period)


MAKERS: dict[type[c.Command], Callable[[Values], c.Command]] = {
    c.AddLead: _add,
    c.LogAction: _log,
    c.Interview: _interview,
    c.SetDetail: _set,
    c.LogActivity: _activity,
    c.WorkLog: _work_log,
    c.GroupLog: _group_log,
    c.AddReferral: _referral,
    c.AddNote: lambda v: c.AddNote(v.ref(), v.note("text")),
    c.Snooze: _snooze,
    c.ListLeads: _list,
    c.Stats: lambda v: c.Stats(v.choice("period") or "all"),
    c.GroupReport: lambda v: c.GroupReport(_page(v)),
    c.MySettings: _my_settings,
    c.ShareCompanies: lambda v: c.ShareCompanies(v.on_off("companies")),
    c.Board: lambda v: c.Board(v.on_off("board")),
    c.GroupChannel: _channel,
    c.GroupMorning: lambda v: c.GroupMorning(parse_time(v.text("time"), v.key)),
    c.GroupZone: lambda v: c.GroupZone(v.zone("tz")),
    c.GroupCountry: lambda v: c.GroupCountry(v.country("country")),
    c.GroupPlaybook: _playbook,
    c.GroupPoints: _points,
    c.Leaderboard: _leaderboard,
    c.Import: _import,
}


def _rows(spec: Spec) -> list[Spec]:
    return [spec, *(row for sub in spec.subcommands for row in _rows(sub))]


_WRITES = frozenset(
    row.command for spec in COMMANDS for row in _rows(spec) if row.command and row.writes
)


def usage_key(command: str, path: str) -> str:
    """The key of the usage shown with a refusal: the subcommand's path (`group tz`), or
    the command's own name where the path alone is another's (`followthrough help`,
    `followthrough log`: `log` alone is the usage of /lead's actions)."""
    if command == "leaderboard":
        return "leaderboard"
    if command == "followthrough" and path in ("help", "log"):  # alone, /lead's usages
        return f"followthrough {path}"
    return path


def build(command: str, subcommand: str, options: Options) -> c.Command:
    """The typed way in: `build("lead", "emailed", {"lead": "julie"})`, no text round trip.

    `subcommand` is a path for nested ones (`group tz`); options are the typed values,
    None or absent for an optional one left out.
    """
    for value in options.values():
        if isinstance(value, str):
            too_long(value)
            if looks_like_id(value):
                raise UsageError(NEVER_STORED)
    # The same hygiene as typed text: spaces, invisible characters, composed accents.
    options = {key: clean(v) if isinstance(v, str) else v for key, v in options.items()}
    name, path = clean(command).lstrip("/").lower(), clean(subcommand).lower()
    top = command_spec(name)
    if top is not None and top.command is not None:
        path = ""  # a command without subcommands (`/leaderboard`)
    elif not path:
        path = "help"  # `/lead` alone
    spec = spec_at(name, path)
    if spec is None:
        if name == FOLLOWTHROUGH.name and path.split(" ")[0] == GROUP.name:
            raise usage_error("group")  # a group setting needs its own name: `group tz`
        raise unknown(f"/{name}", path)
    assert spec.command is not None
    make = MAKERS.get(spec.command, _plain)
    return make(Values(spec, options, usage_key(name, path)))


# The followthrough subcommands that also work after `me` (`/followthrough me pause`).
MEMBER_VERBS = tuple(
    s.name for s in FOLLOWTHROUGH.subcommands if not s.admin and s.command is not c.MySettings
)

"""Two ways in, one way through: the text a member types (Slack, the console, the
simulator) and the typed options of Discord both become the command objects of
core.domain.commands, which check their own values.

Every step here is linear in the length of the input: words are split once, and no
pattern can backtrack.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.domain import commands as c
from core.domain.catalog import HELP, usage_error
from core.domain.catalog import subcommand as subcommand_spec
from core.domain.dates import When, parse_when, take
from core.domain.errors import UsageError
from core.domain.leads import LOGGABLE
from core.domain.text import MAX_COMMAND, clean, echo

Options = Mapping[str, str | int | bool | None]

_LOGGABLE = {action.value: action for action in LOGGABLE}
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}


def _unknown(command: str, verb: str) -> UsageError:
    return UsageError(f"I don't know `{command} {echo(verb, 30)}`.\n\n{HELP}")


def split_ref(text: str, key: str) -> tuple[str, str]:
    """The lead reference (one word, or "quoted words") and the rest of `text`."""
    if not text:
        raise usage_error(key, "Which lead? Give its #number or part of a name.")
    close = _QUOTES.get(text[0])
    if close is not None:
        end = text.find(close, 1)
        if end < 0:
            raise usage_error(key, "A quoted lead needs its closing quote.")
        if not text[1:end].strip():
            raise usage_error(key, "Which lead? Give its #number or part of a name.")
        return text[1:end].strip(), text[end + 1 :].strip()
    ref, _, rest = text.partition(" ")
    return ref, rest.strip()


def _keyword(words: list[str], word: str, start: int = 1) -> int:
    """The index of the first `word` (any case) with words on both sides, or -1."""
    for i in range(start, len(words) - 1):
        if words[i].lower() == word:
            return i
    return -1


def new_contact(text: str, key: str) -> dict[str, str | bool | None]:
    """`<contact> at <company> [as <role>] [via <how>] [network]`, word by word."""
    words = text.split(" ") if text else []
    at = _keyword(words, "at")
    if at < 0:
        raise usage_error(key, "Write `at` between the person and their organisation.")
    contact, rest = words[:at], words[at + 1 :]
    network = len(rest) > 1 and rest[-1].lower() == "network"
    if network:
        rest = rest[:-1]
    via = None
    if len(rest) > 2 and rest[-2].lower() == "via":
        via, rest = rest[-1], rest[:-2]
    as_ = _keyword(rest, "as")
    company, role = (rest, []) if as_ < 0 else (rest[:as_], rest[as_ + 1 :])
    return {
        "contact": " ".join(contact),
        "company": " ".join(company),
        "role": " ".join(role) or None,
        "via": via,
        "network": network,
    }


def _dated(text: str, key: str) -> tuple[When | None, str]:
    """An optional date phrase at the start of `text` (`on fri ...`), and the rest."""
    words = text.split(" ") if text else []
    try:
        when, rest = take([word.lower() for word in words])
    except UsageError as error:
        raise usage_error(key, str(error)) from None
    return when, " ".join(words[len(words) - len(rest) :])


def _when(value: str | int | bool | None, key: str) -> When | None:
    if value is None or not str(value).strip():
        return None
    try:
        return parse_when(str(value))
    except UsageError as error:
        raise usage_error(key, str(error)) from None


def _no_more(rest: str, key: str) -> None:
    if rest:
        raise usage_error(key, f"I didn't expect {echo(rest, 30)} there.")


def parse_lead(text: str) -> c.Command:
    """Parse the (clean) text of `/lead ...`."""
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in ("", "help"):
        return c.Help()
    if verb == "add":
        fields = new_contact(rest, "add")
        return c.AddLead(
            str(fields["contact"]),
            str(fields["company"]),
            _optional(fields["role"]),
            _optional(fields["via"]),
            bool(fields["network"]),
        )
    if verb in _LOGGABLE:
        ref, tail = split_ref(rest, verb)
        when, note = _dated(tail, verb)
        return c.LogAction(_LOGGABLE[verb], ref, note, when)
    if verb == "referral":
        ref, tail = split_ref(rest, "referral")
        when, tail = _dated(tail, "referral")
        arrow = next((a for a in ("->", "→") if tail.startswith(a)), None)
        if arrow is None:
            raise usage_error(
                "referral", "Write `->` between the lead and the person you were referred to."
            )
        fields = new_contact(tail[len(arrow) :].strip(), "referral")
        if fields["via"] or fields["network"]:
            raise usage_error("referral", "A referral comes through an introduction: no `via`.")
        return c.AddReferral(
            ref, str(fields["contact"]), str(fields["company"]), _optional(fields["role"]), when
        )
    if verb == "note":
        ref, note = split_ref(rest, "note")
        return c.AddNote(ref, note)
    if verb == "snooze":
        ref, days = split_ref(rest, "snooze")
        if not c.is_number(days) or len(days) > 3:
            raise usage_error("snooze", "How many days? A whole number, e.g. `/lead snooze #12 7`.")
        return c.Snooze(ref, int(days))
    if verb in ("drop", "show"):
        ref, extra = split_ref(rest, verb)
        _no_more(extra, verb)
        return c.Drop(ref) if verb == "drop" else c.Show(ref)
    if verb == "list":
        if rest.lower() not in ("", "all"):
            raise usage_error("list")
        return c.ListLeads(include_closed=rest.lower() == "all")
    if verb == "today":
        _no_more(rest, "today")
        return c.Today()
    raise _unknown("/lead", verb)


def _optional(value: str | bool | None) -> str | None:
    return value if isinstance(value, str) else None


_SIMPLE: dict[str, c.Command] = {
    "help": c.Help(),
    "pause": c.Pause(),
    "resume": c.Resume(),
    "export": c.Export(),
    "forget-me": c.ForgetMe(),
}
_MEMBER_VERBS = (*_SIMPLE, "share", "board")


def _parse_me(rest: str) -> c.Command:
    words = rest.split(" ") if rest else []
    if words and words[0].lower() in _MEMBER_VERBS:
        return parse_followthrough(rest)  # `me board off`, `me pause`, ...
    if not words or len(words) % 2:
        raise usage_error("me", "Give each setting a value, e.g. `time 07:45`.")
    values: dict[str, str] = {}
    for key, value in zip(words[::2], words[1::2], strict=True):
        key = key.lower()
        if key not in ("time", "tz", "country") or key in values:
            raise usage_error("me", f"{echo(key, 20)} is not one of time, tz, country (once each).")
        values[key] = value
    return _my_settings(values)


def _my_settings(values: Options) -> c.MySettings:
    time_ = values.get("time")
    return c.MySettings(
        nudge_time=None if not time_ else c.parse_time(str(time_), "me"),
        tz=str(values["tz"]) if values.get("tz") else None,
        country=str(values["country"]) if values.get("country") else None,
    )


def _parse_group(rest: str) -> c.GroupSetting | c.GroupPoints:
    words = rest.split(" ") if rest else []
    if not words:
        raise usage_error("group")
    name = words[0].lower()
    if name not in (*c.GROUP_NAMES, "points", "setting"):
        raise usage_error("group", f"There is no group setting {echo(name, 30)}.")
    expected = 3 if name in ("points", "setting") else 2
    if len(words) != expected:
        raise usage_error(f"group {name}")
    if name == "points":
        if not c.is_number(words[2]) or len(words[2]) > 3:
            raise usage_error("group points", "Points are a whole number, e.g. 4.")
        return c.GroupPoints(words[1], int(words[2]))
    if name == "setting":
        return c.GroupSetting(words[1], words[2])
    return c.GroupSetting(name, words[1])


def parse_followthrough(text: str) -> c.Command:
    """Parse the (clean) text of `/followthrough ...`."""
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb == "":
        return c.Help()
    if verb == "forget-me" and rest:
        if rest.lower() != "confirm":
            raise usage_error("forget-me", f"I didn't expect {echo(rest, 30)} there.")
        return c.ForgetMe(confirm=True)
    if verb in _SIMPLE:
        _no_more(rest, "followthrough help" if verb == "help" else verb)
        return _SIMPLE[verb]
    if verb == "me":
        return _parse_me(rest)
    if verb == "share":
        words = rest.split(" ")
        if len(words) != 2 or words[0].lower() != "companies":
            raise usage_error("share")
        return c.ShareCompanies(c.on_off(words[1], "share"))
    if verb == "board":
        return c.Board(c.on_off(rest, "board"))
    if verb == "group":
        return _parse_group(rest)
    raise _unknown("/followthrough", verb)


def _too_long(text: str) -> None:
    if len(text) > MAX_COMMAND:
        raise UsageError(
            f"That command is too long ({len(text):,} characters; at most {MAX_COMMAND:,})."
            " Nothing was changed."
        )


def parse(command: str, text: str) -> c.Command:
    """Parse a slash command (`/lead`, `/followthrough`, `/leaderboard`) and its text."""
    _too_long(text)
    text = clean(text)
    match clean(command).lstrip("/").lower():
        case "lead":
            return parse_lead(text)
        case "followthrough":
            return parse_followthrough(text)
        case "leaderboard":
            return c.Leaderboard(text or "week")
    raise UsageError(f"I don't know `{echo(command, 30)}`.\n\n{HELP}")


def _path(command: str, text: str) -> tuple[str, list[str]]:
    """(`followthrough`, [`group`, `channel`, ...]): a command and its first words."""
    return clean(command).lstrip("/").lower(), clean(text[:MAX_COMMAND]).lower().split(" ")[:3]


def is_organiser_command(command: str, text: str) -> bool:
    """Whether the command is for organisers, decided before any of its values is read."""
    name, words = _path(command, text)
    return is_organiser_path(name, words[0])


def is_organiser_path(command: str, subcommand: str) -> bool:
    """The same for typed options: `("followthrough", "group tz")`."""
    spec = subcommand_spec(command.lstrip("/").lower(), *subcommand.lower().split()[:1])
    return spec is not None and spec.admin


def wants_channel_id(command: str, text: str) -> bool:
    """Whether the command's value is a channel (`/followthrough group channel <#C1|x>`),
    so that an adapter passes the platform's channel id rather than its name."""
    name, words = _path(command, text)
    spec = subcommand_spec(name, *words[:2])
    return spec is not None and any(option.kind == "channel" for option in spec.options)


def build(command: str, subcommand: str, options: Options) -> c.Command:
    """The typed way in: `build("lead", "emailed", {"lead": "julie"})`, no text round trip.

    `subcommand` is a path for nested ones (`group tz`); options are the typed values,
    None or absent for an optional one left out.
    """
    for value in options.values():
        if isinstance(value, str):
            _too_long(value)
    # The same hygiene as typed text: spaces, invisible characters, composed accents.
    options = {key: clean(v) if isinstance(v, str) else v for key, v in options.items()}
    name = clean(command).lstrip("/").lower()
    path = clean(subcommand).lower()

    def text(key: str) -> str:
        value = options.get(key)
        return "" if value is None else str(value)

    if name == "leaderboard":
        return c.Leaderboard(text("period") or "week")
    if name == "lead":
        if path in _LOGGABLE:
            when = _when(options.get("when"), path)
            return c.LogAction(_LOGGABLE[path], text("lead"), text("note"), when)
        match path:
            case "add":
                return c.AddLead(
                    text("contact"),
                    text("company"),
                    text("role") or None,
                    text("via") or None,
                    bool(options.get("network")),
                )
            case "referral":
                return c.AddReferral(
                    text("lead"),
                    text("contact"),
                    text("company"),
                    text("role"),
                    _when(options.get("when"), "referral"),
                )
            case "note":
                return c.AddNote(text("lead"), text("text"))
            case "snooze":
                days = options.get("days")
                if not isinstance(days, int):
                    raise usage_error("snooze", "How many days? A whole number.")
                return c.Snooze(text("lead"), days)
            case "drop":
                return c.Drop(text("lead"))
            case "show":
                return c.Show(text("lead"))
            case "list":
                return c.ListLeads(include_closed=bool(options.get("all")))
            case "today":
                return c.Today()
            case "help" | "":
                return c.Help()
    if name == "followthrough":
        group, _, setting = path.partition(" ")
        if group == "group":
            return _build_group(setting, options)
        if path == "forget-me":
            return c.ForgetMe(confirm=bool(options.get("confirm")))
        if path in _SIMPLE or path == "":
            return _SIMPLE.get(path, c.Help())
        match path:
            case "me":
                return _my_settings(options)
            case "share":
                return c.ShareCompanies(c.on_off(text("companies"), "share"))
            case "board":
                return c.Board(c.on_off(text("board"), "board"))
    raise _unknown(f"/{name}", path)


def _build_group(setting: str, options: Options) -> c.GroupSetting | c.GroupPoints:
    if setting == "points":
        points = options.get("points")
        if not isinstance(points, int):
            raise usage_error("group points", "Points are a whole number, e.g. 4.")
        return c.GroupPoints(str(options.get("action") or ""), points)
    if setting == "setting":
        return c.GroupSetting(str(options.get("name") or ""), str(options.get("value") or ""))
    if setting in c.GROUP_NAMES:
        return c.GroupSetting(setting, str(options.get(setting) or ""))
    raise usage_error("group")

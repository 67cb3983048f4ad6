"""The text a member types (Slack, the console, the simulator), split into the options
Discord's typed path delivers, then built by core.domain.builder like those; and the
preview of a command an adapter needs before it is run.

Every step here is linear in the length of the input: words are split once, and no
pattern can backtrack.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain import commands as c
from core.domain.builder import (
    MEMBER_VERBS,
    Options,
    build,
    is_number,
    too_long,
    unknown,
    usage_key,
)
from core.domain.catalog import FOLLOWTHROUGH, GROUP, HELP, IMPORT_ACTIONS, usage_error
from core.domain.catalog import subcommand as subcommand_spec
from core.domain.dates import WEEKDAYS, take
from core.domain.errors import UsageError
from core.domain.leads import LOGGABLE
from core.domain.text import MAX_COMMAND, clean, echo
from core.domain.worklog import (
    APPLIED_HOW,
    MAX_MINIMUM,
    NEVER_STORED,
    UNITS,
    is_duration,
    parse_minutes,
)

__all__ = ["Options", "Preview", "build", "parse", "preview", "tokenise"]

Tokens = tuple[str, dict[str, str | int | bool | None]]  # a subcommand's path, its options

_LOGGABLE = frozenset(action.value for action in LOGGABLE)
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_ME = tuple(
    o.name
    for s in FOLLOWTHROUGH.subcommands
    if s.name == "me"
    for o in s.options
    if not o.name.startswith("log_")  # typed as `me log ...`
)
_GROUP = {sub.name: sub for sub in GROUP.subcommands}


@dataclass(frozen=True, slots=True)
class Preview:
    """What an adapter needs to know of a command before running it, read off its first
    words: whether it is for organisers (checked before any value is read), and whether
    its value is a channel (so the platform's channel id is passed, not its name)."""

    organiser: bool = False
    names_channel: bool = False


def preview(command: str, text: str) -> Preview:
    """`preview("/followthrough", "group channel <#C1|jobs>")`; a typed subcommand's path
    (`"group tz"`) previews the same."""
    name = clean(command).lstrip("/").lower()
    words = clean(text[:MAX_COMMAND]).lower().split(" ")[:2]
    first = subcommand_spec(name, words[0])
    spec = subcommand_spec(name, *words)
    return Preview(
        organiser=first is not None and first.admin,
        names_channel=spec is not None and any(o.kind == "channel" for o in spec.options),
    )


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
    # `at Acme as Data Engineer`: an employer with no person yet.
    at = 0 if len(words) > 1 and words[0].lower() == "at" else _keyword(words, "at")
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


def _dated(text: str, key: str) -> tuple[str | None, str]:
    """An optional date phrase at the start of `text` (`on fri ...`), and the rest."""
    words = text.split(" ") if text else []
    try:
        when, rest = take([word.lower() for word in words])
    except UsageError as error:
        raise usage_error(key, str(error)) from None
    used = len(words) - len(rest)
    return (None if when is None else " ".join(words[:used])), " ".join(words[used:])


def _no_more(rest: str, key: str) -> None:
    if rest:
        raise usage_error(key, f"I didn't expect {echo(rest, 30)} there.")


def _in_order(command: str, verb: str, rest: str) -> Tokens:
    """A subcommand without a grammar of its own: its options in the table's order, one
    word each, the last taking the rest of the text."""
    spec = subcommand_spec(command, verb)
    if spec is None or spec.command is None:
        raise unknown(f"/{command}", verb)
    key = usage_key(command, verb)
    if not spec.options:
        _no_more(rest, key)
        return verb, {}
    head = spec.options[:-1]
    words = rest.split(" ") if rest else []
    if len(words) < len(head):
        raise usage_error(key)
    values: dict[str, str | int | bool | None] = {}
    tail = " ".join(words[len(head) :])
    for option, word in zip(spec.options, [*words[: len(head)], tail], strict=True):
        if option.kind == "integer" and is_number(word):
            values[option.name] = int(word)
        elif option.kind == "flag":
            values[option.name] = word.lower() == option.name
        else:
            values[option.name] = word or None
    return verb, values


def _lead(verb: str, rest: str) -> Tokens:
    """The options of `/lead <verb> <rest>`."""
    if verb in ("", "help"):
        return "help", {}
    if verb == "add":
        return verb, {**new_contact(rest, "add")}
    if verb == "applied":
        ref, tail = split_ref(rest, verb)
        how, tail = _how(tail)
        when, note = _dated(tail, verb)
        if how is None:  # `applied julie on fri online`: the day came first
            how, note = _how(note)
        return verb, {"lead": ref, "how": how, "note": note, "when": when}
    if verb in _LOGGABLE:
        ref, tail = split_ref(rest, verb)
        when, note = _dated(tail, verb)
        return verb, {"lead": ref, "note": note, "when": when}
    if verb == "interview":
        return verb, _interview(rest)
    if verb == "set":
        ref, tail = split_ref(rest, verb)
        field, _, value = tail.partition(" ")
        if not field:
            raise usage_error("set", "Which detail? e.g. `/lead set julie email julie@acme.com`.")
        return verb, {"lead": ref, "field": field.lower(), "value": value.strip() or None}
    if verb == "activity":
        return verb, _activity(rest)
    if verb == "referral":
        ref, tail = split_ref(rest, "referral")
        when, tail = _dated(tail, "referral")
        arrow = next((a for a in ("->", "→") if tail.startswith(a)), None)
        if arrow is None:
            raise usage_error(
                "referral", "Write `->` between the lead and the person you were referred to."
            )
        fields = new_contact(tail[len(arrow) :].strip(), "referral")
        if fields.pop("via") or fields.pop("network"):
            raise usage_error("referral", "A referral comes through an introduction: no `via`.")
        return verb, {"lead": ref, **fields, "when": when}
    if verb == "note":
        ref, note = split_ref(rest, "note")
        return verb, {"lead": ref, "text": note}
    if verb == "snooze":
        ref, days = split_ref(rest, "snooze")
        if not is_number(days) or len(days) > 3:
            raise usage_error("snooze", "How many days? A whole number, e.g. `/lead snooze #12 7`.")
        return verb, {"lead": ref, "days": int(days)}
    if verb in ("drop", "show"):
        ref, extra = split_ref(rest, verb)
        _no_more(extra, verb)
        return verb, {"lead": ref}
    if verb == "list":
        words, page = _paged(rest, "list")
        if len(words) > 1:
            raise usage_error("list", f"I didn't expect {echo(' '.join(words[1:]), 30)} there.")
        return verb, {"filter": words[0] if words else None, "page": page}
    if verb == "stats":
        words = rest.split(" ") if rest else []
        if len(words) > 1:
            raise usage_error("stats")
        return verb, {"period": rest or None}
    return _in_order("lead", verb, rest)  # `today`, and any subcommand added since


def _interview(text: str) -> dict[str, str | int | bool | None]:
    """`<lead> on <day> [at] <time>` (`on` may be left out: `julie thu 2pm`), or `<lead>
    cancel`."""
    ref, tail = split_ref(text, "interview")
    words = tail.split(" ") if tail else []
    if [w.lower() for w in words] == ["cancel"]:
        return {"lead": ref, "cancel": True}
    if words and words[0].lower() == "on":
        words = words[1:]
    if len(words) > 1 and words[0].lower() in ("next", "this") and words[1].lower() in WEEKDAYS:
        words = words[1:]  # `next thu`: the next Thursday is what a weekday means here
    if len(words) > 2 and words[-1].lower() in ("am", "pm"):
        words = [*words[:-2], words[-2] + words[-1]]  # `2 pm`
    if len(words) > 2 and words[-2].lower() == "at":
        words = [*words[:-2], words[-1]]
    clock = words[-1] if len(words) > 1 else None
    day = " ".join(words[:-1] if clock is not None else words)
    return {"lead": ref, "when": day or None, "time": clock}


def _how(text: str) -> tuple[str | None, str]:
    """How an application went (`online`, `in person`...) at the start of `text`."""
    lowered = text.lower()
    for how in (*APPLIED_HOW, "in-person"):
        if lowered == how or lowered.startswith(how + " "):
            return how.replace("-", " "), text[len(how) :].strip()
    return None, text


def _duration(words: list[str]) -> tuple[str | None, list[str]]:
    """A closing `for 3h` / `for 1.5 hours` / `for 2 hours 15 min`, and the words before.

    What is written as a length is taken as one even when it is out of bounds (`for
    100h`, `for -1h`), for the builder to refuse: kept as text, it was logged without
    its length and without a word to the member."""
    for start in range(max(len(words) - 5, 0), len(words) - 1):
        if words[start].lower() != "for":
            continue
        phrase = " ".join(words[start + 1 :])
        try:
            parse_minutes(phrase)
        except UsageError:
            if not is_duration(phrase):
                continue  # `for veterans`, `for 2026`: words of the description
        return phrase, words[:start]
    return None, words


_DATE_WORDS = 4  # the longest date phrase `take` reads: `on 3 days ago`


def _closing_date(words: list[str]) -> tuple[str | None, list[str]]:
    """A date phrase that closes `words` (`... on fri`), and the words before it.

    Only the last few words can hold one, so only they are tried: the text before is
    never read again, whatever its length. A try at a day in the last two (`on fir`) is
    refused, as in a lead's note: kept as text, it was logged as done today."""
    for start in range(max(len(words) - _DATE_WORDS, 0), len(words)):
        try:
            found, rest = take([word.lower() for word in words[start:]])
        except UsageError as error:
            if start == len(words) - 2:
                raise usage_error("activity", str(error)) from None
            continue
        if found is not None and not rest:
            return " ".join(words[start:]), words[:start]
    return None, words


def _activity(text: str) -> dict[str, str | int | bool | None]:
    """`<kind> [what] [at <where>] [on <day>] [for <hours>]`."""
    words = text.split(" ") if text else []
    if not words:
        raise usage_error("activity", "What kind of activity?")
    kind, words = words[0], words[1:]
    hours, words = _duration(words)
    when, words = _closing_date(words)
    if hours is None and when is not None:  # `for 3h on fri`: the other order
        hours, words = _duration(words)
    at = _keyword(["", *words], "at") - 1 if words else -1
    what, where = (words, []) if at < 0 else (words[:at], words[at + 1 :])
    return {
        "kind": kind,
        "what": " ".join(what) or None,
        "where": " ".join(where) or None,
        "when": when,
        "hours": hours,
    }


_LOG_WORDS = {"preset": "log_preset", "start": "log_start", "days": "log_days"}
_LOG_EXAMPLES = {"preset": "preset US-NY", "start": "start sun", "days": "days on"}


def _me_log(words: list[str]) -> Tokens:
    """`me log [preset X] [minimum N [week|month] [hours]] [start <day>] [days on|off]`,
    `me log off` (no minimum), or `me log` alone (show the log's settings)."""
    values: dict[str, str | int | bool | None] = {}
    if not words:
        return "me", {"log_show": True}
    if [w.lower() for w in words] == ["off"]:
        return "me", {"log_minimum": 0}
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "claim":
            raise UsageError(NEVER_STORED)
        if word in ("minimum", "min"):
            if i + 1 >= len(words) or not is_number(words[i + 1]):
                raise usage_error(
                    "me log",
                    f"The minimum is a whole number from 0 to {MAX_MINIMUM}, e.g. `minimum 3`.",
                )
            values["log_minimum"] = int(words[i + 1])  # the builder checks its bounds
            i += 2
            while i < len(words) and words[i].lower() in ("week", "month", "a", "per", *UNITS):
                unit = words[i].lower()
                said = "log_period" if unit in ("week", "month") else "log_unit"
                if unit in ("week", "month", *UNITS):
                    if values.get(said, unit) != unit:  # `3 week month`
                        raise usage_error(
                            "me log", f"A minimum is counted in one period and one unit: {unit}?"
                        )
                    values[said] = unit
                i += 1
            continue
        option = _LOG_WORDS.get(word)
        if option is None:
            raise usage_error("me log", f"I didn't expect {echo(words[i], 20)} there.")
        if i + 1 >= len(words):
            raise usage_error("me log", f"Give `{word}` a value, e.g. `{_LOG_EXAMPLES[word]}`.")
        values[option] = words[i + 1]
        i += 2
    return "me", values


def _me(rest: str) -> Tokens:
    words = rest.split(" ") if rest else []
    if words and words[0].lower() == "log":
        return _me_log(words[1:])
    if words and words[0].lower() in MEMBER_VERBS:
        return _followthrough(words[0].lower(), " ".join(words[1:]))  # `me board off`
    if not words or len(words) % 2:
        raise usage_error("me", "Give each setting a value, e.g. `time 07:45`.")
    values: dict[str, str | int | bool | None] = {}
    for key, value in zip(words[::2], words[1::2], strict=True):
        key = key.lower()
        if key not in _ME or key in values:
            raise usage_error("me", f"{echo(key, 20)} is not one of {', '.join(_ME)} (once each).")
        values[key] = value
    return "me", values


def _paged(text: str, key: str) -> tuple[list[str], str | int | None]:
    """The words of `text` before a closing `page <n>` (or a bare number), and the page:
    a number for the builder to bound, or the word written where it should be."""
    words = text.split(" ") if text else []
    page: str | int | None = None
    if len(words) > 1 and words[-2].lower() == "page":
        page, words = words[-1], words[:-2]
    elif words and (is_number(words[-1]) or words[-1].lower() == "page"):
        page, words = words[-1], words[:-1]
    if isinstance(page, str):
        if not is_number(page) or len(page) > 6:
            raise usage_error(key, "Which page? A whole number, e.g. `page 2`.")
        page = int(page)
    return words, page


def _group(rest: str) -> Tokens:
    words = rest.split(" ") if rest else []
    if not words:
        raise usage_error("group")
    name = words[0].lower()
    if name == "report":
        extra, page = _paged(" ".join(words[1:]), "group report")
        if extra:
            raise usage_error("group report", f"I didn't expect {echo(' '.join(extra), 30)} there.")
        return "group report", {"page": page}
    spec = _GROUP.get(name)
    if spec is None:
        raise usage_error("group", f"There is no group setting {echo(name, 30)}.")
    if len(words) != 1 + len(spec.options):
        raise usage_error(f"group {name}")
    values: dict[str, str | int | bool | None] = {
        option.name: word for option, word in zip(spec.options, words[1:], strict=True)
    }
    if name == "points":
        if not is_number(words[2]) or len(words[2]) > 3:
            raise usage_error("group points", "Points are a whole number, e.g. 4.")
        values["points"] = int(words[2])
    return f"group {name}", values


def _import(rest: str) -> dict[str, str | int | bool | None]:
    """`import`, `import confirm [dayfirst|monthfirst]`, `import cancel`: a file is never
    typed (`import acme.csv` is told how to send one)."""
    words = rest.split(" ") if rest else []
    if not words:
        return {}
    if len(words) > 2 or words[0].lower() not in IMPORT_ACTIONS:
        raise usage_error(
            "import", f"I didn't expect {echo(rest, 30)} there: send the file itself, not its name."
        )
    return {"action": words[0], "dates": words[1] if len(words) > 1 else None}


def _followthrough(verb: str, rest: str) -> Tokens:
    """The options of `/followthrough <verb> <rest>`."""
    if verb == "":
        return "help", {}
    if verb == "forget-me" and rest:
        if rest.lower() != "confirm":
            raise usage_error("forget-me", f"I didn't expect {echo(rest, 30)} there.")
        return verb, {"confirm": True}
    if verb in ("share", "board"):
        words = rest.split(" ")
        if verb == "board":
            return verb, {"board": rest}
        if len(words) != 2 or words[0].lower() != "companies":
            raise usage_error("share")
        return verb, {"companies": words[1]}
    if verb == "calendar":
        if rest.lower() not in ("", "reset"):
            raise usage_error("calendar", f"I didn't expect {echo(rest, 30)} there.")
        return verb, {"reset": rest.lower() == "reset"}
    if verb == "import":
        return verb, _import(rest)
    if verb == "me":
        return _me(rest)
    if verb == "group":
        return _group(rest)
    return _in_order("followthrough", verb, rest)  # `pause`, `export`, ...


def tokenise(command: str, text: str) -> tuple[str, str, Options]:
    """A slash command and its text, as (command, subcommand path, options): what
    Discord's typed path delivers for the same command."""
    too_long(text)
    text = clean(text)
    name = clean(command).lstrip("/").lower()
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    match name:
        case "lead":
            return (name, *_lead(verb, rest))
        case "followthrough":
            return (name, *_followthrough(verb, rest))
        case "leaderboard":
            return name, "", {"period": text}
    raise UsageError(f"I don't know `{echo(command, 30)}`.\n\n{HELP}")


def parse(command: str, text: str) -> c.Command:
    """Parse a slash command (`/lead`, `/followthrough`, `/leaderboard`) and its text."""
    return build(*tokenise(command, text))

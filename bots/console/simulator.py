"""`followthrough simulate`: a script of days and commands, played on a simulated clock.

It drives the same services, planning and outbox that production uses, over a fresh
in-memory database; only the clock and the messenger are stand-ins.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bots.bootstrap import build
from bots.console.files import import_path, read_upload
from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from bots.settings import Settings
from core.services import (
    DomainError,
    FollowThrough,
    Identity,
    Message,
    check_country,
    parse_time,
    plain,
    zone,
)
from core.services.ports import Delivery, SimulatedClock

PLATFORM, WORKSPACE = "sim", "group"
# Scripts play between these years: far enough for any story, and short of datetime's
# ends (years 1 and 9999), which the zones' offsets and the planning a few weeks ahead
# would run past.
FIRST_YEAR, LAST_YEAR = 2000, 2999
# Before the first `at`, the clock stands where no script's first morning can be: the
# earliest zone's (UTC+14) first minute of FIRST_YEAR is still after it.
START = datetime(FIRST_YEAR - 1, 12, 31, tzinfo=UTC)


class ScriptError(Exception):
    def __init__(self, line_no: int, problem: str) -> None:
        super().__init__(f"line {line_no}: {problem}")


@dataclass(frozen=True, slots=True)
class Output:
    """One message the bot sent, as the simulator prints it."""

    at: datetime  # in the recipient's zone
    to: str
    message: Message

    def to_json(self) -> str:
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "to": self.to,
                "kind": self.message.kind,
                "rules": list(self.message.rules),
                "text": self.message.plain_text(),
            },
            ensure_ascii=False,
        )

    def to_text(self) -> str:
        head = f"[{self.at:%a %Y-%m-%d %H:%M %Z}] -> {self.to} ({self.message.kind})"
        body = "\n".join("    " + line for line in self.message.plain_text().splitlines())
        return f"{head}\n{body}"


class TranscriptMessenger:
    """Delivers by adding each message to the transcript, which the simulator prints once
    the delivery run is over: a reader that went away (`| head`) then stops the script
    instead of failing one send after another."""

    def __init__(self, clock: SimulatedClock) -> None:
        self._clock = clock
        self.outputs: list[Output] = []
        self.sent = 0

    def route(self, delivery: Delivery) -> str:
        return delivery.user_id or "#group"

    async def send(self, delivery: Delivery) -> str:
        self.sent += 1
        at = self._clock.now().astimezone(ZoneInfo(delivery.recipient_tz))
        self.outputs.append(Output(at, delivery.recipient_name, delivery.message))
        return f"sim-{self.sent}"


class Simulator:
    def __init__(self, emit: Callable[[Output], None], base: Path | None = None) -> None:
        self.clock = SimulatedClock(START)
        self.services = build(Settings(database_url="sqlite://"), self.clock)
        self.app: FollowThrough = self.services.app
        self.messenger = TranscriptMessenger(self.clock)
        # One sender, no rate limit: the transcript's order is the outbox's order.
        platform = Platform(self.messenger, RateLimiter(rate=1e9))
        self.deliverer = self.services.deliverer({PLATFORM: platform}, "simulator", senders=1)
        self.emit = emit
        self.base = base or Path.cwd()  # where the files a script names are (its folder)
        self.group_tz: str | None = None
        self.members: dict[str, tuple[Identity, str]] = {}  # name -> (identity, zone)
        self.started = False
        self.pending: list[Callable[[], None]] = []

    # -- the instructions ------------------------------------------------------------

    def group(self, args: list[str]) -> None:
        if self.group_tz is not None:
            raise ValueError("`group` comes once, first")
        options = _options(args, {"tz", "country"}, "group tz ZONE country CC")
        if "tz" not in options:
            raise ValueError("usage: group tz ZONE country CC")
        zone(options["tz"])
        country = check_country(options["country"]) if "country" in options else None
        self.group_tz = options["tz"]
        setup = partial(
            self.app.groups.setup_group,
            PLATFORM,
            WORKSPACE,
            tz=options["tz"],
            country=country,
            channel="group",
        )
        self.pending.append(setup)  # the group and its members join when the clock starts

    def member(self, args: list[str]) -> None:
        self._need_group()
        if not args:
            raise ValueError("usage: member NAME [tz ZONE] [country CC] [time HH:MM]")
        name, rest = args[0], args[1:]
        # Names that differ only in case are one person (and one platform id).
        known = {defined.casefold(): defined for defined in self.members}
        if name.casefold() in known:
            defined = known[name.casefold()]
            raise ValueError(
                f"member {name} is already defined"
                + ("" if defined == name else f" (as {defined}: names ignore case)")
            )
        options = _options(
            rest, {"tz", "country", "time"}, "member NAME [tz ZONE] [country CC] [time HH:MM]"
        )
        tz = options.get("tz")
        if tz is not None:
            zone(tz)
        who = Identity(PLATFORM, WORKSPACE, f"U-{name.lower()}", name)
        country = check_country(options["country"]) if "country" in options else None
        nudge_time = parse_time(options["time"], "me") if "time" in options else None
        self.members[name] = (who, tz or str(self.group_tz))
        join = partial(
            self.app.conversation.join, who, tz=tz, country=country, nudge_time=nudge_time
        )
        if self.started:
            join()
        else:
            self.pending.append(join)  # members join when the first `at` starts the clock

    def at(self, args: list[str]) -> None:
        self._need_group()
        target = _instant(" ".join(args), zone(str(self.group_tz)))
        if target < self.clock.now():
            raise ValueError(
                f"the clock never goes back (it is already"
                f" {self.clock.now().astimezone(zone(str(self.group_tz))):%Y-%m-%d %H:%M})"
            )
        if not self.started:
            # The first `at` starts the clock: mornings before it are not played.
            self.started = True
            self.clock.advance_to(target)
            for join in self.pending:
                join()
        self.advance(target)

    def say(self, name: str, text: str, *, dm: bool = False) -> None:
        """`name` types `text`: a slash command, or (`dm`) words in their DM with the bot."""
        if name not in self.members:
            known = [m for m in self.members if m.casefold() == name.casefold()]
            hint = f" (did you mean {known[0]}?)" if known else ""
            raise ValueError(f"unknown member {name}{hint}; declare them with `member {name}`")
        command, _, rest = text.strip().partition(" ")
        if dm:
            self._typed(name, text)
            return
        if command not in ("/lead", "/followthrough", "/leaderboard"):
            raise ValueError("a member types `/lead ...`, `/followthrough ...` or `/leaderboard`")
        if not self.started:
            raise ValueError("set the clock first: `at YYYY-MM-DD HH:MM`")
        who, tz = self.members[name]
        path = import_path(rest) if command == "/followthrough" else None
        if path is not None:  # `Maya: /followthrough import search.csv`: the file itself
            answer = self.import_file(who, path)
        else:
            answer = self.app.conversation.handle(who, command, rest)
        self.emit(Output(self.clock.now().astimezone(ZoneInfo(tz)), name, answer))
        self.deliver()  # what the command caused (a celebration) goes out now

    def _typed(self, name: str, text: str) -> None:
        if not self.started:
            raise ValueError("set the clock first: `at YYYY-MM-DD HH:MM`")
        who, tz = self.members[name]
        answer = self.app.conversation.direct(who, text)
        self.emit(Output(self.clock.now().astimezone(ZoneInfo(tz)), name, answer))
        self.deliver()

    def import_file(self, who: Identity, path: str) -> Message:
        """The preview of a file a member names, from the script's folder."""
        try:
            name, data, size = read_upload(self.base / path)
        except OSError as error:
            raise ValueError(
                f"can't read {path} ({error.strerror}); a file's path starts at the script's"
                f" folder, {self.base}"
            ) from None
        return self.app.conversation.import_file(who, name, data, size=size)

    # -- time ----------------------------------------------------------------------

    def advance(self, target: datetime) -> None:
        """Move the clock to `target`, stopping at every morning on the way."""
        while True:
            wake = self.app.planner.next_wake()
            if wake is None or wake > target:
                break
            self.clock.advance_to(max(wake, self.clock.now()))
            self.tick()
        self.clock.advance_to(target)
        self.tick()

    def tick(self) -> None:
        self.app.planner.plan()
        self.deliver()

    def deliver(self) -> None:
        asyncio.run(self.deliverer.drain())
        outputs, self.messenger.outputs = self.messenger.outputs, []
        for output in outputs:
            self.emit(output)

    def close(self) -> None:
        self.services.close()

    def _need_group(self) -> None:
        if self.group_tz is None:
            raise ValueError("the script starts with `group tz ZONE country CC`")


def _options(args: list[str], allowed: set[str], usage: str) -> dict[str, str]:
    if len(args) % 2:
        raise ValueError(f"usage: {usage}")
    options = dict(zip(args[::2], args[1::2], strict=True))
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r}; usage: {usage}")
    return options


_AT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2})", re.ASCII)


def _instant(when: str, tz: ZoneInfo) -> datetime:
    """The UTC instant of `when` (`YYYY-MM-DD HH:MM`, wall-clock time in `tz`); a
    ValueError that says what is wrong with it."""
    parts = _AT.fullmatch(when)
    if parts is None:
        raise ValueError("usage: at YYYY-MM-DD HH:MM")
    try:
        year, month, day, hour, minute = map(int, parts.groups())
        local = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError as error:  # e.g. "day is out of range for month"
        raise ValueError(f"{when} is not a date and time: {error}") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"{when} is out of range: scripts run from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"
        )
    instant = local.astimezone(UTC)
    # A wall-clock time the clocks skip (spring forward) comes back as another one.
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(f"{when} is not a time in {tz.key}: the clocks skip it that day")
    return instant


_SAY = re.compile(r"^(?P<name>[^\s:]+):\s*(?P<text>/.*)$")
# `ana (dm): emailed julie`: what a member types in their DM with the bot, no slash.
_DM = re.compile(r"^(?P<name>[^\s:]+)\s+\(dm\):\s*(?P<text>.*)$")
# A comment starts with a `#` that begins the line or a word of its own: `#12` is a lead.
_COMMENT = re.compile(r"(^|\s)#(\s.*)?$")


def script_lines(script: bytes) -> list[str]:
    """A script file's lines; a byte that isn't UTF-8 is a ScriptError naming its line."""
    try:
        return script.decode("utf-8-sig").splitlines()  # -sig: an editor's BOM is not text
    except UnicodeDecodeError as error:
        lines = (script[: error.start].decode("utf-8-sig") + "?").splitlines()
        raise ScriptError(
            len(lines),
            f"not UTF-8 text (byte 0x{script[error.start]:02x} at column {len(lines[-1])});"
            " save the script as UTF-8",
        ) from None


def run(
    lines: Iterable[str],
    emit: Callable[[Output], None],
    base: Path | None = None,
    *,
    pictures: bool = False,
) -> None:
    """Play a script; a ScriptError names the line of the first problem. `base`: the
    script's folder, where the files it names are (default: the current one).
    `pictures`: whether Monday boards carry their picture (for a folder to keep); a
    transcript shows the picture's words either way."""
    sim = Simulator(emit, base)
    sim.app.planner.pictures = pictures
    try:
        _play(sim, lines)
    finally:
        sim.close()


def _play(sim: Simulator, lines: Iterable[str]) -> None:
    for number, raw in enumerate(lines, start=1):
        line = "" if raw.lstrip().startswith("#") else _COMMENT.sub("", raw).strip()
        if not line:
            continue
        try:
            said = _SAY.match(line)
            if said:
                sim.say(said["name"], said["text"])
                continue
            typed = _DM.match(line)
            if typed:
                sim.say(typed["name"], typed["text"], dm=True)
                continue
            word, *args = line.split()
            match word:
                case "group":
                    sim.group(args)
                case "member":
                    sim.member(args)
                case "at":
                    sim.at(args)
                case _:
                    raise ValueError(f"unknown instruction {word!r}")
        except (ValueError, OverflowError, DomainError) as error:
            # A domain error marks the value the script typed: print it plain.
            raise ScriptError(number, plain(str(error))) from None

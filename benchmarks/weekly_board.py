"""Benchmark: every read command of one big group, and its Monday board.

    .venv/bin/python -m benchmarks.weekly_board [--members 5000]
        [--database sqlite|postgresql|both] [--leads-per-week 1.5] [--seed 1] [--runs 5]
        [--profile]

For each database it loads, through the real migrations, one group (New York, US
holidays) of `--members` members with a year of history each: leads started on about
`--leads-per-week` business days a week, each one walked through the playbook with the
domain's own `apply` (emails, follow-ups, calls, replies, interviews, rejections and their
calls, referrals that start child leads, a few offers, a few duplicate logs), so that
stages, streaks and the events' `stage_after` are what the services would have written,
and the tallies that `SqlEvents.add` keeps with the events. Members live in New York,
Chicago, London or Berlin with their countries' holidays; a few are off the board or
paused. Rows go in with SQLAlchemy Core executemany.

Then, with the clock at Monday 2026-03-16 08:00 New York, it times:
  - `post_weekly_boards` on a fresh engine, as a restarted bot would (the target: under
    0.5 s), which writes last week's board to the outbox;
  - on Friday, every read command through the real entry `Conversation.handle`, as the
    member with the most leads: `/leaderboard week|month|all`, `/lead list all`,
    `/lead show` (their lead with the longest history) and `/lead today`; each the
    median of `--runs` runs (the target: under 100 ms each).

SQLite: a file in a temporary directory. PostgreSQL: see `benchmarks.common` (schema
`bench_board`); the tables are ANALYZEd after loading, as autovacuum would.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from benchmarks.common import (
    COMPANIES,
    PostgresSchema,
    fix_sequences,
    group_row,
    lead_row,
    median_seconds,
    member_row,
    person,
    settle,
    timed,
)
from core.domain.calendar import BusinessCalendar
from core.domain.leads import Action, Event, Lead, Stage, apply
from core.domain.members import Group, Member
from core.domain.messages import Message, MessageKind
from core.domain.scoring import BOOKKEEPING, Streak
from core.domain.weekly import Week
from core.reports import chart
from core.services import FollowThrough, Identity, boards
from core.services.ports import SimulatedClock
from core.storage.database import Database, make_engine, upgrade
from core.storage.events import tally, tally_rows
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow, TallyRow

GROUP_TZ, GROUP_COUNTRY = "America/New_York", "US"
BOARD_DAY = date(2026, 3, 16)  # a Monday; last week is Mon 9 - Sun 15 March 2026
MORNING = clock_time(8, 0)
NOW = BusinessCalendar.of(GROUP_TZ, GROUP_COUNTRY).at(BOARD_DAY, MORNING)
FRIDAY = NOW + timedelta(days=4, hours=2)  # `/leaderboard` on Friday 10:00: the week so far
FIRST_DAY = BOARD_DAY - timedelta(days=365)
# (zone, country, weight); None: the group's.
ZONES: list[tuple[str | None, str | None, int]] = [
    (None, None, 60),
    ("America/Chicago", "US", 15),
    ("Europe/London", "GB", 10),
    ("Europe/Berlin", "DE", 15),
]
OFF_BOARD_SHARE, PAUSED_SHARE, DUPLICATE_SHARE = 0.05, 0.03, 0.03
CHUNK = 250  # members generated and inserted per executemany
PG_SCHEMA = "bench_board"
POST_TARGET, READ_TARGET = 0.5, 0.1  # seconds, for 5,000 members with a year each
CREATED = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)
READS = (
    ("/leaderboard", "week"),
    ("/leaderboard", "month"),
    ("/leaderboard", "all"),
    ("/lead", "list all"),
    ("/lead", "show {lead}"),
    ("/lead", "today"),
)


# -- a year of one member's search --------------------------------------------------------


class Days:
    """`cal`'s business days over the benchmark's year, looked up instead of recomputed."""

    def __init__(self, cal: BusinessCalendar) -> None:
        self.cal = cal
        self.first, last = FIRST_DAY - timedelta(days=10), BOARD_DAY + timedelta(days=120)
        self.business: list[date] = []
        self.after: dict[date, int] = {}  # day -> index of the first business day after it
        day = self.first
        while day <= last:
            self.after[day] = len(self.business)
            if cal.is_business_day(day):
                self.business.append(day)
                self.after[day] += 1
            day += timedelta(days=1)

    def is_business_day(self, day: date) -> bool:
        i = self.after.get(day)
        return self.cal.is_business_day(day) if i is None else self.business[i - 1] == day

    def add(self, day: date, n: int) -> date:
        """The n-th business day after `day` (`day` itself for 0)."""
        i = self.after.get(day)
        if n == 0:
            return day
        if i is None or i + n - 1 >= len(self.business):
            return self.cal.add_business_days(day, n)
        return self.business[i + n - 1]


@dataclass
class History:
    member: Member
    leads: list[Lead]
    events: list[dict[str, Any]]
    tallies: list[dict[str, object]]  # what SqlEvents.add would have kept with them


class Search:
    """One member's year: leads walked through the playbook with the domain's `apply`."""

    def __init__(self, rng: random.Random, days: Days, member: Member, first_id: int):
        self.rng, self.cal, self.days, self.member = rng, days.cal, days, member
        self.next_id = first_id
        self.leads: list[Lead] = []
        self.events: list[tuple[Lead, Action, datetime, Stage]] = []

    def at(self, day: date) -> datetime:
        """A waking-hours instant (UTC) of local `day`."""
        return self.cal.at(day, clock_time(self.rng.randint(8, 18), self.rng.randrange(60)))

    def later(self, day: date, lo: int, hi: int) -> date:
        return self.days.add(day, self.rng.randint(lo, hi))

    def new_lead(self, day: date, parent: Lead | None = None) -> Lead:
        rng = self.rng
        assert self.member.id is not None
        created = self.at(day)
        if parent is not None and parent.last_touch_at is not None:
            created = max(created, parent.last_touch_at + timedelta(minutes=1))
        lead = Lead(
            member_id=self.member.id,
            number=len(self.leads) + 1,
            contact=person(rng),
            company=rng.choice(COMPANIES),
            created_at=created,
            via="intro" if parent else rng.choice(("email", "linkedin", "phone")),
            parent_id=None if parent is None else parent.id,
            id=self.next_id,
        )
        lead.stage_since = lead.created_at
        self.next_id += 1
        self.leads.append(lead)
        self.log(lead, Action.ADDED, lead.created_at)
        return lead

    def log(self, lead: Lead, action: Action, at: datetime) -> None:
        if at >= NOW:
            return  # the future: not logged yet
        apply(lead, action, at)
        self.events.append((lead, action, at, lead.stage))
        if self.rng.random() < DUPLICATE_SHARE and action is Action.EMAILED:
            self.events.append((lead, action, at + timedelta(minutes=5), lead.stage))

    def on(self, lead: Lead, action: Action, day: date) -> date:
        at = self.at(day)
        floor = lead.last_touch_at or lead.created_at
        if at <= floor:
            at = floor + timedelta(minutes=30)
        self.log(lead, action, at)
        return self.cal.local_date(at)

    def pursue(self, lead: Lead, day: date, depth: int = 0) -> None:
        """The lead's story from `day`: outreach, then an answer or silence."""
        rng = self.rng
        day = self.on(lead, Action.EMAILED, day)
        for follow in (Action.FOLLOWED_UP, Action.CALLED, Action.CALLED):
            if rng.random() < 0.3:
                break  # they answered
            if rng.random() < 0.25:
                self.on(lead, Action.DROPPED, self.later(day, 3, 8))
                return
            day = self.on(lead, follow, self.later(day, 3, 5))
        else:
            if rng.random() < 0.5:
                self.on(lead, Action.DROPPED, self.later(day, 5, 10))
            return
        day = self.on(lead, Action.REPLIED, self.later(day, 1, 4))
        if rng.random() < 0.4:
            return  # a conversation that went nowhere
        day = self.on(lead, Action.INTERVIEWED, self.later(day, 2, 8))
        if rng.random() < 0.08:
            day = self.on(lead, Action.OFFER, self.later(day, 3, 10))
            outcome = Action.ACCEPTED if rng.random() < 0.3 else Action.DECLINED
            self.on(lead, outcome, self.later(day, 1, 3))
            return
        day = self.on(lead, Action.REJECTED, self.later(day, 3, 12))
        if rng.random() < 0.6:  # the rejection call: mostly the same or the next day
            day = self.on(lead, Action.CALLED, self.later(day, 0, 2))
            if rng.random() < 0.4 and depth < 4:
                self.on(lead, Action.REFERRAL, day)
                child = self.new_lead(day, parent=lead)
                self.pursue(child, self.later(day, 0, 1), depth + 1)

    def year(self, leads_per_week: float) -> None:
        day = FIRST_DAY
        p = min(1.0, leads_per_week / 5)
        while day < BOARD_DAY:
            if self.days.is_business_day(day) and self.rng.random() < p:
                self.pursue(self.new_lead(day), day)
            day += timedelta(days=1)


_DAYS: dict[BusinessCalendar, Days] = {}


def days_of(cal: BusinessCalendar) -> Days:
    if cal not in _DAYS:
        _DAYS[cal] = Days(cal)
    return _DAYS[cal]


def make_member(
    group: Group, index: int, seed: int, first_lead_id: int, per_week: float
) -> History:
    assert group.id is not None
    rng = random.Random(f"{seed}:{index}")
    tz, country, _ = rng.choices(ZONES, weights=[w for *_, w in ZONES])[0]
    member = Member(
        group.id,
        f"U{index:06d}",
        f"{person(rng)} {index}",
        tz=tz,
        country=country,
        paused=rng.random() < PAUSED_SHARE,
        share_companies=rng.random() < 0.3,
        on_board=rng.random() >= OFF_BOARD_SHARE,
        id=index + 1,
    )
    cal = member.calendar(group)
    search = Search(rng, days_of(cal), member, first_lead_id)
    search.year(per_week)
    member.next_lead_number = len(search.leads) + 1
    member.active_leads = sum(lead.active for lead in search.leads)
    member.graduated = any(a is Action.ACCEPTED for _, a, _, _ in search.events)
    # The streak as the services keep it: every action logged, in order.
    streak = Streak()
    for _, action, at, _ in sorted(search.events, key=lambda e: e[2]):
        if action not in BOOKKEEPING:
            streak = streak.logged(cal.local_date(at), cal)
    member.streak = streak
    member.last_action_at = max(
        (at for _, action, at, _ in search.events if action not in BOOKKEEPING), default=None
    )
    events = [
        {
            "group_id": group.id,
            "lead_id": lead.id,
            "member_id": member.id,
            "action": action.value,
            "at": at,
            "stage_after": stage.value,
            "note": "",
        }
        for lead, action, at, stage in search.events
    ]
    logged = [Event(lead.id or 0, a, at, stage) for lead, a, at, stage in search.events]
    rows = tally_rows(group.id, index + 1, *tally(logged, cal, group.calendar()))
    return History(member, search.leads, events, rows)


# -- loading ------------------------------------------------------------------------------


@dataclass
class Loaded:
    members: int = 0
    leads: int = 0
    events: int = 0
    tallies: int = 0
    last_week: int = 0
    seconds: float = 0.0
    # The member the read commands are timed for (the most leads), and their lead with
    # the longest history.
    busiest: tuple[int, str, str] = (0, "", "")
    lead_number: int = 1
    _best: int = field(default=-1, repr=False)

    def consider(self, made: History) -> None:
        if len(made.leads) > self._best:
            self._best = len(made.leads)
            member = made.member
            self.busiest = (len(made.leads), member.external_id, member.name)
            per_lead: dict[int, int] = {}
            for event in made.events:
                per_lead[event["lead_id"]] = per_lead.get(event["lead_id"], 0) + 1
            longest = max(per_lead, key=lambda lead_id: per_lead[lead_id])
            self.lead_number = next(lead.number for lead in made.leads if lead.id == longest)


def load(engines: list[Engine], members: int, seed: int, per_week: float) -> Loaded:
    """Migrate each database, then insert the same group, members, leads, events and
    tallies into all of them with executemany (generated once, chunk by chunk)."""
    start = time.perf_counter()
    for engine in engines:
        upgrade(engine)
    group = Group(
        "slack",
        "T-BENCH-BOARD",
        tz=GROUP_TZ,
        country=GROUP_COUNTRY,
        channel="C-BOARD",
        next_board_at=NOW,
        id=1,
    )
    loaded = Loaded(members=members)
    week_start = group.calendar().at(BOARD_DAY - timedelta(days=7), clock_time(0))
    joined = datetime.combine(FIRST_DAY, clock_time(12), tzinfo=UTC)
    with ExitStack() as stack:
        conns = [stack.enter_context(engine.begin()) for engine in engines]
        for conn in conns:
            conn.execute(insert(GroupRow), [group_row(group, CREATED)])
        next_lead_id = 1
        for first in range(0, members, CHUNK):
            rows: dict[type, list[dict[str, Any]]] = {
                MemberRow: [],
                LeadRow: [],
                EventRow: [],
                TallyRow: [],
            }
            for index in range(first, min(first + CHUNK, members)):
                made = make_member(group, index, seed, next_lead_id, per_week)
                next_lead_id += len(made.leads)
                loaded.consider(made)
                rows[MemberRow].append(member_row(made.member, joined))
                rows[LeadRow] += [lead_row(lead) for lead in made.leads]
                rows[EventRow] += made.events
                rows[TallyRow] += made.tallies
                loaded.last_week += sum(week_start <= e["at"] < NOW for e in made.events)
            for conn in conns:
                # In this order: a referral's parent is an earlier lead of the member.
                for table, table_rows in rows.items():
                    conn.execute(insert(table.__table__), table_rows)  # type: ignore[attr-defined]
            loaded.leads += len(rows[LeadRow])
            loaded.events += len(rows[EventRow])
            loaded.tallies += len(rows[TallyRow])
            print(
                f"\r  loading: {min(first + CHUNK, members):,}/{members:,} members,"
                f" {loaded.leads:,} leads, {loaded.events:,} events"
                f" ({time.perf_counter() - start:.0f} s)",
                end="",
                flush=True,
            )
        print(flush=True)
        for conn in conns:
            fix_sequences(conn, ("groups", "members", "leads"))  # ids were given explicitly
    for engine in engines:
        settle(engine)
    loaded.seconds = time.perf_counter() - start
    return loaded


# -- timing -------------------------------------------------------------------------------


@contextmanager
def loaded_group(
    database: str, members: int, seed: int, per_week: float, schema_name: str
) -> Iterator[tuple[dict[str, str], Loaded | None]]:
    """The big group loaded into each database `database` names (sqlite, postgresql or
    both): their URLs, and what was loaded (None: no database to load it into). The
    SQLite file lasts as long as the block; the PostgreSQL schema is dropped after it."""
    urls: dict[str, str] = {}
    schema: PostgresSchema | None = None
    with tempfile.TemporaryDirectory(prefix=f"followthrough-{schema_name}-") as tmp:
        if database in ("sqlite", "both"):
            urls["sqlite"] = f"sqlite:///{Path(tmp) / 'group.db'}"
        if database in ("postgresql", "both"):
            schema = PostgresSchema.connect(schema_name)
            if schema is not None:
                urls["postgresql"] = schema.url
        try:
            if not urls:
                yield urls, None
                return
            engines = [make_engine(url) for url in urls.values()]
            try:
                loaded = load(engines, members, seed, per_week)
            finally:
                for engine in engines:
                    engine.dispose()
            yield urls, loaded
        finally:
            if schema is not None:
                schema.close()


@dataclass
class Result:
    database: str
    post_seconds: float
    reads: dict[str, float]
    board: str
    problems: list[str]


def post(db: Database, database: str, profile: bool) -> tuple[float, int]:
    """`post_weekly_boards` once, committed, optionally under cProfile. The plotting
    library is loaded before (a running bot loads it once, at its first picture, which
    `benchmarks.weekly_picture` times), so the post is timed as every Monday's."""
    chart.png(Week(BOARD_DAY))
    with db.uow() as uow:
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        seconds, written = timed(lambda: boards.post_weekly_boards(uow, NOW))
        if profiler is not None:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(25)
            print(f"--- {database}: profile of post_weekly_boards ---{out.getvalue()}")
        uow.commit()
    return seconds, written


def measure(database: str, url: str, loaded: Loaded, runs: int, profile: bool) -> Result:
    """The Monday board on a fresh engine (as a restarted bot), then on Friday each read
    command through `Conversation.handle` (the median of `runs`)."""
    engine = make_engine(url)
    clock = SimulatedClock(NOW)
    db = Database(engine, clock)
    problems: list[str] = []
    try:
        post_seconds, written = post(db, database, profile)
        if written != 1:
            problems.append(f"post_weekly_boards wrote {written} messages, 1 expected")
        with engine.connect() as conn:
            payload = conn.scalar(select(OutboxRow.payload).where(OutboxRow.kind == "leaderboard"))
            outbox = conn.scalar(select(func.count()).select_from(OutboxRow))
        if outbox != 1 or payload is None:
            problems.append(f"the outbox has {outbox} rows, 1 board expected")
        board = "" if payload is None else Message.from_dict(payload).plain_text()
        clock.advance_to(FRIDAY)
        app = FollowThrough(db.uow, clock)
        _, user_id, name = loaded.busiest
        who = Identity("slack", "T-BENCH-BOARD", user_id, name)
        reads: dict[str, float] = {}
        for command, text in READS:
            text = text.format(lead=f"#{loaded.lead_number}")
            answer = app.conversation.handle(who, command, text)
            if answer.kind is MessageKind.ERROR:
                problems.append(f"{command} {text}: {answer.text[:200]}")
            reads[f"{command} {text}"] = median_seconds(
                functools.partial(app.conversation.handle, who, command, text), runs
            )
    finally:
        engine.dispose()
    return Result(database, post_seconds, reads, board, problems)


def report(result: Result, loaded: Loaded, runs: int) -> None:
    lines = result.board.splitlines()
    shown = [*lines[:4], "...", *lines[-1:]] if len(lines) > 6 else lines
    print(f"{result.database}: the board posted:")
    print("\n".join(f"    {line}" for line in shown))
    print(
        f"{result.database}: post_weekly_boards {result.post_seconds * 1000:.0f} ms cold"
        f" ({loaded.members:,} members, {loaded.last_week:,} events last week)"
    )
    for command, seconds in result.reads.items():
        print(f"{result.database}: {command:<20} {seconds * 1000:6.1f} ms (median of {runs})")
    for problem in result.problems:
        print(f"{result.database}: WARNING {problem}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.weekly_board",
        description="Time every read command and the Monday board of one big group.",
    )
    parser.add_argument("--members", type=int, default=5_000, help="members (default 5000)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--leads-per-week",
        type=float,
        default=1.5,
        help="new leads a member starts per week, each with its own story (default 1.5)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="runs per command (default 5)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the post")
    args = parser.parse_args(argv)
    if args.members < 1 or args.leads_per_week <= 0 or args.runs < 1:
        parser.error("--members, --runs must be at least 1 and --leads-per-week positive")

    print(
        f"Reads and the Monday board of {BOARD_DAY:%a %Y-%m-%d} 08:00 {GROUP_TZ} for one group"
        f" of {args.members:,} members, each with a year of history"
        f" ({args.leads_per_week:g} new leads a week). Python {sys.version.split()[0]},"
        f" {os.cpu_count()} CPUs.",
        flush=True,
    )
    results: list[Result] = []
    group = loaded_group(args.database, args.members, args.seed, args.leads_per_week, PG_SCHEMA)
    with group as (urls, loaded):
        if loaded is None:
            return 0
        print(
            f"loaded {loaded.members:,} members, {loaded.leads:,} leads,"
            f" {loaded.events:,} events and {loaded.tallies:,} tally rows into"
            f" {' and '.join(urls)} in {loaded.seconds:.0f} s; reads as the member with"
            f" the most leads ({loaded.busiest[0]}), `/lead show #{loaded.lead_number}`",
            flush=True,
        )
        for database, url in urls.items():
            result = measure(database, url, loaded, args.runs, args.profile)
            report(result, loaded, args.runs)
            results.append(result)
    print()
    for r in results:
        slow = [c for c, s in r.reads.items() if s >= READ_TARGET]
        verdict = "met" if r.post_seconds < POST_TARGET and not slow else "MISSED"
        print(
            f"{r.database}: Monday post {r.post_seconds * 1000:.0f} ms (target"
            f" < {POST_TARGET * 1000:.0f}), slowest read {max(r.reads.values()) * 1000:.0f} ms"
            f" (target < {READ_TARGET * 1000:.0f} each): {verdict}"
        )
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

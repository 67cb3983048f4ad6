"""Benchmark: post a big group's Monday board (`boards.post_weekly_boards`).

    .venv/bin/python -m benchmarks.weekly_board [--members 5000]
        [--database sqlite|postgresql|both] [--leads-per-week 1.5] [--seed 1] [--repeat 3]
        [--profile]

For each database it loads, through the real migrations, one group (New York, US
holidays) of `--members` members with a year of history each: leads started on about
`--leads-per-week` business days a week, each one walked through the playbook with the
domain's own `apply` (emails, follow-ups, calls, replies, interviews, rejections and their
calls, referrals that start child leads, a few offers, a few duplicate logs), so that
stages, streaks and the events' `stage_after` are what the services would have written.
Members live in New York, Chicago, London or Berlin with their countries' holidays; a few
are off the board or paused. Rows go in with SQLAlchemy Core executemany.

Then, with the clock at Monday 2026-03-16 08:00 New York, it times, each in a unit of
work of `core.storage.database.Database`:
  - `post_weekly_boards` on a fresh engine, as a restarted bot would (the target: under
    2 s), which writes last week's board to the outbox; then again warm, rolled back,
    the best of `--repeat` runs;
  - `board(..., "week")` and `board(..., "month")` on Friday: what `/leaderboard` answers.

SQLite: a file in a temporary directory. PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/test, in a schema of its own (`bench_board`,
dropped afterwards) so that it never touches the tests' or another benchmark's tables;
the tables are ANALYZEd after loading, as autovacuum would on a live database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from core.domain.calendar import BusinessCalendar
from core.domain.leads import Action, Lead, Stage, apply
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.scoring import BOOKKEEPING, Streak
from core.services import boards
from core.services.ports import SimulatedClock
from core.storage.database import Database, make_engine, upgrade
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow

GROUP_TZ, GROUP_COUNTRY = "America/New_York", "US"
BOARD_DAY = date(2026, 3, 16)  # a Monday; last week is Mon 9 - Sun 15 March 2026
MORNING = clock_time(8, 0)
NOW = BusinessCalendar.of(GROUP_TZ, GROUP_COUNTRY).at(BOARD_DAY, MORNING)
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
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "bench_board"
TARGET_SECONDS = 2.0  # for 5,000 members with a year of events each

FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell")

MEMBER_COLUMNS = tuple(f.name for f in fields(Member))
LEAD_COLUMNS = tuple(f.name for f in fields(Lead))


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
            contact=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
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
        f"{rng.choice(FIRST)} {rng.choice(LAST)} {index}",
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
    return History(member, search.leads, events)


# -- loading ------------------------------------------------------------------------------


@dataclass
class Loaded:
    members: int = 0
    leads: int = 0
    events: int = 0
    last_week: int = 0
    seconds: float = 0.0


def group_row(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "platform": group.platform,
        "external_id": group.external_id,
        "tz": group.tz,
        "country": group.country,
        "morning": group.morning,
        "channel": group.channel,
        "settings": {**group.settings.to_dict(), "points": dict(group.points)},
        "next_board_at": group.next_board_at,
        "created_at": datetime(2025, 1, 6, 14, 0, tzinfo=UTC),
    }


def load(engines: list[Engine], members: int, seed: int, per_week: float) -> Loaded:
    """Migrate each database, then insert the same group, members, leads and events into
    all of them with executemany (the history is generated once, chunk by chunk)."""
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
    with ExitStack() as stack:
        conns = [stack.enter_context(engine.begin()) for engine in engines]
        for conn in conns:
            conn.execute(insert(GroupRow.__table__), [group_row(group)])
        next_lead_id = 1
        for first in range(0, members, CHUNK):
            member_rows: list[dict[str, Any]] = []
            lead_rows: list[dict[str, Any]] = []
            event_rows: list[dict[str, Any]] = []
            for index in range(first, min(first + CHUNK, members)):
                made = make_member(group, index, seed, next_lead_id, per_week)
                next_lead_id += len(made.leads)
                row = {name: getattr(made.member, name) for name in MEMBER_COLUMNS}
                row["created_at"] = datetime.combine(FIRST_DAY, clock_time(12), tzinfo=UTC)
                member_rows.append(row)
                for lead in made.leads:
                    row = {name: getattr(lead, name) for name in LEAD_COLUMNS}
                    row["stage"] = lead.stage.value
                    lead_rows.append(row)
                event_rows += made.events
                loaded.last_week += sum(week_start <= e["at"] < NOW for e in made.events)
            for conn in conns:
                conn.execute(insert(MemberRow.__table__), member_rows)
                # A referral's parent is an earlier lead of the member: inserted first.
                conn.execute(insert(LeadRow.__table__), lead_rows)
                conn.execute(insert(EventRow.__table__), event_rows)
            loaded.leads += len(lead_rows)
            loaded.events += len(event_rows)
            print(
                f"\r  loading: {min(first + CHUNK, members):,}/{members:,} members,"
                f" {loaded.leads:,} leads, {loaded.events:,} events"
                f" ({time.perf_counter() - start:.0f} s)",
                end="",
                flush=True,
            )
        print(flush=True)
        for conn in conns:
            if conn.dialect.name == "postgresql":
                for table in ("groups", "members", "leads"):  # ids were given explicitly
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    conn.execute(text(f"SELECT setval({sequence}, max(id)) FROM {table}"))
    for engine in engines:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
    loaded.seconds = time.perf_counter() - start
    return loaded


# -- timing -------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    post_seconds: float
    again_seconds: float
    week_seconds: float
    month_seconds: float
    board: str
    problems: list[str]


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def measure(database: str, url: str, repeat: int, profile: bool = False) -> Result:
    """Time the Monday board, cold (a fresh engine, as a restarted bot) then warm (the
    best of `repeat` runs, rolled back), and the on-demand boards."""
    engine = make_engine(url)
    db = Database(engine, SimulatedClock(NOW))
    problems: list[str] = []
    try:
        with db.uow() as uow:
            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()
            post_seconds, written = timed(lambda: boards.post_weekly_boards(uow, NOW))
            if profiler is not None:
                profiler.disable()
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).strip_dirs()
                stats.sort_stats("cumulative").print_stats(25)
                print(f"--- {database}: profile of post_weekly_boards ---{out.getvalue()}")
            uow.commit()
        if written != 1:
            problems.append(f"post_weekly_boards wrote {written} messages, 1 expected")
        with engine.connect() as conn:
            payload = conn.scalar(select(OutboxRow.payload).where(OutboxRow.kind == "leaderboard"))
            outbox = conn.scalar(select(func.count()).select_from(OutboxRow))
        if outbox != 1 or payload is None:
            problems.append(f"the outbox has {outbox} rows, 1 board expected")
        board = "" if payload is None else Message.from_dict(payload).plain_text()
        again_seconds = float("inf")
        for _ in range(repeat):
            with db.uow() as uow:
                # The same Monday again, warm (rolled back: the board was already written).
                group = uow.groups.by_id(1)
                group.next_board_at = NOW
                uow.groups.save(group)
                seconds, _ = timed(lambda: boards.post_weekly_boards(uow, NOW))
                again_seconds = min(again_seconds, seconds)
        with db.uow() as uow:
            group = uow.groups.by_id(1)
            friday = NOW + timedelta(days=4)  # `/leaderboard` on Friday: the week so far
            week_seconds, _ = timed(lambda: boards.board(uow, group, "week", friday))
            month_seconds, _ = timed(lambda: boards.board(uow, group, "month", friday))
    finally:
        engine.dispose()
    return Result(
        database, post_seconds, again_seconds, week_seconds, month_seconds, board, problems
    )


def report(result: Result, loaded: Loaded, repeat: int) -> None:
    lines = result.board.splitlines()
    shown = [*lines[:4], "...", *lines[-1:]] if len(lines) > 6 else lines
    print(f"{result.database}: the board posted:")
    print("\n".join(f"    {line}" for line in shown))
    print(
        f"{result.database}: post_weekly_boards {result.post_seconds:.2f} s cold,"
        f" {result.again_seconds:.2f} s warm (best of {repeat}; {loaded.members:,} members,"
        f" {loaded.last_week:,} events last week); /leaderboard week"
        f" {result.week_seconds:.2f} s, month {result.month_seconds:.2f} s",
        flush=True,
    )
    for problem in result.problems:
        print(f"{result.database}: WARNING {problem}", flush=True)


# -- databases ----------------------------------------------------------------------------


def postgresql_url() -> tuple[str | None, Engine | None]:
    """The benchmark's PostgreSQL URL (search_path: its own schema, freshly created) and an
    admin engine to drop the schema afterwards; (None, None) if unreachable."""
    base = make_url(os.environ.get("FOLLOWTHROUGH_TEST_DATABASE_URL") or PG_DEFAULT)
    shown = base.render_as_string(hide_password=True)
    admin = create_engine(base.update_query_dict({"connect_timeout": "5"}))
    try:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    except SQLAlchemyError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        print(f"postgresql: skipped: unreachable ({shown}): {reason}", flush=True)
        admin.dispose()
        return None, None
    print(f"postgresql: {shown}, schema {PG_SCHEMA}", flush=True)
    url = base.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return url.render_as_string(hide_password=False), admin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.weekly_board",
        description="Time the Monday board of one big group (post_weekly_boards).",
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
    parser.add_argument(
        "--repeat", type=int, default=3, help="warm runs, the best is shown (default 3)"
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the post")
    args = parser.parse_args(argv)
    if args.members < 1 or args.leads_per_week <= 0 or args.repeat < 1:
        parser.error("--members, --repeat must be at least 1 and --leads-per-week positive")

    print(
        f"The Monday board of {BOARD_DAY:%a %Y-%m-%d} 08:00 {GROUP_TZ} for one group of"
        f" {args.members:,} members, each with a year of history"
        f" ({args.leads_per_week:g} new leads a week). Python {sys.version.split()[0]},"
        f" {os.cpu_count()} CPUs.",
        flush=True,
    )
    urls: dict[str, str] = {}
    admin: Engine | None = None
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="followthrough-board-") as tmp:
        if args.database in ("sqlite", "both"):
            urls["sqlite"] = f"sqlite:///{Path(tmp) / 'board.db'}"
        if args.database in ("postgresql", "both"):
            url, admin = postgresql_url()
            if url is not None:
                urls["postgresql"] = url
        try:
            if not urls:
                return 0
            engines = [make_engine(url) for url in urls.values()]
            try:
                loaded = load(engines, args.members, args.seed, args.leads_per_week)
            finally:
                for engine in engines:
                    engine.dispose()
            print(
                f"loaded {loaded.members:,} members, {loaded.leads:,} leads and"
                f" {loaded.events:,} events into {' and '.join(urls)} in {loaded.seconds:.0f} s",
                flush=True,
            )
            for database, url in urls.items():
                result = measure(database, url, args.repeat, args.profile)
                report(result, loaded, args.repeat)
                results.append(result)
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
                admin.dispose()
    print()
    for r in results:
        verdict = "met" if r.post_seconds < TARGET_SECONDS else "MISSED"
        print(
            f"{r.database}: post_weekly_boards for {args.members:,} members took"
            f" {r.post_seconds:.2f} s (warm {r.again_seconds:.2f} s);"
            f" target < {TARGET_SECONDS:.0f} s: {verdict}"
        )
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: plan the mornings of many members at once (`Planner.plan`).

    .venv/bin/python -m benchmarks.plan_mornings [--members 10000] [--leads 20]
        [--wide 100] [--database sqlite|postgresql|both] [--seed 1] [--profile]

For each database it loads, through the real migrations, one group and `--members`
members whose next morning is Tuesday 2026-03-03 08:00 in their own zone (London,
Dublin, Lisbon, Berlin, Paris, Lagos: all within the two-hour catch-up window), each
with `--leads` leads in realistic stages and dates. About 15% of the leads are due on
that morning; `due_on`, `active_leads`, `offer_since` and `next_morning_at` are computed
by the domain (`planning.refresh`, `planning.schedule`) exactly as the services keep them.
Then a SimulatedClock is set just after the last of those mornings and `plan()` is timed.

A second scenario ("wide") loads the same members with the same due leads plus idle
ones, `--wide` leads each in all (default 5x `--leads`; 0 skips it): planning should cost
about the same, since it reads only the leads that are due, not the whole table. Each
scenario is generated once (seeded, so the same on every run) and loaded into every
database, each time into fresh tables.

Planning runs in a freshly spawned process (built by `bots.bootstrap.build`, as the bot
builds itself), so that its peak RSS is its own and not the loader's.

SQLite: a file in a temporary directory. PostgreSQL: FOLLOWTHROUGH_TEST_DATABASE_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/test, in a schema of its own
(`followthrough_bench`, dropped afterwards) so that it never touches the tests' tables;
after loading, VACUUM ANALYZE and a CHECKPOINT bring it to a live database's state.
If PostgreSQL is unreachable, its runs print "skipped: unreachable" and SQLite's go on.

The exit status is 1 if planning left something unexpected (members still due, or not
the digests the generator counted), else 0: missing the time target is only reported.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from benchmarks.common import (
    COMPANIES,
    PostgresSchema,
    fix_sequences,
    lead_row,
    member_row,
    person,
    settle,
)
from bots.bootstrap import build
from bots.settings import Settings
from core.domain.calendar import BusinessCalendar
from core.domain.leads import VIA, Lead, Stage
from core.domain.members import Group, Member
from core.domain.planning import refresh, schedule
from core.domain.rules import Context, Rule, due_on, pipeline_due
from core.services.ports import SimulatedClock
from core.storage.database import make_engine, upgrade
from core.storage.repositories import SqlGroups
from core.storage.tables import Base, MemberRow, OutboxRow

DAY = date(2026, 3, 3)  # the planned morning: a Tuesday, no public holiday in ZONES
GROUP_TZ, GROUP_COUNTRY = "Europe/London", "GB"
MORNING = clock_time(8, 0)
EARLY = clock_time(7, 30)  # a few members want their digest earlier
# (zone, country, weight); None: the group's. All mornings fall 06:30-08:00 UTC.
ZONES: list[tuple[str | None, str | None, int]] = [
    (None, None, 40),
    ("Europe/Dublin", "IE", 10),
    ("Europe/Lisbon", "PT", 10),
    ("Europe/Berlin", "DE", 20),
    ("Europe/Paris", "FR", 10),
    ("Africa/Lagos", "NG", 10),
]
# Planning runs just after the last morning (08:00 London); the earliest (07:30 Berlin,
# 06:30 UTC) is then 1 h 31 late, inside the default two-hour catch-up.
NOW = datetime(2026, 3, 3, 8, 1, tzinfo=UTC)
DUE_SHARE = 0.15  # mean share of a member's `--leads` leads that are due on DAY
PAUSED_SHARE, EARLY_SHARE, OFFER_SHARE = 0.02, 0.05, 0.04
CHUNK = 500  # members generated and inserted per executemany
PG_SCHEMA = "followthrough_bench"
TARGET_SECONDS = 1.0  # issue 23: 10,000 members x 20 leads in under a second

ROLES = (None, "Engineer", "Senior Engineer", "Data Analyst", "Product Manager", "Designer")

# What a due lead is (weights), and what an idle (not due on DAY) one is.
DUE_KINDS = {
    "emailed": 30,
    "followed_up": 10,
    "called": 8,
    "talking": 15,
    "interviewed": 12,
    "rejected": 8,
    "network": 9,
    "referral": 8,
}
IDLE_KINDS = {
    "emailed": 14,
    "called": 4,
    "talking": 14,
    "interviewed": 10,
    "closed": 30,
    "network": 10,
    "new": 8,
    "snoozed": 6,
    "asked": 4,
}

# The domain fields that are columns (as the repositories copy them); ids are given here.
MEMBERS, LEADS = Base.metadata.tables["members"], Base.metadata.tables["leads"]
MEMBER_COLUMNS = tuple(f.name for f in fields(Member) if f.name in MEMBERS.c)
LEAD_COLUMNS = tuple(f.name for f in fields(Lead) if f.name in LEADS.c)


# -- data ---------------------------------------------------------------------------------


@dataclass
class Draw:
    """Random dates and names for one member's leads, in the member's own calendar."""

    rng: random.Random
    cal: BusinessCalendar
    member_id: int

    def at(self, day: date) -> datetime:
        """A working-hours instant (UTC) of `day` in the member's zone."""
        return self.cal.at(day, clock_time(self.rng.randint(9, 17), self.rng.randrange(60)))

    def days_ago(self, lo: int, hi: int) -> date:
        return DAY - timedelta(days=self.rng.randint(lo, hi))

    def business_days_ago(self, n: int) -> date:
        day = DAY
        while n > 0:
            day -= timedelta(days=1)
            if self.cal.is_business_day(day):
                n -= 1
        return day

    def before(self, instant: datetime, max_days: int) -> datetime:
        return instant - timedelta(
            days=self.rng.randint(0, max_days), minutes=self.rng.randint(1, 600)
        )

    def lead(self, number: int) -> Lead:
        rng = self.rng
        return Lead(
            member_id=self.member_id,
            number=number,
            contact=person(rng),
            company=rng.choice(COMPANIES),
            created_at=NOW,  # set by the kind
            role=rng.choice(ROLES),
            via=rng.choice(VIA),
        )


def _staged(lead: Lead, stage: Stage, since: datetime, draw: Draw, *, touch: bool = True) -> Lead:
    lead.stage, lead.stage_since = stage, since
    lead.last_touch_at = since if touch else None
    lead.created_at = draw.before(since, 20)
    return lead


def _nudged(lead: Lead, rule: Rule, mornings: int, draw: Draw) -> None:
    """The lead was already nudged with `rule` on the last `mornings` mornings."""
    if mornings > 0:
        lead.nudge_rule, lead.nudge_count = rule.value, min(mornings, 3)
        lead.nudged_on = draw.business_days_ago(1)


def make_lead(draw: Draw, number: int, kind: str, due: bool, referrers: list[int]) -> Lead:
    """A lead of `kind` meant to be due on DAY (`due`) or not; the caller checks."""
    rng, lead = draw.rng, draw.lead(number)
    match kind, due:
        case "emailed", True:
            k = rng.randint(3, 6)  # follow-up due 3 business days after the email
            _staged(lead, Stage.EMAILED, draw.at(draw.business_days_ago(k)), draw)
            _nudged(lead, Rule.EMAIL_FOLLOW_UP, k - 3, draw)
        case "followed_up", True:
            k = rng.randint(3, 5)
            _staged(lead, Stage.FOLLOWED_UP, draw.at(draw.business_days_ago(k)), draw)
            _nudged(lead, Rule.CALL_AFTER_FOLLOW_UP, k - 3, draw)
        case "called", True:
            _staged(lead, Stage.CALLED, draw.at(draw.business_days_ago(rng.randint(5, 7))), draw)
            lead.calls = rng.randint(1, 2)
        case "talking" | "interviewed", True:
            stage = Stage.TALKING if kind == "talking" else Stage.INTERVIEWED
            touched = draw.at(draw.days_ago(14, 20))  # 14 days of silence
            _staged(lead, stage, draw.before(touched, 10), draw)
            lead.last_touch_at = touched
        case "rejected", True:
            _staged(lead, Stage.REJECTED, draw.at(draw.business_days_ago(rng.randint(1, 2))), draw)
        case "network", True:
            _staged(lead, Stage.CLOSED, draw.at(draw.days_ago(30, 45)), draw)  # keep in touch
            lead.network = True
        case "referral", True if referrers:
            lead.parent_id = rng.choice(referrers)
            lead.created_at = draw.at(draw.business_days_ago(rng.randint(1, 3)))
        case _, True:
            return make_lead(draw, number, "emailed", True, referrers)
        case "emailed", False:
            _staged(lead, Stage.EMAILED, draw.at(draw.business_days_ago(rng.randint(1, 2))), draw)
        case "called", False:
            _staged(lead, Stage.CALLED, draw.at(draw.business_days_ago(rng.randint(1, 4))), draw)
            lead.calls = 1
        case "talking" | "interviewed", False:
            stage = Stage.TALKING if kind == "talking" else Stage.INTERVIEWED
            touched = draw.at(draw.days_ago(1, 12))
            _staged(lead, stage, draw.before(touched, 10), draw)
            lead.last_touch_at = touched
        case "closed", False:  # dropped, declined, accepted elsewhere
            _staged(lead, Stage.CLOSED, draw.at(draw.days_ago(5, 120)), draw)
        case "network", False:
            _staged(lead, Stage.CLOSED, draw.at(draw.days_ago(1, 28)), draw)
            lead.network = True
        case "new", False:
            lead.created_at = draw.at(draw.days_ago(1, 6))
        case "snoozed", False:
            _staged(lead, Stage.EMAILED, draw.at(draw.business_days_ago(rng.randint(4, 10))), draw)
            lead.snoozed_until = DAY + timedelta(days=rng.randint(2, 10))
        case "asked", False:  # "still pursuing?" was asked and not answered
            k = rng.randint(8, 15)
            _staged(lead, Stage.EMAILED, draw.at(draw.business_days_ago(k)), draw)
            _nudged(lead, Rule.EMAIL_FOLLOW_UP, 3, draw)
            lead.nudge_asked = True
        case _:
            raise ValueError(f"no {kind!r} lead (due={due})")
    return lead


def _pick(rng: random.Random, kinds: dict[str, int]) -> str:
    return rng.choices(list(kinds), weights=list(kinds.values()))[0]


def draw_lead(
    draw: Draw, number: int, due: bool, ctx: Context, referrers: list[int], first_id: int
) -> Lead:
    """A lead that is (or is not) due on DAY for this member's context: redrawn until so."""
    for _ in range(100):
        lead = make_lead(
            draw, number, _pick(draw.rng, DUE_KINDS if due else IDLE_KINDS), due, referrers
        )
        day = due_on(lead, ctx)
        if (day is not None and day <= DAY) is due:
            lead.id = first_id + number - 1
            if lead.network:
                referrers.append(lead.id)
            return lead
    raise RuntimeError(f"could not draw a {'due' if due else 'idle'} lead")


@dataclass
class Generated:
    member: Member
    leads: list[Lead]
    due: int
    digest_expected: bool


def make_member(
    group: Group, index: int, base: int, wide: int, seed: int, first_id: int
) -> Generated:
    """Member `index` (id index + 1) with `base` leads, then idle ones up to `wide`.

    The first `base` leads are the same whatever `wide` is: the wide scenario adds
    idle leads only, so both scenarios have the same leads due.
    """
    assert group.id is not None
    rng = random.Random(f"{seed}:{index}")
    tz, country, _ = rng.choices(ZONES, weights=[w for *_, w in ZONES])[0]
    member = Member(
        group.id,
        f"U{index:06d}",
        person(rng),
        tz=tz,
        country=country,
        nudge_time=EARLY if rng.random() < EARLY_SHARE else None,
        paused=rng.random() < PAUSED_SHARE,
        share_companies=rng.random() < 0.3,
        id=index + 1,
    )
    cal = member.calendar(group)
    draw = Draw(rng, cal, index + 1)
    member.last_planned_on = draw.business_days_ago(1)  # yesterday's digest was planned
    if rng.random() < 0.5:
        member.last_pipeline_on = draw.days_ago(1, 20)
    if member.paused:
        member.paused_on = draw.days_ago(1, 20)
    n_due = min(base, rng.randint(0, round(2 * DUE_SHARE * base)))
    offer = rng.random() < OFFER_SHARE and base - n_due > 0
    offer_at = draw.at(draw.days_ago(1, 6)) if offer else None
    ctx = Context(cal, group.settings, offer_at)
    wanted = [True] * n_due + [False] * (base - n_due)
    rng.shuffle(wanted)
    offer_number = rng.choice([n for n, due in enumerate(wanted, 1) if not due]) if offer else 0
    leads: list[Lead] = []
    referrers: list[int] = []
    for number, due in enumerate(wanted, 1):
        if number == offer_number and offer_at is not None:
            lead = _staged(draw.lead(number), Stage.OFFER, offer_at, draw)
            lead.id = first_id + number - 1
            leads.append(lead)
        else:
            leads.append(draw_lead(draw, number, due, ctx, referrers, first_id))
    idle = Draw(random.Random(f"{seed}:{index}:wide"), cal, index + 1)
    for number in range(base + 1, wide + 1):
        leads.append(draw_lead(idle, number, False, ctx, referrers, first_id))
    member.next_lead_number = len(leads) + 1

    refresh(member, group, leads)  # due_on, active_leads, offer_since: as the services do
    schedule(member, group, cal.at(DAY, clock_time(0, 0)))  # the night before: next is DAY
    assert member.next_morning_at == cal.at(DAY, member.morning(group)), member
    assert member.offer_since == offer_at
    due_count = sum(lead.due_on is not None and lead.due_on <= DAY for lead in leads)
    assert due_count == n_due, (member, due_count, n_due)
    expected = not member.paused and (due_count > 0 or pipeline_due(member, group.settings, DAY))
    return Generated(member, leads, due_count, expected)


@dataclass
class Loaded:
    members: int = 0
    leads: int = 0
    due: int = 0
    digests_expected: int = 0
    generate_seconds: float = 0.0


CREATED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def add_group(engine: Engine) -> Group:
    """The one group, written by the app's own repository."""
    group = Group("slack", "T-BENCH", tz=GROUP_TZ, country=GROUP_COUNTRY, channel="C-BENCH")
    group.schedule_board(NOW)  # next Monday's: not due this Tuesday
    with Session(engine) as session:
        group = SqlGroups(session, CREATED).add(group)
        session.commit()
    return group


def generate(
    group: Group, members: int, base: int, wide: int, seed: int, totals: Loaded
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Member and lead rows, CHUNK members at a time; `totals` counts what was made."""
    next_lead_id = 1
    for first in range(0, members, CHUNK):
        start = time.perf_counter()
        member_rows: list[dict[str, Any]] = []
        lead_rows: list[dict[str, Any]] = []
        for index in range(first, min(first + CHUNK, members)):
            made = make_member(group, index, base, wide, seed, next_lead_id)
            next_lead_id += len(made.leads)
            member_rows.append(member_row(made.member, CREATED))
            lead_rows += [lead_row(lead) for lead in made.leads]
            totals.members += 1
            totals.leads += len(made.leads)
            totals.due += made.due
            totals.digests_expected += made.digest_expected
        totals.generate_seconds += time.perf_counter() - start
        yield member_rows, lead_rows


def load(
    engines: dict[str, Engine], members: int, base: int, wide: int, seed: int
) -> tuple[Loaded, dict[str, float]]:
    """Migrate each database, then insert the same group, members and leads into each
    (SQLAlchemy Core insert, executemany, one transaction). Returns the totals and the
    seconds each database took (migration, inserts, and PostgreSQL's VACUUM ANALYZE)."""
    seconds = dict.fromkeys(engines, 0.0)
    groups: dict[str, Group] = {}
    for name, engine in engines.items():
        start = time.perf_counter()
        upgrade(engine)
        groups[name] = add_group(engine)
        seconds[name] += time.perf_counter() - start
    group = next(iter(groups.values()))
    assert all(g.id == group.id for g in groups.values())
    totals = Loaded()
    with ExitStack() as stack:
        conns = {name: stack.enter_context(engine.begin()) for name, engine in engines.items()}
        for member_rows, lead_rows in generate(group, members, base, wide, seed, totals):
            for name, conn in conns.items():
                start = time.perf_counter()
                conn.execute(insert(MEMBERS), member_rows)
                conn.execute(insert(LEADS), lead_rows)
                seconds[name] += time.perf_counter() - start
        for name, conn in conns.items():
            start = time.perf_counter()
            fix_sequences(conn, ("members", "leads"))  # the ids were given explicitly
            seconds[name] += time.perf_counter() - start
    for name, engine in engines.items():
        if engine.dialect.name == "postgresql":
            start = time.perf_counter()
            settle(engine, ("groups", "members", "leads", "outbox"))
            seconds[name] += time.perf_counter() - start
    return totals, seconds


# -- planning (in a spawned process) ------------------------------------------------------


def plan_in_child(url: str, now: datetime, profile: bool) -> dict[str, Any]:
    """Build the app as the bot does and time one `plan()`; runs in a fresh process."""
    clock = SimulatedClock(now)
    app = build(Settings(database_url=url), clock, migrate=False).app
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    start = time.perf_counter()
    written = app.planner.plan()
    seconds = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
        for key, limit in (("tottime", 25), ("cumulative", 30)):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(limit)
            print(f"\n--- profile of plan(), by {key} ---{out.getvalue()}", flush=True)
    return {"written": written, "seconds": seconds, "peak_mib": peak_rss_mib()}


def peak_rss_mib() -> float:
    """This process's peak RSS. Linux's VmHWM is the address space's own: ru_maxrss is
    carried over from the parent through fork and exec, so it would report the loader's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def plan_timed(url: str, profile: bool) -> dict[str, Any]:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        result: dict[str, Any] = pool.submit(plan_in_child, url, NOW, profile).result()
        return result


# -- databases ----------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    scenario: str
    per_member: int
    loaded: Loaded
    load_seconds: float
    written: int
    seconds: float
    peak_mib: float
    problems: list[str]

    @property
    def members_per_second(self) -> float:
        return self.loaded.members / self.seconds

    @property
    def leads_per_second(self) -> float:
        return self.loaded.leads / self.seconds


def check(engine: Engine, loaded: Loaded, written: int) -> list[str]:
    """What planning should have left behind."""
    problems = []
    with engine.connect() as conn:
        left = conn.scalar(select(func.count()).where(MemberRow.next_morning_at <= NOW))
        outbox = conn.scalar(select(func.count()).select_from(OutboxRow))
    if left:
        problems.append(f"{left} members still due after plan()")
    if outbox != written:
        problems.append(f"outbox has {outbox} rows, plan() said {written}")
    if written != loaded.digests_expected:
        problems.append(f"{written} digests, {loaded.digests_expected} expected")
    return problems


class Databases:
    """The databases to run on; each scenario gets fresh, empty ones."""

    def __init__(self, which: str, tmp: Path) -> None:
        self.tmp = tmp
        self.names: list[str] = []
        self._schema: PostgresSchema | None = None
        if which in ("sqlite", "both"):
            print(f"sqlite: a file in {tmp}", flush=True)
            self.names.append("sqlite")
        if which in ("postgresql", "both"):
            self._schema = PostgresSchema.connect(PG_SCHEMA)
            if self._schema is not None:
                self.names.append("postgresql")

    def fresh(self, scenario: str) -> dict[str, tuple[str, Engine]]:
        """An empty database per name for `scenario`: (url, engine)."""
        made = {}
        for name in self.names:
            if name == "sqlite":
                url = f"sqlite:///{self.tmp / f'{scenario}.db'}"
            else:
                assert self._schema is not None
                url = self._schema.reset()
            made[name] = (url, make_engine(url))
        return made

    def close(self) -> None:
        if self._schema is not None:
            self._schema.close()


def run_scenario(
    databases: Databases, name: str, per_member: int, args: argparse.Namespace
) -> list[Result]:
    fresh = databases.fresh(name)
    engines = {db: engine for db, (_, engine) in fresh.items()}
    try:
        loaded, load_seconds = load(engines, args.members, args.leads, per_member, args.seed)
        inserts = ", ".join(f"{db} {s:.1f} s" for db, s in load_seconds.items())
        print(
            f"{name}: {loaded.members:,} members x {per_member} leads = {loaded.leads:,} leads,"
            f" {loaded.due:,} due; generated in {loaded.generate_seconds:.1f} s,"
            f" loaded in {inserts}",
            flush=True,
        )
        results = []
        for db, (url, engine) in fresh.items():
            timed = plan_timed(url, args.profile)
            result = Result(
                db,
                name,
                per_member,
                loaded,
                load_seconds[db],
                timed["written"],
                timed["seconds"],
                timed["peak_mib"],
                check(engine, loaded, timed["written"]),
            )
            print(
                f"{name} on {db}: planned {loaded.members:,} mornings ({loaded.due:,} leads due),"
                f" {result.written:,} digests in {result.seconds:.2f} s"
                f" = {result.members_per_second:,.0f} members/s,"
                f" {result.leads_per_second:,.0f} leads/s; peak RSS {result.peak_mib:.0f} MiB",
                flush=True,
            )
            for problem in result.problems:
                print(f"{name} on {db}: WARNING {problem}", flush=True)
            results.append(result)
        return results
    finally:
        for engine in engines.values():
            engine.dispose()


def scenario_names(base: int, wide: int) -> Iterator[tuple[str, int]]:
    yield "base", base
    if wide > base:
        yield "wide", wide


def table(results: list[Result]) -> str:
    head = (
        "database", "scenario", "members", "leads/mbr", "leads", "due", "digests",
        "plan s", "members/s", "leads/s", "peak MiB", "load s",
    )  # fmt: skip
    rows = [head] + [
        (
            r.database,
            r.scenario,
            f"{r.loaded.members:,}",
            str(r.per_member),
            f"{r.loaded.leads:,}",
            f"{r.loaded.due:,}",
            f"{r.written:,}",
            f"{r.seconds:.2f}",
            f"{r.members_per_second:,.0f}",
            f"{r.leads_per_second:,.0f}",
            f"{r.peak_mib:.0f}",
            f"{r.load_seconds:.1f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            cell.rjust(w) if i > 1 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(results: list[Result], args: argparse.Namespace) -> list[str]:
    lines = []
    for database in dict.fromkeys(r.database for r in results):
        by = {r.scenario: r for r in results if r.database == database}
        if "base" in by and "wide" in by:
            base, wide = by["base"], by["wide"]
            lines.append(
                f"{database}: {wide.per_member} vs {base.per_member} leads per member"
                f" ({wide.loaded.leads / base.loaded.leads:.1f}x the table,"
                f" same {base.loaded.due:,} due):"
                f" planning took {wide.seconds / base.seconds:.2f}x as long"
            )
        if "base" in by and args.members >= 10_000 and args.leads >= 20:
            verdict = "met" if by["base"].seconds < TARGET_SECONDS else "MISSED"
            lines.append(
                f"{database}: target {args.members:,} members x {args.leads} leads in"
                f" < {TARGET_SECONDS:.0f} s: {verdict} ({by['base'].seconds:.2f} s)"
            )
        if any(r.problems for r in by.values()):
            lines.append(f"{database}: WARNING planning left something unexpected (see above)")
    return lines


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.plan_mornings",
        description="Time Planner.plan() over many members' mornings.",
    )
    parser.add_argument("--members", type=int, default=10_000, help="members (default 10000)")
    parser.add_argument("--leads", type=int, default=20, help="leads per member (default 20)")
    parser.add_argument(
        "--wide",
        type=int,
        help="leads per member of the second scenario, same leads due (default 5x --leads;"
        " 0 skips it)",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of plan()")
    args = parser.parse_args(argv)
    if args.wide is None:
        args.wide = 5 * args.leads
    if args.members < 1 or args.leads < 1:
        parser.error("--members and --leads must be at least 1")

    print(
        f"Planning the morning of {DAY:%a %Y-%m-%d} (clock at {NOW:%H:%M} UTC) for"
        f" {args.members:,} members: {args.leads} leads each"
        + (f", then {args.wide} each with the same leads due" if args.wide > args.leads else "")
        + f". Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {load_average()}.",
        flush=True,
    )
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="followthrough-bench-") as tmp:
        databases = Databases(args.database, Path(tmp))
        try:
            for name, per_member in scenario_names(args.leads, args.wide):
                if databases.names:
                    results += run_scenario(databases, name, per_member, args)
        finally:
            databases.close()
    if results:
        order = {name: i for i, name in enumerate(dict.fromkeys(r.database for r in results))}
        print("\n" + table(sorted(results, key=lambda r: order[r.database])))
        for line in summary(results, args):
            print(line)
        print(f"Machine {load_average()} at the end (other work on it skews the timings).")
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

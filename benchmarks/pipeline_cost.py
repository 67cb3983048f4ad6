"""Benchmark: whether one command costs more for a member with a longer pipeline.

    .venv/bin/python -m benchmarks.pipeline_cost [--sizes 10,100,1000,2000] [--runs 5]
        [--database sqlite|postgresql|both] [--profile]

The core without an adapter: `Conversation.handle` called directly, on one thread, on a
migrated database, as an adapter calls it. One member per size holds that many leads,
each with some history (added, most emailed, some followed up, noted or dropped), loaded
in bulk rather than through commands. For each size the member runs a command once
(warm-up), then `--runs` more times, the sizes taken in turn within each round; the
table shows the median milliseconds of one command, and per command the ratio of its
cost at the largest size to its cost at the smallest. The target: under 1.5 for adding,
logging, noting and showing one lead. `list` shows one page of ten, but counts and
orders every active lead to find it, so it may grow a little: it is there for contrast.

`--profile` runs each command over the target once more at the largest size under
cProfile and prints where its time goes (the project's own functions, cumulative).

PostgreSQL: see `benchmarks.common` (schema `bench_pipeline_cost`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import func, insert, select

from benchmarks.common import COMPANIES, databases, fix_sequences, lead_row, person, settle, timed
from bots.bootstrap import Services, build
from bots.settings import Settings
from core.domain.leads import Action, Event, Lead, Stage, apply
from core.domain.messages import MessageKind
from core.domain.planning import refresh
from core.services import FollowThrough, Identity
from core.storage.events import tally, tally_rows
from core.storage.mapping import event_values
from core.storage.tables import EventRow, LeadRow, TallyRow

SIZES = (10, 100, 1000, 2000)
TARGET = 1.5
WORKSPACE = "T0PIPELINE"
# The lead the commands name: found by name among all the others (none shares it).
CONTACT, COMPANY = "Zelda Quill", "Quillworks"
# What a profile lists: the handlers, the turn, the domain and the storage, not the
# frames every command passes through on its way to its handler.
BELOW_CONVERSATION = r"core[/\\](services[/\\](?!conversation)|domain|storage)"


def commands(size: int) -> list[tuple[str, str]]:
    """(name, text of the `/lead` command): what the member with `size` leads runs."""
    middle = size // 2 + 1
    return [
        ("add", "add Julie Bench at Acme"),
        ("emailed", "emailed zelda"),
        ("note", f"note #{middle} asked about the team's roadmap"),
        ("show", f"show #{middle}"),
        ("list", "list"),
    ]


def member_of(size: int) -> Identity:
    return Identity("slack", WORKSPACE, f"U{size:09d}", f"Member {size}")


# -- loading ------------------------------------------------------------------------------


def history(rng: random.Random, lead: Lead, now: datetime) -> list[Event]:
    """A lead's past as the services would have logged it, applied to `lead`."""
    at = lead.created_at
    events = [Event(0, Action.ADDED, at, lead.stage)]
    steps = [(Action.EMAILED, 0.8), (Action.FOLLOWED_UP, 0.4), (Action.NOTE, 0.3)]
    steps.append((Action.DROPPED, 0.1))
    for action, chance in steps:
        if rng.random() >= chance:
            continue
        at = min(at + timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600)), now)
        apply(lead, action, at)
        note = "met at a meetup" if action is Action.NOTE else ""
        events.append(Event(0, action, at, lead.stage, note))
    return events


def load(services: Services, size: int, seed: int) -> None:
    """Give the member for `size` that many leads and their histories, in bulk."""
    app, database = services.app, services.database
    who = member_of(size)
    app.conversation.join(who)
    rng = random.Random(f"{seed}:{size}")
    now = app.conversation.clock.now()
    with database.engine.connect() as conn:
        first_id = (conn.scalar(select(func.max(LeadRow.id))) or 0) + 1
    with database.uow() as uow:
        group = uow.groups.get(who.platform, who.workspace_id)
        assert group is not None and group.id is not None
        member = uow.members.get(group.id, who.user_id)
        assert member is not None and member.id is not None
        leads, events = [], []
        for number in range(1, size + 1):
            target, lead_id = number == size // 2 + 1, first_id + number - 1
            lead = Lead(
                member.id,
                number,
                CONTACT if target else person(rng),
                COMPANY if target else rng.choice(COMPANIES),
                now - timedelta(days=rng.randint(8, 120)),
                id=lead_id,
            )
            lead.stage_since = lead.created_at
            # The lead the commands log about is new: emailing it is always allowed.
            past = [Event(0, Action.ADDED, lead.created_at, Stage.NEW)]
            past = past if target else history(rng, lead, now)
            leads.append(lead)
            events += [replace(event, lead_id=lead_id) for event in past]
        cal = member.calendar(group)
        refresh(member, group, leads)
        member.next_lead_number = size + 1
        tallies = tally_rows(group.id, member.id, *tally(events, cal, group.calendar()))
        rows = [event_values(group.id, member.id, event) for event in events]
        uow.members.save(member)
        uow.commit()
    with database.engine.begin() as conn:
        conn.execute(insert(LeadRow), [lead_row(lead) for lead in leads])
        conn.execute(insert(EventRow), rows)
        conn.execute(insert(TallyRow), tallies)
        fix_sequences(conn, ("leads",))


# -- timing -------------------------------------------------------------------------------


def run(app: FollowThrough, size: int, text: str) -> None:
    answer = app.conversation.handle(member_of(size), "/lead", text)
    if answer.kind is MessageKind.ERROR:  # a refusal would time nothing the member wants
        raise RuntimeError(f"/lead {text}: {answer.text}")


def measure(app: FollowThrough, sizes: list[int], runs: int) -> dict[str, dict[int, float]]:
    """Milliseconds per command and size: the median of `runs`, sizes in turn."""
    names = [name for name, _ in commands(sizes[0])]
    costs: dict[str, dict[int, float]] = {name: {} for name in names}
    for index, name in enumerate(names):
        texts = {size: commands(size)[index][1] for size in sizes}
        for size in sizes:
            run(app, size, texts[size])  # warm-up: caches, the first of each kind
        samples: dict[int, list[float]] = {size: [] for size in sizes}
        for _ in range(runs):
            for size, text in texts.items():
                samples[size].append(timed(partial(run, app, size, text))[0])
        for size in sizes:
            costs[name][size] = 1000 * statistics.median(samples[size])
    return costs


def profile(app: FollowThrough, size: int, name: str) -> None:
    text = dict(commands(size))[name]
    profiler = cProfile.Profile()
    profiler.runcall(run, app, size, text)
    print(f"  profile of `/lead {text}` at {size:,} leads (below the conversation, cumulative):")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(BELOW_CONVERSATION, 10)


def table(database: str, costs: dict[str, dict[int, float]], sizes: list[int]) -> list[str]:
    head = f"{database:<10}" + "".join(f"{f'{size:,} leads':>13}" for size in sizes)
    lines = [head + "  (ms per command)"]
    for name, by_size in costs.items():
        lines.append(f"  {name:<8}" + "".join(f"{by_size[size]:>13.2f}" for size in sizes))
    return lines


def ratios(costs: dict[str, dict[int, float]], sizes: list[int]) -> dict[str, float]:
    return {name: by_size[sizes[-1]] / by_size[sizes[0]] for name, by_size in costs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="leads per member")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--profile", action="store_true", help="profile commands over target")
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",")})
    print(
        f"the core alone, one thread, one member per size ({', '.join(map(str, sizes))}"
        f" leads), median of {args.runs} runs",
        flush=True,
    )
    for database, url in databases(args.database, "bench_pipeline_cost"):
        with build(Settings(database_url=url), migrate=True) as services:
            start = time.perf_counter()
            for size in sizes:
                load(services, size, args.seed)
            settle(services.database.engine)
            took = time.perf_counter() - start
            print(f"{database}: loaded {sum(sizes):,} leads in {took:.1f} s", flush=True)
            costs = measure(services.app, sizes, args.runs)
            print("\n".join(table(database, costs, sizes)), flush=True)
            over = []
            for name, ratio in ratios(costs, sizes).items():
                contrast = "  (a page, found among them all)" if name == "list" else ""
                verdict = "OVER" if ratio >= TARGET else "ok"
                if ratio >= TARGET and not contrast:
                    over.append(name)
                print(
                    f"  ratio {name:<8} {sizes[-1]:,}/{sizes[0]:,} leads: {ratio:.2f}"
                    f" {verdict} (target < {TARGET}){contrast}",
                    flush=True,
                )
            print(f"  over target: {', '.join(over) or 'none'}", flush=True)
            if args.profile:
                for name in over:
                    profile(services.app, sizes[-1], name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tallies: what the boards sum instead of re-scoring history, kept with the events.

The reference is `core.domain.scoring.score` over the events themselves: for any
history, a window's tallies give the same counts and the same points.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from datetime import date, datetime, time, timedelta

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sql_event
from sqlalchemy import text

from core.domain.calendar import BusinessCalendar
from core.domain.leads import Action, Event, Stage
from core.domain.members import Member
from core.domain.scoring import DEFAULT_POINTS, score
from core.storage.database import Database, SqlUnitOfWork, alembic_config, upgrade
from core.storage.tables import TallyRow
from tests.storage.rows import NOW, add_group, add_lead, add_member, count

NY = BusinessCalendar.of("America/New_York", "US")
FIRST = date(2026, 6, 29)  # a Monday; July 3 is a US holiday (observed)
GROUPS = itertools.count()

# (lead, action, day offset, minute of the day, stage after); a small alphabet, so that
# duplicates, rejection calls and month ends come up often.
entries = st.lists(
    st.tuples(
        st.integers(0, 2),
        # With actions that earn nothing (outside TALLIED): they must change no tally.
        st.sampled_from(
            [
                *(Action.EMAILED, Action.CALLED, Action.REJECTED, Action.REFERRAL),
                *(Action.NOTE, Action.REPLIED, Action.SNOOZED),
            ]
        ),
        st.integers(0, 40),
        st.integers(0, 24 * 60 - 1),
        st.sampled_from([Stage.EMAILED, Stage.CLOSED, Stage.REJECTED]),
    ),
    max_size=25,
)


Raw = list[tuple[int, Action, int, int, Stage]]


def history(uow: SqlUnitOfWork, tz: str | None, raw: Raw) -> tuple[int, Member, list[Event]]:
    """A fresh group in New York, one member (in `tz`), three leads, and `raw` logged in
    time order through `events.add`, as the services do."""
    group = add_group(uow, f"G{next(GROUPS)}", tz="America/New_York", country="US")
    member = add_member(uow, group, "U-ana", tz=tz)
    assert group.id is not None and member.id is not None
    leads = [add_lead(uow, member, n + 1) for n in range(3)]
    events = sorted(
        (
            Event(
                leads[lead].id or 0,
                action,
                NY.at(FIRST + timedelta(days=offset), time(0)) + timedelta(minutes=minute),
                stage,
            )
            for lead, action, offset, minute, stage in raw
        ),
        key=lambda e: e.at,
    )
    for event in events:
        uow.events.add(group.id, member.id, event)
    return group.id, member, events


def same(
    uow: SqlUnitOfWork,
    group_id: int,
    member_id: int,
    events: list[Event],
    first: date,
    until: date | None,
    cal: BusinessCalendar,
) -> None:
    start = NY.at(first, time(0))
    end = datetime.max.replace(tzinfo=start.tzinfo) if until is None else NY.at(until, time(0))
    expected_points, expected = score(
        [e for e in events if e.at < end], cal, DEFAULT_POINTS, since=start
    )
    found = uow.events.tallies(group_id, first, until).get(member_id)
    counts = {a: n for a, n in (found.counts if found else {}).items() if n}
    # Only the actions that can earn points are tallied.
    assert counts == {a: n for a, n in expected.items() if n and a.value in DEFAULT_POINTS}
    standings = uow.events.standings(group_id, first, until, DEFAULT_POINTS)
    assert standings.totals == counts
    assert standings.points.get(member_id, 0) == expected_points
    assert (found.points(DEFAULT_POINTS) if found else 0) == expected_points


WINDOWS = [
    (date(2000, 1, 1), None),  # all time
    (date(2026, 7, 1), None),  # this month so far
    (date(2026, 7, 1), date(2026, 8, 1)),  # a whole month
    (FIRST, FIRST + timedelta(days=7)),  # a week
    (date(2026, 6, 30), date(2026, 8, 3)),  # days, a month, days
    (date(2026, 7, 27), None),  # a week so far, across the month's end
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=entries)
def test_every_window_of_tallies_scores_like_the_events(db: Database, raw: Raw) -> None:
    with db.uow() as uow:
        group_id, member, events = history(uow, None, raw)
        assert member.id is not None
        for first, until in WINDOWS:
            same(uow, group_id, member.id, events, first, until, NY)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=entries)
def test_a_member_in_another_zone_scores_by_their_own_days(db: Database, raw: Raw) -> None:
    """Duplicates and the rejection-call window are the member's (Berlin) days; all time
    adds up the same."""
    with db.uow() as uow:
        group_id, member, events = history(uow, "Europe/Berlin", raw)
        assert member.id is not None
        berlin = BusinessCalendar.of("Europe/Berlin", "US")
        same(uow, group_id, member.id, events, date(2000, 1, 1), None, berlin)


def test_a_duplicate_adds_nothing_and_a_rejection_call_adds_its_bonus(db: Database) -> None:
    with db.uow() as uow:
        raw = [
            (0, Action.EMAILED, 0, 600, Stage.EMAILED),
            (0, Action.EMAILED, 0, 700, Stage.EMAILED),  # the same day: once
            (1, Action.REJECTED, 0, 800, Stage.REJECTED),
            (1, Action.CALLED, 1, 600, Stage.CLOSED),  # the next business day: +2
        ]
        group_id, member, _ = history(uow, None, raw)
        assert member.id is not None
        tally = uow.events.tallies(group_id, date(2000, 1, 1))[member.id]
    assert tally.counts == {Action.EMAILED: 1, Action.CALLED: 1}  # rejections earn nothing
    assert (tally.bonuses, tally.points(DEFAULT_POINTS)) == (1, 1 + 3 + 2)
    assert tally.points({**DEFAULT_POINTS, "called": 4}) == 1 + 4 + 2  # points re-score


def test_forgetting_a_member_drops_their_tallies_only(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow)
        ana, ben = add_member(uow, group, "U-ana"), add_member(uow, group, "U-ben")
        for member in (ana, ben):
            lead = add_lead(uow, member, 1)
            assert group.id is not None and member.id is not None and lead.id is not None
            uow.events.add(group.id, member.id, Event(lead.id, Action.ADDED, NOW, Stage.NEW))
        uow.commit()
    with db.uow() as uow:
        uow.members.delete(ana)
        uow.commit()
    with db.uow() as uow:
        assert group.id is not None
        assert count(uow, TallyRow, member_id=ana.id) == 0
        assert count(uow, TallyRow, member_id=ben.id) == 3  # its day, month and all time
        assert set(uow.events.tallies(group.id, date(2000, 1, 1))) == {ben.id}


def test_a_tally_row_has_a_column_for_each_action_that_earns_points() -> None:
    columns = {c.name for c in TallyRow.__table__.columns}
    key = {"group_id", "span", "start", "member_id"}
    assert columns == key | {"bonuses"} | set(DEFAULT_POINTS)


def test_migration_0006_pivots_the_tallies_there_and_back(db: Database) -> None:
    """Downgrading to 0005 gives each action its own row again, and upgrading puts the
    same sums back in columns: every window reads the same as before."""
    raw: Raw = [
        (0, Action.EMAILED, 0, 600, Stage.EMAILED),
        (0, Action.EMAILED, 0, 700, Stage.EMAILED),  # a duplicate: nothing more
        (1, Action.REJECTED, 2, 800, Stage.REJECTED),
        (1, Action.CALLED, 3, 600, Stage.CLOSED),  # the rejection call: a bonus
        (2, Action.REFERRAL, 3, 610, Stage.CLOSED),
        (2, Action.REFERRAL, 33, 610, Stage.CLOSED),  # on 1 August
    ]
    with db.uow() as uow:
        group_id, member, events = history(uow, None, raw)
        uow.commit()
    assert member.id is not None
    config = alembic_config(db.engine)

    command.downgrade(config, "0005")

    with db.engine.connect() as conn:
        old = conn.execute(
            text("SELECT span, action, SUM(times), SUM(bonuses) FROM tallies GROUP BY span, action")
        ).all()
    assert sorted((s, a, int(n), int(b)) for s, a, n, b in old if s == "all") == [
        ("all", "called", 1, 1),
        ("all", "emailed", 1, 0),
        ("all", "referral", 2, 0),
    ]

    upgrade(db.engine)

    with db.uow() as uow:
        for first, until in WINDOWS:
            same(uow, group_id, member.id, events, first, until, NY)


def test_a_groups_week_is_one_statement_per_figure_however_many_members_it_has(
    db: Database,
) -> None:
    monday = NOW.date()  # 2026-03-02, a Monday
    since, until = NOW - timedelta(hours=7), NOW - timedelta(hours=7) + timedelta(days=7)
    for size in (1, 30):
        with db.uow() as uow:
            group = add_group(uow, f"G{next(GROUPS)}")
            assert group.id is not None
            for n in range(size):
                member = add_member(uow, group, f"U{n}")
                assert member.id is not None
                first, referred = add_lead(uow, member, 1), add_lead(uow, member, 2)
                referred.parent_id = first.id
                uow.leads.save(referred)
                for action in (Action.EMAILED, Action.REFERRAL):
                    uow.events.add(
                        group.id, member.id, Event(first.id or 0, action, NOW, Stage.TALKING)
                    )
            uow.commit()
        seen: list[str] = []
        statement = functools.partial(lambda into, *args: into.append(str(args[2])), seen)

        with db.uow() as uow:
            sql_event.listen(db.engine, "before_cursor_execute", statement)
            try:
                days = uow.events.days(group.id, monday, monday + timedelta(days=7))
                chains = uow.events.chains_grown(group.id, since, until)
            finally:
                sql_event.remove(db.engine, "before_cursor_execute", statement)

        assert days == {monday: Counter({Action.EMAILED: size, Action.REFERRAL: size})}
        assert chains == size
        assert len(seen) == 2, seen

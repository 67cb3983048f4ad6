"""organisers, DM channels and point tallies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00.000000
"""

import functools
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_TIME = date(2000, 1, 1)  # the `start` of the all-time span

# The scoring rules as they were at this revision (PLAYBOOK.md, "The group"), frozen here
# so that a later change to the app's rules doesn't change what this revision writes.
SCORING = frozenset(
    {"added", "emailed", "followedup", "called", "referral", "interviewed", "offer"}
)
Tallied = Counter[tuple[date, str]]  # (group-local day, action) -> a number


@functools.cache
def _holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


@dataclass(frozen=True)
class Calendar:
    """Weekdays that are not public holidays of `country`, in the zone `tz`."""

    tz: ZoneInfo
    country: str | None

    @classmethod
    def of(cls, tz: str, country: str | None) -> "Calendar":
        # A zone or country no longer known falls back to UTC, or to no holidays.
        try:
            zone = ZoneInfo(tz)
        except (KeyError, ValueError, OSError):  # KeyError: ZoneInfoNotFoundError
            zone = ZoneInfo("UTC")
        known = country if country in holidays.list_supported_countries() else None
        return cls(zone, known)

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def next_business_day(self, day: date) -> date:
        day += timedelta(days=1)
        off = _holidays(self.country) if self.country else {}
        while day.weekday() >= 5 or day in off:
            day += timedelta(days=1)
        return day


@dataclass(frozen=True)
class Logged:
    lead_id: int
    action: str
    at: datetime
    stage_after: str


def counted(events: Iterable[Logged], cal: Calendar) -> Iterator[tuple[Logged, int]]:
    """One member's events that count, each with the rejection-call bonus it earns: the
    same action on the same lead and local day, leaving the same stage, counts once
    (referrals always count); a call closing a lead rejected on that or the previous
    business day earns a bonus."""
    seen: set[tuple[int, str, str, date]] = set()
    rejected_on: dict[int, date] = {}
    for event in sorted(events, key=lambda e: e.at):
        day = cal.local_date(event.at)
        if event.action == "rejected":
            rejected_on[event.lead_id] = day
        key = (event.lead_id, event.action, event.stage_after, day)
        if key in seen and event.action != "referral":
            continue
        seen.add(key)
        rejection = rejected_on.get(event.lead_id)
        bonus = (
            event.action == "called"
            and event.stage_after == "closed"
            and rejection is not None
            and day <= cal.next_business_day(rejection)
        )
        yield event, int(bonus)


def tallied_members(bind: sa.Connection) -> Iterator[tuple[int, int, Tallied, Tallied]]:
    """(group id, member id, times, bonuses) of every member with events: times counted
    and bonuses earned per (group-local day, scoring action)."""
    groups = {
        group: Calendar.of(tz, country)
        for group, tz, country in bind.execute(sa.text("SELECT id, tz, country FROM groups"))
    }
    members = {
        member: (group, Calendar.of(tz or gtz, country or gcountry))
        for member, group, tz, country, gtz, gcountry in bind.execute(
            sa.text(
                "SELECT m.id, m.group_id, m.tz, m.country, g.tz, g.country"
                " FROM members m JOIN groups g ON g.id = m.group_id"
            )
        )
    }
    events = sa.table(
        "events",
        *(sa.column(c) for c in ("id", "member_id", "lead_id", "action", "stage_after")),
        sa.column("at", sa.DateTime()),
    )
    c = events.c
    query = sa.select(c.member_id, c.lead_id, c.action, c.at, c.stage_after).order_by(
        c.member_id, c.at, c.id
    )
    for member_id, rows in itertools.groupby(bind.execute(query), key=lambda r: r[0]):
        logged = [Logged(lead, a, at.replace(tzinfo=UTC), s) for _, lead, a, at, s in rows]
        group_id, member_cal = members[member_id]
        times, bonuses = Tallied(), Tallied()
        for event, bonus in counted(logged, member_cal):
            if event.action in SCORING:
                key = (groups[group_id].local_date(event.at), event.action)
                times[key] += 1
                bonuses[key] += bonus
        yield group_id, member_id, times, bonuses


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite (foreign keys on) dropping the old
    # members table would cascade to every lead and event.
    op.add_column(
        "members", sa.Column("organiser", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("members", sa.Column("dm_channel", sa.String(length=64), nullable=True))

    op.create_table(
        "tallies",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("span", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("bonuses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_tallies_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_tallies_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "group_id", "span", "start", "member_id", "action", name=op.f("pk_tallies")
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("tallies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tallies_member_id"), ["member_id"], unique=False)
    # Tallies for the events already there, by the rules frozen above, in this revision's
    # shape (one row per action: 0006 gives each action a column).
    tallies = sa.table(
        "tallies",
        *(sa.column(c) for c in ("group_id", "span", "start", "member_id", "action")),
        sa.column("times", sa.Integer()),
        sa.column("bonuses", sa.Integer()),
    )
    bind = op.get_bind()
    for group_id, member_id, times, bonuses in tallied_members(bind):
        sums: dict[tuple[str, date, str], list[int]] = {}
        for day, action in {*times, *bonuses}:
            for span, start in (("day", day), ("month", day.replace(day=1)), ("all", ALL_TIME)):
                found = sums.setdefault((span, start, action), [0, 0])
                found[0] += times[day, action]
                found[1] += bonuses[day, action]
        rows = [
            {"group_id": group_id, "member_id": member_id, "span": span, "start": start}
            | {"action": action, "times": n, "bonuses": b}
            for (span, start, action), (n, b) in sums.items()
            if n or b
        ]
        if rows:
            bind.execute(tallies.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table("tallies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tallies_member_id"))
    op.drop_table("tallies")
    op.drop_column("members", "dm_channel")
    op.drop_column("members", "organiser")

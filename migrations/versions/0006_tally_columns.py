"""tallies: one row per member and span, a column per scoring action

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 20:30:00.000000

The boards read a member's tallies of a span in one row instead of one per action (5 to 7
times fewer rows to read and sum). `span_tallies` is filled from `tallies` in SQL (the
same sums, pivoted), then `tallies` goes; downgrade pivots back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The actions that can earn points (core.domain.scoring.DEFAULT_POINTS as of this revision).
ACTIONS = ("added", "emailed", "followedup", "called", "referral", "interviewed", "offer")
KEY = ("group_id", "span", "start", "member_id")


def _key_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("span", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
    ]


def _foreign_keys(name: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f(f"fk_{name}_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f(f"fk_{name}_member_id_members"),
            ondelete="CASCADE",
        ),
    ]


def _table(name: str, *counts: str) -> sa.TableClause:
    """`name` with its key and its integer `counts` (and `action` for `tallies`)."""
    key = [*KEY, "action"] if name == "tallies" else KEY
    return sa.table(
        name, *(sa.column(c) for c in key), *(sa.column(c, sa.Integer()) for c in counts)
    )


def upgrade() -> None:
    op.create_table(
        "span_tallies",
        *_key_columns(),
        *(sa.Column(action, sa.Integer(), nullable=False) for action in ACTIONS),
        sa.Column("bonuses", sa.Integer(), nullable=False),
        *_foreign_keys("span_tallies"),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_span_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_span_tallies_member_id"), "span_tallies", ["member_id"])

    old = _table("tallies", "times", "bonuses")
    old_key = [old.c[c] for c in KEY]
    pivot = sa.select(
        *old_key,
        *(sa.func.sum(sa.case((old.c.action == a, old.c.times), else_=0)) for a in ACTIONS),
        sa.func.sum(old.c.bonuses),
    ).group_by(*old_key)
    new = _table("span_tallies", *ACTIONS, "bonuses")
    op.execute(new.insert().from_select([*KEY, *ACTIONS, "bonuses"], pivot))

    op.drop_index(op.f("ix_tallies_member_id"), table_name="tallies")
    op.drop_table("tallies")


def downgrade() -> None:
    op.create_table(
        "tallies",
        *_key_columns(),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("bonuses", sa.Integer(), nullable=False),
        *_foreign_keys("tallies"),
        sa.PrimaryKeyConstraint(*KEY, "action", name=op.f("pk_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_tallies_member_id"), "tallies", ["member_id"])

    new = _table("span_tallies", *ACTIONS, "bonuses")
    new_key = [new.c[c] for c in KEY]
    # Only a rejection call earns a bonus: the bonuses go back on the `called` rows.
    per_action = [
        sa.select(
            *new_key,
            sa.literal(a, sa.String()),
            new.c[a],
            new.c.bonuses if a == "called" else sa.literal(0, sa.Integer()),
        ).where(sa.or_(new.c[a] != 0, new.c.bonuses != 0) if a == "called" else new.c[a] != 0)
        for a in ACTIONS
    ]
    old = _table("tallies", "times", "bonuses")
    op.execute(
        old.insert().from_select([*KEY, "action", "times", "bonuses"], sa.union_all(*per_action))
    )

    op.drop_index(op.f("ix_span_tallies_member_id"), table_name="span_tallies")
    op.drop_table("span_tallies")

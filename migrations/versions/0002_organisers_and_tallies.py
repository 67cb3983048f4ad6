"""organisers, DM channels and point tallies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_TIME = date(2000, 1, 1)  # the `start` of the all-time span


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
    # Tallies for the events already there. The rules are the domain's, read through the
    # app's code; the rows are written in this revision's shape (one per action: 0006
    # gives each action a column), so that a later shape doesn't change what this writes.
    from core.storage.events import tallied_members

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
                found = sums.setdefault((span, start, action.value), [0, 0])
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

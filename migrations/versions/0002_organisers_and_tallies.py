"""organisers, DM channels and point tallies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
    # app's code: if a later revision reshapes events or tallies, pin a copy here.
    from core.storage.events import rebuild_tallies

    rebuild_tallies(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("tallies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tallies_member_id"))
    op.drop_table("tallies")
    op.drop_column("members", "dm_channel")
    op.drop_column("members", "organiser")

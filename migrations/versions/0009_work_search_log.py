"""the work-search log: lead details, how an application went, activities, log settings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEAD_DETAILS = (
    ("title", 200),
    ("email", 200),
    ("phone", 40),
    ("website", 200),
    ("address", 200),
    ("job_ref", 200),
    ("url", 500),
)


def upgrade() -> None:
    for name, length in LEAD_DETAILS:
        op.add_column("leads", sa.Column(name, sa.String(length), nullable=True))
    op.add_column("events", sa.Column("how", sa.String(16), nullable=True))
    op.add_column(
        "members", sa.Column("log_settings", sa.JSON(), nullable=False, server_default="{}")
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("what", sa.String(200), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("logged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_activities_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_activities_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index(
        op.f("ix_activities_member_id_at"), "activities", ["member_id", "at"], unique=False
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later have it): a batch copy of `members` or
    # `leads` would drop the old table, and with it, through ON DELETE CASCADE, every
    # row that refers to it.
    op.drop_index(op.f("ix_activities_member_id_at"), table_name="activities")
    op.drop_table("activities")
    op.drop_column("members", "log_settings")
    op.drop_column("events", "how")
    for name, _ in reversed(LEAD_DETAILS):
        op.drop_column("leads", name)

"""interviews to come and calendar feeds: a lead's interview, a member's feed fingerprint

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("interview_at", sa.DateTime(), nullable=True))
    op.add_column("leads", sa.Column("interview_uid", sa.String(128), nullable=True))
    op.add_column(
        "leads",
        sa.Column("interview_sequence", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("members", sa.Column("calendar_digest", sa.String(64), nullable=True))
    op.create_index(op.f("ix_members_calendar_digest"), "members", ["calendar_digest"], unique=True)


def downgrade() -> None:
    # Plain DROP COLUMN, as 0009 does: a batch copy of `members` or `leads` would drop
    # the old table, and with it, through ON DELETE CASCADE, every row that refers to it.
    op.drop_index(op.f("ix_members_calendar_digest"), table_name="members")
    op.drop_column("members", "calendar_digest")
    op.drop_column("leads", "interview_sequence")
    op.drop_column("leads", "interview_uid")
    op.drop_column("leads", "interview_at")

"""the group a member of several chose for what they type in the bot's DM, and the
members found by their platform id alone (a DM names no group)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("members", sa.Column("dm_chosen_at", sa.DateTime(), nullable=True))
    op.create_index(op.f("ix_members_external_id"), "members", ["external_id"])


def downgrade() -> None:
    # Plain DROP COLUMN, as 0009 does: a batch copy of `members` would drop the old
    # table, and with it, through ON DELETE CASCADE, every row that refers to it.
    op.drop_index(op.f("ix_members_external_id"), table_name="members")
    op.drop_column("members", "dm_chosen_at")

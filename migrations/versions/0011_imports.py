"""imports: events brought in from a file, and previews waiting for their confirm

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 22:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every event before this migration was logged here: none was imported.
    op.add_column(
        "events",
        sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "pending_imports",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("table", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_pending_imports_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_pending_imports")),
    )
    op.create_index(
        op.f("ix_pending_imports_expires_at"), "pending_imports", ["expires_at"], unique=False
    )


def downgrade() -> None:
    # Plain DROP COLUMN (as 0009): a batch copy of `events` is not needed to drop one.
    op.drop_index(op.f("ix_pending_imports_expires_at"), table_name="pending_imports")
    op.drop_table("pending_imports")
    op.drop_column("events", "imported")

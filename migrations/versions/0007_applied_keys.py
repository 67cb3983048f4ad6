"""commands applied once: button presses, whatever their repeats

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applied_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_applied_keys")),
    )
    op.create_index(op.f("ix_applied_keys_at"), "applied_keys", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_applied_keys_at"), table_name="applied_keys")
    op.drop_table("applied_keys")

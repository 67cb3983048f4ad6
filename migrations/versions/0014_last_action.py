"""last action: when each member's latest action happened, kept on their row

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Bookkeeping is no action taken (core.domain.scoring.BOOKKEEPING).
BOOKKEEPING = ("note", "snoozed", "dropped", "interview")


def upgrade() -> None:
    op.add_column("members", sa.Column("last_action_at", sa.DateTime(), nullable=True))
    # From the history there is: the latest action of each member, imports aside.
    events = sa.table(
        "events",
        sa.column("member_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("at", sa.DateTime()),
        sa.column("imported", sa.Boolean()),
    )
    members = sa.table("members", sa.column("id", sa.Integer()), sa.column("last_action_at"))
    latest = (
        sa.select(sa.func.max(events.c.at))
        .where(
            events.c.member_id == members.c.id,
            events.c.action.not_in(BOOKKEEPING),
            events.c.imported.is_(sa.false()),
        )
        .scalar_subquery()
    )
    op.execute(members.update().values(last_action_at=latest))


def downgrade() -> None:
    # Plain DROP COLUMN, as 0009 does: a batch copy of `members` would drop the old
    # table, and with it, through ON DELETE CASCADE, every row that refers to it.
    op.drop_column("members", "last_action_at")

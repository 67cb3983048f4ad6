"""Slack events applied once keep their keys with the core's (applied_keys)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 18:40:00.000000
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_LENGTH = 64


def event_key(team: str, event_id: str) -> str:
    """The key the Slack adapter gives an event, as it was made at this revision."""
    key = f"event:{team}:{event_id}"
    if len(key) <= KEY_LENGTH:
        return key
    return "event:" + hashlib.sha256(key.encode()).hexdigest()[: KEY_LENGTH - len("event") - 1]


def upgrade() -> None:
    # The events kept are those Slack may still retry: their keys move, so that a retry
    # arriving across the upgrade is still applied once.
    events = sa.table(
        "slack_events", sa.column("event_id"), sa.column("team_id"), sa.column("received_at")
    )
    applied = sa.table("applied_keys", sa.column("key"), sa.column("at"))
    bind = op.get_bind()
    # A row is an event's (its event_id), or an opened modal's key as made already.
    rows = [
        {"key": key if ":" in key else event_key(str(team), key), "at": at}
        for key, team, at in bind.execute(sa.select(events)).all()
    ]
    if rows:
        bind.execute(applied.insert(), rows)
    op.drop_table("slack_events")


def downgrade() -> None:
    op.create_table(
        "slack_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_events")),
    )

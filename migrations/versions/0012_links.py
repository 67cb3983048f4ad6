"""links: one person on two platforms, the codes that link them, and wrong tries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _member(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["members.id"],
        name=op.f(f"fk_{table}_{column}_members"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "member_links",
        sa.Column("secondary_id", sa.Integer(), nullable=False),
        sa.Column("primary_id", sa.Integer(), nullable=False),
        sa.Column("deliver_id", sa.Integer(), nullable=False),
        sa.Column("brought", sa.JSON(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        _member("secondary_id", "member_links"),
        _member("primary_id", "member_links"),
        sa.PrimaryKeyConstraint("secondary_id", name=op.f("pk_member_links")),
        sa.UniqueConstraint("primary_id", name=op.f("uq_member_links_primary_id")),
    )
    op.create_table(
        "link_codes",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        _member("member_id", "link_codes"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_link_codes")),
    )
    op.create_index(op.f("ix_link_codes_expires_at"), "link_codes", ["expires_at"], unique=False)
    op.create_table(
        "link_tries",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("wrong", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        _member("member_id", "link_tries"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_link_tries")),
    )


def downgrade() -> None:
    op.drop_table("link_tries")
    op.drop_index(op.f("ix_link_codes_expires_at"), table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_table("member_links")

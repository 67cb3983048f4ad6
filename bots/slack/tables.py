"""slack-sdk's installation and OAuth-state tables, on our metadata so Alembic owns them.

The stores build the same tables on a private MetaData of their own; we never call their
`create_tables()`: migration 0003 creates these, and the drift test compares them.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, DateTime, MetaData, String, Table

INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
BOTS = SQLAlchemyInstallationStore.default_bots_table_name
STATES = SQLAlchemyOAuthStateStore.default_table_name
EVENTS = "slack_events"


def register(metadata: MetaData) -> None:
    """Add the Slack tables to `metadata` (once; a second call changes nothing)."""
    if INSTALLATIONS in metadata.tables:
        return
    SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS)
    SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES)
    # Events API deliveries already applied, by event_id: Slack retries an event it
    # thinks we missed, and an uninstall must not erase a reinstall that came after it.
    Table(
        EVENTS,
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("team_id", String(32)),
        Column("received_at", DateTime, nullable=False),
    )

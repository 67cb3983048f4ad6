"""What Slack keeps in our database: slack-sdk's installation and OAuth-state tables.

The tables are slack-sdk's own (its `build_*_table` helpers), declared on our metadata so
that Alembic owns them: migration 0003 creates them, the drift test compares them, and
nobody calls the stores' `create_tables()`. slack-sdk's installation store is async, so
`SlackStorage` opens the async engine it needs on the same database.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.storage.tables import Base

log = logging.getLogger(__name__)

INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
BOTS = SQLAlchemyInstallationStore.default_bots_table_name
STATES = SQLAlchemyOAuthStateStore.default_table_name

slack_installations = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, INSTALLATIONS
)
slack_bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS)
slack_oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, STATES)

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


def async_url(url: str) -> str:
    """Our (sync) SQLAlchemy URL with an async driver: aiosqlite, or psycopg 3."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"no async driver known for {backend} databases")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)  # the SDK's tables store naive UTC


class OAuthStates:
    """The rows of the OAuth states issued and not yet consumed."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def live(self, now: datetime) -> int:
        """How many states have not expired at `now` (a read: writes nothing)."""
        async with self._engine.connect() as connection:
            found = await connection.scalar(
                select(func.count())
                .select_from(slack_oauth_states)
                .where(slack_oauth_states.c.expire_at > _naive(now))
            )
        return int(found or 0)

    async def add(self, state: str, expires: datetime, now: datetime) -> None:
        """Store `state` until `expires`, pruning the states expired at `now`."""
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(slack_oauth_states).where(slack_oauth_states.c.expire_at <= _naive(now))
            )
            await connection.execute(
                insert(slack_oauth_states).values(state=state, expire_at=_naive(expires))
            )

    async def take(self, state: str, now: datetime) -> bool:
        """Delete `state` if it is there and live at `now`; whether it was."""
        async with self._engine.begin() as connection:
            gone = await connection.execute(
                delete(slack_oauth_states).where(
                    slack_oauth_states.c.state == state,
                    slack_oauth_states.c.expire_at > _naive(now),
                )
            )
        return bool(gone.rowcount)


class SlackStorage:
    """The async engine on our database, slack-sdk's installation store and the OAuth
    states over it."""

    def __init__(self, url: str, client_id: str | None) -> None:
        """`client_id`: the OAuth app's; None for one workspace's token (no OAuth)."""
        self.engine = create_async_engine(async_url(url))
        self.installations: AsyncInstallationStore = AsyncSQLAlchemyInstallationStore(
            client_id=client_id or "single", engine=self.engine, logger=log
        )
        self.states = OAuthStates(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()

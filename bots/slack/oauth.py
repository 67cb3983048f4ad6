"""Installations: one workspace with SLACK_BOT_TOKEN, or many through OAuth.

OAuth keeps installations and state in our database with slack-sdk's async SQLAlchemy
stores (tables from migration 0003, never `create_tables()`), and looks up the bot
token of the workspace each request or delivery is for.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bots.ops.secrets import EncryptedInstallationStore, TokenCipher
from bots.slack import tables
from bots.slack.config import SlackConfig
from bots.slack.manifest import BOT_SCOPES
from core.storage.tables import Base

log = logging.getLogger(__name__)
STATE_SECONDS = 600
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


def async_url(url: str) -> str:
    """Our (sync) SQLAlchemy URL with an async driver: aiosqlite, or psycopg 3."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"no async driver known for {backend} databases")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


class Installations:
    """The async engine, slack-sdk's stores on it, and the events already applied."""

    def __init__(self, config: SlackConfig) -> None:
        self.config = config
        tables.register(Base.metadata)
        self.engine: AsyncEngine = create_async_engine(async_url(config.database_url))
        store = AsyncSQLAlchemyInstallationStore(
            client_id=config.client_id or "single", engine=self.engine, logger=log
        )
        # OAuth keeps every workspace's bot token in our database: encrypted, so that a
        # dump alone gives nobody a token. Without a key, OAuth refuses to start.
        self.store: AsyncInstallationStore = (
            EncryptedInstallationStore(store, TokenCipher.from_setting(config.secret_key))
            if config.mode == "oauth"
            else store
        )
        self.states = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS, engine=self.engine, logger=log
        )

    async def bot_token(self, team_id: str) -> str | None:
        """The bot token to act in `team_id` with (None: not installed there)."""
        if self.config.mode == "single":
            return self.config.bot_token
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        return None if bot is None else bot.bot_token

    async def forget(self, team_id: str) -> None:
        """Delete every installation row of `team_id` (idempotent)."""
        await self.store.async_delete_all(enterprise_id=None, team_id=team_id)

    async def first_time(self, key: str, team_id: str | None, at: datetime) -> bool:
        """Record `key` (an event_id, a button press); False if it was recorded before.

        Rows older than a day are pruned: Slack retries within minutes."""
        events = Base.metadata.tables[tables.EVENTS]
        naive = at.astimezone(UTC).replace(tzinfo=None)  # the SDK's tables store naive UTC
        try:
            async with self.engine.begin() as connection:
                await connection.execute(
                    delete(events).where(events.c.received_at < naive - timedelta(days=1))
                )
                await connection.execute(
                    insert(events).values(event_id=key, team_id=team_id, received_at=naive)
                )
        except IntegrityError:
            return False
        return True

    async def forget_key(self, key: str) -> None:
        """Let `key` be applied again (a press the core refused: the member may retry)."""
        events = Base.metadata.tables[tables.EVENTS]
        async with self.engine.begin() as connection:
            await connection.execute(delete(events).where(events.c.event_id == key))

    def authorize(self) -> AsyncInstallationStoreAuthorize:
        # cache_enabled keeps auth.test off every request once a token is known good.
        return AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=self.store,
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            bot_only=True,
            cache_enabled=True,
        )

    def oauth_settings(self, callbacks: AsyncCallbackOptions | None) -> AsyncOAuthSettings:
        config = self.config
        return AsyncOAuthSettings(
            client_id=config.client_id,
            client_secret=config.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=config.redirect_uri,
            installation_store=self.store,
            installation_store_bot_only=True,
            state_store=self.states,
            state_expiration_seconds=STATE_SECONDS,
            callback_options=callbacks,
            logger=log,
        )

    async def close(self) -> None:
        await self.engine.dispose()

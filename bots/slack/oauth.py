"""Installations: one workspace with SLACK_BOT_TOKEN, or many through OAuth.

OAuth keeps installations and state in our database with slack-sdk's async SQLAlchemy
stores (tables from migration 0003, never `create_tables()`), and looks up the bot
token of the workspace each request or delivery is for. Anyone may open the install
page, and each visit issues a state: states expire after 10 minutes, expired ones are
pruned as new ones are issued, and past `MAX_STATES` live ones the page asks the visitor
to come back later, so that anonymous visits cannot grow the database without bound.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bots.slack import tables
from bots.slack.config import SlackConfig
from bots.slack.manifest import BOT_SCOPES
from bots.slack.secrets import EncryptedInstallationStore, TokenCipher
from core.services import SAYINGS
from core.storage.tables import Base

log = logging.getLogger(__name__)
STATE_SECONDS = 600  # an install page left open longer starts again
MAX_STATES = 200  # installs under way at once (10 minutes each): more than a launch day brings
BUSY_SECONDS = 60  # Retry-After, once there are that many
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


class TooManyStates(Exception):
    """As many installs are under way as we keep states for."""


class States(AsyncSQLAlchemyOAuthStateStore):
    """slack-sdk's state store on our clock, bounded: issuing a state prunes the expired
    ones, and refuses past `limit` live ones (TooManyStates)."""

    def __init__(
        self, engine: AsyncEngine, clock: Callable[[], datetime], *, limit: int = MAX_STATES
    ) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=engine, logger=log)
        self.clock, self.limit = clock, limit
        self._refused_at: datetime | None = None
        self._issuing = asyncio.Lock()

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        states = self.oauth_states
        # One at a time in a process, so that the count holds until the insert. Two
        # processes may each pass it at once: the bound is `limit` plus one for each
        # other process, still a bound.
        async with self._issuing:
            now = self.clock()
            # Counted first, read only: a crowd of visits at the bound writes nothing.
            async with self.engine.connect() as connection:
                live = await connection.scalar(
                    select(func.count()).select_from(states).where(states.c.expire_at > _naive(now))
                )
            if (live or 0) >= self.limit:
                if self._refused_at is None or now - self._refused_at > timedelta(minutes=1):
                    log.warning("install page refused: %d OAuth states live", live)
                    self._refused_at = now  # logged once a minute, not once a visit
                raise TooManyStates
            state = str(uuid.uuid4())
            expires = _naive(now) + timedelta(seconds=self.expiration_seconds)
            async with self.engine.begin() as connection:
                await connection.execute(delete(states).where(states.c.expire_at <= _naive(now)))
                await connection.execute(insert(states).values(state=state, expire_at=expires))
        return state

    async def async_consume(self, state: str) -> bool:
        """Whether `state` was issued and has not expired; it can be consumed once."""
        states = self.oauth_states
        try:
            async with self.engine.begin() as connection:
                gone = await connection.execute(
                    delete(states).where(
                        states.c.state == state, states.c.expire_at > _naive(self.clock())
                    )
                )
        except Exception as error:  # as the SDK's: the install fails with invalid_state
            log.warning("OAuth state could not be read: %r", error)
            return False
        return bool(gone.rowcount)


class InstallFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow, whose install page says "later" rather than store a state past
    the bound."""

    async def handle_installation(self, request: AsyncBoltRequest) -> BoltResponse:
        try:
            return await super().handle_installation(request)
        except TooManyStates:
            return BoltResponse(
                status=503,
                body=SAYINGS["installs_busy"],
                headers={"Retry-After": str(BUSY_SECONDS), "Cache-Control": "no-store"},
            )


class Installations:
    """The async engine, slack-sdk's stores on it, and the events already applied."""

    def __init__(
        self,
        config: SlackConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
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
        self.states = States(self.engine, clock)

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
        naive = _naive(at)
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

    def oauth_flow(self, callbacks: AsyncCallbackOptions | None) -> InstallFlow:
        """The install page and redirect, on these settings (Bolt gives it its client)."""
        return InstallFlow(logger=log, settings=self.oauth_settings(callbacks))

    async def close(self) -> None:
        await self.engine.dispose()

"""Slack installations' tokens encrypted at rest, through slack-sdk's real SQLAlchemy store."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cryptography", reason="cryptography is not installed (see pyproject.toml)")

from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bots.bootstrap import build
from bots.settings import Settings
from bots.slack.doctor import secret_key_problem
from bots.slack.secrets import (
    MARK,
    EncryptedInstallationStore,
    SecretKeyError,
    TokenCipher,
    generate_key,
    require_key,
)
from bots.slack.settings import SlackSettings
from core.storage.platforms.slack import async_url

TOKEN = "xoxb-1111-2222-SeCrEtBoTtOkEn"


def installation(team: str = "T0TEAM0001", token: str = TOKEN) -> Installation:
    return Installation(
        app_id="A0APP00001",
        team_id=team,
        user_id="U0INSTALL1",
        bot_token=token,
        bot_id="B0BOT00001",
        bot_user_id="U0BOT00001",
        bot_scopes="commands,chat:write",
        installed_at=time.time(),
    )


def stored_tokens(url: str) -> list[str]:
    with (
        build(Settings(database_url=url), migrate=False) as services,
        services.database.engine.connect() as connection,
    ):
        rows = connection.execute(text("SELECT bot_token FROM slack_bots")).scalars()
        return [str(row) for row in rows]


async def test_a_database_dump_holds_no_token_and_the_store_gives_it_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ft.db'}"
    with build(Settings(database_url=url), migrate=True):
        pass
    key = generate_key()

    engine = create_async_engine(async_url(url))
    try:
        inner = AsyncSQLAlchemyInstallationStore(client_id="123.456", engine=engine)
        store = EncryptedInstallationStore(inner, TokenCipher.from_setting(key))
        await store.async_save(installation())
        bot = await store.async_find_bot(enterprise_id=None, team_id="T0TEAM0001")
        found = await store.async_find_installation(enterprise_id=None, team_id="T0TEAM0001")
        assert found is not None and found.bot_token == TOKEN
        raw = await inner.async_find_bot(enterprise_id=None, team_id="T0TEAM0001")
        assert raw is not None and raw.bot_token is not None
        assert raw.bot_token.startswith(MARK) and TOKEN not in raw.bot_token
        await store.async_delete_all(enterprise_id=None, team_id="T0TEAM0001")
        assert await store.async_find_bot(enterprise_id=None, team_id="T0TEAM0001") is None
        await store.async_save(installation())
    finally:
        await engine.dispose()
    assert bot is not None and bot.bot_token == TOKEN
    (dumped,) = stored_tokens(url)
    assert dumped.startswith(MARK) and TOKEN not in dumped
    assert TOKEN.encode() not in (tmp_path / "ft.db").read_bytes()  # nor anywhere in the file


def test_keys_rotate_new_first_old_still_reads() -> None:
    old, new = generate_key(), generate_key()
    stored = TokenCipher.from_setting(old).encrypt(TOKEN)
    rotating = TokenCipher.from_setting(f"{new},{old}")
    assert rotating.decrypt(stored) == TOKEN
    rewrapped = rotating.rewrap(stored)
    assert TokenCipher.from_setting(new).decrypt(rewrapped) == TOKEN  # old key can go now
    with pytest.raises(SecretKeyError, match="the key that encrypted it was removed"):
        TokenCipher.from_setting(new).decrypt(stored)


def test_tokens_saved_before_encryption_still_read_and_get_encrypted() -> None:
    cipher = TokenCipher.from_setting(generate_key())
    assert cipher.decrypt(TOKEN) == TOKEN
    assert cipher.rewrap(TOKEN) != TOKEN and cipher.decrypt(cipher.rewrap(TOKEN)) == TOKEN
    assert cipher.encrypt(None) is None and cipher.decrypt(None) is None
    once = cipher.encrypt(TOKEN)
    assert cipher.encrypt(once) == once  # never encrypted twice


def test_oauth_refuses_to_start_without_a_usable_key() -> None:
    oauth: dict[str, Any] = {"client_id": "1.2", "client_secret": "s", "signing_secret": "g"}
    with pytest.raises(SecretKeyError, match="FOLLOWTHROUGH_SECRET_KEY is not set"):
        require_key(SlackSettings(**oauth))
    with pytest.raises(SecretKeyError, match="is not a Fernet key"):
        require_key(SlackSettings(secret_key="hunter2", **oauth))
    with pytest.raises(SecretKeyError, match=r"\(key 2 of 2\) is not a Fernet key"):
        require_key(SlackSettings(secret_key=f"{generate_key()},x", **oauth))
    assert require_key(SlackSettings(secret_key=generate_key(), **oauth))
    single = SlackSettings(bot_token="xoxb-1", app_token="xapp-1")
    assert require_key(single) is None  # one workspace: the token stays in the environment
    assert secret_key_problem("hunter2") is not None
    assert secret_key_problem(generate_key()) is None

"""Tokens at rest: Slack installations' tokens encrypted with FOLLOWTHROUGH_SECRET_KEY.

The key is one or more Fernet keys, comma-separated: the first encrypts, every one
decrypts (MultiFernet), so a key is rotated by putting the new one first, restarting,
running `rewrap()` over the stored rows (or letting reinstalls do it), then dropping
the old one. A database dump alone gives nobody a workspace's token.

`EncryptedInstallationStore` wraps slack-sdk's installation store: tokens are encrypted
on the way in and decrypted on the way out; a stored value without our prefix is a
token saved before encryption was turned on, read as it is (and encrypted on its next
save).
"""

from __future__ import annotations

import copy
import importlib
import logging
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from bots.settings import PREFIX, ConfigError
from bots.slack.settings import SlackSettings

log = logging.getLogger(__name__)

MARK = "ft1:"  # an encrypted value starts with this; a token never does
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
KEY_VARIABLE = PREFIX + "SECRET_KEY"
GENERATE = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class SecretKeyError(ConfigError):
    """FOLLOWTHROUGH_SECRET_KEY is missing or not a Fernet key (the message says which)."""


def _fernet() -> Any:
    # Imported by name: the module is optional until OAuth mode is used.
    try:
        return importlib.import_module("cryptography.fernet")
    except ImportError:
        raise SecretKeyError(
            "the cryptography package is needed to encrypt tokens: reinstall followthrough"
        ) from None


def generate_key() -> str:
    """A new random key for FOLLOWTHROUGH_SECRET_KEY."""
    return str(_fernet().Fernet.generate_key().decode())


class TokenCipher:
    """Encrypts with the first key, decrypts with any (MultiFernet)."""

    def __init__(self, keys: list[str]) -> None:
        fernet = _fernet()
        parsed = []
        for number, key in enumerate(keys, 1):
            try:
                parsed.append(fernet.Fernet(key.encode()))
            except (ValueError, TypeError):
                which = "" if len(keys) == 1 else f" (key {number} of {len(keys)})"
                raise SecretKeyError(
                    f"{KEY_VARIABLE}{which} is not a Fernet key: 32 random bytes in url-safe"
                    f" base64 (44 characters); generate one with {GENERATE}"
                ) from None
        self._multi = fernet.MultiFernet(parsed)
        self._invalid = fernet.InvalidToken

    @classmethod
    def from_setting(cls, value: str | None) -> TokenCipher:
        keys = [key.strip() for key in (value or "").split(",") if key.strip()]
        if not keys:
            raise SecretKeyError(
                f"{KEY_VARIABLE} is not set: OAuth mode stores each workspace's bot token in the"
                f" database and encrypts it with this key; generate one with {GENERATE}"
            )
        return cls(keys)

    def encrypt(self, value: str | None) -> str | None:
        if value is None or value.startswith(MARK):
            return value
        return MARK + str(self._multi.encrypt(value.encode()).decode())

    def decrypt(self, value: str | None) -> str | None:
        if value is None or not value.startswith(MARK):
            return value  # saved before encryption was turned on
        try:
            return str(self._multi.decrypt(value.removeprefix(MARK).encode()).decode())
        except self._invalid:
            raise SecretKeyError(
                f"a stored token can't be decrypted with {KEY_VARIABLE}: the key that encrypted"
                " it was removed; put it back (after the new one, comma-separated)"
            ) from None

    def rewrap(self, value: str | None) -> str | None:
        """`value` encrypted with the first key (a plain token is encrypted)."""
        if value is None:
            return None
        if not value.startswith(MARK):
            return self.encrypt(value)
        return MARK + str(self._multi.rotate(value.removeprefix(MARK).encode()).decode())


def require_key(settings: SlackSettings) -> TokenCipher | None:
    """The cipher OAuth mode needs (raising SecretKeyError without a usable key); None when
    Slack isn't in OAuth mode (one workspace's token stays in the environment)."""
    if settings.mode() != "oauth":
        return None
    return TokenCipher.from_setting(settings.secret_key)


def _with(model: Any, cipher: TokenCipher, encrypt: bool) -> Any:
    if model is None:
        return None
    out = copy.copy(model)
    for name in TOKEN_FIELDS:
        if hasattr(out, name):
            value = getattr(out, name)
            setattr(out, name, cipher.encrypt(value) if encrypt else cipher.decrypt(value))
    return out


class EncryptedInstallationStore(AsyncInstallationStore):
    """slack-sdk's installation store with every token encrypted at rest."""

    def __init__(self, inner: AsyncInstallationStore, cipher: TokenCipher) -> None:
        self.inner, self.cipher = inner, cipher

    @property
    def logger(self) -> logging.Logger:
        return self.inner.logger

    async def async_save(self, installation: Installation) -> None:
        await self.inner.async_save(_with(installation, self.cipher, encrypt=True))

    async def async_save_bot(self, bot: Bot) -> None:
        await self.inner.async_save_bot(_with(bot, self.cipher, encrypt=True))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = await self.inner.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return _with(bot, self.cipher, encrypt=False)  # type: ignore[no-any-return]

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        installation = await self.inner.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return _with(installation, self.cipher, encrypt=False)  # type: ignore[no-any-return]

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.inner.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.inner.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.inner.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

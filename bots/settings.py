"""Settings are data: read once from the environment, validated, never printed whole.

The platforms' credentials keep the names their own docs use (SLACK_BOT_TOKEN,
DISCORD_TOKEN, ...); everything else carries the FOLLOWTHROUGH_ prefix. A `.env` file in
the working directory fills in what the environment leaves unset, as docker compose
reads one; an empty value is an unset one, in either.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

import dotenv
import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

PREFIX = "FOLLOWTHROUGH_"
SLACK_API_URL = "https://slack.com/api/"
DISCORD_API_URL = "https://discord.com/api/v10"

SlackMode = Literal["oauth", "single"]


class ConfigError(Exception):
    """A missing or invalid setting; the message names the variable."""


def default_database_url() -> str:
    folder = Path(platformdirs.user_data_dir("followthrough", appauthor=False))
    return f"sqlite:///{folder / 'followthrough.db'}"


# field name -> environment variable, for the settings that are credentials: they are in
# `secrets()` and never in `repr()`.
SECRETS = {
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_client_secret": "SLACK_CLIENT_SECRET",
    "discord_token": "DISCORD_TOKEN",
    "secret_key": PREFIX + "SECRET_KEY",
}


DISCORD_GLOBAL_RATE = 50  # requests per second, per bot
DOTENV = Path(".env")


def environment(
    environ: Mapping[str, str] | None = None, dotenv_path: Path = DOTENV
) -> dict[str, str]:
    """The variables settings are read from: the process's environment, over a `.env`
    file (relative to the working directory) for what it leaves unset. A variable that is
    empty (or only spaces) in either is unset: `.env.example`'s `SLACK_BOT_TOKEN=` sets
    nothing, and an empty variable in the environment doesn't hide the file's value."""
    environ = os.environ if environ is None else environ
    merged = {name: value for name, value in _read_dotenv(dotenv_path).items() if value.strip()}
    merged.update((name, value) for name, value in environ.items() if value.strip())
    return merged


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} could not be read: {error}") from None
    # `KEY` alone (no `=`) parses as None: unset, as `KEY=` is.
    values = dotenv.dotenv_values(stream=io.StringIO(text))
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    log_json: bool = False
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    discord_token: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    slack_api_url: str = SLACK_API_URL
    discord_api_url: str = DISCORD_API_URL
    discord_gateway_url: str | None = None  # None: the library's own
    secret_key: str | None = None
    # Discord's 50 requests/s are the bot's, whatever its processes: with N processes
    # sending, give each 50/N.
    discord_rate: int = DISCORD_GLOBAL_RATE

    def __post_init__(self) -> None:
        if "://" not in self.database_url:
            raise ConfigError(
                f"{PREFIX}DATABASE_URL must be a SQLAlchemy URL, e.g. sqlite:///path.db"
            )
        try:
            make_url(self.database_url).get_dialect()
        except NoSuchModuleError:
            raise ConfigError(
                f"{PREFIX}DATABASE_URL names a database SQLAlchemy doesn't know; use"
                " sqlite:///path.db or postgresql+psycopg://user@host/name"
            ) from None
        except (ArgumentError, ValueError):
            raise ConfigError(
                f"{PREFIX}DATABASE_URL is not a SQLAlchemy URL, e.g. sqlite:///path.db"
            ) from None
        if not 1 <= self.http_port <= 65535:
            raise ConfigError(f"{PREFIX}HTTP_PORT must be a port number, 1-65535")
        if not 1 <= self.discord_rate <= DISCORD_GLOBAL_RATE:
            raise ConfigError(
                f"{PREFIX}DISCORD_RATE must be a whole number of requests per second, 1-50"
                " (Discord's limit for the bot, shared by its processes)"
            )
        _check_url(PREFIX + "SLACK_API_URL", self.slack_api_url, ("http", "https"))
        _check_url(PREFIX + "DISCORD_API_URL", self.discord_api_url, ("http", "https"))
        if self.discord_gateway_url is not None:
            _check_url(PREFIX + "DISCORD_GATEWAY_URL", self.discord_gateway_url, ("ws", "wss"))
        # slack-sdk appends the method name to its base URL as is; discord.py appends
        # paths that start with "/".
        if not self.slack_api_url.endswith("/"):
            object.__setattr__(self, "slack_api_url", self.slack_api_url + "/")
        object.__setattr__(self, "discord_api_url", self.discord_api_url.rstrip("/"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in `env`; by default the process's `environment()` (.env included)."""
        env = environment() if env is None else env

        def get(name: str) -> str | None:
            # An empty variable (`SLACK_BOT_TOKEN=` in a compose file) is an unset one.
            value = env.get(name, "").strip()
            return value or None

        port = get(PREFIX + "HTTP_PORT") or "3000"
        if not port.isascii() or not port.isdigit():
            raise ConfigError(f"{PREFIX}HTTP_PORT must be a port number, 1-65535 (got {port!r})")
        rate = get(PREFIX + "DISCORD_RATE") or str(DISCORD_GLOBAL_RATE)
        if not rate.isascii() or not rate.isdigit():
            raise ConfigError(f"{PREFIX}DISCORD_RATE must be a whole number, 1-50 (got {rate!r})")
        return cls(
            database_url=get(PREFIX + "DATABASE_URL") or default_database_url(),
            log_json=get(PREFIX + "LOG_JSON") == "1",
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_client_id=get("SLACK_CLIENT_ID"),
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            discord_token=get("DISCORD_TOKEN"),
            http_host=get(PREFIX + "HTTP_HOST") or "127.0.0.1",
            http_port=int(port),
            slack_api_url=get(PREFIX + "SLACK_API_URL") or SLACK_API_URL,
            discord_api_url=get(PREFIX + "DISCORD_API_URL") or DISCORD_API_URL,
            discord_gateway_url=get(PREFIX + "DISCORD_GATEWAY_URL"),
            secret_key=get(PREFIX + "SECRET_KEY"),
            discord_rate=int(rate),
        )

    def slack_mode(self) -> SlackMode | None:
        """How Slack is connected: "oauth" (many workspaces install the app), "single" (one
        workspace's bot token), or None (not configured). A partial configuration is a
        ConfigError naming what is missing."""
        oauth = {
            "SLACK_CLIENT_ID": self.slack_client_id,
            "SLACK_CLIENT_SECRET": self.slack_client_secret,
        }
        if any(oauth.values()):
            if self.slack_bot_token:
                raise ConfigError(
                    "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and"
                    " SLACK_CLIENT_SECRET (OAuth: workspaces install the app), not both"
                )
            _require({**oauth, "SLACK_SIGNING_SECRET": self.slack_signing_secret}, "OAuth")
            return "oauth"
        if self.slack_bot_token:
            if not (self.slack_signing_secret or self.slack_app_token):
                raise ConfigError(
                    "SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (HTTP mode) or"
                    " SLACK_APP_TOKEN (Socket Mode); neither is set"
                )
            return "single"
        if self.slack_signing_secret or self.slack_app_token:
            raise ConfigError(
                "Slack needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and"
                " SLACK_CLIENT_SECRET (OAuth); neither is set"
            )
        return None

    def require_slack(self) -> SlackMode:
        """`slack_mode()`, for a process that must serve Slack."""
        mode = self.slack_mode()
        if mode is None:
            raise ConfigError(
                "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or"
                " SLACK_APP_TOKEN for Socket Mode), or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET"
                " and SLACK_SIGNING_SECRET for OAuth"
            )
        return mode

    def slack_socket_mode(self) -> bool:
        """Whether Slack connects out over Socket Mode (one workspace, an app token)
        instead of receiving HTTP requests."""
        return self.slack_mode() == "single" and self.slack_app_token is not None

    def require_discord(self) -> str:
        """The Discord bot token, for a process that must serve Discord."""
        if not self.discord_token:
            raise ConfigError("Discord is not configured: set DISCORD_TOKEN to the bot's token")
        return self.discord_token

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = [getattr(self, name) for name in SECRETS]
        password = make_url(self.database_url).password
        if password:
            values.append(str(password))
        return [value for value in values if value]

    def __repr__(self) -> str:
        # URLs may carry a password and credentials must never be printed: say which
        # are set, not what they are.
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "database_url":
                shown.append(f"database={value.split('://')[0]}")
            elif f.name in SECRETS:
                shown.append(f"{f.name}={'set' if value else 'unset'}")
            else:
                shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"


def _check_url(name: str, url: str, schemes: tuple[str, ...]) -> None:
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in schemes or not rest:
        example = f"{schemes[-1]}://..."
        raise ConfigError(f"{name} must be a {'/'.join(schemes)} URL, e.g. {example}")


def _require(values: Mapping[str, str | None], what: str) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(f"{what} needs {' and '.join(missing)}; not set")

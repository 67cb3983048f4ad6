"""Settings are data: read once from the environment, validated, never printed whole.

The shared part is here (the database, the HTTP server, the logs); each platform's own
part is in bots/<platform>/settings.py, read by its plugin and held in `platforms` by
platform name. The platforms' credentials keep the names their own docs use (SLACK_BOT_TOKEN,
DISCORD_TOKEN, ...); everything else carries the FOLLOWTHROUGH_ prefix. A `.env` file in
the working directory fills in what the environment leaves unset, as docker compose
reads one; an empty value is an unset one, in either.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

import dotenv
import platformdirs

from core.storage import schema

if TYPE_CHECKING:
    from bots.platforms import PlatformSettings

PREFIX = "FOLLOWTHROUGH_"
# The variables of the shared part.
VARIABLES = tuple(
    PREFIX + name for name in ("DATABASE_URL", "HTTP_HOST", "HTTP_PORT", "PUBLIC_URL", "LOG_JSON")
)
# Hosts a plain-http public URL may name: a machine's own, for trying the feeds locally.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class ConfigError(Exception):
    """A missing or invalid setting; the message names the variable."""


def default_database_url() -> str:
    folder = Path(platformdirs.user_data_dir("followthrough", appauthor=False))
    return f"sqlite:///{folder / 'followthrough.db'}"


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
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    # Where members reach the HTTP server from outside (through the operator's HTTPS
    # proxy): their calendar feeds are under it. None: no feeds.
    public_url: str | None = None
    # Each platform's part, by its name; a platform without one is not configured.
    platforms: Mapping[str, PlatformSettings] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "://" not in self.database_url:
            raise ConfigError(
                f"{PREFIX}DATABASE_URL must be a SQLAlchemy URL, e.g. sqlite:///path.db"
            )
        problem = schema.url_problem(self.database_url)
        if problem == "unknown":
            raise ConfigError(
                f"{PREFIX}DATABASE_URL names a database SQLAlchemy doesn't know; use"
                " sqlite:///path.db or postgresql+psycopg://user@host/name"
            )
        if problem is not None:
            raise ConfigError(
                f"{PREFIX}DATABASE_URL is not a SQLAlchemy URL, e.g. sqlite:///path.db"
            )
        if not 1 <= self.http_port <= 65535:
            raise ConfigError(f"{PREFIX}HTTP_PORT must be a port number, 1-65535")
        if self.public_url is not None:
            check_public_url(self.public_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in `env`; by default the process's `environment()` (.env included).
        The shared part is checked first, then each platform's."""
        from bots.platforms import registry

        env = environment() if env is None else env
        port = get(env, PREFIX + "HTTP_PORT") or "3000"
        if not port.isascii() or not port.isdigit():
            raise ConfigError(f"{PREFIX}HTTP_PORT must be a port number, 1-65535 (got {port!r})")
        shared = cls(
            database_url=get(env, PREFIX + "DATABASE_URL") or default_database_url(),
            log_json=get(env, PREFIX + "LOG_JSON") == "1",
            http_host=get(env, PREFIX + "HTTP_HOST") or "127.0.0.1",
            http_port=int(port),
            public_url=get(env, PREFIX + "PUBLIC_URL"),
        )
        return replace(shared, platforms={p.name: p.read_settings(env) for p in registry()})

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        values = [value for part in self.platforms.values() for value in part.secrets()]
        password = schema.url_password(self.database_url)
        if password:
            values.append(password)
        return [value for value in values if value]

    def __repr__(self) -> str:
        # URLs may carry a password and credentials must never be printed: say which
        # are set, not what they are.
        shown = [
            f"database={self.database_url.split('://')[0]}",
            f"log_json={self.log_json!r}",
            f"http_host={self.http_host!r}",
            f"http_port={self.http_port!r}",
            f"public_url={self.public_url!r}",
        ]
        for name, part in self.platforms.items():
            for f in fields(part):
                value = getattr(part, f.name)
                if f.name in part.SECRETS:
                    shown.append(f"{name}_{f.name}={'set' if value else 'unset'}")
                else:
                    shown.append(f"{name}_{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"


def get(env: Mapping[str, str], name: str) -> str | None:
    """The variable `name` of `env`: an empty one (`SLACK_BOT_TOKEN=` in a compose file)
    is an unset one."""
    value = env.get(name, "").strip()
    return value or None


def check_url(name: str, url: str, schemes: tuple[str, ...]) -> None:
    """A ConfigError naming `name` unless `url` is a URL of one of `schemes`."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in schemes or not rest:
        example = f"{schemes[-1]}://..."
        raise ConfigError(f"{name} must be a {'/'.join(schemes)} URL, e.g. {example}")


def check_public_url(url: str) -> None:
    """A ConfigError unless `url` is an https:// address with a host and no query (plain
    http only for this machine's own names): members' feed addresses carry a secret, which
    must never cross a network unencrypted."""
    name = PREFIX + "PUBLIC_URL"
    if any(char in url for char in "?#@ \\"):
        raise ConfigError(f"{name} must be a plain address: no query, fragment or user name")
    scheme, separator, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    hostname = host[: host.find("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
    local = scheme == "http" and hostname.lower() in LOCAL_HOSTS
    if not separator or not hostname or (scheme != "https" and not local):
        raise ConfigError(
            f"{name} must be the bot's public https:// address, e.g. https://bot.example.com"
            " (http:// only for localhost)"
        )


def require(values: Mapping[str, str | None], what: str) -> None:
    """A ConfigError naming each of `values` that is not set."""
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(f"{what} needs {' and '.join(missing)}; not set")

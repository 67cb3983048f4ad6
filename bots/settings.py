"""Settings are data: read once from the environment (prefix FOLLOWTHROUGH_), validated."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url

PREFIX = "FOLLOWTHROUGH_"


class ConfigError(Exception):
    """A missing or invalid setting; the message names the variable."""


def default_database_url() -> str:
    folder = Path(platformdirs.user_data_dir("followthrough", appauthor=False))
    return f"sqlite:///{folder / 'followthrough.db'}"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    log_json: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get(PREFIX + "DATABASE_URL") or default_database_url()
        if "://" not in url:
            raise ConfigError(
                f"{PREFIX}DATABASE_URL must be a SQLAlchemy URL, e.g. sqlite:///path.db"
            )
        return cls(database_url=url, log_json=env.get(PREFIX + "LOG_JSON", "") == "1")

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        password = make_url(self.database_url).password
        return [str(password)] if password else []

    def __repr__(self) -> str:
        # URLs may carry a password: never print them whole.
        return f"Settings(database={self.database_url.split('://')[0]}, log_json={self.log_json})"

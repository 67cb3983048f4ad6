"""Slack's part of the settings: the credentials of one mode, and the Web API's URL.

Read from the environment with the rest of the settings (bots/settings.py), under the
names Slack's own docs use; FOLLOWTHROUGH_SECRET_KEY encrypts OAuth's stored tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from bots.settings import PREFIX, ConfigError, Settings, check_url, get, require

NAME = "slack"
API_URL = "https://slack.com/api/"
SlackMode = Literal["oauth", "single"]
VARIABLES = (
    "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET", PREFIX + "SLACK_API_URL", PREFIX + "SECRET_KEY",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SlackSettings:
    SECRETS: ClassVar[frozenset[str]] = frozenset(
        {"signing_secret", "bot_token", "app_token", "client_secret", "secret_key"}
    )

    signing_secret: str | None = None
    bot_token: str | None = None
    app_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    api_url: str = API_URL
    secret_key: str | None = None  # FOLLOWTHROUGH_SECRET_KEY: OAuth's tokens at rest

    def __post_init__(self) -> None:
        check_url(PREFIX + "SLACK_API_URL", self.api_url, ("http", "https"))
        # slack-sdk appends the method name to its base URL as is.
        if not self.api_url.endswith("/"):
            object.__setattr__(self, "api_url", self.api_url + "/")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        return cls(
            signing_secret=get(env, "SLACK_SIGNING_SECRET"),
            bot_token=get(env, "SLACK_BOT_TOKEN"),
            app_token=get(env, "SLACK_APP_TOKEN"),
            client_id=get(env, "SLACK_CLIENT_ID"),
            client_secret=get(env, "SLACK_CLIENT_SECRET"),
            api_url=get(env, PREFIX + "SLACK_API_URL") or API_URL,
            secret_key=get(env, PREFIX + "SECRET_KEY"),
        )

    @classmethod
    def of(cls, settings: Settings) -> SlackSettings:
        """Slack's part of `settings` (unset values if it has none)."""
        part = settings.platforms.get(NAME)
        return part if isinstance(part, SlackSettings) else cls()

    def mode(self) -> SlackMode | None:
        """How Slack is connected: "oauth" (many workspaces install the app), "single" (one
        workspace's bot token), or None (not configured). A partial configuration is a
        ConfigError naming what is missing."""
        oauth = {"SLACK_CLIENT_ID": self.client_id, "SLACK_CLIENT_SECRET": self.client_secret}
        if any(oauth.values()):
            if self.bot_token:
                raise ConfigError(
                    "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and"
                    " SLACK_CLIENT_SECRET (OAuth: workspaces install the app), not both"
                )
            require({**oauth, "SLACK_SIGNING_SECRET": self.signing_secret}, "OAuth")
            return "oauth"
        if self.bot_token:
            if not (self.signing_secret or self.app_token):
                raise ConfigError(
                    "SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (HTTP mode) or"
                    " SLACK_APP_TOKEN (Socket Mode); neither is set"
                )
            return "single"
        if self.signing_secret or self.app_token:
            raise ConfigError(
                "Slack needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and"
                " SLACK_CLIENT_SECRET (OAuth); neither is set"
            )
        return None

    def configured(self) -> bool:
        return self.mode() is not None

    def require(self) -> SlackMode:
        """`mode()`, for a process that must serve Slack."""
        mode = self.mode()
        if mode is None:
            raise ConfigError(
                "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or"
                " SLACK_APP_TOKEN for Socket Mode), or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET"
                " and SLACK_SIGNING_SECRET for OAuth"
            )
        return mode

    def socket_mode(self) -> bool:
        """Whether Slack connects out over Socket Mode (one workspace, an app token)
        instead of receiving HTTP requests."""
        return self.mode() == "single" and self.app_token is not None

    def secrets(self) -> list[str]:
        values = (
            self.signing_secret,
            self.bot_token,
            self.app_token,
            self.client_secret,
            self.secret_key,
        )
        return [value for value in values if value]

    def summary(self) -> str:
        if self.mode() == "oauth":
            return "Slack over OAuth (many workspaces, HTTP)"
        transport = "Socket Mode" if self.socket_mode() else "HTTP"
        return f"Slack for one workspace over {transport}"

"""The Slack adapter's settings: which mode, which transport, which credentials.

Taken from the process Settings (read and validated once: Slack's part is
bots/slack/settings.py) and handed to Bolt explicitly: Bolt is never left to read
`SLACK_*` variables by itself (it would quietly pick file stores).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bots.settings import Settings
from bots.slack.settings import API_URL as DEFAULT_API_URL
from bots.slack.settings import SlackSettings

# chat.postMessage allows about one message per second per channel; across a
# workspace Slack documents no number but throttles bursts: pace DMs at this rate.
DEFAULT_WORKSPACE_RATE = 1.0
# Slack waits 3 s for a slash command's ack. An answer ready within this many seconds of
# the listener's start rides in the ack itself (one round trip, the fastest answer); a
# later one follows the empty ack on the command's response_url. The rest of the 3 s is
# for what runs before the listener (signature check, authorize) and the network.
ANSWER_IN_ACK = 1.0
# views.publish is Tier 4, "100+ per minute" per workspace (SLACK.md, rate limits, from
# https://docs.slack.dev/apis/web-api/rate-limits): Home redraws keep to 100 a minute.
HOME_LIMIT = 100
HOME_WINDOW = 60.0


@dataclass(frozen=True, slots=True)
class SlackConfig:
    signing_secret: str | None = None
    bot_token: str | None = None
    app_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    api_url: str = DEFAULT_API_URL
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    database_url: str = "sqlite://"
    public_url: str | None = None  # https://bot.example.com: the OAuth redirect's base
    workspace_rate: float = DEFAULT_WORKSPACE_RATE
    answer_in_ack: float = ANSWER_IN_ACK  # seconds
    home_limit: int = HOME_LIMIT  # views.publish calls per workspace ...
    home_window: float = HOME_WINDOW  # ... in any this many seconds
    secret_key: str | None = None  # FOLLOWTHROUGH_SECRET_KEY: OAuth's tokens at rest

    @property
    def mode(self) -> Literal["single", "oauth"]:
        return "oauth" if self.client_id else "single"

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def redirect_uri(self) -> str | None:
        return None if self.public_url is None else f"{self.public_url}/slack/oauth_redirect"

    def __repr__(self) -> str:
        transport = "socket" if self.socket_mode else "http"
        return f"SlackConfig(mode={self.mode}, transport={transport}, api={self.api_url})"

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> SlackConfig:
        """The Slack part of the process settings, validated there (a ConfigError names
        what is missing)."""
        slack = SlackSettings.of(settings)
        slack.require()
        values: dict[str, Any] = {
            "signing_secret": slack.signing_secret,
            "bot_token": slack.bot_token,
            # Socket Mode is for one workspace; OAuth installs need the public HTTP server.
            "app_token": slack.app_token if slack.socket_mode() else None,
            "client_id": slack.client_id,
            "client_secret": slack.client_secret,
            "api_url": slack.api_url,
            "http_host": settings.http_host,
            "http_port": settings.http_port,
            "database_url": settings.database_url,
            "secret_key": slack.secret_key,
        }
        return cls(**{**values, **overrides})

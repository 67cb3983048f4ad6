"""Discord's part of the settings: the bot's token, the REST and gateway URLs, and the
share of the bot's global rate limit this process takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from bots.settings import PREFIX, ConfigError, Settings, check_url, get

NAME = "discord"
API_URL = "https://discord.com/api/v10"
GLOBAL_RATE = 50  # requests per second, per bot
VARIABLES = (
    "DISCORD_TOKEN", PREFIX + "DISCORD_API_URL", PREFIX + "DISCORD_GATEWAY_URL",
    PREFIX + "DISCORD_RATE",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    SECRETS: ClassVar[frozenset[str]] = frozenset({"token"})

    token: str | None = None
    api_url: str = API_URL
    gateway_url: str | None = None  # None: the library's own
    # Discord's 50 requests/s are the bot's, whatever its processes: with N processes
    # sending, give each 50/N.
    rate: int = GLOBAL_RATE

    def __post_init__(self) -> None:
        if not 1 <= self.rate <= GLOBAL_RATE:
            raise ConfigError(
                f"{PREFIX}DISCORD_RATE must be a whole number of requests per second, 1-50"
                " (Discord's limit for the bot, shared by its processes)"
            )
        check_url(PREFIX + "DISCORD_API_URL", self.api_url, ("http", "https"))
        if self.gateway_url is not None:
            check_url(PREFIX + "DISCORD_GATEWAY_URL", self.gateway_url, ("ws", "wss"))
        # discord.py appends paths that start with "/".
        object.__setattr__(self, "api_url", self.api_url.rstrip("/"))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DiscordSettings:
        rate = get(env, PREFIX + "DISCORD_RATE") or str(GLOBAL_RATE)
        if not rate.isascii() or not rate.isdigit():
            raise ConfigError(f"{PREFIX}DISCORD_RATE must be a whole number, 1-50 (got {rate!r})")
        return cls(
            token=get(env, "DISCORD_TOKEN"),
            api_url=get(env, PREFIX + "DISCORD_API_URL") or API_URL,
            gateway_url=get(env, PREFIX + "DISCORD_GATEWAY_URL"),
            rate=int(rate),
        )

    @classmethod
    def of(cls, settings: Settings) -> DiscordSettings:
        """Discord's part of `settings` (unset values if it has none)."""
        part = settings.platforms.get(NAME)
        return part if isinstance(part, DiscordSettings) else cls()

    def configured(self) -> bool:
        return bool(self.token)

    def require(self) -> str:
        """The bot token, for a process that must serve Discord."""
        if not self.token:
            raise ConfigError("Discord is not configured: set DISCORD_TOKEN to the bot's token")
        return self.token

    def secrets(self) -> list[str]:
        return [self.token] if self.token else []

    def summary(self) -> str:
        return "Discord"

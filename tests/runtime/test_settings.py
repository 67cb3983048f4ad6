"""Settings: read once from the environment, validated with the variable named, and the
credentials never printed."""

from __future__ import annotations

import pytest

from bots.settings import ConfigError, Settings

DB = {"FOLLOWTHROUGH_DATABASE_URL": "sqlite:///x.db"}
SINGLE_HTTP = {"SLACK_BOT_TOKEN": "xoxb-1-2-BoTtOkEn", "SLACK_SIGNING_SECRET": "SiGnInG"}
SINGLE_SOCKET = {"SLACK_BOT_TOKEN": "xoxb-1-2-BoTtOkEn", "SLACK_APP_TOKEN": "xapp-1-ApPtOkEn"}
OAUTH = {
    "SLACK_CLIENT_ID": "123.456",
    "SLACK_CLIENT_SECRET": "ClIeNtSeCrEt",
    "SLACK_SIGNING_SECRET": "SiGnInG",
}
EVERY_SECRET = {
    "SLACK_SIGNING_SECRET": "s-signing",
    "SLACK_BOT_TOKEN": "s-bot",
    "SLACK_APP_TOKEN": "s-app",
    "SLACK_CLIENT_SECRET": "s-client",
    "DISCORD_TOKEN": "s-discord",
    "FOLLOWTHROUGH_SECRET_KEY": "s-key",
    "FOLLOWTHROUGH_DATABASE_URL": "postgresql+psycopg://app:s-password@db/followthrough",
}


def settings(**env: str) -> Settings:
    return Settings.from_env({**DB, **env})


def test_the_defaults_are_the_documented_ones() -> None:
    s = Settings.from_env({})
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("followthrough.db")
    assert (s.http_host, s.http_port) == ("127.0.0.1", 3000)
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.discord_api_url == "https://discord.com/api/v10"
    assert s.discord_gateway_url is None  # discord.py's own
    assert s.slack_mode() is None
    assert s.secrets() == []


def test_every_variable_of_the_design_is_read() -> None:
    s = Settings.from_env(
        {
            **EVERY_SECRET,
            "SLACK_CLIENT_ID": "123.456",
            "SLACK_BOT_TOKEN": "",  # empty is unset (a compose file's `SLACK_BOT_TOKEN=`)
            "FOLLOWTHROUGH_HTTP_HOST": "0.0.0.0",
            "FOLLOWTHROUGH_HTTP_PORT": "8080",
            "FOLLOWTHROUGH_SLACK_API_URL": "http://127.0.0.1:9000/api/",
            "FOLLOWTHROUGH_DISCORD_API_URL": "http://127.0.0.1:9001/api/v10",
            "FOLLOWTHROUGH_DISCORD_GATEWAY_URL": "ws://127.0.0.1:9002/gateway",
            "FOLLOWTHROUGH_LOG_JSON": "1",
        }
    )
    assert s.slack_signing_secret == "s-signing"
    assert s.slack_bot_token is None
    assert (s.slack_app_token, s.slack_client_id, s.slack_client_secret) == (
        "s-app",
        "123.456",
        "s-client",
    )
    assert (s.discord_token, s.secret_key) == ("s-discord", "s-key")
    assert (s.http_host, s.http_port) == ("0.0.0.0", 8080)
    assert s.slack_api_url == "http://127.0.0.1:9000/api/"
    assert s.discord_api_url == "http://127.0.0.1:9001/api/v10"
    assert s.discord_gateway_url == "ws://127.0.0.1:9002/gateway"
    assert s.log_json


def test_settings_are_frozen() -> None:
    s = settings()
    with pytest.raises(AttributeError):
        s.http_port = 1  # type: ignore[misc]


def test_every_credential_is_a_secret_and_none_is_in_the_repr() -> None:
    s = Settings.from_env(EVERY_SECRET)
    assert sorted(s.secrets()) == sorted(
        ["s-signing", "s-bot", "s-app", "s-client", "s-discord", "s-key", "s-password"]
    )
    shown = repr(s)
    for secret in s.secrets():
        assert secret not in shown
    assert "slack_bot_token=set" in shown and "database=postgresql+psycopg" in shown


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1", "80.5", "٣٠٠٠"])
def test_a_port_that_is_not_one_is_refused_by_name(port: str) -> None:
    with pytest.raises(ConfigError, match="FOLLOWTHROUGH_HTTP_PORT"):
        settings(FOLLOWTHROUGH_HTTP_PORT=port)


@pytest.mark.parametrize("port", ["1", "3000", "65535"])
def test_a_port_in_range_is_taken(port: str) -> None:
    assert settings(FOLLOWTHROUGH_HTTP_PORT=port).http_port == int(port)


def test_the_slack_api_url_gets_the_trailing_slash_slack_sdk_needs() -> None:
    s = settings(FOLLOWTHROUGH_SLACK_API_URL="http://127.0.0.1:9000/api")
    assert s.slack_api_url == "http://127.0.0.1:9000/api/"
    assert Settings("sqlite://", slack_api_url="http://h/api").slack_api_url == "http://h/api/"


def test_the_discord_api_url_loses_a_trailing_slash() -> None:
    s = settings(FOLLOWTHROUGH_DISCORD_API_URL="http://127.0.0.1:9001/api/v10/")
    assert s.discord_api_url == "http://127.0.0.1:9001/api/v10"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FOLLOWTHROUGH_SLACK_API_URL", "slack.com/api/"),
        ("FOLLOWTHROUGH_DISCORD_API_URL", "ftp://discord.com/api"),
        ("FOLLOWTHROUGH_DISCORD_GATEWAY_URL", "https://gateway.discord.gg"),
        ("FOLLOWTHROUGH_DATABASE_URL", "followthrough.db"),
        ("FOLLOWTHROUGH_DATABASE_URL", "nosuchdb://x"),
        ("FOLLOWTHROUGH_DATABASE_URL", "postgresql://[::1"),
    ],
)
def test_a_malformed_url_is_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        settings(**{variable: value})


# -- Slack's modes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "mode", "socket"),
    [
        ({}, None, False),
        (SINGLE_HTTP, "single", False),
        (SINGLE_SOCKET, "single", True),
        ({**SINGLE_HTTP, **SINGLE_SOCKET}, "single", True),
        (OAUTH, "oauth", False),
    ],
)
def test_slack_mode_follows_the_credentials(
    env: dict[str, str], mode: str | None, socket: bool
) -> None:
    s = settings(**env)
    assert s.slack_mode() == mode
    assert s.slack_socket_mode() is socket


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1-x"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-x"}, "SLACK_APP_TOKEN"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "SiGnInG"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "ClIeNt", "SLACK_SIGNING_SECRET": "SiGnInG"}, "SLACK_CLIENT_ID"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "ClIeNt"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "SiGnInG"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1-x"}, "SLACK_CLIENT_ID"),
    ],
)
def test_a_partial_slack_configuration_names_what_is_missing(
    env: dict[str, str], missing: str
) -> None:
    with pytest.raises(ConfigError, match=missing) as refused:
        settings(**env).slack_mode()
    for value in env.values():
        assert value not in str(refused.value)  # never the credentials themselves


def test_a_bot_token_and_oauth_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="not both"):
        settings(**OAUTH, SLACK_BOT_TOKEN="xoxb-1").slack_mode()


def test_require_slack_names_the_variables_when_slack_is_not_configured() -> None:
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN.*SLACK_CLIENT_ID"):
        settings().require_slack()
    assert settings(**OAUTH).require_slack() == "oauth"


def test_require_discord_names_the_token() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        settings().require_discord()
    assert settings(DISCORD_TOKEN=" tok ").require_discord() == "tok"


def test_the_discord_rate_is_the_bots_and_shared_by_its_processes() -> None:
    assert settings().discord_rate == 50
    assert settings(FOLLOWTHROUGH_DISCORD_RATE="17").discord_rate == 17  # three workers
    for bad in ("0", "51", "fast", "2.5"):
        with pytest.raises(ConfigError, match="FOLLOWTHROUGH_DISCORD_RATE"):
            settings(FOLLOWTHROUGH_DISCORD_RATE=bad)

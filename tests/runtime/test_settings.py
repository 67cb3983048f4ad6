"""Settings: read once from the environment, validated with the variable named, and the
credentials never printed."""

from __future__ import annotations

import re
from pathlib import Path

import dotenv
import pytest

from bots.cli import main
from bots.discord.settings import DiscordSettings
from bots.settings import ConfigError, Settings, environment
from bots.slack.settings import SlackSettings

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


def slack(s: Settings) -> SlackSettings:
    return SlackSettings.of(s)


def discord(s: Settings) -> DiscordSettings:
    return DiscordSettings.of(s)


def test_the_defaults_are_the_documented_ones() -> None:
    s = Settings.from_env({})
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("followthrough.db")
    assert (s.http_host, s.http_port) == ("127.0.0.1", 3000)
    assert s.public_url is None  # no calendar feeds
    assert slack(s).api_url == "https://slack.com/api/"
    assert discord(s).api_url == "https://discord.com/api/v10"
    assert discord(s).gateway_url is None  # discord.py's own
    assert slack(s).mode() is None
    assert s.secrets() == []


def test_every_variable_of_the_design_is_read() -> None:
    s = Settings.from_env(
        {
            **EVERY_SECRET,
            "SLACK_CLIENT_ID": "123.456",
            "SLACK_BOT_TOKEN": "",  # empty is unset (a compose file's `SLACK_BOT_TOKEN=`)
            "FOLLOWTHROUGH_HTTP_HOST": "0.0.0.0",
            "FOLLOWTHROUGH_HTTP_PORT": "8080",
            "FOLLOWTHROUGH_PUBLIC_URL": "https://bot.example.com",
            "FOLLOWTHROUGH_SLACK_API_URL": "http://127.0.0.1:9000/api/",
            "FOLLOWTHROUGH_DISCORD_API_URL": "http://127.0.0.1:9001/api/v10",
            "FOLLOWTHROUGH_DISCORD_GATEWAY_URL": "ws://127.0.0.1:9002/gateway",
            "FOLLOWTHROUGH_LOG_JSON": "1",
        }
    )
    assert slack(s).signing_secret == "s-signing"
    assert slack(s).bot_token is None
    assert (slack(s).app_token, slack(s).client_id, slack(s).client_secret) == (
        "s-app",
        "123.456",
        "s-client",
    )
    assert (discord(s).token, slack(s).secret_key) == ("s-discord", "s-key")
    assert (s.http_host, s.http_port) == ("0.0.0.0", 8080)
    assert s.public_url == "https://bot.example.com"
    assert slack(s).api_url == "http://127.0.0.1:9000/api/"
    assert discord(s).api_url == "http://127.0.0.1:9001/api/v10"
    assert discord(s).gateway_url == "ws://127.0.0.1:9002/gateway"
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


@pytest.mark.parametrize(
    "url",
    [
        "http://bot.example.com",  # a feed's address carries a secret: never in the clear
        "bot.example.com",
        "https://",
        "ftp://bot.example.com",
        "https://user@bot.example.com",
        "https://bot.example.com/?feeds=1",
        "http://127.0.0.1.example.com",
    ],
)
def test_a_public_url_that_is_not_a_plain_https_address_is_refused_by_name(url: str) -> None:
    with pytest.raises(ConfigError, match="FOLLOWTHROUGH_PUBLIC_URL"):
        settings(FOLLOWTHROUGH_PUBLIC_URL=url)


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.com",
        "https://example.com/followthrough/",
        "https://bot.example.com:8443",
        "http://localhost:3000",  # trying the feeds on one's own machine
        "http://127.0.0.1:3000",
        "http://[::1]:3000",
    ],
)
def test_a_public_url_over_https_or_to_this_machine_is_taken(url: str) -> None:
    assert settings(FOLLOWTHROUGH_PUBLIC_URL=url).public_url == url


def test_the_slack_api_url_gets_the_trailing_slash_slack_sdk_needs() -> None:
    s = settings(FOLLOWTHROUGH_SLACK_API_URL="http://127.0.0.1:9000/api")
    assert slack(s).api_url == "http://127.0.0.1:9000/api/"
    assert SlackSettings(api_url="http://h/api").api_url == "http://h/api/"


def test_the_discord_api_url_loses_a_trailing_slash() -> None:
    s = settings(FOLLOWTHROUGH_DISCORD_API_URL="http://127.0.0.1:9001/api/v10/")
    assert discord(s).api_url == "http://127.0.0.1:9001/api/v10"


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
    assert slack(s).mode() == mode
    assert slack(s).socket_mode() is socket


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
        slack(settings(**env)).mode()
    for value in env.values():
        assert value not in str(refused.value)  # never the credentials themselves


def test_a_bot_token_and_oauth_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="not both"):
        slack(settings(**OAUTH, SLACK_BOT_TOKEN="xoxb-1")).mode()


def test_require_slack_names_the_variables_when_slack_is_not_configured() -> None:
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN.*SLACK_CLIENT_ID"):
        slack(settings()).require()
    assert slack(settings(**OAUTH)).require() == "oauth"


def test_require_discord_names_the_token() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        discord(settings()).require()
    assert discord(settings(DISCORD_TOKEN=" tok ")).require() == "tok"


def test_the_discord_rate_is_the_bots_and_shared_by_its_processes() -> None:
    assert discord(settings()).rate == 50
    assert discord(settings(FOLLOWTHROUGH_DISCORD_RATE="17")).rate == 17  # three workers
    for bad in ("0", "51", "fast", "2.5"):
        with pytest.raises(ConfigError, match="FOLLOWTHROUGH_DISCORD_RATE"):
            settings(FOLLOWTHROUGH_DISCORD_RATE=bad)


# -- .env, and empty = unset -------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def example_names() -> list[str]:
    """Every variable .env.example names, set or commented out."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE)


@pytest.mark.parametrize("name", example_names())
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_variable_is_an_unset_one(name: str, empty: str) -> None:
    assert Settings.from_env({name: empty}) == Settings.from_env({})


def test_a_dotenv_file_fills_in_what_the_environment_leaves_unset(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# an operator's file\n"
        "export DISCORD_TOKEN=from-the-file\n"
        "FOLLOWTHROUGH_HTTP_PORT=8080\n"
        'FOLLOWTHROUGH_HTTP_HOST="0.0.0.0"\n'
        "SLACK_BOT_TOKEN=\n"
        "FOLLOWTHROUGH_LOG_JSON=\n",
        encoding="utf-8",
    )
    environ = {
        "DISCORD_TOKEN": "from-the-environment",  # the environment wins
        "FOLLOWTHROUGH_HTTP_PORT": "",  # empty: the file's value
        "FOLLOWTHROUGH_LOG_JSON": "1",  # the file's empty value hides nothing
    }
    s = Settings.from_env(environment(environ, dotenv))
    assert discord(s).token == "from-the-environment"
    assert (s.http_host, s.http_port) == ("0.0.0.0", 8080)
    assert slack(s).bot_token is None
    assert s.log_json


def test_without_a_dotenv_file_the_environment_is_all(tmp_path: Path) -> None:
    assert environment({"DISCORD_TOKEN": "t", "SLACK_BOT_TOKEN": ""}, tmp_path / ".env") == {
        "DISCORD_TOKEN": "t"
    }
    (tmp_path / "folder.env").mkdir()
    assert environment({}, tmp_path / "folder.env") == {}


def test_a_dotenv_file_that_is_not_text_is_refused_by_name(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"DISCORD_TOKEN=caf\xe9\n")
    with pytest.raises(ConfigError, match=r"\.env could not be read"):
        environment({}, dotenv)


def dockerfile_env() -> dict[str, str]:
    """The variables the image's ENV sets."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    block = re.search(r"^ENV (.*)$", text, re.MULTILINE)
    assert block is not None
    return dict(pair.split("=", 1) for pair in block[1].split())


def test_the_env_example_as_compose_passes_it_changes_nothing_the_image_sets() -> None:
    """compose's env_file passes an empty `NAME=` as set and empty, over the image's ENV:
    the example's empty values would turn the image's JSON logs off."""
    image = dockerfile_env()
    assert image["FOLLOWTHROUGH_LOG_JSON"] == "1"
    example = dotenv.dotenv_values(ROOT / ".env.example")
    passed = {name: value or "" for name, value in example.items()}
    assert Settings.from_env({**image, **passed}) == Settings.from_env(image)
    assert Settings.from_env({**image, **passed}).log_json


def test_the_command_reads_the_dotenv_file_in_its_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOLLOWTHROUGH_DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text(
        f"FOLLOWTHROUGH_DATABASE_URL=sqlite:///{tmp_path / 'from-dotenv.db'}\n", encoding="utf-8"
    )
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "from-dotenv.db").exists()

    monkeypatch.setenv("FOLLOWTHROUGH_DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "from-env.db").exists()

    (tmp_path / ".env").write_bytes(b"FOLLOWTHROUGH_HTTP_PORT=\xff\n")
    assert main(["db", "upgrade"]) == 2
    assert ".env could not be read" in capsys.readouterr().err


def test_the_commands_the_tests_run_here_read_no_dotenv_where_the_tests_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    # tmp_path stands in for the checkout the tests run from, a developer's .env in it.
    poison = "postgresql+psycopg://poison@127.0.0.1:1/poison"
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN=xoxb-from-dotenv\nFOLLOWTHROUGH_DATABASE_URL={poison}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert environment()["SLACK_BOT_TOKEN"] == "xoxb-from-dotenv"  # it would bite

    request.getfixturevalue("environment")  # what the tests of `main` in this process use

    assert not {"SLACK_BOT_TOKEN", "FOLLOWTHROUGH_DATABASE_URL"} & environment().keys()
    assert Settings.from_env().database_url != poison

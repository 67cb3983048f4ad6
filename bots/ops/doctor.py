"""`followthrough doctor`: is this installation set up right? One line per finding.

It checks the settings (each broken variable, not just the first), the database
(reachable, schema current), the Slack token (auth.test and its scopes, the app token
for Socket Mode), the Discord token (the bot user, the application and the intents it
needs) and each group's channel, through the configured API URLs. A problem line says
what is wrong and how to fix it; the exit status is 0 only when there is none.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bots.ops.doctor_platforms import check_discord, check_slack
from bots.ops.findings import Finding, Report
from bots.ops.health import schema_head
from bots.runtime.lock import sqlite_path
from bots.settings import PREFIX, ConfigError, Settings
from bots.slack.secrets import GENERATE
from core.storage.tables import GroupRow

VARIABLES = (
    *(f"{PREFIX}{name}" for name in (
        "DATABASE_URL", "HTTP_HOST", "HTTP_PORT", "SLACK_API_URL", "DISCORD_API_URL",
        "DISCORD_GATEWAY_URL", "SECRET_KEY", "LOG_JSON", "DISCORD_RATE",
    )),
    "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET", "DISCORD_TOKEN",
)  # fmt: skip


# -- settings ----------------------------------------------------------------------------


def read_settings(env: Mapping[str, str], report: Report) -> tuple[Settings, set[str]]:
    """The settings, with every variable that is broken reported and left at its default.

    Returns the settings and the names of the broken variables (whose checks are
    skipped: they would only repeat the problem)."""
    env = dict(env)
    broken: set[str] = set()
    while True:
        try:
            settings = Settings.from_env(env)
            break
        except ConfigError as error:
            message = str(error)
            named = [name for name in VARIABLES if name in message and name in env]
            # The longest names first: FOLLOWTHROUGH_SLACK_API_URL also contains ...API_URL.
            named = [n for n in named if not any(n != m and n in m for m in named)]
            report.problem("settings", message, _settings_fix(named))
            if not named:
                return Settings.from_env({}), {"*"}
            for name in named:
                env.pop(name)
                broken.add(name)
    try:
        mode = settings.slack_mode()
    except ConfigError as error:
        report.problem("settings", str(error), "set the Slack variables of one mode (README)")
        broken.add("SLACK")
        mode = None
    if settings.slack_bot_token and not settings.slack_bot_token.startswith("xoxb-"):
        report.problem(
            "settings",
            "SLACK_BOT_TOKEN is not a bot token (it should start with xoxb-)",
            "copy the Bot User OAuth Token from the app's OAuth & Permissions page",
        )
        broken.add("SLACK")
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        report.problem(
            "settings",
            "SLACK_APP_TOKEN is not an app-level token (it should start with xapp-)",
            "create one under Basic Information > App-Level Tokens, scope connections:write",
        )
        broken.add("SLACK")
    if mode == "oauth":
        _check_secret_key(settings, report)
    if mode is None and not settings.discord_token and "SLACK" not in broken:
        report.problem(
            "settings",
            "neither Slack nor Discord is configured: the bot has nobody to serve",
            "set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET,"
            " or DISCORD_TOKEN (see .env.example)",
        )
    if not report.problems:
        report.ok("settings", summary(settings, mode))
    return settings, broken


def summary(settings: Settings, mode: str | None) -> str:
    """What the settings add up to, in words (no secret in them)."""
    parts = [f"database {make_url(settings.database_url).get_backend_name()}"]
    if mode == "oauth":
        parts.append("Slack over OAuth (many workspaces, HTTP)")
    elif mode == "single":
        transport = "Socket Mode" if settings.slack_socket_mode() else "HTTP"
        parts.append(f"Slack for one workspace over {transport}")
    if settings.discord_token:
        parts.append("Discord")
    parts.append(f"HTTP on {settings.http_host}:{settings.http_port}")
    return ", ".join(parts)


def _settings_fix(named: Sequence[str]) -> str:
    if not named:
        return "correct the environment (see .env.example)"
    return f"correct {' and '.join(named)} in the environment or .env file"


def _check_secret_key(settings: Settings, report: Report) -> None:
    if not settings.secret_key:
        report.problem(
            "settings",
            f"OAuth mode stores each workspace's bot token in the database; {PREFIX}SECRET_KEY"
            " is not set, so they would be stored unencrypted",
            f"set {PREFIX}SECRET_KEY to a new key: {GENERATE}",
        )
        return
    problem = secret_key_problem(settings.secret_key)
    if problem is not None:
        report.problem("settings", problem, f"set {PREFIX}SECRET_KEY to a new key")


def secret_key_problem(value: str) -> str | None:
    """Why FOLLOWTHROUGH_SECRET_KEY can't be used, or None."""
    from bots.slack.secrets import SecretKeyError, TokenCipher

    try:
        TokenCipher.from_setting(value)
    except SecretKeyError as error:
        return str(error)
    return None


# -- the database --------------------------------------------------------------------------


def check_database(settings: Settings, report: Report) -> Engine | None:
    """Reachable, at the newest migration; the engine for the channel checks, or None."""
    url = settings.database_url
    backend = make_url(url).get_backend_name()
    path = sqlite_path(url)
    if backend == "sqlite" and path is not None and not Path(path).exists():
        folder = Path(path).parent
        if folder.exists() and not os.access(folder, os.W_OK):
            report.problem(
                "database",
                f"SQLite file {path} does not exist and its folder is not writable",
                f"make {folder} writable for this user, or set {PREFIX}DATABASE_URL",
            )
        else:
            report.ok("database", f"SQLite file {path} will be created on the first start")
        return None
    options: dict[str, Any] = {}
    if backend == "postgresql":
        options["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(url, **options)
    head = schema_head()
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            current = (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in tables
                else None
            )
    except SQLAlchemyError as error:
        engine.dispose()
        original = getattr(error, "orig", None) or error
        first = str(original).strip().splitlines()[0] if str(original).strip() else ""
        report.problem(
            "database",
            f"cannot connect to {make_url(url).render_as_string()} ({first[:160]})",
            f"check {PREFIX}DATABASE_URL (host, port, user, database) and that the server runs",
        )
        return None
    if current == head:
        report.ok("database", f"{backend}, schema at the newest migration ({head})")
        return engine
    if backend == "sqlite" and (current is None or _known(current)):
        report.ok("database", f"SQLite schema at {current}: migrated to {head} on the next start")
        return engine if current is not None else None
    if current is not None and not _known(current):
        report.problem(
            "database",
            f"the schema is at migration {current}, which this release doesn't know (a newer"
            " release migrated it)",
            "run the newer release, or restore the backup taken before upgrading",
        )
        return None
    report.problem(
        "database",
        f"the schema is at migration {current or '(none)'}, this release needs {head}",
        "run `followthrough db upgrade` once (docker compose runs it as the migrate service)",
    )
    return engine if current is not None else None


def _known(revision: str) -> bool:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from core.storage.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except Exception:
        return False


def group_channels(engine: Engine, platform: str) -> list[tuple[str, str | None]]:
    """(workspace or guild id, channel) of every group on `platform`."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(GroupRow.external_id, GroupRow.channel)
            .where(GroupRow.platform == platform)
            .order_by(GroupRow.external_id)
        )
        return [(str(group), channel) for group, channel in rows]


# -- all of it -----------------------------------------------------------------------------


async def examine(env: Mapping[str, str]) -> Report:
    report = Report()
    settings, broken = read_settings(env, report)
    engine = None
    if not broken & {"*", f"{PREFIX}DATABASE_URL"}:
        engine = await asyncio.to_thread(check_database, settings, report)
    try:
        slack = not broken & {"*", "SLACK", f"{PREFIX}SLACK_API_URL"} and bool(
            settings.slack_mode()
        )
        if slack:
            groups = await _groups(engine, "slack")
            await check_slack(settings, report, groups)
        discord = settings.discord_token and not broken & {"*", f"{PREFIX}DISCORD_API_URL"}
        if discord:
            groups = await _groups(engine, "discord")
            await check_discord(settings, report, groups)
    finally:
        if engine is not None:
            engine.dispose()
    return report


async def _groups(engine: Engine | None, platform: str) -> list[tuple[str, str | None]] | None:
    if engine is None:
        return None
    try:
        return await asyncio.to_thread(group_channels, engine, platform)
    except SQLAlchemyError:
        return None  # the database finding says why


def main(env: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    """Print one line per finding; 0 only when there is no problem."""
    out = out or sys.stdout
    report = asyncio.run(examine(os.environ if env is None else env))
    for finding in report.findings:
        print(finding.line(), file=out)
    problems = len(report.problems)
    if problems:
        print(f"{problems} problem{'s' if problems != 1 else ''} found", file=out)
        return 1
    print("all is well", file=out)
    return 0


__all__ = ["Finding", "Report", "examine", "main"]

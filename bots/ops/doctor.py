"""`followthrough doctor`: is this installation set up right? One line per finding.

It checks the settings (each broken variable, not just the first), the database
(reachable, schema current), the Slack token (auth.test and its scopes, the app token
for Socket Mode), the Discord token (the bot user, the application and the intents it
needs) and each group's channel, through the configured API URLs. A problem line says
what is wrong and how to fix it; the exit status is 0 only when there is none.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bots.ops.health import schema_head
from bots.ops.secrets import GENERATE
from bots.runtime.lock import sqlite_path
from bots.settings import PREFIX, ConfigError, Settings
from core.storage.tables import GroupRow

TIMEOUT = 10
GUILDS_PER_SHARD = 2500  # Discord closes a session with 4011 past this
# Application flags that allow the privileged intents (GATEWAY_*, and *_LIMITED).
PRIVILEGED = {
    "members": (1 << 14) | (1 << 15),
    "presences": (1 << 12) | (1 << 13),
    "message_content": (1 << 18) | (1 << 19),
}
VARIABLES = (
    *(f"{PREFIX}{name}" for name in (
        "DATABASE_URL", "HTTP_HOST", "HTTP_PORT", "SLACK_API_URL", "DISCORD_API_URL",
        "DISCORD_GATEWAY_URL", "SECRET_KEY", "LOG_JSON",
    )),
    "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET", "DISCORD_TOKEN",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    area: str
    text: str
    fix: str | None = None  # set: a problem

    @property
    def problem(self) -> bool:
        return self.fix is not None

    def line(self) -> str:
        if self.fix is None:
            return f"ok       {self.area}: {self.text}"
        return f"PROBLEM  {self.area}: {self.text} -> {self.fix}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def ok(self, area: str, text: str) -> None:
        self.findings.append(Finding(area, text))

    def problem(self, area: str, text: str, fix: str) -> None:
        self.findings.append(Finding(area, text, fix))

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]


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
    from bots.ops.secrets import SecretKeyError, TokenCipher

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


# -- Slack ---------------------------------------------------------------------------------


async def check_slack(
    settings: Settings, report: Report, groups: list[tuple[str, str | None]] | None
) -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    from bots.slack.manifest import BOT_SCOPES

    mode = settings.slack_mode()
    api = settings.slack_api_url
    if mode == "oauth":
        report.ok("slack", "OAuth: workspaces install through /slack/install")
        return
    assert settings.slack_bot_token is not None
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=api, timeout=TIMEOUT)
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        report.problem(
            "slack",
            f"Slack refused SLACK_BOT_TOKEN ({code})",
            "copy the Bot User OAuth Token (xoxb-...) again from OAuth & Permissions, or"
            " reinstall the app to the workspace",
        )
        return
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        report.problem(
            "slack",
            f"cannot reach the Slack Web API at {api} ({type(error).__name__})",
            f"check the network, or {PREFIX}SLACK_API_URL if you set it",
        )
        return
    team = str(answer.get("team_id"))
    headers = {k.lower(): v for k, v in answer.headers.items()}
    scopes_header = headers.get("x-oauth-scopes")
    if scopes_header is None:
        report.ok("slack", f"bot token works in workspace {team} (scopes not reported)")
    else:
        granted = {s.strip() for s in str(scopes_header).split(",") if s.strip()}
        missing = [scope for scope in BOT_SCOPES if scope not in granted]
        if missing:
            report.problem(
                "slack",
                f"the bot token lacks the scopes {', '.join(missing)}",
                "add them under OAuth & Permissions (or recreate the app from"
                " `followthrough slack manifest`) and reinstall the app",
            )
        else:
            report.ok("slack", f"bot token works in workspace {team}, with every scope needed")
    if settings.slack_app_token is not None:
        app_client = AsyncWebClient(token=settings.slack_app_token, base_url=api, timeout=TIMEOUT)
        try:
            await app_client.apps_connections_open(app_token=settings.slack_app_token)
        except SlackApiError as error:
            report.problem(
                "slack",
                f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')})",
                "enable Socket Mode and create an app-level token with connections:write"
                " (Basic Information > App-Level Tokens)",
            )
        else:
            report.ok("slack", "Socket Mode: the app token opens a connection")
    for workspace, channel in groups or ():
        if workspace != team:
            report.problem(
                "channels",
                f"Slack workspace {workspace} has a group but SLACK_BOT_TOKEN is for {team}",
                "use that workspace's token, or OAuth for many workspaces",
            )
            continue
        await _slack_channel(client, workspace, channel, report, SlackApiError)


async def _slack_channel(
    client: Any, workspace: str, channel: str | None, report: Report, api_error: type[Exception]
) -> None:
    where = f"Slack workspace {workspace}"
    if channel is None:
        report.ok(
            "channels", f"{where}: no group channel chosen yet (/followthrough group channel)"
        )
        return
    try:
        answer = await client.conversations_info(channel=channel)
    except api_error as error:
        code = error.response.get("error")  # type: ignore[attr-defined]
        if code == "missing_scope":
            report.ok("channels", f"{where}: channel {channel} not checked (needs channels:read)")
        elif code == "channel_not_found":
            report.problem(
                "channels",
                f"{where}: the group channel {channel} doesn't exist or the bot can't see it",
                "invite the bot to it (/invite @FollowThrough), or an organiser picks another"
                " with /followthrough group channel #name",
            )
        else:
            report.problem("channels", f"{where}: channel {channel}: {code}", "see Slack's error")
        return
    info = answer.get("channel") or {}
    if info.get("is_archived"):
        report.problem(
            "channels",
            f"{where}: the group channel {channel} is archived",
            "an organiser picks another with /followthrough group channel #name",
        )
    elif info.get("is_member") is False:
        report.problem(
            "channels",
            f"{where}: the bot is not a member of the group channel {channel}",
            "invite it there: /invite @FollowThrough",
        )
    else:
        report.ok("channels", f"{where}: group channel {channel} is fine")


# -- Discord -------------------------------------------------------------------------------


def needed_intents() -> dict[str, bool]:
    """The intents the Discord client asks for (read from the client itself)."""
    from bots.discord.client import Bot
    from core.services.app import FollowThrough
    from core.services.ports import SystemClock

    def no_database() -> Any:
        raise RuntimeError("doctor builds the client only to read its intents")

    bot = Bot(FollowThrough(no_database, SystemClock()))
    return dict(bot.intents)


async def check_discord(
    settings: Settings, report: Report, groups: list[tuple[str, str | None]] | None
) -> None:
    assert settings.discord_token is not None
    api = settings.discord_api_url
    headers = {"Authorization": f"Bot {settings.discord_token}"}
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        try:
            status, user = await _get(session, f"{api}/users/@me")
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            report.problem(
                "discord",
                f"cannot reach the Discord API at {api} ({type(error).__name__})",
                f"check the network, or {PREFIX}DISCORD_API_URL if you set it",
            )
            return
        if status == 401:
            report.problem(
                "discord",
                "Discord refused DISCORD_TOKEN (401 Unauthorized)",
                "copy the bot token again from the Developer Portal (Bot > Reset Token)",
            )
            return
        if status != 200:
            report.problem("discord", f"GET /users/@me answered {status}", "try again later")
            return
        status, application = await _get(session, f"{api}/applications/@me")
        if status == 404:  # an older API or a proxy: the OAuth2 flavour has the same fields
            status, application = await _get(session, f"{api}/oauth2/applications/@me")
        if status != 200:
            report.problem("discord", f"GET /applications/@me answered {status}", "try again")
            return
        report.ok(
            "discord",
            f"token works for {user.get('username')} (application {application.get('id')})",
        )
        _check_intents(int(application.get("flags") or 0), report)
        guilds = application.get("approximate_guild_count")
        if isinstance(guilds, int):
            shards = max(1, math.ceil(guilds / GUILDS_PER_SHARD))
            advice = (
                "one gateway session is enough"
                if shards == 1
                else (f"run gateway processes with --shard-count {shards} or more")
            )
            report.ok("discord", f"in about {guilds} servers: {advice}")
        for guild, channel in groups or ():
            await _discord_channel(session, api, guild, channel, report)


def _check_intents(flags: int, report: Report) -> None:
    wanted = needed_intents()
    missing = [name for name, bits in PRIVILEGED.items() if wanted.get(name) and not flags & bits]
    if missing:
        report.problem(
            "discord",
            f"the bot asks for the privileged intents {', '.join(missing)}, which the"
            " application doesn't have",
            "turn them on under Bot > Privileged Gateway Intents in the Developer Portal",
        )
        return
    asked = sorted(name for name, on in wanted.items() if on)
    report.ok("discord", f"intents {', '.join(asked)}: none privileged beyond what is allowed")


async def _discord_channel(
    session: aiohttp.ClientSession, api: str, guild: str, channel: str | None, report: Report
) -> None:
    where = f"Discord server {guild}"
    if channel is None:
        report.ok(
            "channels", f"{where}: no group channel chosen yet (/followthrough-group channel)"
        )
        return
    status, _ = await _get(session, f"{api}/channels/{channel}")
    if status == 200:
        report.ok("channels", f"{where}: group channel {channel} is fine")
    elif status == 404:
        report.problem(
            "channels",
            f"{where}: the group channel {channel} no longer exists",
            "an organiser picks another with /followthrough-group channel",
        )
    elif status == 403:
        report.problem(
            "channels",
            f"{where}: the bot cannot see the group channel {channel}",
            "give the bot View Channel, Send Messages and Embed Links there",
        )
    else:
        report.problem("channels", f"{where}: channel {channel}: HTTP {status}", "try again")


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with session.get(url) as response:
        try:
            body = await response.json(content_type=None)
        except (ValueError, aiohttp.ContentTypeError):
            body = {}
        return response.status, body if isinstance(body, dict) else {}


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

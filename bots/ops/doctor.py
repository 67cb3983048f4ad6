"""`followthrough doctor`: is this installation set up right? One line per finding.

It checks the settings (each broken variable, not just the first), the database
(reachable, schema current), then each platform of the registry that the settings
configure (its tokens, what they may do, each group's channel: bots/<platform>/doctor.py),
through the configured API URLs. A problem line says what is wrong and how to fix it; the
exit status is 0 only when there is none.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from bots import settings as shared
from bots.ops.findings import Finding, Report
from bots.platforms import GroupChannels, Plugin, configurable, registry
from bots.runtime.lock import sqlite_path
from bots.settings import PREFIX, ConfigError, Settings
from core.storage import schema

# Every variable the settings read: the shared ones, then each platform's.
VARIABLES = shared.VARIABLES + tuple(name for p in registry() for name in p.variables())


# -- settings ----------------------------------------------------------------------------


def read_settings(env: Mapping[str, str], report: Report) -> tuple[Settings, set[str]]:
    """The settings, with every variable that is broken reported and left at its default.

    Returns the settings and the names of the broken variables (whose checks are
    skipped: they would only repeat the problem); a platform whose settings are broken
    as a whole is in it by name."""
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
    for plugin in configurable():
        if not plugin.check_settings(settings, report):
            broken.add(plugin.name)
    ready = [p for p in configurable() if p.name not in broken and _configured(settings, p)]
    if not ready and not broken & {p.name for p in configurable()}:
        titles = [p.title for p in configurable()]
        report.problem(
            "settings",
            f"neither {' nor '.join(titles)} is configured: the bot has nobody to serve",
            f"set {', or '.join(p.setup for p in configurable())} (see .env.example)",
        )
    if not report.problems:
        report.ok("settings", summary(settings))
    return settings, broken


def _configured(settings: Settings, plugin: Plugin) -> bool:
    part = settings.platforms.get(plugin.name)
    try:
        return part is not None and part.configured()
    except ConfigError:
        return False  # check_settings said why


def summary(settings: Settings) -> str:
    """What the settings add up to, in words (no secret in them)."""
    parts = [f"database {schema.backend(settings.database_url)}"]
    parts += [
        settings.platforms[p.name].summary() for p in configurable() if _configured(settings, p)
    ]
    parts.append(f"HTTP on {settings.http_host}:{settings.http_port}")
    return ", ".join(parts)


def _settings_fix(named: Sequence[str]) -> str:
    if not named:
        return "correct the environment (see .env.example)"
    return f"correct {' and '.join(named)} in the environment or .env file"


# -- the database --------------------------------------------------------------------------


def check_database(settings: Settings, report: Report) -> schema.Engine | None:
    """Reachable, at the newest migration; the engine for the channel checks, or None."""
    url = settings.database_url
    backend = schema.backend(url)
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
    head = schema.head()
    probe = schema.probe(url)
    engine, current = probe.engine, probe.current
    if engine is None:
        report.problem(
            "database",
            f"cannot connect to {schema.shown(url)} ({probe.error})",
            f"check {PREFIX}DATABASE_URL (host, port, user, database) and that the server runs",
        )
        return None
    if current == head:
        report.ok("database", f"{backend}, schema at the newest migration ({head})")
        return engine
    if backend == "sqlite" and (current is None or schema.known(current)):
        report.ok("database", f"SQLite schema at {current}: migrated to {head} on the next start")
        return _kept(engine, current is not None)
    if current is not None and not schema.known(current):
        report.problem(
            "database",
            f"the schema is at migration {current}, which this release doesn't know (a newer"
            " release migrated it)",
            "run the newer release, or restore the backup taken before upgrading",
        )
        return _kept(engine, False)
    report.problem(
        "database",
        f"the schema is at migration {current or '(none)'}, this release needs {head}",
        "run `followthrough db upgrade` once (docker compose runs it as the migrate service)",
    )
    return _kept(engine, current is not None)


def _kept(engine: schema.Engine, keep: bool) -> schema.Engine | None:
    """`engine` for the channel checks if `keep`; else None, the engine closed."""
    if keep:
        return engine
    engine.dispose()
    return None


# -- all of it -----------------------------------------------------------------------------


async def examine(env: Mapping[str, str]) -> Report:
    report = Report()
    settings, broken = read_settings(env, report)
    engine = None
    if not broken & {"*", f"{PREFIX}DATABASE_URL"}:
        engine = await asyncio.to_thread(check_database, settings, report)
    try:
        for plugin in configurable():
            skipped = {"*", plugin.name, *plugin.variables()}
            if broken & skipped or not _configured(settings, plugin):
                continue
            groups = await _groups(engine, plugin.name)
            await plugin.doctor(settings, report, groups)
    finally:
        if engine is not None:
            engine.dispose()
    return report


async def _groups(engine: schema.Engine | None, platform: str) -> GroupChannels:
    if engine is None:
        return None
    try:
        return await asyncio.to_thread(schema.group_channels, engine, platform)
    except schema.DatabaseError:
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

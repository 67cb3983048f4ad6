"""The walls between the layers: the domain and the services know nothing of databases,
platforms or schedulers; nothing under bots/ touches the database but through the core;
an adapter reaches the core only through core.services."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from bots.platforms import registry

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("core/domain", "core/services")
FORBIDDEN = (
    "sqlalchemy",
    "alembic",
    "slack_bolt",
    "slack_sdk",
    "discord",
    "apscheduler",
    "aiohttp",
    "bots",
    "core.storage",
)
# The database is storage's: no module under bots/ imports these.
DATABASE = ("sqlalchemy", "alembic")
# The adapters: each platform's folder, but its plugin.py (its share of the composition
# root, which builds what the adapter is handed).
ADAPTERS = tuple(f"bots/{plugin.name}" for plugin in registry())
COMPOSITION = "plugin.py"


def under(module: str, names: tuple[str, ...]) -> str | None:
    """The name of `names` that `module` is or is inside of (None: none)."""
    return next((n for n in names if module == n or module.startswith(n + ".")), None)


def forbidden(module: str) -> bool:
    return under(module, FORBIDDEN) is not None


def beyond_services(module: str) -> str | None:
    """The part of the core other than core.services that `module` is in (None: none)."""
    if not module.startswith("core.") or under(module, ("core.services",)):
        return None
    return ".".join(module.split(".")[:2])


def package_of(path: Path) -> str:
    """The dotted package a file's relative imports start from."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1])


def imported(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) for every module `source` imports, relative imports made absolute.

    `from x import y` yields both `x` and `x.y`, since `y` may be a module; imports under
    `if TYPE_CHECKING:` count too, and so do `importlib.import_module("...")` and
    `__import__("...")` with a literal name.
    """
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = ".".join(part for part in (anchor, base) if part)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(path: Path) -> list[str]:
    where = path.relative_to(ROOT)
    modules = imported(path.read_text(encoding="utf-8"), package_of(path))
    return [f"{where}:{line} imports {module}" for line, module in modules if forbidden(module)]


def checked_files() -> list[Path]:
    return sorted(path for folder in CHECKED for path in (ROOT / folder).rglob("*.py"))


def files_under(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def offences(paths: list[Path], banned: Callable[[str], str | None]) -> set[tuple[str, str, int]]:
    """(file, what it imports that is `banned`, line) in `paths`."""
    found = set()
    for path in paths:
        where = path.relative_to(ROOT).as_posix()
        for line, module in imported(path.read_text(encoding="utf-8"), package_of(path)):
            name = banned(module)
            if name is not None:
                found.add((where, name, line))
    return found


def report(found: set[tuple[str, str, int]]) -> list[str]:
    """The offences, as `file:line imports name`."""
    return [f"{w}:{line} imports {name}" for w, name, line in sorted(found)]


def test_domain_and_services_import_no_storage_platform_or_scheduler() -> None:
    files = checked_files()
    assert len(files) > 5, f"no source found under {CHECKED}: is ROOT right? ({ROOT})"

    found = [violation for path in files for violation in violations(path)]

    assert found == [], "core.domain and core.services must stay pure:\n" + "\n".join(found)


def bots_database_offences() -> set[tuple[str, str, int]]:
    return offences(files_under("bots"), lambda module: under(module, DATABASE))


def adapter_offences() -> set[tuple[str, str, int]]:
    adapters = [path for path in files_under(*ADAPTERS) if path.name != COMPOSITION]
    return offences(adapters, beyond_services)


def test_nothing_under_bots_imports_the_database_libraries() -> None:
    assert len(files_under("bots")) > 20, f"no source found under bots/ ({ROOT})"

    found = report(bots_database_offences())

    assert found == [], "only core/storage talks to the database:\n" + "\n".join(found)


def test_the_adapters_reach_the_core_only_through_its_services() -> None:
    found = report(adapter_offences())

    assert found == [], "an adapter imports only core.services of the core:\n" + "\n".join(found)


def test_migrations_read_no_live_code_and_no_adapter() -> None:
    # A revision is frozen: it carries a copy of any rule it needs, so that changing the
    # app never changes what an old revision writes. The environment reads storage's
    # tables and engine, and nothing of the bot.
    revisions = offences(files_under("migrations/versions"), lambda m: under(m, ("core", "bots")))
    environment = offences([ROOT / "migrations" / "env.py"], lambda m: under(m, ("bots",)))

    found = report(revisions | environment)

    assert len(files_under("migrations/versions")) > 5
    assert found == [], "the migrations import live code:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import sqlalchemy.orm", True),
        ("from sqlalchemy import select", True),
        ("from core.storage.tables import Base", True),
        ("from core import storage", True),
        ("from ..storage import database", True),
        ("from .. import storage", True),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import discord", True),
        ("import importlib\nimportlib.import_module('slack_bolt')", True),
        ("from aiohttp import web", True),
        ("from core.domain import leads", False),
        ("from .ports import Clock", False),
        ("import discordant", False),
        ("from core.storagebox import x", False),
    ],
)
def test_the_check_catches_what_it_should(source: str, caught: bool) -> None:
    # As if written in core/services/probe.py, so that relative imports resolve there.
    modules = [module for _, module in imported(source, "core.services")]
    assert any(forbidden(module) for module in modules) is caught, modules


@pytest.mark.parametrize(
    ("source", "beyond"),
    [
        ("from core.services import FollowThrough", None),
        ("from core import services", None),
        ("from core.services.ports import Clock", None),
        ("from core.domain.messages import Message", "core.domain"),
        ("from core.storage.platforms.slack import SlackStorage", "core.storage"),
        ("from core import storage", "core.storage"),
        ("from ...core import domain", "core.domain"),
        ("import sqlalchemy", None),
    ],
)
def test_the_adapter_check_finds_the_core_beyond_its_services(
    source: str, beyond: str | None
) -> None:
    # As if written in bots/slack/probe.py.
    modules = [module for _, module in imported(source, "bots.slack")]
    assert {beyond_services(module) for module in modules} - {None} == (
        set() if beyond is None else {beyond}
    ), modules

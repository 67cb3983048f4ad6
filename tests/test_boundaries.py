"""The domain and the services know nothing of databases, platforms or schedulers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


def forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


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


def test_domain_and_services_import_no_storage_platform_or_scheduler() -> None:
    files = checked_files()
    assert len(files) > 5, f"no source found under {CHECKED}: is ROOT right? ({ROOT})"

    found = [violation for path in files for violation in violations(path)]

    assert found == [], "core.domain and core.services must stay pure:\n" + "\n".join(found)


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

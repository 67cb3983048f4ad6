"""The lock files pin what pyproject.toml asks for: a dependency added without `make lock`
would otherwise be missing from every install (pip installs the lock with --no-deps)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    """The normalised project name of a PEP 508 requirement."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match[0]).lower()


def pinned(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, re.MULTILINE)
    entries = re.findall(r"^[A-Za-z0-9].*?(?=^[A-Za-z0-9]|\Z)", text, re.MULTILINE | re.DOTALL)
    assert entries and all("--hash=sha256:" in entry for entry in entries), lock
    return {_name(name): version for name, version in pins}


def test_every_dependency_is_pinned_with_hashes_and_both_locks_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    app, dev = pinned("requirements.lock"), pinned("requirements-dev.lock")
    assert {_name(r) for r in project["dependencies"] + extras["postgres"]} <= set(app)
    assert {_name(r) for r in extras["dev"]} <= set(dev)
    assert "setuptools" in app and "setuptools" in dev  # the build backend, for -e .
    assert {name: dev[name] for name in app} == app, "make lock: the two files disagree"
    assert not {"pytest", "ruff", "mypy", "hypothesis"} & set(app), "the app lock stays lean"

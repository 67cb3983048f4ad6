"""Fixtures for the tests that run the `followthrough` command in this process."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from testkit.processes import outside


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`main` sets up the process's logging; give the next tests theirs back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, restore_logging: None) -> pytest.MonkeyPatch:
    """No setting from the shell that runs the tests, nor from a `.env` where they run (a
    checkout's may hold real tokens): each test sets what it means."""
    for name in list(os.environ):
        setting = name.startswith(("FOLLOWTHROUGH_", "SLACK_", "DISCORD_"))
        if setting and not name.startswith("FOLLOWTHROUGH_TEST_"):  # the tests' own
            monkeypatch.delenv(name)
    monkeypatch.chdir(outside())  # `main` reads a .env in its working directory
    return monkeypatch

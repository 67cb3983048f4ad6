"""Each async Discord scenario fails after 20 s of its own run (its fixtures aside), so a
client waiting on a gateway that never answers fails that test, with its stack, long
before the 300 s every test gets. A test that needs longer says so with its own
`@pytest.mark.timeout(..., func_only=True)`, which comes first."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCENARIO_SECONDS = 20


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and item.path.is_relative_to(HERE)
            and inspect.iscoroutinefunction(item.function)
        ):
            item.add_marker(pytest.mark.timeout(SCENARIO_SECONDS, func_only=True))

"""The services tier runs on the in-memory storage of testkit.storage, kept honest by
test_ports_contract.py: a test that asks for `app` alone (with the clock) gets
FollowThrough over the fake unit of work, once, in milliseconds. A test that also asks
for the database (`db`, `services`, `bot` or `database_url`) tests what is stored: it
gets the app on SQLite and on PostgreSQL, as the root conftest wires it."""

from __future__ import annotations

import pytest

from bots.bootstrap import Services
from core.services import FollowThrough
from core.services.ports import SimulatedClock
from testkit.storage import FakeStorage

ON_A_DATABASE = frozenset({"db", "services", "bot", "database_url"})


@pytest.fixture
def app(request: pytest.FixtureRequest, clock: SimulatedClock) -> FollowThrough:
    """FollowThrough on `clock`'s time: in memory, or on the database the test asks for."""
    if ON_A_DATABASE & set(request.fixturenames):
        services: Services = request.getfixturevalue("services")
        return services.app
    return FollowThrough(FakeStorage().uow, clock)

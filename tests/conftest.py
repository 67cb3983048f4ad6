"""Fixtures for the whole suite: a network guard, databases on SQLite and PostgreSQL, and
the app and bot of the test kit (testkit/kit.py) on them."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from bots.bootstrap import Services
from core.services import FollowThrough
from core.services.ports import SimulatedClock
from core.storage.database import Database, make_engine
from testkit import kit
from testkit.kit import START

LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
TEST_DATABASE_URL = "FOLLOWTHROUGH_TEST_DATABASE_URL"


# -- the network guard ---------------------------------------------------------------


class NetworkLeak(AssertionError):
    """A test reached for a host other than this machine.

    An AssertionError, so that the `except OSError` of retrying client code does not
    swallow it.
    """


def _host(address: Any) -> str | None:
    """The host of a socket address; None for addresses that never leave the machine."""
    if isinstance(address, tuple) and address:
        host = address[0]
        return host.decode() if isinstance(host, bytes) else str(host)
    return None  # AF_UNIX paths and the like


LEAKS = pytest.StashKey[list[str]]()


@pytest.fixture(autouse=True)
def no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if anything resolves or connects to a host that isn't local."""
    leaks = request.node.stash.setdefault(LEAKS, [])

    def check(what: str, host: str | None) -> None:
        if host is None or host in LOCAL_HOSTS:
            return
        leaks.append(f"{what} {host}")
        raise NetworkLeak(f"the test tried to reach {host} ({what}); only local hosts allowed")

    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check("getaddrinfo", None if host is None else _host((host,)))
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check("create_connection", _host(address))
        return real_create_connection(address, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        check("connect", _host(address))
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check("connect_ex", _host(address))
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield
    if leaks:  # during teardown, or swallowed by a fixture
        pytest.fail("the test tried to reach the network: " + ", ".join(leaks))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail a test whose code caught the NetworkLeak (e.g. a client that retries)."""
    leaks = item.stash.get(LEAKS, [])
    try:
        result = yield
    except BaseException:
        leaks.clear()  # the test fails already, with its own traceback
        raise
    if leaks:
        reported = list(leaks)
        leaks.clear()
        pytest.fail("the test tried to reach the network: " + ", ".join(reported))
    return result


# -- databases -----------------------------------------------------------------------


# Each pytest process gets its own schema, so that two runs against one server (two
# developers, or pytest-xdist workers) never drop each other's tables.
PG_SCHEMA = f"followthrough_test_{os.getpid()}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The PostgreSQL test server's URL: skipped if not configured, failed if unreachable.

    The URL returned puts this process's schema first on the search path, so that the
    app, Alembic and the tests all find their tables there.
    """
    url = os.environ.get(TEST_DATABASE_URL)
    if not url:
        pytest.skip(f"{TEST_DATABASE_URL} not set")
    # A server that never answers should fail the run in seconds, not hang it.
    server = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with server.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        # Configured but down is a broken test machine, not a reason to skip.
        server.dispose()
        pytest.fail(f"{TEST_DATABASE_URL} is set but the server is unreachable: {error}")
    isolated = make_url(url).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    try:
        yield isolated.render_as_string(hide_password=False)
    finally:
        with server.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        server.dispose()


def _empty_postgres(url: str) -> None:
    """Drop every table (alembic_version too) so that each test starts from nothing."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            # A transaction a test left open would block the drop: fail, don't hang.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    finally:
        engine.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'followthrough.db'}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def empty_postgres(postgres_url: str) -> str:
    """The URL of an empty PostgreSQL database (for tests about PostgreSQL only)."""
    _empty_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def clock() -> SimulatedClock:
    """A clock that moves only when a test says so; starts on Monday 2026-03-02, 07:00 UTC."""
    return SimulatedClock(START)


@pytest.fixture
def services(database_url: str, clock: SimulatedClock) -> Iterator[Services]:
    """FollowThrough as the composition root wires it, on a migrated database and on
    `clock`'s time; closed afterwards (claims released, engine disposed)."""
    with kit.services(database_url, clock) as services:
        yield services


@pytest.fixture
def app(services: Services) -> FollowThrough:
    """The app of `services`."""
    return services.app


@pytest.fixture
def db(services: Services) -> Database:
    """The database under `app`: one engine, migrated, for looking at the rows."""
    return services.database


@pytest.fixture
def bot(database_url: str, clock: SimulatedClock) -> Iterator[kit.Bot]:
    """The app with a recording messenger (platform "slack"), ticked by hand."""
    with kit.Bot(database_url, clock) as bot:
        yield bot

"""Fixtures of the operations tests: a PostgreSQL database of their own, which a test
may close to connections and open again (the shared test database must stay up)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import TEST_DATABASE_URL


class OwnDatabase:
    """A database created for one test on the PostgreSQL test server."""

    def __init__(self, server_url: str, name: str) -> None:
        self.name = name
        self.url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        self._server = create_engine(
            server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
        )

    def execute(self, sql: str) -> None:
        with self._server.connect() as connection:
            connection.execute(text(sql))

    def create(self) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.execute(f'CREATE DATABASE "{self.name}"')

    def close_to_connections(self) -> None:
        """The database "goes away": new connections are refused, open ones are cut."""
        self.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def open_to_connections(self) -> None:
        self.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def drop(self) -> None:
        self.open_to_connections()
        self.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._server.dispose()


@pytest.fixture
def own_postgres() -> Iterator[OwnDatabase]:
    """An empty PostgreSQL database of this test's own (skipped without the server)."""
    url = os.environ.get(TEST_DATABASE_URL)
    if not url:
        pytest.skip(f"{TEST_DATABASE_URL} not set")
    database = OwnDatabase(url, f"followthrough_ops_{os.getpid()}")
    database.create()
    try:
        yield database
    finally:
        database.drop()

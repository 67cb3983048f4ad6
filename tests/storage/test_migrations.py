"""The migrations are the only source of the schema, and they match the tables exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from core.storage.database import alembic_config, is_current, make_engine, upgrade
from core.storage.tables import Base


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def head(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(engine: Engine) -> list[object]:
    """What autogenerate would put in a new migration: nothing, if the schema is current."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": connection.dialect.name == "sqlite",
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_on_an_empty_database_builds_exactly_the_tables(engine: Engine) -> None:
    assert inspect(engine).get_table_names() == []

    upgrade(engine)

    assert drift(engine) == []
    assert set(inspect(engine).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
    assert current(engine) == head(engine)
    assert is_current(engine)


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    upgrade(engine)
    tables = {name: inspect(engine).get_columns(name) for name in inspect(engine).get_table_names()}

    upgrade(engine)

    again = {name: inspect(engine).get_columns(name) for name in inspect(engine).get_table_names()}
    assert [(name, [c["name"] for c in cols]) for name, cols in sorted(again.items())] == [
        (name, [c["name"] for c in cols]) for name, cols in sorted(tables.items())
    ]
    assert current(engine) == head(engine)
    assert drift(engine) == []


def test_an_empty_database_is_not_current(engine: Engine) -> None:
    assert not is_current(engine)

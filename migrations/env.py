"""Alembic environment: the app's metadata, and the engine the app hands over (or a URL)."""

from alembic import context
from sqlalchemy import create_engine

from bots.slack.tables import register as register_slack_tables
from core.storage.tables import Base

config = context.config
register_slack_tables(Base.metadata)  # slack-sdk's OAuth tables: Alembic creates them too
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()

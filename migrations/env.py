"""Alembic environment: the app's metadata, and the database the project's settings name.

Our own code (`followthrough db upgrade`, the tests) hands over its engine in
`config.attributes["engine"]` (or a URL as `sqlalchemy.url`). The `alembic` command
(`make migration`) connects to FOLLOWTHROUGH_DATABASE_URL, read through bots.settings as
the bot reads it.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Engine

from core.storage.database import make_engine
from core.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def settings_engine() -> Engine:
    """An engine on the URL our code set (`sqlalchemy.url`), else on the configured
    database; a SQLite file's folder is created first."""
    from bots.bootstrap import make_sqlite_folder
    from bots.settings import Settings

    url = config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    make_sqlite_folder(url)
    return make_engine(url)


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    owned = engine is None
    if engine is None:  # the alembic command (`make migration`)
        if config.config_file_name is not None:
            fileConfig(config.config_file_name, disable_existing_loggers=False)
        # slack-sdk's tables live on our metadata too (migration 0003 creates them), so
        # that autogenerate neither drops them nor misses a change to them.
        from bots.slack import tables as slack_tables

        slack_tables.register(target_metadata)
        engine = settings_engine()
    try:
        with engine.begin() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            context.run_migrations()
    finally:
        if owned:
            engine.dispose()


run_migrations_online()

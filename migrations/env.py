"""Alembic environment: every table storage declares, and the database it is given.

Our own code (`followthrough db upgrade`, the tests) hands over its engine in
`config.attributes["engine"]` (or a URL as `sqlalchemy.url`). The `alembic` command
(`make migration`) connects to FOLLOWTHROUGH_DATABASE_URL.
"""

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from core.storage import metadata
from core.storage.database import make_engine

URL_VARIABLE = "FOLLOWTHROUGH_DATABASE_URL"

config = context.config
target_metadata = metadata


def configured_engine() -> Engine:
    """An engine on the URL our code set (`sqlalchemy.url`), else on the environment's;
    a SQLite file's folder is created first."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(URL_VARIABLE)
    if not url:
        raise SystemExit(f"{URL_VARIABLE} is not set: which database should Alembic use?")
    parsed = make_url(url)
    file = parsed.database
    if parsed.get_backend_name() == "sqlite" and file and not file.startswith((":", "file:")):
        Path(file).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(url)


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    owned = engine is None
    if engine is None:  # the alembic command (`make migration`)
        if config.config_file_name is not None:
            fileConfig(config.config_file_name, disable_existing_loggers=False)
        engine = configured_engine()
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

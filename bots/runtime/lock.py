"""SQLite has no row locks: one process per SQLite database, enforced with a lock file."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager


class AlreadyRunning(Exception):
    pass


def sqlite_path(database_url: str) -> str | None:
    """The file behind a SQLite URL (None for PostgreSQL or an in-memory database)."""
    if not database_url.startswith("sqlite"):
        return None
    path, _, query = database_url.partition(":///")[2].partition("?")
    if path.startswith("file:") and "uri=true" in query.split("&"):
        path = path.removeprefix("file:")  # an SQLite URI filename (`?mode=ro&uri=true`)
    return path if path and not path.startswith(":memory:") else None


@contextmanager
def single_process(database_url: str) -> Iterator[None]:
    """Hold the SQLite database's lock file for the life of the process."""
    path = sqlite_path(database_url)
    if path is None:
        yield
        return
    fd = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(
                f"another followthrough process is already running on {path}. SQLite has no"
                " row locks, so one process serves it; for several, use PostgreSQL"
                " (FOLLOWTHROUGH_DATABASE_URL=postgresql+psycopg://...)."
            ) from None
        yield
    finally:
        os.close(fd)

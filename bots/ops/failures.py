"""What an operator reads when a command can't do its work: one line, never a traceback.

The `followthrough` command maps the failures an operator can fix (a database that is
down or read-only, a file it may not write, no network, Ctrl-C) to one line on stderr
that says what failed and what to do; the traceback goes to the log at DEBUG only. A
failure not listed here is a bug, and keeps its traceback.
"""

from __future__ import annotations

import errno
import logging
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from bots.settings import PREFIX
from core.storage import schema

log = logging.getLogger(__name__)

INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
_READ_ONLY_WORDS = ("readonly", "read-only", "read only", "permission denied", "unable to open")


@dataclass(frozen=True, slots=True)
class Failure:
    line: str
    code: int = 1


def explain(
    error: BaseException, database_url: str | None = None, secrets: Iterable[str] = ()
) -> Failure | None:
    """The one line (and exit code) for `error`; None for a failure that is a bug."""
    failure = _explain(error, database_url)
    if failure is None:
        return None
    log.debug("%s", failure.line, exc_info=error)
    line = failure.line
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        line = line.replace(secret, "***")
    return Failure(line, failure.code)


def _explain(error: BaseException, database_url: str | None) -> Failure | None:
    if isinstance(error, KeyboardInterrupt):
        return Failure("interrupted (Ctrl-C)", INTERRUPTED)
    unusable = schema.unusable(error)
    if unusable is not None:
        return Failure(_database(unusable, database_url))
    # Never imported: no aiohttp error to explain (and `simulate` need not import it).
    aiohttp = sys.modules.get("aiohttp")
    if aiohttp is not None and isinstance(error, aiohttp.ClientConnectorError):
        return Failure(
            f"cannot reach {error.host}:{error.port} ({_first(error.os_error)}): check the"
            " network (DNS, proxy, firewall) and the API URL settings, then start again"
        )
    network: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError, socket.gaierror)
    if isinstance(error, network + ((aiohttp.ClientError,) if aiohttp else ())):
        return Failure(
            f"the network failed ({_first(error)}): check the connection (DNS, proxy,"
            " firewall), then start again"
        )
    if isinstance(error, OSError) and error.filename is not None:  # a file or folder
        return Failure(
            f"cannot use {error.filename} ({error.strerror}): check that the path (e.g. in"
            f" {PREFIX}DATABASE_URL) exists or can be created, and that this user may read"
            " and write there"
        )
    if isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Failure(f"not allowed ({error.strerror}): run as a user that may do this")
    if isinstance(error, OSError) and error.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
        return Failure(
            f"cannot listen for HTTP ({error.strerror}): another process may have the port;"
            f" stop it, or set {PREFIX}HTTP_PORT and {PREFIX}HTTP_HOST"
        )
    return None


def _database(unusable: schema.Unusable, database_url: str | None) -> str:
    where = "the database"
    if database_url:
        where += " " + schema.shown(database_url)
    reason = _first(unusable.cause)
    if unusable.read_only or any(w in reason.lower() for w in _READ_ONLY_WORDS):
        return (
            f"cannot write to {where} ({reason}): let this user write to it (a SQLite file"
            f" and its folder), or set {PREFIX}DATABASE_URL to one it may write"
        )
    return (
        f"cannot use {where} ({reason}): check that it is running and reachable from here,"
        f" and {PREFIX}DATABASE_URL (host, port, user, database)"
    )


def _first(error: BaseException | None) -> str:
    """The first line of an error's text (drivers append hints and SQL on later lines)."""
    if error is None:
        return "no reason given"
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__

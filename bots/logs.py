"""Structured logs: one line per event, JSON optional, secrets never printed."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class Redacting(logging.Formatter):
    """Wraps a formatter: every known secret in the finished line (message, traceback,
    arguments) becomes ***, and so does every token of a shape a platform declares."""

    def __init__(
        self,
        inner: logging.Formatter,
        secrets: Iterable[str],
        shapes: Sequence[str] | None = None,
    ) -> None:
        """`shapes`: regular expressions whose first group is kept and the rest hidden;
        None: those of every platform of the registry."""
        super().__init__()
        self._inner = inner
        # Longest first, so that a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._shapes = token_shapes(platform_shapes() if shapes is None else shapes)

    def format(self, record: logging.LogRecord) -> str:
        line = self._inner.format(record)
        for secret in self._secrets:
            line = line.replace(secret, "***")
        # Secrets no setting names (a workspace's OAuth token, an interaction's token in
        # a URL a library logs), by their shape.
        if self._shapes is None:
            return line
        return self._shapes.sub(lambda match: _kept(match) + "***", line)


def platform_shapes() -> list[str]:
    from bots.platforms import registry

    return [shape for plugin in registry() for shape in plugin.token_shapes]


def token_shapes(shapes: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for all of `shapes` (each the alternative of its own group)."""
    if not shapes:
        return None
    return re.compile("|".join(f"(?:{shape})" for shape in shapes))


def _kept(match: re.Match[str]) -> str:
    """The first group that matched: the shape's visible prefix."""
    return next((group for group in match.groups() if group is not None), "")


def setup(*, json_lines: bool, secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    inner = (
        JsonFormatter()
        if json_lines
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setFormatter(Redacting(inner, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter at INFO (every HTTP request) drowns our own events.
    for noisy in ("apscheduler", "alembic", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

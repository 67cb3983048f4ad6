"""Discord's gauge on /metrics: each client's invalid requests (401, 403, 429) in the
last 10 minutes, read when scraped; Cloudflare bans the IP at 10,000."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bots.ops.metrics import REGISTRY


class _Invalid(Collector):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clients: dict[str, Callable[[], int]] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            clients = dict(self.clients)
        family = GaugeMetricFamily(
            "followthrough_discord_invalid_requests_recent",
            "Discord 401/403/429 answers in the last 10 minutes (the IP is banned at 10,000)",
            labels=("client",),
        )
        for name, recent in clients.items():
            family.add_metric((name,), recent())
        yield family

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # dynamic: don't collect at registration


_INVALID = _Invalid()
REGISTRY.register(_INVALID)


def watch_invalid(name: str, recent: Callable[[], int] | None) -> None:
    """Report `recent()` (InvalidRequests.recent of a Discord client) under `name`; None
    stops."""
    with _INVALID._lock:
        if recent is None:
            _INVALID.clients.pop(name, None)
        else:
            _INVALID.clients[name] = recent

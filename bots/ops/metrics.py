"""The process's Prometheus metrics, and the small functions that record them.

One registry per process (`REGISTRY`, not prometheus-client's global one, so that what
libraries register there never leaks into ours). Adapters and the runtime record with
`command(...)`, `send(...)`, `planned(...)`; what lives in the database (the outbox) is
read at scrape time by a collector (a platform registers its own the same way).

`measured_app` and `MeasuredMessenger` record commands, planning and sends
around the real app and messengers, so that no adapter has to remember to.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.domain.parser import Options
from core.services import (
    Conversation,
    Delivery,
    FollowThrough,
    Identity,
    Message,
    Outcome,
    Planner,
    SendError,
)
from core.services.ports import Clock, Messenger, UnitOfWork

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # resident memory, CPU, open files
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

OUTCOMES = ("ok", "refused", "failed")  # refused: a usage/permission answer; failed: our bug
SEND_OUTCOMES = (
    "sent",
    "transient",
    "rate_limited",
    "unreachable",
    "fatal",
    "channel_gone",
    "payload",
)

COMMANDS = Counter(
    "followthrough_commands",
    "Commands answered, by platform and outcome (ok, refused, failed)",
    ("platform", "outcome"),
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "followthrough_command_seconds",
    "Time to answer a command, database work included",
    ("platform",),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    registry=REGISTRY,
)
SENDS = Counter(
    "followthrough_sends",
    "Send attempts, by platform and outcome: sent, or the failure class",
    ("platform", "outcome"),
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "followthrough_rate_limited",
    "429 answers that reached the deliverer (a platform's client may retry some itself)",
    ("platform",),
    registry=REGISTRY,
)
PLANNING_SECONDS = Histogram(
    "followthrough_planning_seconds",
    "Time one planning pass took (boards and mornings into the outbox)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
PLANNED = Counter(
    "followthrough_planned_messages",
    "Messages planning wrote to the outbox",
    registry=REGISTRY,
)


def command(platform: str, outcome: str, seconds: float) -> None:
    """One command answered on `platform`: outcome ok, refused or failed."""
    COMMANDS.labels(platform, outcome).inc()
    COMMAND_SECONDS.labels(platform).observe(seconds)


def outcome_of(answer: Message) -> str:
    """ok, refused (the member's mistake, or not allowed) or failed (our side)."""
    return "ok" if answer.outcome is Outcome.DONE else str(answer.outcome)


def send(platform: str, outcome: str) -> None:
    """One send attempt: "sent", or the Failure class it failed with."""
    SENDS.labels(platform, outcome).inc()
    if outcome == "rate_limited":
        RATE_LIMITED.labels(platform).inc()


def planned(seconds: float, written: int) -> None:
    PLANNING_SECONDS.observe(seconds)
    PLANNED.inc(written)


# -- read at scrape time -------------------------------------------------------------------


class _Sources(Collector):
    """Gauges read when scraped: the outbox counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outbox: Callable[[], dict[str, int]] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            outbox = self.outbox
        if outbox is not None:
            family = GaugeMetricFamily(
                "followthrough_outbox_messages",
                "Outbox rows by state: pending, claimed, sent, failed, missed",
                labels=("state",),
            )
            try:
                counts = outbox()
            except Exception as error:  # the database is down: /readyz says so
                log.warning("metrics: outbox counts unavailable: %s", type(error).__name__)
            else:
                for state, count in counts.items():
                    family.add_metric((state,), count)
                yield family

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # dynamic: don't collect at registration


_SOURCES = _Sources()
REGISTRY.register(_SOURCES)


def watch_outbox(status: Callable[[], dict[str, int]] | None) -> None:
    """Report `status()` (Outbox.status) as the outbox gauges; None stops."""
    with _SOURCES._lock:
        _SOURCES.outbox = status


def exposition() -> bytes:
    """The registry in Prometheus text format (does database work: off the loop)."""
    return generate_latest(REGISTRY)


def value(name: str, labels: dict[str, str] | None = None) -> float:
    """A sample's current value (0 if never recorded): for tests and benchmarks."""
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


# -- recording around the real objects -------------------------------------------------------


class MeasuredConversation(Conversation):
    """The adapters' part, recording each command (platform, outcome, latency)."""

    def handle(
        self,
        who: Identity,
        command: str,
        text: str,
        *,
        once: str | None = None,
        create: bool = True,
    ) -> Message:
        start = time.perf_counter()
        answer = super().handle(who, command, text, once=once, create=create)
        _command(who, answer, start)
        return answer

    def run(
        self,
        who: Identity,
        command: str,
        subcommand: str,
        options: Options,
        *,
        once: str | None = None,
        create: bool = True,
    ) -> Message:
        start = time.perf_counter()
        answer = super().run(who, command, subcommand, options, once=once, create=create)
        _command(who, answer, start)
        return answer


class MeasuredPlanner(Planner):
    """The planner, recording each planning pass (its time, what it wrote)."""

    def plan(self) -> int:
        start = time.perf_counter()
        written = super().plan()
        planned(time.perf_counter() - start, written)
        return written


def measured_app(
    uow: Callable[[], UnitOfWork], clock: Clock, *, public_url: str | None = None
) -> FollowThrough:
    """FollowThrough whose adapters' part records each command and whose planner records
    each pass: what the composition root builds."""
    return FollowThrough(
        uow,
        clock,
        conversation=MeasuredConversation,
        planner=MeasuredPlanner,
        public_url=public_url,
    )


def _command(who: Identity, answer: Message, start: float) -> None:
    command(who.platform, outcome_of(answer), time.perf_counter() - start)


class MeasuredMessenger:
    """A Messenger that counts each send attempt by outcome, around the platform's own."""

    def __init__(self, platform: str, messenger: Messenger) -> None:
        self.platform, self.inner = platform, messenger

    def route(self, delivery: Delivery) -> str:
        return self.inner.route(delivery)

    async def send(self, delivery: Delivery) -> str | None:
        try:
            sent = await self.inner.send(delivery)
        except SendError as error:
            send(self.platform, str(error.kind))
            raise
        except Exception:
            send(self.platform, "transient")  # the deliverer retries it as transient
            raise
        send(self.platform, "sent")
        return sent

"""A delivery worker process for the fault tests (run as a script, never collected).

    python tests/runtime/worker.py drain URL RECORD --worker W [--lease 3] [--senders 8]
    python tests/runtime/worker.py day URL RECORD --worker W --start ISO [--fail-before ISO]

Both modes run the real code: the services built by `bots.bootstrap.build` (no
migration: the test migrates first) and the real `Deliverer` (`drain`) or `Runner.tick`
(`day`), with the kit's recording messenger also appending each key it "sends" to RECORD,
one `key\\n` per write on an O_APPEND descriptor, so that a SIGKILL loses no line that was
sent.

`drain`: on the system clock, deliver until the outbox has nothing pending or claimed.
`day`: on a SimulatedClock, read one ISO instant per line on stdin, move the clock there,
run one `Runner.tick()` (plan, then deliver) and answer `ok <instant>` on stdout; stop
at end of input. That lets the test step several processes through a day in lockstep.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make `core` and `bots` importable
    sys.path.insert(0, str(ROOT))

from bots.bootstrap import build  # noqa: E402
from bots.runtime.delivery import Platform  # noqa: E402
from bots.runtime.ratelimit import RateLimiter  # noqa: E402
from bots.runtime.runner import Runner  # noqa: E402
from bots.settings import Settings  # noqa: E402
from core.services import Delivery, Failure, SendError  # noqa: E402
from core.services.ports import Clock, SimulatedClock, SystemClock  # noqa: E402
from testkit.kit import RecordingMessenger  # noqa: E402

PLATFORMS = ("slack", "discord")


class FileRecord(RecordingMessenger):
    """The kit's messenger, also appending each key it "sends" to the record file."""

    def __init__(
        self,
        path: str,
        clock: Clock,
        *,
        latency: float = 0.0,
        fail_before: datetime | None = None,
        fail_every: int = 0,
    ) -> None:
        super().__init__(clock, latency=latency, fail=self._injected)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._fail_before, self._fail_every = fail_before, fail_every
        self.failures = 0

    def route(self, delivery: Delivery) -> str:
        return f"{delivery.platform}:{delivery.user_id or delivery.channel}"

    async def send(self, delivery: Delivery) -> str | None:
        message_id = await super().send(delivery)
        # One write(2) per line on O_APPEND: the line is the kernel's once write returns.
        os.write(self._fd, f"{delivery.key}\n".encode())
        return message_id

    def _injected(self, delivery: Delivery) -> BaseException | None:
        """A first attempt of every `fail_every`-th member fails once (before the cutoff)."""
        if not self._fail_every or delivery.attempts or delivery.member_id is None:
            return None
        if self._fail_before is None or self.clock.now() >= self._fail_before:
            return None
        if delivery.member_id % self._fail_every:
            return None
        self.failures += 1
        return SendError("injected: 503 from the fake platform", Failure.TRANSIENT)


def platforms(messenger: FileRecord) -> dict[str, Platform]:
    return {name: Platform(messenger, RateLimiter(rate=100_000)) for name in PLATFORMS}


async def drain(args: argparse.Namespace) -> int:
    clock = SystemClock()
    with build(Settings(database_url=args.url), clock, migrate=False) as services:
        messenger = FileRecord(args.record, clock, latency=args.delay_ms / 1000)
        deliverer = services.deliverer(
            platforms(messenger),
            args.worker,
            senders=args.senders,
            batch=args.batch,
            lease_seconds=args.lease,
        )
        print(f"started {args.worker} pid {os.getpid()}", flush=True)
        while True:
            sent = await deliverer.drain()
            counts = await asyncio.to_thread(services.app.outbox.status)
            if counts["pending"] + counts["claimed"] == 0:
                break
            if not sent:  # what is left is claimed by someone else: wait for the lease
                await asyncio.sleep(0.1)
        print(f"done {args.worker} sent {deliverer.sent}", flush=True)
    return 0


async def day(args: argparse.Namespace) -> int:
    clock = SimulatedClock(datetime.fromisoformat(args.start))
    fail_before = datetime.fromisoformat(args.fail_before) if args.fail_before else None
    messenger = FileRecord(args.record, clock, fail_before=fail_before, fail_every=args.fail_every)
    with build(Settings(database_url=args.url), clock, migrate=False) as services:
        deliverer = services.deliverer(
            platforms(messenger),
            args.worker,
            senders=args.senders,
            batch=args.batch,
            lease_seconds=args.lease,
        )
        runner = Runner(deliverer, services.app.planner)
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line.strip():
                break
            clock.advance_to(datetime.fromisoformat(line.strip()))
            await runner.tick()
            print(f"ok {clock.now().isoformat()}", flush=True)
        print(f"done {args.worker} sent {deliverer.sent} failures {messenger.failures}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("drain", "day"))
    parser.add_argument("url")
    parser.add_argument("record")
    parser.add_argument("--worker", required=True)
    parser.add_argument("--lease", type=int, default=3, help="lease in seconds")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=1.0, help="drain: fake latency")
    parser.add_argument("--start", help="day: the simulated clock's first instant")
    parser.add_argument("--fail-before", help="day: inject failures before this instant")
    parser.add_argument("--fail-every", type=int, default=0, help="day: every n-th member")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format=f"%(levelname)s {args.worker} %(name)s: %(message)s",
    )
    if args.mode == "day" and not args.start:
        parser.error("day needs --start")
    return asyncio.run(drain(args) if args.mode == "drain" else day(args))


if __name__ == "__main__":
    sys.exit(main())

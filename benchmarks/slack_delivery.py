"""Benchmark: morning DMs through the Slack messenger against the configured workspace rate.

    .venv/bin/python -m benchmarks.slack_delivery [--members 1000] [--mornings 10]
        [--rate 100] [--open-per-minute 3000] [--senders 8]

`--members` x `--mornings` digests (10,000 by default) go out through the real
SlackMessenger (slack-sdk's AsyncWebClient) to the fake Slack API on 127.0.0.1, which
enforces one chat.postMessage per second per channel (burst 3) and a token bucket on
conversations.open (`--open-per-minute`, burst 50), answering 429 with Retry-After. The
senders behave like the runtime's Deliverer: the process-wide RateLimiter, and a 429
holds its route for Retry-After and goes back in the queue.

The messenger paces each workspace at `--rate` messages per second itself; the figure is
the achieved rate each morning against it (target at least 95 %), and how many
conversations.open calls were made: one per member, ever (the first morning opens; the
DM channel ids are then stored, as the outbox's Delivery.dm_channel carries them).

Slack's Tier 3 is "50+ per minute": a real first morning of 1,000 new members spends
about 20 minutes opening DMs, once. The default here is scaled up so the run takes
minutes, not hours; pass `--open-per-minute 50` for the real figure.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta

from bots.runtime.ratelimit import RateLimiter
from bots.slack.config import SlackConfig
from bots.slack.messenger import SlackMessenger
from bots.slack.server import PROCESS_RATE
from core.services import Delivery, Failure, Message, MessageKind, Section, SendError
from testkit.slack import BOT_TOKEN, TEAM, FakeSlack

NOW = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
DIGEST = Message(
    MessageKind.DIGEST,
    "Good morning: 1 follow-up today",
    (
        Section(
            "Follow up with Julie at Acme",
            why="3 business days since your email",
            draft="Hi Julie, just bringing this back to the top of your inbox.",
        ),
    ),
)


class Services:
    """What the messenger asks of the core: only remembering DM channels, not asked here."""

    def remember_dm_channel(self, member_id: int, channel_id: str) -> None:  # pragma: no cover
        raise AssertionError("the benchmark's deliveries carry no member id")


async def morning(
    messenger: SlackMessenger, deliveries: list[Delivery], limiter: RateLimiter, senders: int
) -> tuple[float, dict[str, str], int]:
    queue: asyncio.Queue[Delivery] = asyncio.Queue()
    for item in deliveries:
        queue.put_nowait(item)
    opened: dict[str, str] = {}
    limited = 0

    async def sender() -> None:
        nonlocal limited
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            route = messenger.route(item)
            await limiter.acquire(route)
            try:
                sent = await messenger.send(item)
            except SendError as error:
                if error.kind is not Failure.RATE_LIMITED:
                    raise
                limited += 1
                limiter.block(route, error.retry_after or 1.0)
                queue.put_nowait(item)
                continue
            assert sent is not None and item.user_id is not None
            opened[item.user_id] = sent.split(":", 1)[0]

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    return time.perf_counter() - started, opened, limited


async def measure(args: argparse.Namespace) -> int:
    async with FakeSlack(open_per_minute=args.open_per_minute, open_burst=50) as fake:
        config = SlackConfig(bot_token=BOT_TOKEN, api_url=fake.api_url, workspace_rate=args.rate)

        async def token_for(team: str) -> str | None:
            return BOT_TOKEN

        messenger = SlackMessenger(Services(), config, token_for)  # type: ignore[arg-type]
        limiter = RateLimiter(rate=PROCESS_RATE)  # as SlackServer.platform() builds it
        users = [f"U{n:09d}" for n in range(args.members)]
        stored: dict[str, str] = {}
        total_sent, total_time, steady = 0, 0.0, []
        try:
            for day in range(args.mornings):
                deliveries = [
                    Delivery(
                        id=day * args.members + n,
                        key=f"digest:{user}:{day}",
                        platform="slack",
                        workspace_id=TEAM,
                        user_id=user,
                        channel=None,
                        recipient_tz="UTC",
                        recipient_name=user,
                        message=DIGEST,
                        attempts=0,
                        group_id=1,
                        member_id=None,
                        worker="bench",
                        lease_until=NOW + timedelta(hours=1),
                        dm_channel=stored.get(user),
                    )
                    for n, user in enumerate(users)
                ]
                # A new process each morning would have no in-memory cache: only the
                # stored ids (Delivery.dm_channel) save the conversations.open calls.
                messenger._dms.clear()
                seconds, opened, limited = await morning(
                    messenger, deliveries, limiter, args.senders
                )
                stored.update(opened)
                rate = len(deliveries) / seconds
                total_sent += len(deliveries)
                total_time += seconds
                if day:
                    steady.append(rate)
                print(
                    f"morning {day + 1}: {len(deliveries)} DMs in {seconds:.1f}s ="
                    f" {rate:.1f}/s ({100 * rate / args.rate:.1f}% of {args.rate:g}/s);"
                    f" requeued after a 429 or a hold {limited}; conversations.open requests so far"
                    f" {len(fake.calls_to('conversations.open'))}",
                    flush=True,
                )
        finally:
            await messenger.close()
        attempts = len(fake.calls_to("conversations.open"))
        opens = attempts - fake.limited["conversations.open"]
        accepted = fake.calls_to("chat.postMessage")
        print(
            f"total: {total_sent} DMs in {total_time:.1f}s = {total_sent / total_time:.1f}/s"
            f" ({100 * total_sent / total_time / args.rate:.1f}% of the configured"
            f" {args.rate:g}/s); after the first morning"
            f" {sum(steady) / max(1, len(steady)):.1f}/s"
            f" ({100 * sum(steady) / max(1, len(steady)) / args.rate:.1f}%)"
        )
        print(
            f"conversations.open: {opens} opened for {args.members} members"
            f" ({attempts} requests, {fake.limited['conversations.open']} of them answered 429)"
            f" ({'one per member' if opens == args.members else 'NOT one per member'});"
            f" chat.postMessage requests {len(accepted)}"
        )
        return 0 if opens == args.members else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--mornings", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0, help="workspace messages/s")
    parser.add_argument("--open-per-minute", type=float, default=3000.0)
    parser.add_argument("--senders", type=int, default=8)
    return asyncio.run(measure(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

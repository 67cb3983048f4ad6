"""Benchmark: morning DMs through discord.py against Discord's limits.

    .venv/bin/python -m benchmarks.discord_delivery [--messages 10000] [--members 2500]
        [--rate 50] [--limit 50] [--senders 8]

The real discord.py client logs in (REST only) to the fake Discord of the test suite
(testkit/discord.py) on 127.0.0.1, run in a second process as the real Discord is
elsewhere: the fake's own pauses (GC, CPU) don't hold back and then bunch the requests
the bot paced, and the bot has this process to itself. The fake enforces `--limit`
requests per second for the bot in any one-second window (429 with `global: true`
beyond it, interaction endpoints exempt) and per-route buckets with real X-RateLimit
headers (messages: 5 per 5 s per channel; DM opens: 50 per second). `--messages`
digests go to `--members` members, round after round, through the adapter's
DiscordMessenger with `--senders` concurrent senders, as the runtime's Deliverer drives
it: the first message to a member opens the DM channel and stores its id; every later
one uses the stored id. Printed: the achieved request rate against the limit, the
DM-channel opens, and the 429s the fake had to give (counted in its process).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing.connection
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from benchmarks.common import Apart, receive
from bots.discord.client import Bot, Options, login, point_at
from bots.discord.messenger import DiscordMessenger
from core.services import Delivery, Failure, Message, MessageKind, Section, SendError
from testkit.discord import FakeDiscord

USER_BASE = 732000000000000000
GUILD = "710000000000000001"


@dataclass(frozen=True)
class Counts:
    """What the fake saw, sent back from its process."""

    requests: int  # authorized REST requests, the login's included
    dm_opens: int
    rate_limited: int  # 429s served
    globally_limited: int  # of which for the global limit


def digest(n: int) -> Message:
    return Message(
        MessageKind.DIGEST,
        f"Good morning! 1 thing to do this Tuesday (#{n}):",
        (Section("#1 Follow up with Julie Martin (Acme)", "Silence is not a no.", "Hi Julie,"),),
    )


def serve(conn: multiprocessing.connection.Connection, limit: int) -> None:
    """The child process: the fake Discord, until the bot is done and has closed."""
    asyncio.run(_serve(conn, limit))


async def _serve(conn: multiprocessing.connection.Connection, limit: int) -> None:
    fake = await FakeDiscord(global_limit=limit).start()
    fake.notify = False
    try:
        conn.send((fake.api_url, fake.gateway_url, fake.token))
        await receive(conn)  # the sends are done
        requests = sum(1 for c in fake.calls if c.authorized)
        conn.send(Counts(requests, fake.dm_opens, fake.rate_limited, fake.globally_limited))
        await receive(conn)  # the bot has closed
    finally:
        await fake.close()


async def measure(args: argparse.Namespace) -> None:
    """This process: the bot and its DiscordMessenger, against the fake of the child."""
    apart = Apart(serve, args.limit)
    try:
        api_url, gateway_url, token = await apart.recv()
        point_at(api_url, gateway_url)
        bot = Bot(None, Options(sync=False, rate=args.rate))
        try:
            await login(bot, token)
            sent, rate_limited, seconds = await deliver(bot, args)
            apart.send("done")
            counts: Counts = await apart.recv()
            invalid = bot.invalid.total
        finally:
            await bot.close()
        apart.send("closed")
    finally:
        apart.close()
    rest = counts.requests - 2  # the login's two requests came before the clock started
    achieved = rest / seconds
    print(
        f"{sent} DMs to {args.members} members in {seconds:.1f} s;"
        f" {rest} REST requests ({counts.dm_opens} DM-channel opens + sends)"
    )
    print(
        f"  achieved {achieved:.2f} requests/s against a limit of {args.limit}/s:"
        f" {achieved / args.limit:.1%} (client pacing at {args.rate}/s)"
    )
    print(f"  DM-channel opens: {counts.dm_opens} (members: {args.members})")
    print(
        f"  429s from the fake: {counts.rate_limited} ({counts.globally_limited} global);"
        f" RATE_LIMITED seen: {rate_limited}; invalid requests counted: {invalid}"
    )


async def deliver(bot: Bot, args: argparse.Namespace) -> tuple[int, int, float]:
    """The DMs, as the Deliverer sends them: (sent, RATE_LIMITED seen, seconds)."""
    stored: dict[int, str] = {}
    messenger = DiscordMessenger(bot, stored.__setitem__)
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for n in range(args.messages):
        queue.put_nowait((n % args.members, n))
    template = Delivery(
        id=0,
        key="",
        platform="discord",
        workspace_id=GUILD,
        user_id=None,
        channel=None,
        recipient_tz="UTC",
        recipient_name="Member",
        message=digest(0),
        attempts=0,
        group_id=1,
        member_id=None,
        worker="bench",
        lease_until=datetime(2100, 1, 1, tzinfo=UTC),
    )
    rate_limited = 0
    sent = 0

    async def sender() -> None:
        nonlocal rate_limited, sent
        while True:
            try:
                member, n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            delivery = replace(
                template,
                id=n,
                key=f"digest:{member}:{n}",
                user_id=str(USER_BASE + member),
                member_id=member,
                dm_channel=stored.get(member),
                message=digest(n),
            )
            try:
                await messenger.send(delivery)
                sent += 1
            except SendError as error:
                if error.kind is not Failure.RATE_LIMITED:
                    raise
                rate_limited += 1
                await asyncio.sleep(error.retry_after or 1)
                queue.put_nowait((member, n))

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(args.senders)))
    return sent, rate_limited, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=2_500)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--senders", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(measure(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

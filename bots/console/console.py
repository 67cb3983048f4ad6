"""The console adapter: `followthrough console --as NAME`, and `run --console`."""

from __future__ import annotations

import asyncio
import getpass

from bots.bootstrap import build
from bots.runtime.delivery import Deliverer, Platform
from bots.runtime.ratelimit import RateLimiter
from core.services.commands import Identity
from core.services.ports import Delivery, SystemClock

PLATFORM, WORKSPACE = "console", "local"


class PrintingMessenger:
    """Messages for the console's members, printed to the terminal."""

    def route(self, delivery: Delivery) -> str:
        return "console"

    async def send(self, delivery: Delivery) -> str:
        print(f"\n[{delivery.message.kind} for {delivery.recipient_name}]")
        print(delivery.message.plain_text(), flush=True)
        return "console"


def platform() -> Platform:
    return Platform(PrintingMessenger(), RateLimiter(rate=100))


def run(database_url: str, name: str) -> int:
    """An interactive prompt on the real clock; due digests print before each prompt."""
    app = build(database_url, SystemClock())
    who = Identity(PLATFORM, WORKSPACE, f"{getpass.getuser()}:{name}", name, is_admin=True)
    deliverer = Deliverer(app, {PLATFORM: platform()}, "console", senders=1)
    print(f"FollowThrough console as {name}. Type /lead help, or an empty line to quit.")
    while True:
        app.plan()
        asyncio.run(deliverer.drain())
        try:
            line = input("> ").strip()
        except EOFError:
            break
        if not line:
            break
        command, _, text = line.partition(" ")
        if command not in ("/lead", "/followthrough", "/leaderboard"):
            print("Commands start with /lead, /followthrough or /leaderboard (try /lead help).")
            continue
        answer = app.handle(who, command, text)
        print(answer.plain_text())
        for attachment in answer.attachments:
            print(f"\n--- {attachment.filename} ---\n{attachment.content}")
    return 0

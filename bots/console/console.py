"""The console adapter: `followthrough console --as NAME`, and `run --console`."""

from __future__ import annotations

import asyncio
import getpass

from bots.bootstrap import Services
from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from core.services import Identity
from core.services.ports import Delivery

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


def run(services: Services, name: str) -> int:
    """An interactive prompt; due digests print before each prompt."""
    app = services.app
    who = Identity(PLATFORM, WORKSPACE, f"{getpass.getuser()}:{name}", name, is_admin=True)
    deliverer = services.deliverer({PLATFORM: platform()}, senders=1)
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

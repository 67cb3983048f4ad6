"""`followthrough console --as NAME`: type commands as in Slack, on the real clock."""

from __future__ import annotations

import getpass
import sys

from bots.bootstrap import build
from bots.settings import Settings
from core.services.commands import Identity
from core.services.ports import Delivery, SystemClock

PLATFORM, WORKSPACE = "console", "local"


class PrintingMessenger:
    def send(self, delivery: Delivery) -> str:
        print(f"\n[{delivery.message.kind} for {delivery.recipient_name}]")
        print(delivery.message.plain_text())
        return "console"


def run(settings: Settings, name: str) -> int:
    app = build(settings.database_url, SystemClock())
    who = Identity(PLATFORM, WORKSPACE, f"{getpass.getuser()}:{name}", name, is_admin=True)
    messenger = PrintingMessenger()
    print(f"FollowThrough console as {name}. Type /lead help, or an empty line to quit.")
    while True:
        app.plan()
        app.deliver(messenger)
        try:
            line = input("> ").strip()
        except EOFError:
            break
        if not line:
            break
        command, _, text = line.partition(" ")
        if command not in ("/lead", "/followthrough"):
            print("Commands start with /lead or /followthrough (try /lead help).")
            continue
        answer = app.handle(who, command, text)
        print(answer.plain_text())
        for attachment in answer.attachments:
            print(f"\n--- {attachment.filename} ---\n{attachment.content}")
    sys.stdout.flush()
    return 0

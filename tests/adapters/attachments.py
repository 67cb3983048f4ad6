"""A binary file for the adapters' tests, and two ways to have the bot send it: as a
command's answer, or as a DM through the real outbox.

`PDF` is not UTF-8 (a NUL, 0xff 0xfe, every byte value): any text conversion on its way
changes it, and the tests compare what arrives byte for byte.
"""

from __future__ import annotations

from typing import Any

import pytest

from bots.bootstrap import Services
from core.domain import commands
from core.domain.messages import Attachment, Message, reply
from core.services import handlers
from core.services.ports import Outgoing

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\x00\xff\xfe" + bytes(range(256)) + b"\n%%EOF\n"
CSV = "date,action,lead\n2026-03-02,emailed,Zoë\n"
LOG = Attachment("followthrough-log.pdf", PDF, "application/pdf")
LOG_CSV = Attachment("followthrough-log.csv", CSV, "text/csv")


def answer_with_files(monkeypatch: pytest.MonkeyPatch, *files: Attachment) -> None:
    """`/followthrough export` answers with `files` (the PDF and the CSV by default), as
    the work-search log will: the core's handler swapped, the adapters as they are."""

    def export(turn: Any, command: commands.Export) -> Message:
        return reply("Your work-search log.", attachments=files or (LOG, LOG_CSV))

    monkeypatch.setitem(handlers.HANDLERS, commands.Export, export)


def queue_dm(
    services: Services, platform: str, workspace: str, user: str, message: Message
) -> None:
    """`message` into the outbox as a DM to `user` (a member already), due now: stored as
    its JSON payload, read back when a deliverer claims it."""
    now = services.app.clock.now()
    with services.database.uow() as uow:
        group = uow.groups.get(platform, workspace)
        assert group is not None and group.id is not None
        member = uow.members.get(group.id, user, lock=False)
        assert member is not None and member.id is not None
        uow.outbox.add(Outgoing(f"files:{user}", group.id, member.id, message, now), now)
        uow.commit()

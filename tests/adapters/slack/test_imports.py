"""Importing a search on Slack: a CSV shared in the member's DM with the bot (the
`file_shared` event, files.info, then its url_private_download read with the bot token),
answered in that DM with a preview whose Import button confirms it; `/followthrough
import` alone says to send the file there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from core.services import MAX_IMPORT_BYTES
from testkit.slack import BOT_USER
from testkit.slack_harness import ADA, Harness, harness, wait_until

FILES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
SECRET = "SCREENING-ANSWER-5150"


def everything(h: Harness) -> str:
    with h.services.database.engine.connect() as connection:
        return str(
            [
                list(connection.execute(text(f"SELECT * FROM {table}")))
                for table in ("leads", "events", "pending_imports")
            ]
        )


async def preview_in_dm(h: Harness, event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """Share the file (the event), and the preview the bot posts in the DM."""
    dm = h.fake.dm_channel(ADA)
    before = len(h.fake.posts(dm))
    status, _ = await h.event(event, event_id=event_id)
    assert status == 200
    await wait_until(lambda: len(h.fake.posts(dm)) > before)
    return h.fake.posts(dm)[-1]


def button(post: dict[str, Any], action_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in post["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return block, element
    raise AssertionError(f"no button {action_id}")


async def test_a_csv_shared_in_the_dm_is_previewed_there_and_its_button_imports_it(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        data = (FILES / "Job Applications.csv").read_bytes()
        post = await preview_in_dm(h, h.fake.share(ADA, "Job Applications.csv", data), "Ev1")

        assert "4 new leads with 4 actions: 4 applications" in post["text"]
        assert SECRET not in json.dumps(post)
        assert [c.method for c in h.fake.calls if c.method == "files.info"] == ["files.info"]
        assert len(h.fake.downloads) == 1
        assert "Tailspin" not in await h.ask("list")  # nothing imported yet

        block, element = button(post, "digest_confirm")
        assert element["value"] == "/followthrough import confirm"
        dm = h.fake.dm_channel(ADA)
        (ts,) = [ts for channel, ts in h.fake.messages if channel == dm]
        press = {
            "type": "block_actions",
            "user": {"id": ADA, "name": "ada", "team_id": "T0TEAM0001"},
            "team": {"id": "T0TEAM0001"},
            "api_app_id": "A0APP00001",
            "container": {"type": "message", "channel_id": dm, "message_ts": ts},
            "channel": {"id": dm},
            "message": {"ts": ts, "blocks": post["blocks"]},
            "actions": [{**element, "block_id": block["block_id"]}],
            "trigger_id": "trigger-press",
        }
        status, _ = await h.interact(press)
        assert status == 200
        await wait_until(lambda: "Imported 4 leads" in json.dumps(h.fake.messages[(dm, ts)]))

        listed = await h.ask("list")
        assert "Tailspin Toys" in listed and "Northwind Traders" in listed
        stored = everything(h)
        assert "Northwind Traders" in stored
        assert SECRET not in stored and "recruiter@northwind.example" not in stored


async def test_a_file_over_the_limit_is_refused_by_its_size_and_never_downloaded(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        event = h.fake.share(ADA, "everything.csv", b"Company\nAcme\n", size=MAX_IMPORT_BYTES + 1)
        post = await preview_in_dm(h, event, "Ev2")
        assert "is over 2 MB, the most I import at once" in post["text"]
        assert h.fake.downloads == []


async def test_files_shared_elsewhere_or_by_the_bot_are_not_read(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        data = (FILES / "simplify.csv").read_bytes()
        in_channel = h.fake.share(ADA, "simplify.csv", data, channel="C0GROUP001")
        status, _ = await h.event(in_channel, event_id="Ev3")
        assert status == 200
        by_the_bot = h.fake.share(BOT_USER, "export.csv", data, channel=h.fake.dm_channel(ADA))
        status, _ = await h.event(by_the_bot, event_id="Ev4")
        assert status == 200
        await h.ask("list")  # the listeners above have run by now
        assert h.fake.calls_to("files.info") == [] and h.fake.downloads == []
        assert h.fake.posts(h.fake.dm_channel(ADA)) == []


async def test_an_event_sent_again_is_previewed_once(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        event = h.fake.share(ADA, "simplify.csv", (FILES / "simplify.csv").read_bytes())
        await preview_in_dm(h, event, "Ev5")
        status, _ = await h.event(event, event_id="Ev5", retry=1)
        assert status == 200
        await h.ask("list")
        assert len(h.fake.posts(h.fake.dm_channel(ADA))) == 1


async def test_import_alone_says_to_send_the_file_in_the_dm_and_confirm_works_typed(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        how = await h.ask("import", command="/followthrough")
        assert "send me the CSV in our DM" in how
        event = h.fake.share(ADA, "simplify.csv", (FILES / "simplify.csv").read_bytes())
        await preview_in_dm(h, event, "Ev6")
        done = await h.ask("import confirm", command="/followthrough")
        assert "Imported 5 leads (#1 to #5)" in done

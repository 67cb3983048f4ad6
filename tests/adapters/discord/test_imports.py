"""Importing a search on Discord: `/followthrough import file:<attachment>` (an option of
type 11), downloaded from Discord's CDN with `Attachment.read()` unless what Discord says
of its size is over the limit; the preview's Import button runs the confirm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from bots.discord.tree import payload
from core.services import MAX_IMPORT_BYTES
from testkit import discord_payloads as p
from testkit.discord_harness import Harness, text_of

FILES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
USER = 730000000000000001
SECRET = "SCREENING-ANSWER-5150"


def with_file(h: Harness, filename: str, data: bytes, **kwargs: Any) -> dict[str, Any]:
    option, resolved = p.attachment_option("file", h.fake.attach(filename, data, **kwargs))
    return p.command("followthrough", "import", option, resolved=resolved)


def everything(h: Harness) -> str:
    with h.reader().connect() as connection:
        return str(
            [
                list(connection.execute(text(f"SELECT * FROM {table}")))
                for table in ("leads", "events", "pending_imports", "members")
            ]
        )


async def test_an_attached_csv_is_previewed_and_its_button_imports_it(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        data = (FILES / "Job Applications.csv").read_bytes()
        command = with_file(h, "Job Applications.csv", data)
        asked = await h.interact(command)

        assert asked["flags"] & 64  # ephemeral: the member's alone
        assert len(h.fake.downloads) == 1  # read from the CDN, once
        shown = "\n".join(text_of(m) for m in h.answers(command))
        assert "4 new leads with 4 actions: 4 applications" in shown
        assert "Never imported: Contact Email, Contact Phone Number, Question And Answers" in shown
        assert SECRET not in shown
        assert "Tailspin" not in text_of(await h.interact(p.command("lead", "list")))

        ids = p.custom_ids(asked)
        assert [i.rsplit(":", 1)[-1] for i in ids] == [
            "import confirm",
            "import cancel",
        ]
        press = p.press_in_guild(ids[0], user_id=USER, message=asked)
        h.feed(press)
        await h.answered(press)

        assert "Imported 4 leads (#1 to #4)" in str(h.fake.originals[press["token"]])
        listed = text_of(await h.interact(p.command("lead", "list")))
        assert "Tailspin Toys" in listed and "Northwind Traders" in listed
        stored = everything(h)
        assert "Northwind Traders" in stored and SECRET not in stored
        assert "recruiter@northwind.example" not in stored


async def test_a_file_over_the_limit_is_refused_by_its_size_and_never_downloaded(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        answer = await h.interact(
            with_file(h, "everything.csv", b"Company\nAcme\n", size=MAX_IMPORT_BYTES + 1)
        )
        assert "is over 2 MB, the most I import at once" in text_of(answer)
        assert h.fake.downloads == []
        assert "Acme" not in everything(h)


async def test_a_file_that_is_not_a_csv_gets_a_clear_answer(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        answer = await h.interact(with_file(h, "search.xlsx", b"PK\x03\x04 a workbook"))
        assert "is an Excel, Numbers or OpenDocument file, not a CSV" in text_of(answer)
        assert "Save As" in text_of(answer)


async def test_import_without_a_file_says_to_attach_one_and_confirm_works_typed(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        how = await h.interact(p.command("followthrough", "import"))
        assert "`/followthrough import` with its `file` option" in text_of(how)
        await h.interact(with_file(h, "simplify.csv", (FILES / "simplify.csv").read_bytes()))
        done = await h.interact(p.command("followthrough", "import", p.option("action", "confirm")))
        assert "Imported 5 leads" in text_of(done)


async def test_the_command_tree_offers_a_file_option(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        assert h.bot is not None
        commands = {command["name"]: command for command in payload(h.bot.tree)}
        (sub,) = [o for o in commands["followthrough"]["options"] if o["name"] == "import"]
        kinds = {o["name"]: o["type"] for o in sub["options"]}
        assert kinds == {"action": 3, "dates": 3, "file": 11}

"""Files on the terminal (bots.console.files): one line for a binary file, and a folder
that keeps every file of a run under a safe name of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.console.files import Folder, FolderError, describe, human_size, safe_name
from core.services import Attachment
from tests.adapters.attachments import LOG, PDF


def test_a_binary_file_is_named_with_its_kind_and_size() -> None:
    report = Attachment("report.pdf", bytes(12_595), "application/pdf")
    assert describe(report) == "--- report.pdf (PDF, 12.3 KB) ---"
    bare = Attachment("log", b"\x00", "application/octet-stream")
    assert describe(bare) == "--- log (application/octet-stream, 1 byte) ---"
    assert human_size(3 * 1024 * 1024) == "3.0 MB"


def test_a_text_file_is_shown_in_full() -> None:
    assert describe(Attachment("a.csv", "x,y\n", "text/csv")) == "--- a.csv ---\nx,y\n"


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "..", ".", "", "a/b\\c", "C:\\Users\\x.pdf", "..hidden", "a\x00b.pdf"],
)
def test_a_name_becomes_one_file_inside_the_folder(name: str, tmp_path: Path) -> None:
    saved = Folder(tmp_path).save(Attachment(name, PDF, "application/pdf"))
    assert saved.parent == tmp_path and saved.read_bytes() == PDF
    assert ".." not in saved.name and not saved.name.startswith(".")
    assert safe_name(name) == saved.name


def test_a_repeated_name_is_numbered_and_nothing_of_the_run_is_overwritten(
    tmp_path: Path,
) -> None:
    (tmp_path / "followthrough-log.pdf").write_bytes(b"from an earlier run")
    folder = Folder(tmp_path)
    own = Attachment("followthrough-log-2.pdf", b"its own name", "application/pdf")
    saved = [folder.save(LOG), folder.save(own), folder.save(LOG), folder.save(LOG)]
    assert [path.name for path in saved] == [
        "followthrough-log.pdf",  # an earlier run's file is replaced
        "followthrough-log-2.pdf",
        "followthrough-log-3.pdf",
        "followthrough-log-4.pdf",
    ]
    assert (tmp_path / "followthrough-log-2.pdf").read_bytes() == b"its own name"
    assert (tmp_path / "followthrough-log.pdf").read_bytes() == PDF


def test_a_folder_that_cannot_be_made_says_why(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(FolderError, match=r"can.t make the folder .*taken/out: Not a directory"):
        Folder(tmp_path / "taken" / "out")

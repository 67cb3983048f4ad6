"""Files on the terminal: a binary one named in one line, `--files DIR`, where the
console and the simulator write what the bot attached, and a file a member names to
import (`/followthrough import search.csv`)."""

from __future__ import annotations

import re
from pathlib import Path, PurePath

from core.services import MAX_IMPORT_BYTES, Attachment

# Characters no file name here may hold: separators, controls, and what Windows refuses.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_DOTS = re.compile(r"\.{2,}")


class FolderError(Exception):
    """The folder given to --files can't be made, or a file in it can't be written."""


def describe(attachment: Attachment) -> str:
    """How the terminal shows a file: a text file in full, a binary one in one line."""
    if isinstance(attachment.content, str):
        return f"--- {attachment.filename} ---\n{attachment.content}"
    return f"--- {attachment.filename} ({file_kind(attachment)}, {human_size(attachment.size)}) ---"


def file_kind(attachment: Attachment) -> str:
    """`PDF` for report.pdf; the media type for a name without an extension."""
    suffix = PurePath(attachment.filename).suffix.lstrip(".")
    return suffix.upper() if suffix else attachment.media_type


def human_size(count: int) -> str:
    """`812 bytes`, `12.3 KB`, `4.0 MB` (of 1,024)."""
    if count < 1024:
        return f"{count} byte{'' if count == 1 else 's'}"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def safe_name(filename: str) -> str:
    """`filename` as a name in one folder: no separators, no `..`, no hidden file."""
    name = _DOTS.sub(".", _UNSAFE.sub("_", filename)).strip().lstrip(".")
    return name or "attachment"


class Folder:
    """Writes attachments into `path` (made if missing), each under its own name; a name
    written already in this run gets `-2`, `-3`, ... before its extension, so nothing
    written in a run is overwritten (a file from an earlier run is replaced)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._written: set[str] = set()
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise FolderError(f"can't make the folder {path}: {error.strerror}") from None

    def save(self, attachment: Attachment) -> Path:
        """Write `attachment`'s bytes; where they went."""
        target = self.path / self._fresh(safe_name(attachment.filename))
        try:
            target.write_bytes(attachment.data)
        except OSError as error:
            raise FolderError(f"can't write {target}: {error.strerror}") from None
        return target

    def _fresh(self, name: str) -> str:
        stem, suffix = PurePath(name).stem, PurePath(name).suffix
        candidate, number = name, 1
        while candidate.casefold() in self._written:  # one file on a case-blind disk
            number += 1
            candidate = f"{stem}-{number}{suffix}"
        self._written.add(candidate.casefold())
        return candidate


# What `/followthrough import` takes as words; anything else after it is a file's path.
IMPORT_WORDS = ("confirm", "cancel")


def import_path(text: str) -> str | None:
    """The file `/followthrough <text>` names to import (`import search.csv`, `import
    "Job Applications.csv"`); None for anything else (`import`, `import confirm`)."""
    verb, _, rest = text.strip().partition(" ")
    rest = rest.strip()
    if verb.lower() != "import" or not rest or rest.split()[0].lower() in IMPORT_WORDS:
        return None
    if len(rest) > 1 and rest[0] == rest[-1] and rest[0] in "'\"":
        rest = rest[1:-1]
    return rest


def read_upload(path: Path) -> tuple[str, bytes, int | None]:
    """(name, bytes, size) of a file to import: one over the core's limit is not read,
    only its size said (as a platform announces it). An OSError if it can't be read."""
    size = path.stat().st_size
    if size > MAX_IMPORT_BYTES:
        return path.name, b"", size
    return path.name, path.read_bytes(), None

"""Text members type: cleaned on the way in, marked on the way out.

Whatever a member types (names, companies, roles, notes) is shown as typed and never
interpreted. The domain wraps each such value in two private-use markers when it puts
it into a sentence (`typed`); each adapter then escapes exactly those segments for its
platform's markup (`render`), and plain text drops the markers (`plain`). Incoming text
is `clean`ed first, so a member can never type a marker themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

OPEN, CLOSE = "\ue000", "\ue001"
MAX_COMMAND = 4000  # Slack sends a slash command's text up to about 4,000 characters
MAX_ECHO = 60  # how much of a member's text a reply quotes back

_MARKED = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*){CLOSE}")
_MARKERS = re.compile(f"[{OPEN}{CLOSE}]")


def _is_space(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Zs"


def _is_invisible(char: str) -> bool:
    # Controls, format characters (zero-width space, bidi overrides) and private use.
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def clean(text: str) -> str:
    """Every kind of space (tabs, newlines, no-break and the other Unicode spaces) becomes
    one plain space; invisible characters (controls, bidi overrides, zero-width ones) and
    our markers go; accents are composed (NFC); the ends are trimmed."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if _is_space(char):
            if out and out[-1] != " ":
                out.append(" ")
        elif not _is_invisible(char):
            out.append(char)
    return "".join(out).strip()


def typed(value: str) -> str:
    """`value`, which a member typed, marked so that adapters escape it."""
    return f"{OPEN}{_MARKERS.sub('', value)}{CLOSE}"


def echo(value: str, limit: int = MAX_ECHO) -> str:
    """A member's text quoted back in a reply: marked, and cut short if it is long."""
    value = _MARKERS.sub("", value)
    return typed(value if len(value) <= limit else value[: limit - 1] + "…")


def plain(text: str) -> str:
    """The text without markers (the console, plain-text fallbacks, tests)."""
    return _MARKERS.sub("", text)


def render(text: str, escape: Callable[[str], str]) -> str:
    """`text` with each member-typed segment passed through `escape`, markers dropped."""
    return plain(_MARKED.sub(lambda match: escape(match[1]), text))


def escaped_length(text: str) -> int:
    """The most characters `text` can take once an adapter escapes it: each character a
    member typed may become two (`*` -> `\\*`), the rest stays as it is."""
    return len(plain(text)) + sum(len(match[1]) for match in _MARKED.finditer(text))

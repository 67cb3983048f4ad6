"""A lead's optional details (what a work-search log asks for), checked as typed: an
email looks like one, a web address is http(s), a phone number is digits."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.domain.errors import UsageError
from core.domain.text import echo

# Each pattern is matched whole, and none has a repeat inside a repeat: a value is read
# in one pass, whatever its length.
_LOCAL = re.compile(r"[^@\s<>()\[\]\\,;:\"]+")  # an address's part before the @
_LABEL = re.compile(r"[^\W_]+(?:-+[^\W_]+)*")  # letters or digits, hyphens inside
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)
_PHONE = re.compile(r"\+?[0-9 ()./-]+(?: ?(?:x|ext\.?) ?[0-9]{1,6})?", re.I)
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 5, 17
# Never in a web address as typed (RFC 3986): shown as they are, they can close the
# markup a chat wraps a link in.
_NOT_IN_URLS = frozenset('<>"\\`{}|^')


def _domain(host: str) -> bool:
    """Whether `host` is a domain name: labels between dots, the last (`com`, `de`) of
    two characters or more and not a number."""
    labels = host.split(".")
    top = labels[-1]
    return (
        len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and len(top) >= 2
        and not top.isdigit()
    )


def _printable(value: str) -> bool:
    return all(char.isprintable() and not char.isspace() for char in value)


def _web(value: str, what: str) -> str:
    problem = UsageError(f"{echo(value, 60)} is not {what} (it starts with https://).")
    if not _printable(value) or not _NOT_IN_URLS.isdisjoint(value):
        raise problem
    try:
        parts = urlsplit(value)
        if parts.port == 0:  # reading it raises for a port that is no number
            raise problem
    except ValueError:  # `http://[x`, `https://acme.com:js`, `https://acme.com:99999`
        raise problem from None
    # A name before an @ (`https://acme.com@evil.example`) hides the real host.
    if parts.scheme not in ("http", "https") or "@" in parts.netloc:
        raise problem
    if not _domain(parts.hostname or ""):
        raise problem
    return value


def check(field: str, value: str) -> str:
    """`value` for the Lead field `field`, as it is stored, or a UsageError."""
    match field:
        case "email":
            local, at, domain = value.rpartition("@")
            if not (at and _LOCAL.fullmatch(local) and _printable(value) and _domain(domain)):
                raise UsageError(
                    f"{echo(value, 60)} doesn't look like an email address (name@example.com)."
                )
        case "phone":
            digits = sum(ch.isdigit() for ch in value)
            if not _PHONE.fullmatch(value) or not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
                raise UsageError(
                    f"{echo(value, 40)} doesn't look like a phone number (+1 212 555 0100)."
                )
        case "url":
            return _web(value, "a web address")
        case "website":
            # `acme.com` is a website too: stored with its https://. A `://` further on
            # (`acme.com/go?to=https://...`) is no scheme of its own.
            bare = _SCHEME.match(value) is None
            return _web(f"https://{value}" if bare else value, "a website")
    return value

"""A lead's optional details (what a work-search log asks for), checked as typed: an
email looks like one, a web address is http(s), a phone number is digits."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.domain.errors import UsageError
from core.domain.text import echo

_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>.]+(\.[^@\s<>.]+)+")
_PHONE = re.compile(r"\+?[0-9 ()./-]+(?: ?(?:x|ext\.?) ?[0-9]{1,6})?", re.I)
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 5, 17


def _web(value: str, what: str) -> str:
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or " " in value:
        raise UsageError(f"{echo(value, 60)} is not {what} (it starts with https://).")
    return value


def check(field: str, value: str) -> str:
    """`value` for the Lead field `field`, as it is stored, or a UsageError."""
    match field:
        case "email":
            if not _EMAIL.fullmatch(value):
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
            # `acme.com` is a website too: stored with its https://.
            bare = "://" not in value
            return _web(f"https://{value}" if bare else value, "a website")
    return value

"""One person on two platforms: the link codes, the rules they keep, and what a member is
told about their link.

A member on one platform asks for a code (`/followthrough link`) and types it on the
other (`/followthrough link <code>`): the two member rows become one person. The member
who asked for the code is the person's *primary* member: it holds the person's leads,
history, settings and morning; the other, the *secondary*, acts through it. Each group
keeps its own member row, its own board and its own posts (core.services.links says
how).

A code is 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L), about 40 bits:
made by `secrets`, valid 10 minutes, usable once, kept only as a salted SHA-256. A member
who types five wrong codes waits 15 minutes before the next try is read.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain.messages import Message, error, plural, reply
from core.domain.text import typed

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0, O, 1, I, L: read aloud, typed back
CODE_LENGTH = 8
VALID_FOR = timedelta(minutes=10)
MAX_WRONG = 5  # wrong codes in a row, then a wait
WAIT = timedelta(minutes=15)
SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class LinkCode:
    """A member's one live code, as stored: never the code itself."""

    member_id: int
    salt: str  # hex
    digest: str  # hex SHA-256 of salt + code
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Tries:
    """A member's wrong codes in a row, and until when their next try is not read."""

    member_id: int
    wrong: int = 0
    locked_until: datetime | None = None


@dataclass(slots=True)
class Link:
    """Two members, one person: `secondary_id` resolves to `primary_id`.

    `deliver_id` is the member (one of the two) whose DMs carry the morning digest;
    `brought` the leads the secondary had when it was linked, as (lead id, its number
    there): unlinking gives exactly these back, under those numbers.
    """

    primary_id: int
    secondary_id: int
    deliver_id: int
    linked_at: datetime
    brought: tuple[tuple[int, int], ...] = ()

    def other(self, member_id: int) -> int:
        return self.secondary_id if member_id == self.primary_id else self.primary_id


def digest(salt: str, code: str) -> str:
    """The stored form of `code` under `salt`."""
    return hashlib.sha256(bytes.fromhex(salt) + code.encode("ascii")).hexdigest()


def matches(stored: LinkCode, code: str) -> bool:
    """Whether `code` (normalised) is the one `stored` keeps, in constant time."""
    return hmac.compare_digest(stored.digest, digest(stored.salt, code))


def normalised(text: str) -> str | None:
    """A typed code as it was made (`abcd-efgh`, `ABCD EFGH` -> `ABCDEFGH`), or None if
    it can't be one (wrong length, a character the alphabet hasn't)."""
    code = "".join(ch for ch in text.upper() if ch not in " -")
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def shown(code: str) -> str:
    """`ABCD-EFGH`: easier to read off one screen and type on another."""
    return f"{code[:4]}-{code[4:]}"


def minutes_until(later: datetime, now: datetime) -> int:
    """Whole minutes from `now` to `later`, rounded up (at least 1)."""
    return max(1, -(-int((later - now).total_seconds()) // 60))


def platform_name(platform: str) -> str:
    return platform.capitalize()


# -- what the member is told ------------------------------------------------------------


def code_made(code: str, platform: str, now: datetime, expires_at: datetime) -> Message:
    minutes = minutes_until(expires_at, now)
    others = (
        "the other platform"
        if platform not in ("slack", "discord")
        else ("Discord" if platform == "slack" else "Slack")
    )
    return reply(
        f"Your link code: `{shown(code)}` (only you see this). On {others}, type"
        f" `/followthrough link {code}` within {plural(minutes, 'minute')} to make your two"
        " accounts one person: one set of leads, one history, one morning. It works once;"
        " asking again makes a new one."
    )


def linked_now(
    here: str,
    there: str,
    there_name: str,
    brought: list[int],
    deliver: str,
) -> Message:
    """The answer to a code that linked: what moved, and where the morning goes."""
    if brought:
        numbers = ", ".join(f"#{n}" for n in brought)
        leads = (
            f" Your {plural(len(brought), 'lead')} from {platform_name(here)} joined the others"
            f" as {numbers}."
        )
    else:
        leads = ""
    return reply(
        f"Linked: you are one person on {platform_name(here)} and {platform_name(there)}"
        f" (as {typed(there_name)})." + leads + f" Your morning comes on"
        f" {platform_name(deliver)}; `/followthrough me deliver slack|discord` changes it."
        " Each group's board still counts what you do in that group, never twice.",
    )


def linked_state(here: str, there: str, there_name: str, deliver: str, since: datetime) -> Message:
    """`/followthrough link` by a member already linked: what is linked."""
    return reply(
        f"You are linked: {platform_name(here)} and {platform_name(there)}"
        f" (as {typed(there_name)}) are one person since {since:%Y-%m-%d}. Your leads and"
        f" history are the same on both; your morning comes on {platform_name(deliver)}."
        " `/followthrough unlink` splits them again."
    )


def unlinked(here: str, there: str, back: int, back_platform: str, kept_platform: str) -> Message:
    return reply(
        f"Unlinked: {platform_name(here)} and {platform_name(there)} are two members again,"
        f" and nothing was lost. The {plural(back, 'lead')} {platform_name(back_platform)}"
        f" had when you linked went back there, numbered as before; leads added while"
        f" linked stay on {platform_name(kept_platform)}, where they were kept. Each platform"
        " sends its own morning again."
    )


def delivers(platform: str) -> Message:
    return reply(f"Your morning now comes on {platform_name(platform)}, once.")


NOT_LINKED = "You aren't linked: `/followthrough link` gives a code to type on your other platform."
NOT_LINKED_DELIVER = (
    "You aren't linked, so your morning already comes here. `/followthrough link` links"
    " your Slack and Discord accounts."
)
ALREADY_LINKED = (
    "You are linked already: `/followthrough link` shows with what; `/followthrough unlink`"
    " first to link with another account."
)
OWN_CODE = "That's the code you made here: type it on your other platform."
SAME_PLATFORM = (
    "That code was made on this platform too. A link joins a Slack member and a Discord"
    " member: type it on the other one."
)
OTHER_LINKED = (
    "The account that made that code is linked already: it should `/followthrough unlink` first."
)
FORGET_LINKED = (
    "You are linked with another platform: `/followthrough unlink` first, then forget-me on"
    " each platform you want erased."
)


def deliver_where(platform: str, platforms: tuple[str, str]) -> str:
    return (
        f"Your link is on {platform_name(platforms[0])} and {platform_name(platforms[1])}:"
        f" choose one of them, not {platform_name(platform)}."
    )


def wrong_code(tries_left: int) -> Message:
    return error(
        "That code doesn't work: it is wrong, was used, or is over 10 minutes old."
        f" {plural(tries_left, 'try', 'tries')} left before a {int(WAIT.total_seconds() // 60)}"
        "-minute wait."
    )


def locked(now: datetime, until: datetime) -> Message:
    minutes = minutes_until(until, now)
    return error(
        f"{MAX_WRONG} wrong codes in a row: wait {plural(minutes, 'minute')} before the next"
        f" try (until {until:%H:%M} UTC). Ask for a fresh code meanwhile."
    )

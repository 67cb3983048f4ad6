"""A member's private calendar feed: its address (`/followthrough calendar`), made once
and kept only as a fingerprint, and the feed itself, which the process's HTTP server
serves at that address."""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Callable

from core.domain import agenda, replies
from core.domain import commands as c
from core.domain.errors import DomainError
from core.domain.messages import Message
from core.domain.planning import context
from core.reports import ics
from core.services.ports import Clock, UnitOfWork
from core.services.turn import Turn

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 random bits
TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")
MAX_TOKEN = 64
PATH = "/calendar/{token}.ics"  # under the public address of the bot's HTTP server
FEED_NAME = "FollowThrough"


def fingerprint(token: str) -> str:
    """What is kept of a feed's token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    """Whether `token` could be one we made (anything else is not looked up)."""
    return 0 < len(token) <= MAX_TOKEN and set(token) <= TOKEN_CHARACTERS


def address(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + PATH.format(token=token)


def feed_link(turn: Turn, cmd: c.CalendarFeed, public_url: str | None = None) -> Message:
    """The member's feed address, made now: shown this once, kept as a fingerprint. With
    one made already, say so (it can't be shown again), unless `reset` replaces it: the
    old address answers 404 from this commit on. Without `public_url` (the operator's
    setting) there is no address to give."""
    if public_url is None:
        raise DomainError(replies.FEED_OFF)
    member = turn.member
    had = member.calendar_digest is not None
    if had and not cmd.reset:
        return replies.calendar_feed_exists()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    member.calendar_digest = fingerprint(token)
    turn.save()
    return replies.calendar_feed(address(public_url, token), reset=had)


class Calendars:
    """The feeds, for the HTTP route: a token in, that member's calendar out."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow, self.clock = uow, clock

    def feed(self, token: str) -> bytes | None:
        """The iCalendar feed of the member whose token this is, or None (unknown, reset,
        or not a token at all). Reads only.

        The lookup is by the token's fingerprint through the database's index, so its
        time says nothing about how close a guess came: to learn anything from it one
        would need a SHA-256 preimage. No constant-time comparison is needed."""
        if not well_formed(token):
            return None
        with self._uow() as uow:
            member = uow.calendars.owner(fingerprint(token))
            if member is None or member.id is None:
                return None
            group = uow.groups.by_id(member.group_id)
            leads = uow.leads.for_member(member.id)
        now = self.clock.now()
        ctx = context(member, group)
        today = ctx.calendar.local_date(now)
        entries = agenda.feed(leads, ctx, today, member.morning(group))
        return ics.calendar(entries, now, name=FEED_NAME)

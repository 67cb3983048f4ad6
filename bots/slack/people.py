"""Who a Slack member is (name, time zone, admin) and what they typed, as the core wants it."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.services import MAX_COMMAND, Identity

log = logging.getLogger(__name__)
PLATFORM = "slack"
# users.info is Tier 4; a member's name and zone rarely change, their admin flag is
# re-checked for organiser commands after a minute (SLACK.md spec 21 allows 24 h).
NAME_SECONDS = 600.0
ADMIN_SECONDS = 60.0
# A member's answer waits for users.info: past this, it goes out with the request's name.
INFO_SECONDS = 3.0

# No pattern crosses another `<`: each is linear in the text, whatever a member sends.
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^<>]*))?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+\|)?([a-z@]+)(?:\|[^<>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^<>|]+)(?:\|([^<>]*))?>")
# Longer than any command the core accepts (it refuses past MAX_COMMAND, escapes included).
_MAX_INCOMING = 2 * MAX_COMMAND + 1


def incoming(text: str, *, channel_ids: bool = False) -> str:
    """A slash command's text as the member typed it.

    Slack sends it escaped (`&amp;`, `&lt;`) with mentions in angle brackets. A channel
    comes through as its id for `group channel` (`<#C123|job-search>` -> `C123`) and as
    its name elsewhere; users,
    `@here` and links come back as the words the member saw, so nothing a member
    types can reach a message as a live mention again.
    """
    text = text[:_MAX_INCOMING]
    # A channel is its id where the command wants one (`group channel`), else its name.
    text = _CHANNEL.sub((lambda m: m[1]) if channel_ids else (lambda m: f"#{m[2] or m[1]}"), text)
    text = _USER.sub(lambda m: "@" + (m[2] or m[1]), text)
    text = _SPECIAL.sub(lambda m: "@" + m[1].lstrip("@"), text)
    text = _LINK.sub(lambda m: m[2] or m[1], text)
    return html.unescape(text) if "&" in text else text


def workspace(context: AsyncBoltContext) -> str:
    """The workspace whose installation authorised this request: the group it belongs to.

    Never the user's own `team_id`: on Slack Connect a member of another workspace acts
    in ours, and a payload's team fields are only pointers. The authorize result is the
    installation Bolt found (OAuth) or the token's auth.test (one workspace)."""
    authorised = context.authorize_result
    team = (authorised.team_id if authorised is not None else None) or context.team_id
    if not team:  # an org-wide (Enterprise Grid) install: not supported
        raise ValueError("a Slack request no workspace authorised")
    return str(team)


class People:
    """users.info, cached per member for a short while."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, timeout: float = INFO_SECONDS
    ) -> None:
        self._clock = clock
        self.timeout = timeout
        self._cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    async def identity(
        self,
        client: AsyncWebClient,
        team: str,
        user: str,
        *,
        fallback_name: str = "",
        organiser: bool = False,
    ) -> Identity:
        info = await self._info(client, team, user, ADMIN_SECONDS if organiser else NAME_SECONDS)
        # Whatever users.info answered, only well-typed values count: a name is text, an
        # admin flag is true, not merely "truthy".
        profile = info.get("profile")
        profile = profile if isinstance(profile, dict) else {}
        names = (
            profile.get("display_name"),
            profile.get("real_name"),
            info.get("real_name"),
            info.get("name"),
            fallback_name,
        )
        name = next((n.strip() for n in names if isinstance(n, str) and n.strip()), user)
        flags = ("is_admin", "is_owner", "is_primary_owner")
        admin = any(info.get(flag) is True for flag in flags)
        # `tz` is an IANA zone; tz_offset is never used (it changes with DST).
        tz = info.get("tz") if isinstance(info.get("tz"), str) else None
        return Identity(PLATFORM, team, user, name, is_admin=admin, tz=tz)

    async def _info(
        self, client: AsyncWebClient, team: str, user: str, max_age: float
    ) -> dict[str, Any]:
        key = (team, user)
        cached = self._cache.get(key)
        now = self._clock()
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        try:
            async with asyncio.timeout(self.timeout):
                response = await client.users_info(user=user)
            found = response.get("user")
            if not isinstance(found, dict):
                raise ValueError("no user object in the answer")
        except Exception as error:
            # Without users:read, with Slack unreachable or slow for a moment, or with an
            # answer that makes no sense, we still answer: as last seen, else by the name
            # the request carried, as a non-admin in the group's zone.
            log.warning("users.info failed: %s", reason(error))
            return {} if cached is None else cached[1]
        info: dict[str, Any] = dict(found)
        self._cache[key] = (now, info)
        return info

    def forget(self, team: str) -> None:
        for key in [key for key in self._cache if key[0] == team]:
            del self._cache[key]


def reason(error: Exception) -> str:
    """Slack's error code, or what went wrong on the way (a 500's body may not be JSON)."""
    if isinstance(error, SlackApiError):
        data = error.response.data
        code = data.get("error") if isinstance(data, dict) else None
        return str(code or f"HTTP {error.response.status_code}")
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__

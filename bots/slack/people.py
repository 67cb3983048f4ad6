"""Who a Slack member is (name, time zone, admin) and what they typed, as the core wants it."""

from __future__ import annotations

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

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
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
        profile = info.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or info.get("real_name")
            or info.get("name")
            or fallback_name
            or user
        )
        admin = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
        # `tz` is an IANA zone; tz_offset is never used (it changes with DST).
        tz = info.get("tz") if isinstance(info.get("tz"), str) else None
        return Identity(PLATFORM, team, user, str(name), is_admin=admin, tz=tz)

    async def _info(
        self, client: AsyncWebClient, team: str, user: str, max_age: float
    ) -> dict[str, Any]:
        key = (team, user)
        cached = self._cache.get(key)
        now = self._clock()
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        try:
            response = await client.users_info(user=user)
            info: dict[str, Any] = dict(response.get("user") or {})
        except Exception as error:
            # Without users:read, or with Slack unreachable for a moment (a dropped
            # connection, a timeout), we still answer: as last seen, else as a non-admin
            # in the group's zone.
            reason = error.response.get("error") if isinstance(error, SlackApiError) else error
            log.warning("users.info failed: %s", reason or type(error).__name__)
            return {} if cached is None else cached[1]
        self._cache[key] = (now, info)
        return info

    def forget(self, team: str) -> None:
        for key in [key for key in self._cache if key[0] == team]:
            del self._cache[key]

"""Leaving: `app_uninstalled` and `tokens_revoked` erase the workspace's group and its
installation rows. Slack retries events it thinks we missed: each takes effect once. An
erase the database refuses is tried again a few times, then let go for a later event."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bots.slack.context import Slack
from bots.slack.people import PLATFORM

log = logging.getLogger(__name__)


def register(app: AsyncApp, slack: Slack) -> None:
    async def erase(team: str, event_id: str) -> None:
        for attempt, wait in enumerate((*slack.erase_waits, None), start=1):
            try:
                erased = await slack.core(slack.services.erase_group, PLATFORM, team)
                await slack.installations.forget(team)
                break
            except Exception as error:
                if wait is None:
                    log.error(
                        "slack workspace %s left, but its group could not be erased (%d tries): %r",
                        team,
                        attempt,
                        error,
                    )
                    # Slack may send this event again (an ack it missed): let that erase it.
                    try:
                        await slack.installations.forget_key(event_id)
                    except Exception:
                        log.exception("slack event %s could not be let go", event_id)
                    return
                log.warning(
                    "erasing slack workspace %s failed (%r); again in %ss", team, error, wait
                )
                await slack.sleep(wait)
        slack.people.forget(team)
        slack.messenger.forget(team)
        log.info("slack workspace %s left: group erased=%s", team, erased)

    async def first_time(body: dict[str, Any]) -> bool:
        # Keyed by event_id, not by the retry header: the first delivery may never have
        # been applied, and a late retry must not erase a reinstall that came after it.
        return await slack.installations.first_time(
            str(body.get("event_id")), str(body.get("team_id")), slack.services.clock.now()
        )

    @app.event("app_uninstalled")
    @slack.tracked
    async def uninstalled(body: dict[str, Any]) -> None:
        if await first_time(body):
            await erase(str(body["team_id"]), str(body.get("event_id")))

    @app.event("tokens_revoked")
    @slack.tracked
    async def revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        if not await first_time(body):
            return
        tokens = event.get("tokens") or {}
        team = str(body["team_id"])
        if tokens.get("bot"):
            await erase(
                team, str(body.get("event_id"))
            )  # without its bot token the app can do nothing there
            return
        for user in tokens.get("oauth") or []:  # user tokens: we ask for none, but be tidy
            await slack.installations.store.async_delete_installation(
                enterprise_id=None, team_id=team, user_id=str(user)
            )

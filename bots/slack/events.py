"""Leaving: `app_uninstalled` and `tokens_revoked` erase the group of the workspace that
left and its installation rows. Slack retries events it thinks we missed: each takes
effect once (`once.per_event`). An erase the database refuses is tried again a few
times, then let go for a later event."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bots.slack.context import Slack
from bots.slack.once import event_key, per_event
from bots.slack.people import PLATFORM, workspace

log = logging.getLogger(__name__)


def register(app: AsyncApp, slack: Slack) -> None:
    async def erase(team: str, event_id: str | None) -> None:
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
                        if event_id:
                            await slack.core(slack.services.let_go, event_key(team, event_id))
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

    @app.event("app_uninstalled")
    @slack.tracked
    @per_event(slack)
    async def uninstalled(body: dict[str, Any], context: AsyncBoltContext) -> None:
        await erase(workspace(context), body.get("event_id"))

    @app.event("tokens_revoked")
    @slack.tracked
    @per_event(slack)
    async def revoked(
        body: dict[str, Any], context: AsyncBoltContext, event: dict[str, Any]
    ) -> None:
        tokens = event.get("tokens") or {}
        team = workspace(context)
        if tokens.get("bot"):
            # Without its bot token the app can do nothing there.
            await erase(team, body.get("event_id"))
            return
        for user in tokens.get("oauth") or []:  # user tokens: we ask for none, but be tidy
            await slack.installations.store.async_delete_installation(
                enterprise_id=None, team_id=team, user_id=str(user)
            )

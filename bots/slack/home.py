"""The App Home tab: the member's overview from the core, published when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack.context import Slack
from bots.slack.once import per_event
from bots.slack.people import workspace


def register(app: AsyncApp, slack: Slack) -> None:
    @app.event("app_home_opened")
    @slack.tracked
    @per_event(slack)  # a retried event publishes nothing again
    async def opened(
        event: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        # The event fires for the Messages tab too, and on every visit: only the Home
        # tab gets a view.
        if event.get("tab") != "home":
            return
        who = await slack.people.identity(client, workspace(context), str(event["user"]))
        await slack.publish_home(client, who)

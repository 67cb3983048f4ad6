"""The composition of the Slack adapter: a Bolt AsyncApp with explicit arguments only."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bots.runtime.workers import CoreWorkers
from bots.slack import actions, commands, direct, events, home, imports
from bots.slack.config import SlackConfig
from bots.slack.context import Slack
from bots.slack.oauth import Installations
from core.services import Conversation

log = logging.getLogger(__name__)
BOLT_LOG = logging.getLogger("bots.slack.bolt")


class _TokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment whatever it is given, and warns at
    every start that it goes unused beside `client`: the client carries that very token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


BOLT_LOG.addFilter(_TokenNotice())


def web_client(config: SlackConfig, token: str | None) -> AsyncWebClient:
    # Bolt's per-request clients copy the base URL and these retry handlers.
    return AsyncWebClient(
        token=token,
        base_url=config.api_url,
        logger=log,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
        ],
    )


def _callbacks(slack: Slack) -> AsyncCallbackOptions:
    """After an install: whoever installed the app is the group's first organiser."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        team, user = installation.team_id, installation.user_id
        if team and user:
            # Their name and zone from users.info, as for any member; else their user id.
            client = web_client(slack.config, installation.bot_token)
            who = await slack.people.identity(client, team, user, fallback_name=user)
            await slack.core(slack.services.note_organiser, who)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        log.warning("slack install failed: %s", args.reason)
        return await args.default.failure(args)

    return AsyncCallbackOptions(success=success, failure=failure)


def create_app(
    services: Conversation,
    config: SlackConfig,
    core: CoreWorkers,
    installations: Installations,
) -> tuple[AsyncApp, Slack]:
    """The AsyncApp and the adapter state its listeners share."""
    slack = Slack(services, config, installations, core)
    common = {
        "name": "followthrough",
        "signing_secret": config.signing_secret or "",
        "process_before_response": False,  # ack first, work after: the 3 s always hold
        "logger": BOLT_LOG,
    }
    if config.mode == "oauth":
        app = AsyncApp(
            client=web_client(config, None),
            installation_store=installations.store,
            installation_store_bot_only=True,
            authorize=installations.authorize(),  # type: ignore[arg-type]
            oauth_flow=installations.oauth_flow(_callbacks(slack)),
            **common,  # type: ignore[arg-type]
        )
    else:
        app = AsyncApp(client=web_client(config, config.bot_token), **common)  # type: ignore[arg-type]
    for area in (commands, actions, home, events, imports, direct):
        area.register(app, slack)
    return app, slack

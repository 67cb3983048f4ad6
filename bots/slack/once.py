"""Requests applied once, however often they arrive.

A signed request can arrive again within its 5-minute window: a retried event (the same
`event_id`, with X-Slack-Retry-Num), or anything replayed byte for byte. Each has a key:
a slash command its trigger_id, a press its message row, a modal its view, an event its
event_id. Commands keep theirs in the core, in the command's own transaction
(`handle(..., once=key)`); what runs no command (a modal opened, a Home tab published, a
workspace erased) keeps its key in the core too, through `first_time`.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from slack_bolt.context.async_context import AsyncBoltContext

from bots.slack.context import Slack
from bots.slack.people import workspace

log = logging.getLogger(__name__)
L = TypeVar("L", bound=Callable[..., Awaitable[Any]])
KEY_LENGTH = 64  # longer keys are digested to this (as the keys already kept were)


def once_key(kind: str, team: str, where: str) -> str:
    """`kind:team:where`, or its digest when longer than a key column takes."""
    key = f"{kind}:{team}:{where}"
    if len(key) <= KEY_LENGTH:
        return key
    return f"{kind}:" + hashlib.sha256(key.encode()).hexdigest()[: KEY_LENGTH - len(kind) - 1]


def event_key(team: str, event_id: str) -> str:
    """The key an event of `team` is applied once by."""
    return once_key("event", team, event_id)


def per_event(slack: Slack) -> Callable[[L], L]:
    """An event listener, applied once per `event_id`: a retry of an event applied
    already does nothing. If the listener fails, its key is let go, so that a retry may
    apply it.

    Keyed by event_id, not by the retry header: the first delivery may never have been
    applied, and a late retry must not erase a reinstall that came after it."""

    def once(listener: L) -> L:
        wants = inspect.signature(listener).parameters
        if "body" not in wants or "context" not in wants:
            # Bolt passes a listener only the arguments it names.
            raise TypeError(f"{listener.__name__} must take `body` and `context`")

        @functools.wraps(listener)
        async def run(*args: Any, **kwargs: Any) -> Any:
            body: dict[str, Any] = kwargs["body"]
            context: AsyncBoltContext = kwargs["context"]
            event_id = body.get("event_id")
            if not event_id:  # Slack sends one with every event: nothing to key it by
                log.warning("a slack event without an event_id: applied as it comes")
                return await listener(*args, **kwargs)
            key = event_key(workspace(context), str(event_id))
            if not await slack.core(slack.services.first_time, key):
                log.info("slack event %s applied already", event_id)
                return None
            try:
                return await listener(*args, **kwargs)
            except BaseException:  # a failure, or a stop: a retry may apply it
                await slack.core(slack.services.let_go, key)
                raise

        return cast(L, run)

    return once

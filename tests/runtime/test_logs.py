"""No secret in a log: the configured ones, and the token shapes no setting names."""

from __future__ import annotations

import logging

from bots.logs import JsonFormatter, Redacting


def line(message: str, *args: object, secrets: tuple[str, ...] = ()) -> str:
    record = logging.LogRecord("test", logging.WARNING, __file__, 1, message, args, None)
    return Redacting(JsonFormatter(), secrets).format(record)


def test_configured_secrets_are_replaced_wherever_they_appear() -> None:
    assert "hunter2" not in line(
        "connecting with %s", "postgresql://u:hunter2@db", secrets=("hunter2",)
    )


def test_workspace_tokens_and_interaction_urls_are_redacted_by_their_shape() -> None:
    text = line(
        "sent with %s to %s",
        "xoxb-1234-5678-abcDEF",
        "https://discord.com/api/v10/interactions/42/aW50ZXJhY3Rpb24.x-y_z/callback",
    )
    assert "abcDEF" not in text and "xoxb-***" in text
    assert "aW50ZXJhY3Rpb24" not in text and "/interactions/42/***/callback" in text

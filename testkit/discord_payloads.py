"""INTERACTION_CREATE and guild payloads as Discord sends them (API v10)."""

from __future__ import annotations

import itertools
from typing import Any

from testkit.discord import APP_ID

GUILD_ID = 710000000000000001
CHANNEL_ID = 710000000000000002  # where members type their commands
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 31)  # view, send, use commands

_ids = itertools.count(720000000000000000)


def new_id() -> int:
    return next(_ids)


def user(user_id: int, name: str = "", global_name: str | None = None) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name or f"user{user_id % 10000}",
        "global_name": global_name,
        "discriminator": "0",
        "avatar": None,
    }


def member(
    user_id: int, *, nick: str | None = None, name: str = "", permissions: int = MEMBER_PERMISSIONS
) -> dict[str, Any]:
    return {
        "user": user(user_id, name),
        "nick": nick,
        "roles": [],
        "joined_at": "2026-01-05T10:00:00.000000+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
    }


def guild(guild_id: int = GUILD_ID, channels: tuple[int, ...] = (CHANNEL_ID,)) -> dict[str, Any]:
    """A GUILD_CREATE payload with text channels and no members."""
    return {
        "id": str(guild_id),
        "name": f"guild {guild_id % 1000}",
        "icon": None,
        "owner_id": "1",
        "roles": [
            {
                "id": str(guild_id),
                "name": "@everyone",
                "permissions": str(MEMBER_PERMISSIONS),
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
            }
        ],
        "emojis": [],
        "features": [],
        "member_count": 2,
        "members": [],
        "channels": [
            {
                "id": str(c),
                "type": 0,
                "name": f"channel-{c % 1000}",
                "position": i,
                "permission_overwrites": [],
                "guild_id": str(guild_id),
            }
            for i, c in enumerate(channels)
        ],
        "threads": [],
        "stickers": [],
        "unavailable": False,
        "large": False,
        "joined_at": "2026-01-01T00:00:00.000000+00:00",
    }


def option(name: str, value: Any, kind: int | None = None, focused: bool = False) -> dict[str, Any]:
    if kind is None:
        kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
    out: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        out["focused"] = True
    return out


def _base(
    kind: int,
    user_id: int,
    *,
    guild_id: int | None,
    channel_id: int,
    nick: str | None,
    permissions: int,
    name: str = "",
) -> dict[str, Any]:
    interaction = new_id()
    payload: dict[str, Any] = {
        "id": str(interaction),
        "application_id": str(APP_ID),
        "type": kind,
        "token": f"token-{interaction}",
        "version": 1,
        "attachment_size_limit": 10 * 1024 * 1024,
        "locale": "en-GB",
        "app_permissions": str((1 << 10) | (1 << 11) | (1 << 14) | (1 << 15)),
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id or user_id)},
    }
    if guild_id is None:
        payload["user"] = user(user_id, name)
        payload["channel"] = {"id": str(channel_id), "type": 1}
        payload["channel_id"] = str(channel_id)
        payload["context"] = 1
    else:
        payload["guild_id"] = str(guild_id)
        payload["guild_locale"] = "en-US"
        payload["member"] = member(user_id, nick=nick, name=name, permissions=permissions)
        payload["channel"] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "general",
            "permissions": str(permissions),
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        payload["channel_id"] = str(channel_id)
        payload["context"] = 0
    return payload


def command(
    name: str,
    *path_and_options: Any,
    user_id: int = 730000000000000001,
    guild_id: int | None = GUILD_ID,
    channel_id: int = CHANNEL_ID,
    nick: str | None = None,
    permissions: int = MEMBER_PERMISSIONS,
    resolved: dict[str, Any] | None = None,
    autocomplete: bool = False,
    command_id: int = 0,
) -> dict[str, Any]:
    """`/name sub [subsub] opt=value ...`: positional strs are (sub)commands, dicts options."""
    subs = [p for p in path_and_options if isinstance(p, str)]
    options = [p for p in path_and_options if isinstance(p, dict)]
    for sub in reversed(subs):
        options = [{"name": sub, "type": 1 if sub is subs[-1] else 2, "options": options}]
    payload = _base(
        4 if autocomplete else 2,
        user_id,
        guild_id=guild_id,
        channel_id=channel_id,
        nick=nick,
        permissions=permissions,
    )
    payload["data"] = {
        "id": str(command_id or new_id()),
        "name": name,
        "type": 1,
        "options": options,
    }
    if resolved:
        payload["data"]["resolved"] = resolved
    return payload


def attachment_option(
    name: str, attachment: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An attachment option (type 11) and the `resolved` that goes with it; `attachment`
    from FakeDiscord.attach."""
    return option(name, attachment["id"], kind=11), {"attachments": {attachment["id"]: attachment}}


def resolved_channel(
    channel_id: int, guild_id: int = GUILD_ID, name: str = "job-hunt"
) -> dict[str, Any]:
    return {
        "channels": {
            str(channel_id): {
                "id": str(channel_id),
                "type": 0,
                "name": name,
                "guild_id": str(guild_id),
                "permissions": "0",
            }
        }
    }


def press(
    custom_id: str,
    *,
    user_id: int,
    message: dict[str, Any],
    dm_channel: int = 0,
    guild_id: int | None = None,
) -> dict[str, Any]:
    """A button press on `message` in the member's DM (or, with `guild_id`, on a reply
    they were shown in that guild's channel)."""
    channel = dm_channel if guild_id is None else CHANNEL_ID
    payload = _base(
        3,
        user_id,
        guild_id=guild_id,
        channel_id=channel,
        nick=None,
        permissions=MEMBER_PERMISSIONS if guild_id else 0,
    )
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    payload["message"] = {**message, "channel_id": str(channel)}
    return payload


def press_in_guild(
    custom_id: str, *, user_id: int, message: dict[str, Any], channel_id: int = CHANNEL_ID
) -> dict[str, Any]:
    """A button press on `message` (e.g. a command's ephemeral answer) in a server channel."""
    payload = _base(
        3,
        user_id,
        guild_id=GUILD_ID,
        channel_id=channel_id,
        nick=None,
        permissions=MEMBER_PERMISSIONS,
    )
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    payload["message"] = {**message, "channel_id": str(channel_id)}
    return payload


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [
        c["custom_id"]
        for row in message.get("components") or []
        for c in row.get("components", [])
        if "custom_id" in c
    ]


def forged(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    """`message` as a client that edited its first button's custom id would present it
    (discord.py, like Discord, only dispatches a custom id the message carries)."""
    rows = [
        dict(row, components=list(row["components"])) for row in message.get("components") or []
    ]
    button = {"type": 2, "style": 1, "label": "Done", "custom_id": custom_id}
    if rows:
        rows[0]["components"][0] = {**rows[0]["components"][0], "custom_id": custom_id}
    else:
        rows = [{"type": 1, "components": [button]}]
    return {**message, "components": rows}

"""The adapters' fake Slack and Discord (testkit.slack, testkit.discord), with the few
methods `doctor` calls that the adapters never do: scopes on auth.test,
conversations.info, GET /applications/@me and GET /channels/{id}."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from testkit import discord as fake_discord
from testkit.discord import FakeDiscord
from testkit.slack import FakeSlack


class DoctorSlack(FakeSlack):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # channel -> its conversations.info fields, or an error code
        self.channels: dict[str, dict[str, Any] | str] = {}

    async def _auth_test(self, args: dict[str, Any], token: str | None) -> web.Response:
        response = await super()._auth_test(args, token)
        response.headers["X-OAuth-Scopes"] = ",".join(self.scopes)
        return response

    async def _conversations_info(self, args: dict[str, Any], token: str | None) -> web.Response:
        channel = str(args.get("channel"))
        found = self.channels.get(channel, "channel_not_found")
        if isinstance(found, str):
            return web.json_response({"ok": False, "error": found})
        info = {"id": channel, "is_archived": False, "is_member": True, **found}
        return web.json_response({"ok": True, "channel": info})


@dataclass
class DoctorDiscord(FakeDiscord):
    guild_count: int = 3
    flags: int = 0
    hidden: set[int] = field(default_factory=set)  # channels the bot may not see (403)

    def _route(self, method: str, path: str, call: Any) -> web.Response:
        parts = path.strip("/").split("/")
        match method, parts:
            case "GET", ["applications", "@me"]:
                application = {
                    **self._application(),
                    "flags": self.flags,
                    "approximate_guild_count": self.guild_count,
                }
                return fake_discord._json(application)
            case "GET", ["channels", channel]:
                if int(channel) in self.hidden:
                    return fake_discord._error(403, 50001, "Missing Access")
                if int(channel) not in self.channels:
                    return fake_discord._error(404, 10003, "Unknown Channel")
                return fake_discord._json({"id": channel, "type": 0, "name": "cohort"})
        return super()._route(method, path, call)

"""A fake Slack Web API on 127.0.0.1 for the real slack-sdk and slack-bolt to talk to.

It answers the methods the adapter calls, records every request, enforces the limits
that shape delivery (one chat.postMessage per second per channel, Tier 3 on
conversations.open, views.publish per workspace if asked, 429 with Retry-After),
serves response_urls (five posts each, as Slack allows), the three steps of a file
upload (kept byte for byte, `files`), files members share (`share`: files.info and a
url_private_download that only a bot token may read), oauth.v2.access, and a Socket
Mode websocket.
Failures are injected per method
(`fail`, or `drop` for a connection cut mid-request), per user (`unreachable`) or per
channel (`channel_errors`).

It refuses what Slack would refuse to show (`block_errors`: Block Kit's limits, SLACK.md
§4, from https://docs.slack.dev/reference/block-kit/blocks and slack_sdk's validators)
the way Slack answers: a Web API method with HTTP 200 and `ok: false` (`invalid_blocks`
with its `errors`, `msg_too_long`, `invalid_arguments`, `view_too_large`), a
response_url with an HTTP error and the code as its body. Each refusal of a payload is
kept in `invalid`, which the harnesses check is empty when a test ends.

A file upload is refused as Slack refuses it: files.getUploadURLExternal wants a
filename and a length in bytes, of at least 1 (0 is `missing_argument`) and at most
Slack's 1 GB (or a workspace's own `upload_limit`: `file_upload_size_restricted`); the
upload URL takes exactly the bytes announced (anything else is a non-200, which the SDK
raises); files.completeUploadExternal shares only uploaded files, into a conversation id
(`^[CGDZ][A-Z0-9]{8,}$`, SLACK.md §6: never a U... id). An image's alt text (`alt_txt`)
is kept with its file, and refused over 1,000 characters (`alt_txt_too_large`, the
method's reference); a workspace may take no files at all (`uploads_disabled`:
`file_uploads_disabled`) and a channel may refuse them (`file_errors`: channel -> code,
e.g. `not_in_channel` for a public channel the bot posts to without being in it).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import re
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bots.slack.manifest import BOT_SCOPES

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
TEAM = "T0TEAM0001"
BOT_USER = "U0BOT00001"
# Parameters that slack-sdk sends JSON-encoded inside form bodies.
_JSON_PARAMS = ("blocks", "view", "files", "attachments")

# Block Kit's limits (https://docs.slack.dev/reference/block-kit/blocks, the composition
# objects and elements pages; slack_sdk.models agrees).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a Home tab or a modal
MESSAGE_TEXT = 40_000  # chat.postMessage `text`: longer is msg_too_long
VIEW_BYTES = 250_000  # views.publish / views.open: larger is view_too_large
RESPONSE_POSTS = 5  # posts one response_url takes (within its 30 minutes)
_TEXT_LIMITS = {"section": 3000, "header": 150, "context": 3000}
_ELEMENT_LIMITS = {"context": 10, "actions": 25}
_ID_LIMIT = 255
_BLOCK_TYPES = {"section", "header", "context", "actions", "divider", "input", "image"}
MAX_FILE_BYTES = 1024 * 1024 * 1024  # files.upload v2: 1 GB (slack_sdk's MAX_V2_FILE_SIZE)
_CONVERSATION = re.compile(r"^[CGDZ][A-Z0-9]{8,}$")  # where files.completeUploadExternal shares
MAX_ALT_TEXT = 1000  # files.getUploadURLExternal's alt_txt


def block_errors(blocks: object, *, limit: int = MESSAGE_BLOCKS) -> list[str]:
    """What Slack would say is wrong with `blocks` (empty: Slack shows them)."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    for index, block in enumerate(blocks):
        errors += [f"{e} [json-pointer:/blocks/{index}]" for e in _block_errors(block)]
    return errors


def _text_errors(text: object, limit: int, *, plain: bool = False) -> list[str]:
    if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
        return ["must be a text object"]
    if plain and text["type"] != "plain_text":
        return ["must be plain_text"]
    value = text.get("text")
    if not isinstance(value, str) or not value:
        return ["text must be at least 1 character"]
    if len(value) > limit:
        return [f"must be less than {limit + 1} characters"]
    return []


def _block_errors(block: object) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in _BLOCK_TYPES:
        return ["unsupported type"]
    kind = str(block["type"])
    errors: list[str] = []
    if len(str(block.get("block_id", ""))) > _ID_LIMIT:
        errors.append(f"block_id must be less than {_ID_LIMIT + 1} characters")
    if kind == "section":
        if "text" in block:
            errors += _text_errors(block["text"], _TEXT_LIMITS["section"])
        fields = block.get("fields") or []
        if len(fields) > 10:
            errors.append("no more than 10 fields allowed")
        for field_ in fields:
            errors += _text_errors(field_, 2000)
        if "text" not in block and not fields:
            errors.append("must provide text or fields")
    elif kind == "header":
        errors += _text_errors(block.get("text"), _TEXT_LIMITS["header"], plain=True)
    elif kind in _ELEMENT_LIMITS:
        elements = block.get("elements") or []
        if not elements:
            errors.append("elements must have at least 1 item")
        if len(elements) > _ELEMENT_LIMITS[kind]:
            errors.append(f"no more than {_ELEMENT_LIMITS[kind]} elements allowed")
        for element in elements:
            if kind == "context":
                errors += _text_errors(element, _TEXT_LIMITS["context"])
            else:
                errors += _element_errors(element)
    elif kind == "input":
        errors += _text_errors(block.get("label"), 2000, plain=True)
        if "hint" in block:
            errors += _text_errors(block["hint"], 2000, plain=True)
        errors += _element_errors(block.get("element"))
    return errors


def _element_errors(element: object) -> list[str]:
    if not isinstance(element, dict):
        return ["element must be an object"]
    errors: list[str] = []
    if len(str(element.get("action_id", ""))) > _ID_LIMIT:
        errors.append(f"action_id must be less than {_ID_LIMIT + 1} characters")
    if element.get("type") == "button":
        errors += _text_errors(element.get("text"), 75, plain=True)
        if len(str(element.get("value", ""))) > 2000:
            errors.append("value must be less than 2001 characters")
        if len(str(element.get("url", ""))) > 3000:
            errors.append("url must be less than 3001 characters")
    for option in element.get("options") or []:
        errors += _text_errors(option.get("text"), 75, plain=True)
        if len(str(option.get("value", ""))) > 150:
            errors.append("option value must be less than 151 characters")
    return errors


def message_refusal(payload: dict[str, Any]) -> str | None:
    """The error code Slack gives a message (a post, an update, a response_url post, a
    command's ack) it will not show, or None."""
    blocks = payload.get("blocks")
    if blocks is not None and block_errors(blocks):
        return "invalid_blocks"
    if len(str(payload.get("text") or "")) > MESSAGE_TEXT:
        return "msg_too_long"
    if not payload.get("text") and not blocks:
        return "no_text"
    return None


def view_errors(view: dict[str, Any]) -> list[str]:
    """What Slack would say is wrong with a Home tab or a modal."""
    errors = block_errors(view.get("blocks", []), limit=VIEW_BLOCKS)
    if view.get("type") == "modal":
        for name in ("title", "submit", "close"):
            if name in view:
                errors += [f"{e} [json-pointer:/view/{name}]" for e in _text_errors(view[name], 24)]
        if len(str(view.get("private_metadata", ""))) > 3000:
            errors.append("private_metadata must be less than 3001 characters")
        if len(str(view.get("callback_id", ""))) > _ID_LIMIT:
            errors.append("callback_id must be less than 256 characters")
    elif view.get("type") != "home":
        errors.append("unsupported view type [json-pointer:/view/type]")
    return errors


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The headers Slack puts on a request: `v0=` HMAC-SHA256 of `v0:{ts}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float


@dataclass
class Upload:
    """A file as Slack has it: announced by files.getUploadURLExternal, its bytes posted
    to its upload URL, shared by files.completeUploadExternal."""

    filename: str
    length: int
    data: bytes | None = None
    channel: str | None = None
    title: str | None = None
    alt_txt: str | None = None


@dataclass
class Bucket:
    """A token bucket: `rate` per second, up to `burst` at once."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def take(self) -> float:
        """0 if a token was taken, else the seconds until one is free."""
        now = time.monotonic()
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class FakeSlack:
    """`async with FakeSlack() as slack:` serves on an ephemeral port; `slack.api_url`."""

    def __init__(
        self,
        *,
        post_per_channel: float | None = 1.0,
        post_burst: float = 3,
        open_per_minute: float | None = None,
        open_burst: float = 20,
        publish_per_window: int | None = None,
        publish_window: float = 60.0,
        delay: float = 0.0,
        upload_limit: int = MAX_FILE_BYTES,
        scopes: Collection[str] | None = None,
    ) -> None:
        self.calls: list[Call] = []
        self.responses: list[tuple[str, dict[str, Any]]] = []  # (response_url id, body)
        self.answered: dict[
            str, float
        ] = {}  # response_url id -> time.perf_counter() of its first post
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {BOT_TOKEN: TEAM}  # bot token -> team
        self.app_tokens = {APP_TOKEN}
        # The bot scopes the app was granted: what its manifest asks for, unless a test
        # installs an older one.
        self.scopes: tuple[str, ...] = BOT_SCOPES if scopes is None else tuple(scopes)
        self.unreachable: dict[str, str] = {}  # user -> conversations.open error
        self.channel_errors: dict[str, str] = {}  # channel -> chat.postMessage error
        self.fail: dict[str, list[tuple[int, str, float | None]]] = {}  # method -> queue
        self.drop: Counter[str] = Counter()  # method -> requests to cut without an answer
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> args
        self.files: dict[str, Upload] = {}  # file id -> the file
        # Files members shared (`share`): files.info describes them, and their
        # url_private_download serves them to a bot token only; the paths downloaded.
        self.shared_by_members: dict[str, tuple[str, Upload]] = {}  # file id -> (user, file)
        self.downloads: list[str] = []
        self.upload_limit = upload_limit  # a workspace may restrict uploads below 1 GB
        self.uploads_disabled = False  # the workspace takes no files: file_uploads_disabled
        self.file_errors: dict[str, str] = {}  # channel -> files.completeUploadExternal error
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.views: list[dict[str, Any]] = []
        self.limited: Counter[str] = Counter()  # method -> requests answered 429
        self.invalid: list[tuple[str, str]] = []  # (method or response_url, error): refused
        self.used_up: list[str] = []  # response_url ids posted to more than five times
        self._publish_limit = publish_per_window
        self._publish_window = publish_window
        self._published: dict[str, list[float]] = {}  # team -> views.publish times
        self.delay = delay
        self._post_per_channel = post_per_channel
        self._post_burst = post_burst
        self._channel_buckets: dict[str, Bucket] = {}
        self._open_bucket = (
            None if open_per_minute is None else Bucket(open_per_minute / 60, open_burst)
        )
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._awaited: dict[str, asyncio.Future[float]] = {}  # response_url id -> its time
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{team_file}/download/{name}", self._download)
        app.router.add_post("/response/{hook}", self._response)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in self._sockets:
            await ws.close()
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"  # the trailing slash matters to slack-sdk

    def response_url(self, hook: str = "hook") -> str:
        return f"{self.base}/response/{hook}"

    async def answered_at(self, hook: str) -> float:
        """The time.perf_counter() of the first post to `hook`'s response_url, waited for."""
        if hook in self.answered:
            return self.answered[hook]
        waiter = self._awaited.setdefault(hook, asyncio.get_running_loop().create_future())
        return await waiter

    # -- what tests read ---------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    @property
    def uploads(self) -> dict[str, bytes]:
        """The bytes posted to each file's upload URL, by file id."""
        return {key: f.data for key, f in self.files.items() if f.data is not None}

    def shared(self, channel: str) -> list[tuple[str, bytes]]:
        """(filename, bytes) of each file shared into `channel`, in order."""
        return [
            (f.filename, f.data)
            for f in self.files.values()
            if f.channel == channel and f.data is not None
        ]

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [
            call.args
            for call in self.calls_to("chat.postMessage")
            if channel is None or call.args.get("channel") == channel
        ]

    def add_user(self, user: str, name: str = "", *, admin: bool = False, **extra: Any) -> None:
        self.users[user] = {
            "id": user,
            "team_id": TEAM,
            "name": name.lower() or user.lower(),
            "real_name": name or user,
            "tz": "Europe/Berlin",
            "tz_offset": 3600,
            "is_admin": admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_bot": False,
            "deleted": False,
            "profile": {"display_name": name, "real_name": name or user},
            **extra,
        }

    def dm_channel(self, user: str) -> str:
        return "D" + user[1:]

    def typed_in_dm(self, user: str, text: str, **extra: Any) -> dict[str, Any] | None:
        """The `message` event Slack sends when `user` types `text` in their DM with the
        bot (`message.im`), or None when it sends none: the app wasn't granted
        `im:history` (Slack delivers message.im only with it). `extra` overrides fields
        (a `subtype`, a `bot_id`, the bot's own `user`)."""
        if "im:history" not in self.scopes:
            return None
        ts = f"{1700000000 + next(self._ts)}.000200"
        return {
            "type": "message",
            "channel": self.dm_channel(user),
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
            "client_msg_id": f"msg-{ts}",
            "team": TEAM,
            **extra,
        }

    def share(
        self,
        user: str,
        filename: str,
        data: bytes,
        *,
        channel: str | None = None,
        size: int | None = None,
    ) -> dict[str, Any]:
        """`user` shares a file in `channel` (default: their DM with the bot): the
        `file_shared` event Slack sends, as it sends it (the file's id, no more). `size`:
        what files.info says it holds, if not its bytes' count."""
        file_id = f"F{next(self._ids):09d}"
        where = channel or self.dm_channel(user)
        upload = Upload(filename, len(data) if size is None else size, data, where)
        self.shared_by_members[file_id] = (user, upload)
        return {
            "type": "file_shared",
            "channel_id": where,
            "file_id": file_id,
            "user_id": user,
            "file": {"id": file_id},
            "event_ts": f"{1700000000 + next(self._ts)}.000200",
        }

    def fail_next(
        self, method: str, error: str, *, status: int = 200, retry_after: float | None = None
    ) -> None:
        self.fail.setdefault(method, []).append((status, error, retry_after))

    # -- Socket Mode -------------------------------------------------------------------

    async def connected(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._sockets:
            if time.monotonic() > deadline:
                raise TimeoutError("no Socket Mode connection")
            await asyncio.sleep(0.01)

    async def envelope(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, timeout: float = 5
    ) -> dict[str, Any]:
        """Send one envelope over the websocket and wait for its ack."""
        await self.connected()
        envelope_id = f"env-{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "payload": payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        await self._sockets[-1].send_str(json.dumps(envelope))
        return await asyncio.wait_for(future, timeout)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                data = json.loads(message.data)
                future = self._acks.pop(data.get("envelope_id", ""), None)
                if future is not None and not future.done():
                    future.set_result(data)
        self._sockets.remove(ws)
        return ws

    # -- the Web API -------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        for name in _JSON_PARAMS:
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        return args

    def _token(self, request: web.Request, args: dict[str, Any]) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header.removeprefix("Bearer ")
        token = args.pop("token", None)
        return None if token is None else str(token)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        token = self._token(request, args)
        self.calls.append(Call(method, args, token, time.monotonic()))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.drop[method] > 0:
            self.drop[method] -= 1
            assert request.transport is not None
            request.transport.close()  # the client sees the server disconnect
            return web.Response(status=500)
        queued = self.fail.get(method)
        if queued:
            status, error, retry_after = queued.pop(0)
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return _error("unknown_method", status=404)
        if method == "apps.connections.open":
            if token not in self.app_tokens:
                return _error("invalid_auth")
        elif method not in ("oauth.v2.access",) and token not in self.tokens:
            return _error("invalid_auth")
        result: web.Response = await handler(args, token)
        return result

    async def _auth_test(self, args: dict[str, Any], token: str | None) -> web.Response:
        team = self.tokens[str(token)]
        return _ok(
            team_id=team,
            team="Test",
            user_id=BOT_USER,
            bot_id="B0BOT00001",
            url="https://test.slack.com/",
            is_enterprise_install=False,
        )

    async def _users_info(self, args: dict[str, Any], token: str | None) -> web.Response:
        user = self.users.get(str(args.get("user")))
        return _error("user_not_found") if user is None else _ok(user=user)

    async def _conversations_open(self, args: dict[str, Any], token: str | None) -> web.Response:
        if self._open_bucket is not None:
            wait = self._open_bucket.take()
            if wait:
                self.limited["conversations.open"] += 1
                return _rate_limited(wait)
        user = str(args.get("users", ""))
        if user in self.unreachable:
            return _error(self.unreachable[user])
        return _ok(channel={"id": self.dm_channel(user)})

    async def _chat_postMessage(self, args: dict[str, Any], token: str | None) -> web.Response:
        channel = str(args.get("channel", ""))
        if channel in self.channel_errors:
            return _error(self.channel_errors[channel])
        refused = self._refused("chat.postMessage", args)
        if refused is not None:
            return refused
        if self._post_per_channel is not None:
            bucket = self._channel_buckets.setdefault(
                channel, Bucket(self._post_per_channel, self._post_burst)
            )
            wait = bucket.take()
            if wait:
                self.limited["chat.postMessage"] += 1
                return _rate_limited(wait)
        ts = f"{1700000000 + next(self._ts)}.000100"
        self.messages[(channel, ts)] = args
        return _ok(channel=channel, ts=ts, message={"text": args.get("text"), "ts": ts})

    async def _chat_update(self, args: dict[str, Any], token: str | None) -> web.Response:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:  # a U... id, or a message we never sent
            return _error("channel_not_found" if key[0][:1] == "U" else "message_not_found")
        refused = self._refused("chat.update", args)
        if refused is not None:
            return refused
        self.messages[key] = {**self.messages[key], **args}
        return _ok(channel=key[0], ts=key[1])

    async def _views_open(self, args: dict[str, Any], token: str | None) -> web.Response:
        if not args.get("trigger_id"):
            return _error("invalid_trigger_id")
        refused = self._view_refused("views.open", args["view"])
        if refused is not None:
            return refused
        self.views.append(args["view"])
        return _ok(view={**args["view"], "id": f"V{next(self._ids):09d}"})

    async def _views_publish(self, args: dict[str, Any], token: str | None) -> web.Response:
        view = args["view"]
        refused = self._view_refused("views.publish", view)
        if refused is not None:
            return refused
        if self._publish_limit is not None:
            # Tier 4, counted per workspace: at most so many in any window.
            now = time.monotonic()
            team = self.tokens.get(str(token), "")
            recent = [t for t in self._published.get(team, []) if t > now - self._publish_window]
            if len(recent) >= self._publish_limit:
                self._published[team] = recent
                self.limited["views.publish"] += 1
                return _rate_limited(recent[0] + self._publish_window - now)
            self._published[team] = [*recent, now]
        self.views.append(view)
        return _ok(view={**view, "id": f"V{next(self._ids):09d}"})

    def _refused(self, method: str, args: dict[str, Any]) -> web.Response | None:
        code = message_refusal(args)
        if code is None:
            return None
        self.invalid.append((method, code))
        if code == "invalid_blocks":
            errors = block_errors(args.get("blocks"))
            return web.json_response(
                {
                    "ok": False,
                    "error": code,
                    "errors": errors,
                    "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
                }
            )
        return _error(code)

    def _view_refused(self, method: str, view: dict[str, Any]) -> web.Response | None:
        if len(json.dumps(view).encode()) > VIEW_BYTES:
            self.invalid.append((method, "view_too_large"))
            return _error("view_too_large")
        errors = view_errors(view)
        if not errors:
            return None
        self.invalid.append((method, "invalid_arguments"))
        return web.json_response(
            {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
            }
        )

    async def _files_getUploadURLExternal(
        self, args: dict[str, Any], token: str | None
    ) -> web.Response:
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except ValueError:
            return self._file_refused("files.getUploadURLExternal", "invalid_arguments")
        if not filename or length < 1:  # an empty file: Slack says a length is missing
            return self._file_refused("files.getUploadURLExternal", "missing_argument")
        if length > min(self.upload_limit, MAX_FILE_BYTES):
            return self._file_refused("files.getUploadURLExternal", "file_upload_size_restricted")
        alt_txt = args.get("alt_txt")
        if alt_txt is not None and len(str(alt_txt)) > MAX_ALT_TEXT:
            return self._file_refused("files.getUploadURLExternal", "alt_txt_too_large")
        if self.uploads_disabled:  # the workspace's policy: not our payload's fault
            return _error("file_uploads_disabled")
        file_id = f"F{next(self._ids):09d}"
        self.files[file_id] = Upload(filename, length, alt_txt=alt_txt)
        return _ok(file_id=file_id, upload_url=f"{self.base}/upload/{file_id}")

    def _file_refused(self, method: str, code: str) -> web.Response:
        self.invalid.append((method, code))
        return _error(code)

    async def _files_completeUploadExternal(
        self, args: dict[str, Any], token: str | None
    ) -> web.Response:
        channel = str(args.get("channel_id", ""))
        if not _CONVERSATION.match(channel):
            return self._file_refused("files.completeUploadExternal", "invalid_channel")
        files = args.get("files") or []
        if not files:
            return self._file_refused("files.completeUploadExternal", "invalid_arguments")
        if any(f.get("id") not in self.uploads for f in files):
            return self._file_refused("files.completeUploadExternal", "file_not_found")
        if channel in self.file_errors:  # the channel's own rule, not a bad payload
            return _error(self.file_errors[channel])
        for shared in files:
            upload = self.files[shared["id"]]
            upload.channel, upload.title = channel, shared.get("title")
        return _ok(files=[{"id": f["id"], "title": f.get("title")} for f in files])

    async def _files_info(self, args: dict[str, Any], token: str | None) -> web.Response:
        """A file members shared, as files.info describes it (files:read)."""
        file_id = str(args.get("file", ""))
        found = self.shared_by_members.get(file_id)
        if found is None:
            return _error("file_not_found")
        user, upload = found
        team = self.tokens[str(token)]
        url = f"{self.base}/files-pri/{team}-{file_id}/download/{upload.filename}"
        kind = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else "text"
        return _ok(
            file={
                "id": file_id,
                "name": upload.filename,
                "title": upload.filename,
                "mimetype": "text/csv" if kind == "csv" else "application/octet-stream",
                "filetype": kind,
                "size": upload.length,
                "user": user,
                "url_private": url,
                "url_private_download": url,
                "ims": [upload.channel] if str(upload.channel).startswith("D") else [],
                "channels": [] if str(upload.channel).startswith("D") else [upload.channel],
            }
        )

    async def _download(self, request: web.Request) -> web.Response:
        """A shared file's bytes, for a bot token in the Authorization header; anything
        else gets Slack's sign-in page, with a 200, as Slack answers it."""
        self.downloads.append(request.path)
        header = request.headers.get("Authorization", "")
        team_file = request.match_info["team_file"]
        team, _, file_id = team_file.partition("-")
        found = self.shared_by_members.get(file_id)
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        if found is None or token is None or self.tokens.get(token) != team:
            page = "<!DOCTYPE html><html><body>Sign in to Slack</body></html>"
            return web.Response(text=page, content_type="text/html")
        data = found[1].data or b""
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

    async def _oauth_v2_access(self, args: dict[str, Any], token: str | None) -> web.Response:
        grant = self.oauth_codes.pop(str(args.get("code")), None)
        if grant is None:
            return _error("invalid_code")
        self.tokens[grant["access_token"]] = grant["team"]["id"]
        return _ok(token_type="bot", **grant)

    async def _apps_connections_open(self, args: dict[str, Any], token: str | None) -> web.Response:
        return _ok(url=f"ws://127.0.0.1:{self.port}/link")

    # -- the other endpoints -----------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        """The file's bytes, posted raw (as slack-sdk does) to the URL of its announcement."""
        upload = self.files.get(request.match_info["file_id"])
        if upload is None or upload.data is not None:
            return web.Response(status=404, text="not found")
        data = await request.read()
        if len(data) != upload.length:
            self.invalid.append(("upload", f"{upload.length} bytes announced, {len(data)} posted"))
            return web.Response(status=400, text="length mismatch")
        upload.data = data
        return web.Response(text="OK - ok")

    async def _response(self, request: web.Request) -> web.Response:
        """A post to a response_url: five are taken, then Slack answers 404 `used_url`
        (nothing is shown); a message it will not show is 400 with its code."""
        hook = request.match_info["hook"]
        body = await request.json()
        if sum(1 for name, _ in self.responses if name == hook) >= RESPONSE_POSTS:
            self.used_up.append(hook)
            return web.Response(status=404, text="used_url")
        code = message_refusal(body)
        if code is not None:
            self.invalid.append((f"response_url {hook}", code))
            return web.Response(status=400, text=code)
        at = self.answered.setdefault(hook, time.perf_counter())
        self.responses.append((hook, body))
        waiter = self._awaited.pop(hook, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(at)
        return web.Response(text="ok")

    def grant(self, code: str, team: str, installer: str, token: str) -> None:
        """Let `code` complete an OAuth install of `team` by `installer`."""
        self.oauth_codes[code] = {
            "access_token": token,
            "app_id": "A0APP00001",
            "scope": "commands,chat:write,im:write,users:read,files:write,files:read",
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": installer},
        }


def _ok(**data: Any) -> web.Response:
    return web.json_response({"ok": True, **data})


def _error(error: str, *, status: int = 200) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


def _rate_limited(wait: float) -> web.Response:
    return web.json_response(
        {"ok": False, "error": "ratelimited"},
        status=429,
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )


def form(**fields: str) -> str:
    """A url-encoded body, as Slack sends slash commands."""
    return urllib.parse.urlencode(fields)


# -- Start-up and misbehaviour: a held Socket Mode handshake, users.info gone wrong --------


class UnsteadySlack(FakeSlack):
    """The fake Slack with two more ways to misbehave, as the real one can.

    `hold_links()`: each Socket Mode websocket handshake waits until `let_links_in()`
    (a link that is slow to come up). `users_info_answers`: raw answers users.info gives,
    one per call, before it answers normally again: an `ok: false`, a 500, a body that
    isn't JSON, a `user` that isn't an object, or a stall past the client's timeout.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._links_open = asyncio.Event()
        self._links_open.set()
        self.knocked = 0  # Socket Mode handshakes asked for, held or not
        # Each a function making a fresh answer (a response is sent once), or a float:
        # stall that many seconds, then answer normally.
        self.users_info_answers: list[Callable[[], web.Response] | float] = []

    def hold_links(self) -> None:
        self._links_open.clear()

    def let_links_in(self) -> None:
        self._links_open.set()

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        self.knocked += 1
        await self._links_open.wait()
        return await super()._socket(request)

    async def _users_info(self, args: dict[str, Any], token: str | None) -> web.Response:
        if self.users_info_answers:
            answer = self.users_info_answers.pop(0)
            if not isinstance(answer, float):
                return answer()
            await asyncio.sleep(answer)
        return await super()._users_info(args, token)

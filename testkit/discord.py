"""A fake Discord REST API and gateway on 127.0.0.1 for the real discord.py to talk to.

REST: login (`/users/@me`, `/oauth2/applications/@me`), command sync (PUT echo), DM
channel opens, messages with nonce + enforce_nonce, interaction callbacks and follow-up
webhooks. Limits: a global requests-per-second window (interaction endpoints exempt, as
on Discord) and per-route buckets with real `X-RateLimit-*` headers; every request is
recorded. Failures are injected per route (`fail`), per user (`closed_dms`) or per
channel (`gone`, `forbidden`). A body Discord would refuse (over its limits on content,
embeds, components, nonce or autocomplete choices) gets its 400 Invalid Form Body; files
over Discord's limits (`attachment_limit` a file, 25 MiB a request) its 413, and more than
10 files a 400. A message's files are kept byte for byte under `_files` (filename ->
bytes; null in the JSON answers, where Discord gives URLs), each with the `description`
(alt text) its `attachments` entry gave, refused over 1,024 characters (the reference's
MessageAttachmentRequest). A channel in `no_files` takes messages but not files: 403,
50013 Missing Permissions, as Discord answers a bot without Attach Files there.
Files a member attaches to a command (`attach`) are served on `/attachments/...`, as
Discord's CDN serves them.
Gateway: HELLO, heartbeat ACKs, IDENTIFY -> READY (+ GUILD_CREATE of each of `guilds`),
RESUME, and `dispatch()` of any event. Payload builders live in
`testkit/discord_payloads.py`.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TOKEN = "fake-discord-token"
CDN_CHANNEL = 700000000000000009  # where a command's attachments are kept
APP_ID = 700000000000000001
BOT_ID = 700000000000000002
# Gateway intents (IDENTIFY's `intents`): which dispatches a session is sent.
GUILD_MESSAGES = 1 << 9
DM_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15  # privileged
BOT_USER = {
    "id": str(BOT_ID),
    "username": "FollowThrough",
    "global_name": None,
    "discriminator": "0",
    "avatar": None,
    "bot": True,
}
# Routes Discord exempts from the global limit: interaction responses and follow-ups.
_EXEMPT = re.compile(r"^/(interactions|webhooks)/")


@dataclass
class Call:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    files: list[str]
    authorized: bool
    at: float
    status: int = 0


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    code: int = 0
    times: int = 1
    retry_after: float | None = None
    is_global: bool = False
    cloudflare: bool = False  # a 429 without `Via` and with a text body: a ban
    delay: float = 0.0


@dataclass
class Bucket:
    """A fixed window of `limit` requests per `per` seconds, as Discord reports it."""

    name: str
    limit: int
    per: float
    used: int = 0
    reset_at: float = 0.0

    def take(self, now: float) -> bool:
        if now >= self.reset_at:
            self.used, self.reset_at = 0, now + self.per
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def headers(self, now: float) -> dict[str, str]:
        after = max(self.reset_at - now, 0.0)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(self.name.encode()).hexdigest()[:16],
        }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py reads a body as JSON only if Content-Type is exactly application/json.
    out = {"Content-Type": "application/json", **(headers or {})}
    # A message's `_files` (the fake's own record) hold bytes: answered as null.
    body = json.dumps(data, default=_no_bytes).encode()
    return web.Response(body=body, status=status, headers=out)


def _no_bytes(value: object) -> None:
    if not isinstance(value, bytes):
        raise TypeError(f"{type(value).__name__} is not JSON")


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


# -- Discord's limits on what a message may hold (docs: resources/message, channel#embed-limits,
# interactions/message-components; Discord's OpenAPI spec) -----------

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_NONCE = 25
MAX_CHOICES = 25
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_LIMITS = {"name": 256, "value": 1024}
MAX_FIELDS = 25
BUTTON_LIMITS = {"custom_id": 100, "label": 80}
MAX_FILES = 10  # files[0] to files[9]
MAX_ATTACHMENT_DESCRIPTION = 1024  # an attachment's alt text
MAX_REQUEST = 25 * 1024 * 1024  # a message's request, its files included (DISCORD.md §4)
FILE_LIMIT = 10 * 1024 * 1024  # a file, without boosts: discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES


def _too_long(limit: int) -> dict[str, Any]:
    message = f"Must be {limit} or fewer in length."
    return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": message}]}


def _embed_errors(embed: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """What breaks Discord's per-embed limits, and the embed's length as Discord counts it."""
    errors: dict[str, Any] = {}
    size = 0
    for key, limit in EMBED_LIMITS.items():
        text = embed.get(key) or ""
        size += len(text)
        if len(text) > limit:
            errors[key] = _too_long(limit)
    for key, inner, limit in (("footer", "text", 2048), ("author", "name", 256)):
        text = (embed.get(key) or {}).get(inner) or ""
        size += len(text)
        if len(text) > limit:
            errors[key] = {inner: _too_long(limit)}
    fields = embed.get("fields") or []
    if len(fields) > MAX_FIELDS:
        errors["fields"] = _too_long(MAX_FIELDS)
    for index, item in enumerate(fields):
        for key, limit in FIELD_LIMITS.items():
            text = item.get(key) or ""
            size += len(text)
            if len(text) > limit:
                errors.setdefault("fields", {}).setdefault(str(index), {})[key] = _too_long(limit)
    return errors, size


def form_errors(body: dict[str, Any]) -> dict[str, Any]:
    """Discord's `errors` object for a message body (create, edit, interaction response or
    follow-up) that breaks its limits; empty if Discord would take it."""
    errors: dict[str, Any] = {}
    content = body.get("content") or ""
    if len(content) > MAX_CONTENT:
        errors["content"] = _too_long(MAX_CONTENT)
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > MAX_NONCE:
        errors["nonce"] = _too_long(MAX_NONCE)
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors["embeds"] = _too_long(MAX_EMBEDS)
    total = 0
    for index, embed in enumerate(embeds):
        found, size = _embed_errors(embed)
        total += size
        if found:
            errors.setdefault("embeds", {})[str(index)] = found
    if total > MAX_EMBED_TOTAL:
        errors.setdefault("embeds", {})["_errors"] = [
            {
                "code": "MAX_EMBED_SIZE_EXCEEDED",
                "message": "Embed size exceeds maximum size of 6000",
            }
        ]
    rows = body.get("components") or []
    if len(rows) > MAX_ROWS:
        errors["components"] = _too_long(MAX_ROWS)
    ids: set[str] = set()
    for r, row in enumerate(rows):
        items = row.get("components") or []
        where = errors.setdefault("components", {}).setdefault(str(r), {})
        if row.get("type") != 1 or not items or len(items) > MAX_ROW_ITEMS:
            where["components"] = _too_long(MAX_ROW_ITEMS)
        for i, item in enumerate(items):
            for key, limit in BUTTON_LIMITS.items():
                text = item.get(key)
                if text is not None and not 1 <= len(text) <= limit:
                    where.setdefault("components", {}).setdefault(str(i), {})[key] = _too_long(
                        limit
                    )
            custom = item.get("custom_id")
            if custom is not None:
                if custom in ids:  # unique within a message
                    where.setdefault("components", {}).setdefault(str(i), {})["custom_id"] = {
                        "_errors": [
                            {"code": "COMPONENT_CUSTOM_ID_DUPLICATED", "message": "Duplicated"}
                        ]
                    }
                ids.add(custom)
        if not where:
            del errors["components"][str(r)]
    if errors.get("components") == {}:
        del errors["components"]
    for index, attachment in enumerate(body.get("attachments") or []):
        description = attachment.get("description")
        if description is not None and len(str(description)) > MAX_ATTACHMENT_DESCRIPTION:
            errors.setdefault("attachments", {})[str(index)] = {
                "description": _too_long(MAX_ATTACHMENT_DESCRIPTION)
            }
    return errors


def choice_errors(data: dict[str, Any]) -> dict[str, Any]:
    """Discord's `errors` for autocomplete choices: at most 25, names 1-100, values <= 100."""
    choices = data.get("choices") or []
    if len(choices) > MAX_CHOICES:
        return {"choices": _too_long(MAX_CHOICES)}
    errors: dict[str, Any] = {}
    for index, choice in enumerate(choices):
        name, value = str(choice.get("name") or ""), str(choice.get("value") or "")
        if not 1 <= len(name) <= 100:
            errors.setdefault(str(index), {})["name"] = _too_long(100)
        if len(value) > 100:
            errors.setdefault(str(index), {})["value"] = _too_long(100)
    return {"choices": errors} if errors else {}


MAX_COMMANDS = 100  # global CHAT_INPUT commands
MAX_OPTIONS = 25  # a command's, or a subcommand's (subcommands count as options)
MAX_COMMAND_TOTAL = 8000  # names, descriptions and choices of one command, together
_NAME = re.compile(r"^[-_\w]{1,32}$")


def command_errors(commands: Any) -> dict[str, Any]:
    """Discord's `errors` for a bulk overwrite of application commands: at most 100,
    names 1-32 lowercase word characters, descriptions 1-100, at most 25 options and 25
    choices at each level, and 8000 characters per command in all."""
    if not isinstance(commands, list):
        return {"_errors": {"_errors": [{"code": "LIST_TYPE_CONVERT", "message": "Not a list"}]}}
    if len(commands) > MAX_COMMANDS:
        return {"_errors": _too_long(MAX_COMMANDS)}
    errors: dict[str, Any] = {}
    for index, command in enumerate(commands):
        found = _option_errors(command)
        if _characters(command) > MAX_COMMAND_TOTAL:
            found["_errors"] = _too_long(MAX_COMMAND_TOTAL)
        if found:
            errors[str(index)] = found
    return errors


def _option_errors(item: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    name, description = str(item.get("name") or ""), str(item.get("description") or "")
    if not _NAME.match(name) or name != name.lower():
        errors["name"] = _too_long(32)
    if not 1 <= len(description) <= 100:
        errors["description"] = _too_long(100)
    options = item.get("options") or []
    if len(options) > MAX_OPTIONS:
        errors["options"] = _too_long(MAX_OPTIONS)
    for index, option in enumerate(options):
        found = _option_errors(option)
        if found:
            errors.setdefault("options", {})[str(index)] = found
    choices = item.get("choices") or []
    if len(choices) > MAX_CHOICES:
        errors["choices"] = _too_long(MAX_CHOICES)
    return errors


def _characters(item: dict[str, Any]) -> int:
    total = len(str(item.get("name") or "")) + len(str(item.get("description") or ""))
    for choice in item.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total + sum(_characters(option) for option in item.get("options") or [])


def file_refusal(files: dict[str, bytes], limit: int) -> web.Response | None:
    """Discord's answer to files it won't take (each up to `limit` bytes, 25 MiB in all,
    10 at most), or None."""
    if len(files) > MAX_FILES:
        return _invalid({"files": _too_long(MAX_FILES)})
    sizes = [len(data) for data in files.values()]
    if any(size > limit for size in sizes) or sum(sizes) > MAX_REQUEST:
        return _error(413, 40005, "Request entity too large")
    return None


def _invalid(errors: dict[str, Any]) -> web.Response:
    """Discord's answer to a body it refuses: 400, code 50035, and where it broke."""
    return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)


def _test_guild() -> dict[str, Any]:
    from testkit.discord_payloads import guild  # which builds on this module

    return guild()


@dataclass
class FakeDiscord:
    """One fake Discord: start() it, point discord.py at `api_url`/`gateway_url`."""

    token: str = TOKEN
    global_limit: int | None = None  # requests per second across the bot; None: unlimited
    # Per-route bucket limits (count, seconds) by route template; Discord's documented
    # message limit is 5 per 5 s per channel.
    route_limits: dict[str, tuple[int, float]] = field(
        default_factory=lambda: {
            "POST /channels/{id}/messages": (5, 5.0),
            "POST /users/@me/channels": (50, 1.0),
        }
    )
    latency: float = 0.0  # added to every REST answer
    calls: list[Call] = field(default_factory=list)
    messages: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    callbacks: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    followups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    originals: dict[str, dict[str, Any]] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)  # token -> first visible answer
    acked: dict[int, float] = field(default_factory=dict)  # interaction -> first callback
    dm_channels: dict[int, int] = field(default_factory=dict)  # user -> channel
    dm_opens: int = 0
    closed_dms: set[int] = field(default_factory=set)
    channels: set[int] = field(default_factory=set)  # guild text channels that exist
    gone: set[int] = field(default_factory=set)
    forbidden: set[int] = field(default_factory=set)
    no_files: set[int] = field(default_factory=set)  # channels without Attach Files
    # The guilds the bot was added to, sent as GUILD_CREATE after READY: the test guild.
    guilds: list[dict[str, Any]] = field(default_factory=lambda: [_test_guild()])
    rate_limited: int = 0  # 429s served
    globally_limited: int = 0  # of which for the global limit
    identifies: int = 0
    heartbeat_interval_ms: int = 41250
    attachment_limit: int = FILE_LIMIT  # bytes a file may have
    # Files members attached to a command, served as Discord's CDN serves them (no
    # token asked), by path; and the paths downloaded, in order.
    cdn: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = itertools.count(800000000000000000)
        self._faults: list[Fault] = []
        self._buckets: dict[str, Bucket] = {}
        self._window: collections.deque[float] = collections.deque()
        self._nonces: dict[tuple[int, str], dict[str, Any]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._intents: dict[int, int] = {}  # id(socket) -> the intents it identified with
        self._seq = 0
        self._changed = asyncio.Condition()
        self._answer_waiters: dict[str, asyncio.Future[float]] = {}
        self.notify = True  # wake `wait()`ers on every request (benchmarks turn it off)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=30 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{tail:.*}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def new_id(self) -> int:
        return next(self._ids)

    # -- what tests arrange ----------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        code: int = 0,
        *,
        times: int = 1,
        retry_after: float | None = None,
        is_global: bool = False,
        cloudflare: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests matching `method path` (a regex) with an error."""
        fault = Fault(method, re.compile(path), status, code, times, retry_after, is_global)
        fault.cloudflare, fault.delay = cloudflare, delay
        self._faults.append(fault)

    def add_channel(self, channel_id: int | None = None) -> int:
        channel = channel_id or self.new_id()
        self.channels.add(channel)
        return channel

    def attach(self, filename: str, data: bytes, *, size: int | None = None) -> dict[str, Any]:
        """A file a member attached to a command, as an interaction's `resolved.attachments`
        describes it (`size`: what Discord says it holds, if not its bytes' count); its
        URL serves the bytes."""
        attachment_id = self.new_id()
        path = f"/attachments/{CDN_CHANNEL}/{attachment_id}/{filename}"
        self.cdn[path] = data
        url = f"http://127.0.0.1:{self.port}{path}"
        return {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data) if size is None else size,
            "url": url,
            "proxy_url": url,
            "content_type": "text/csv; charset=utf-8",
            "ephemeral": True,
        }

    async def _download(self, request: web.Request) -> web.Response:
        self.downloads.append(request.path)
        data = self.cdn.get(request.path)
        if data is None:
            return web.Response(status=404, text="404: Not Found")
        return web.Response(body=data, headers={"Content-Type": "text/csv"})

    def requests(self, method: str, pattern: str = "") -> list[Call]:
        return [c for c in self.calls if c.method == method and re.search(pattern, c.path)]

    def sent(self, channel_id: int) -> list[dict[str, Any]]:
        return self.messages.get(channel_id, [])

    def dm(self, user_id: int) -> list[dict[str, Any]]:
        channel = self.dm_channels.get(user_id)
        return [] if channel is None else self.sent(channel)

    async def wait(self, predicate: Any, timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds (handlers run as tasks: poll the fake)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    def _mark_answered(self, token: str) -> None:
        if token not in self.answered:
            self.answered[token] = time.monotonic()
            waiter = self._answer_waiters.pop(token, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(self.answered[token])

    async def until_answered(self, token: str, timeout: float = 10.0) -> float:
        """When the member first saw an answer to the interaction with `token`."""
        if token in self.answered:
            return self.answered[token]
        waiter = self._answer_waiters.setdefault(token, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(waiter), timeout)

    async def _touch(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- REST --------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body, files = await self._body(request)
        auth = request.headers.get("Authorization")
        call = Call(
            request.method,
            path,
            dict(request.query),
            body,
            files,
            auth == f"Bot {self.token}",
            time.monotonic(),
        )
        self.calls.append(call)
        response = await self._answer(request.method, path, call, auth)
        call.status = response.status
        if response.status == 429:
            self.rate_limited += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.notify:
            await self._touch()
        return response

    async def _body(self, request: web.Request) -> tuple[Any, list[str]]:
        if not request.can_read_body:
            return None, []
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            payload = json.loads(str(form.get("payload_json") or "{}"))
            files = [
                getattr(value, "filename", "")
                for key, value in form.items()
                if key != "payload_json"
            ]
            for key, value in form.items():
                if key != "payload_json" and isinstance(value, web.FileField):
                    payload.setdefault("_files", {})[value.filename] = value.file.read()
            return payload, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    def _limited(self, method: str, path: str, now: float) -> web.Response | None:
        if self.global_limit is not None and not _EXEMPT.match(path):
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.global_limit:
                retry = max(self._window[0] + 1.0 - now, 0.001)
                self.globally_limited += 1
                return _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry,
                        "global": True,
                    },
                    429,
                    {
                        "Via": "1.1 google",
                        "Retry-After": str(retry),
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                    },
                )
            self._window.append(now)
        return None

    def _bucket(self, method: str, path: str) -> Bucket | None:
        template = re.sub(r"/\d+", "/{id}", path)
        limits = self.route_limits.get(f"{method} {template}")
        if limits is None:
            return None
        major = re.match(r"^/(channels|guilds|webhooks)/(\d+)", path)
        key = f"{method} {template} {major[2] if major else ''}"
        if key not in self._buckets:
            self._buckets[key] = Bucket(f"{method} {template}", *limits)
        return self._buckets[key]

    async def _answer(self, method: str, path: str, call: Call, auth: str | None) -> web.Response:
        exempt = _EXEMPT.match(path) is not None
        if not exempt and auth != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for fault in self._faults:
            if fault.times > 0 and fault.method == method and fault.path.search(path):
                fault.times -= 1
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                return self._fault(fault)
        now = time.monotonic()
        limited = self._limited(method, path, now)
        if limited is not None:
            return limited
        bucket = self._bucket(method, path)
        if bucket is not None and not bucket.take(now):
            retry = max(bucket.reset_at - now, 0.001)
            return _json(
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                429,
                {
                    "Via": "1.1 google",
                    "Retry-After": str(retry),
                    "X-RateLimit-Scope": "user",
                    **bucket.headers(now),
                },
            )
        files = call.body.get("_files") if isinstance(call.body, dict) else None
        refused = file_refusal(files or {}, self.attachment_limit)
        response = refused or self._route(method, path, call)
        if bucket is not None:
            response.headers.update(bucket.headers(now))
        return response

    @staticmethod
    def _fault(fault: Fault) -> web.Response:
        if fault.status == 429:
            retry = fault.retry_after if fault.retry_after is not None else 1.0
            if fault.cloudflare:
                return web.Response(
                    text="error code: 1015", status=429, headers={"Retry-After": str(int(retry))}
                )
            return _json(
                {
                    "message": "You are being rate limited.",
                    "retry_after": retry,
                    "global": fault.is_global,
                },
                429,
                {"Via": "1.1 google", "Retry-After": str(retry)},
            )
        return _error(fault.status, fault.code, f"{fault.status}: injected (code {fault.code})")

    def _route(self, method: str, path: str, call: Call) -> web.Response:
        body = call.body or {}
        parts = path.strip("/").split("/")
        match method, parts:
            case "GET", ["users", "@me"]:
                return _json(BOT_USER)
            case "GET", ["oauth2", "applications", "@me"]:
                return _json(self._application())
            case "GET", ["gateway"] | ["gateway", "bot"]:
                return _json(
                    {
                        "url": self.gateway_url,
                        "shards": 1,
                        "session_start_limit": {
                            "total": 1000,
                            "remaining": 999,
                            "reset_after": 0,
                            "max_concurrency": 1,
                        },
                    }
                )
            case "PUT", ["applications", _, "commands"]:
                refused = command_errors(body)
                if refused:
                    return _invalid(refused)
                self.commands = [
                    {**c, "id": str(self.new_id()), "application_id": str(APP_ID), "version": "1"}
                    for c in body
                ]
                return _json(self.commands)
            case "GET", ["applications", _, "commands"]:
                return _json(self.commands)
            case "POST", ["users", "@me", "channels"]:
                return self._open_dm(int(body["recipient_id"]))
            case "POST", ["channels", channel, "messages"]:
                return self._create_message(int(channel), body)
            case "POST", ["interactions", interaction, token, "callback"]:
                return self._callback(int(interaction), token, body)
            case "PATCH", ["channels", channel, "messages", message_id]:
                return self._edit_message(int(channel), message_id, body)
            case "POST", ["webhooks", _, token]:
                if errors := form_errors(body):
                    return _invalid(errors)
                message = self._message(0, body)
                self.followups.setdefault(token, []).append(message)
                self._mark_answered(token)
                return _json(message)
            case "PATCH", ["webhooks", _, token, "messages", "@original"]:
                message = {**self.originals.get(token, self._message(0, {})), **body}
                if errors := form_errors(message):
                    return _invalid(errors)
                self.originals[token] = message
                self._mark_answered(token)
                return _json(message)
            case "DELETE", ["webhooks", _, token, "messages", "@original"]:
                self.originals.pop(token, None)
                return web.Response(status=204)
        return _error(404, 0, f"404: Not Found ({method} {path})")

    @staticmethod
    def _application() -> dict[str, Any]:
        return {
            "id": str(APP_ID),
            "name": "FollowThrough",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": {k: v for k, v in BOT_USER.items() if k != "bot"},
            "verify_key": "0" * 64,
            "flags": 0,
            "interactions_endpoint_url": None,
        }

    def _open_dm(self, user_id: int) -> web.Response:
        self.dm_opens += 1
        channel = self.dm_channels.setdefault(user_id, self.new_id())
        user = {
            "id": str(user_id),
            "username": f"u{user_id}",
            "discriminator": "0",
            "avatar": None,
            "global_name": None,
        }
        return _json({"id": str(channel), "type": 1, "recipients": [user], "last_message_id": None})

    def _create_message(self, channel: int, body: dict[str, Any]) -> web.Response:
        recipients = {c: u for u, c in self.dm_channels.items()}
        if channel in recipients:
            if recipients[channel] in self.closed_dms:
                return _error(403, 50007, "Cannot send messages to this user")
        elif channel in self.gone or channel not in self.channels:
            return _error(404, 10003, "Unknown Channel")
        elif channel in self.forbidden or (channel in self.no_files and body.get("_files")):
            return _error(403, 50013, "Missing Permissions")
        if errors := form_errors(body):
            return _invalid(errors)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce") and (channel, nonce) in self._nonces:
            return _json(self._nonces[(channel, nonce)])
        message = self._message(channel, body)
        self.messages.setdefault(channel, []).append(message)
        if nonce is not None:
            self._nonces[(channel, nonce)] = message
        return _json(message)

    def _edit_message(self, channel: int, message_id: str, body: dict[str, Any]) -> web.Response:
        """An edit of a message the bot sent: what it changes, checked as a whole."""
        for message in self.messages.get(channel, []):
            if message["id"] == message_id:
                edited = {**message, **{k: v for k, v in body.items() if k in message}}
                if errors := form_errors(edited):
                    return _invalid(errors)
                message.update(edited)
                return _json(message)
        return _error(404, 10008, "Unknown Message")

    def _message(self, channel: int, body: dict[str, Any]) -> dict[str, Any]:
        described = {a.get("filename"): a.get("description") for a in body.get("attachments") or []}
        return {
            "id": str(self.new_id()),
            "channel_id": str(channel),
            "author": BOT_USER,
            "content": body.get("content") or "",
            "timestamp": "2026-03-02T08:00:00.000000+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(self.new_id()),
                    "filename": name,
                    "size": len(data),
                    "url": "http://127.0.0.1/x",
                    "proxy_url": "http://127.0.0.1/x",
                    "description": described.get(name),
                }
                for name, data in (body.get("_files") or {}).items()
            ],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
            "nonce": body.get("nonce"),
            "allowed_mentions": body.get("allowed_mentions"),
            "_files": body.get("_files") or {},
        }

    def _callback(self, interaction: int, token: str, body: dict[str, Any]) -> web.Response:
        kind = body.get("type")
        data = body.get("data") or {}
        errors = choice_errors(data) if kind == 8 else form_errors(data)
        if errors:
            return _invalid({"data": errors})
        self.callbacks.setdefault(interaction, []).append(body)
        self.acked.setdefault(interaction, time.monotonic())
        if kind in (4, 7, 8):  # a message, an update, autocomplete choices: visible now
            self._mark_answered(token)
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(interaction),
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & 64),
            }
        }
        if kind in (4, 5, 7):
            message = self._message(0, data)
            self.originals[token] = message
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        return _json(answer)

    # -- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {
                "op": 10,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                "s": None,
                "t": None,
            }
        )
        try:
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                await self._on_frame(ws, json.loads(frame.data))
        finally:
            self._sockets.remove(ws)
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == 1:
            await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            if data["token"] != self.token:
                await ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identifies += 1
            self._intents[id(ws)] = int(data.get("intents") or 0)
            ready = {
                "v": 10,
                "user": BOT_USER,
                "guilds": [{"id": g["id"], "unavailable": True} for g in self.guilds],
                "session_id": f"session-{self.identifies}",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(APP_ID), "flags": 0},
            }
            await self._send(ws, "READY", ready)
            for guild in self.guilds:
                await self._send(ws, "GUILD_CREATE", guild)
        elif op == 6:
            await self._send(ws, "RESUMED", {})
        await self._touch()

    async def _send(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq += 1
        await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    def typed(
        self,
        user_id: int,
        text: str,
        *,
        author: dict[str, Any] | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """The MESSAGE_CREATE of `user_id` typing `text` in their DM with the bot (or,
        with `guild_id`, in that server's `channel_id`): the message is kept in its
        channel, as Discord keeps it. `author` overrides who wrote it (another bot);
        `extra` any field (a `type`, a `webhook_id`)."""
        if guild_id is None:
            channel = self.dm_channels.setdefault(user_id, self.new_id())
        else:
            channel = channel_id or next(iter(self.channels), self.new_id())
        message: dict[str, Any] = {
            "id": str(self.new_id()),
            "channel_id": str(channel),
            "author": author
            or {
                "id": str(user_id),
                "username": f"u{user_id}",
                "discriminator": "0",
                "avatar": None,
                "global_name": None,
            },
            "content": text,
            "timestamp": "2026-03-02T08:00:00.000000+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "_typed": True,  # the fake's own mark: typed in Discord, not sent over REST
            **extra,
        }
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        self.messages.setdefault(channel, []).append(message)
        return message

    async def deliver(self, message: dict[str, Any]) -> int:
        """Send `message`'s MESSAGE_CREATE to each session whose intents ask for it, as
        Discord does: a DM's with DM_MESSAGES, a server's with GUILD_MESSAGES, its
        content only with MESSAGE_CONTENT (a DM keeps its content without). Returns
        how many sessions it was sent to."""
        sent = 0
        in_guild = "guild_id" in message
        for ws in list(self._sockets):
            intents = self._intents.get(id(ws), 0)
            if not intents & (GUILD_MESSAGES if in_guild else DM_MESSAGES):
                continue
            data = message
            if in_guild and not intents & MESSAGE_CONTENT:
                data = {**message, "content": "", "embeds": [], "attachments": []}
            await self._send(ws, "MESSAGE_CREATE", data)
            sent += 1
        return sent

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a DISPATCH to every connected gateway session."""
        for ws in list(self._sockets):
            await self._send(ws, event, data)

    @property
    def connected(self) -> int:
        return len(self._sockets)

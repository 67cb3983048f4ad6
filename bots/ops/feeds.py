"""GET /calendar/<token>.ics: a member's calendar feed, on the process's one HTTP server.

The token is the whole secret: the route answers the feed of the member whose token it
is, and the same 404 for anything else (a token never made, one reset, one mistyped).
No token reaches a log: the server keeps no access log, and nothing here logs one.
Calendar apps fetch the feed every hour or so; `Cache-Control: private` keeps shared
caches (the operator's proxy, a CDN) from keeping one member's calendar for another.
The operator serves it over HTTPS, like Slack's routes (README, "Calendar feeds").
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from core.services import Calendars

log = logging.getLogger(__name__)

ROUTE = "/calendar/{token}.ics"
MEDIA_TYPE = "text/calendar; charset=utf-8"
FRESH_SECONDS = 300  # a calendar app may reuse a feed this long before asking again
HEADERS = {
    "Cache-Control": f"private, max-age={FRESH_SECONDS}",
    "Content-Disposition": 'inline; filename="followthrough.ics"',
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NOT_FOUND_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

# How the route runs a blocking call of the core (bots.runtime.workers.CoreWorkers).
Core = Callable[..., Awaitable[Any]]


def mount(app: web.Application, calendars: Calendars, core: Core) -> None:
    """Add the feed route to `app` (before it starts listening)."""

    async def feed(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            body: bytes | None = await core(calendars.feed, token)
        except Exception as error:  # the database is down: /readyz says so too
            log.warning("calendar feed unavailable: %s", type(error).__name__)
            return web.Response(
                status=503, text="unavailable, try again later\n", headers={"Retry-After": "60"}
            )
        if body is None:
            return web.Response(status=404, text="not found\n", headers=NOT_FOUND_HEADERS)
        response = web.Response(body=body, headers=HEADERS)
        response.headers["Content-Type"] = MEDIA_TYPE  # exactly: aiohttp would add its own
        return response

    app.router.add_get(ROUTE, feed)

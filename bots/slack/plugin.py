"""Slack as a platform of the bot (bots/platforms.py): its settings, its listener (HTTP on
the process's server, or Socket Mode), the Web API for workers, `followthrough slack
manifest`, and its doctor checks. The heavy libraries are imported when first used."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

from bots.ops.findings import Report
from bots.platforms import GroupChannels, Host, Plugin
from bots.runtime.delivery import Platform
from bots.settings import Settings
from bots.slack.settings import NAME, VARIABLES, SlackSettings

if TYPE_CHECKING:
    from bots.platforms import Commands

RANK = 10  # first in the flags, the doctor and the messages


class Slack:
    name = NAME
    title = "Slack"
    description = "serve Slack (the SLACK_* settings)"
    needs = "SLACK_*"
    setup = "SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET"
    token_shapes: tuple[str, ...] = (r"(xox[abeprs]-|xapp-)[A-Za-z0-9-]+",)

    def variables(self) -> tuple[str, ...]:
        return VARIABLES

    def read_settings(self, env: Mapping[str, str]) -> SlackSettings:
        return SlackSettings.from_env(env)

    def add_run_options(self, run: argparse.ArgumentParser) -> None:
        pass  # the settings say everything: HTTP or Socket Mode, one workspace or OAuth

    def run_options(self, args: argparse.Namespace, named: bool) -> None:
        return None

    def check_start(self, settings: Settings, *, listening: bool) -> None:
        from bots.slack.secrets import require_key

        part = SlackSettings.of(settings)
        if listening:
            part.require()
        # OAuth keeps workspaces' tokens in the database: never unencrypted.
        require_key(part)

    @contextlib.asynccontextmanager
    async def listener(self, host: Host, options: None) -> AsyncIterator[Platform]:
        """The Slack listener, its HTTP routes on the process's server."""
        from bots.slack.config import SlackConfig
        from bots.slack.server import SlackServer
        from core.storage.platforms.slack import SlackStorage

        services = host.services
        config = SlackConfig.from_settings(services.settings)
        storage = SlackStorage(config.database_url, config.client_id)
        try:
            server = SlackServer(services.app.conversation, config, storage, core=services.core)
        except BaseException:
            await storage.close()  # the server closes it from here on
            raise
        # Registered first: /readyz answers 503 while the socket connects, not "ready".
        host.readiness.add(NAME, server.problem)
        try:
            server.mount(host.http)
            await server.start(listen=host.listen)
            yield server.platform()
        finally:
            host.readiness.remove(NAME)
            await server.stop()

    def sender(self, host: Host) -> contextlib.AbstractAsyncContextManager[Platform]:
        return _sender(host)

    def refused(self, error: BaseException) -> bool:
        server = sys.modules.get("bots.slack.server")  # never imported: it raised nothing
        return server is not None and isinstance(error, server.BadToken)

    def add_commands(self, commands: Commands) -> None:
        from bots.slack.manifest import public_url

        slk = commands.add_parser(NAME, help="Slack: the manifest to create the app from")
        actions = slk.add_subparsers(dest="slack_command", required=True, metavar="ACTION")
        mft = actions.add_parser(
            "manifest", help="print the app manifest (JSON) for --url https://... or --socket"
        )
        where = mft.add_mutually_exclusive_group(required=True)
        where.add_argument(
            "--url",
            type=public_url,
            help="the bot's public HTTPS base URL: Slack posts to URL/slack/events",
        )
        where.add_argument("--socket", action="store_true", help="Socket Mode: no public URL")
        mft.add_argument(
            "--oauth",
            action="store_true",
            help="many workspaces install the app at URL/slack/install (with --url)",
        )

        def manifest(args: argparse.Namespace, settings: Settings | None) -> int:
            if args.oauth and args.socket:
                mft.error("--oauth needs --url: Slack sends installs back to the bot's public URL")
            from bots.slack import server

            return server.command(args)

        # It needs no settings: it prints what to paste into Slack.
        mft.set_defaults(handler=manifest, settings_free=True)

    def check_settings(self, settings: Settings, report: Report) -> bool:
        from bots.slack import doctor

        return doctor.check_settings(SlackSettings.of(settings), report)

    async def doctor(self, settings: Settings, report: Report, groups: GroupChannels) -> None:
        from bots.slack import doctor

        await doctor.check(SlackSettings.of(settings), report, groups)


@contextlib.asynccontextmanager
async def _sender(host: Host) -> AsyncIterator[Platform]:
    """Slack's messenger alone (a worker): the Web API, the installations' tokens."""
    from bots.runtime.ratelimit import RateLimiter
    from bots.slack.config import SlackConfig
    from bots.slack.messenger import SlackMessenger
    from bots.slack.oauth import Installations
    from bots.slack.server import PROCESS_RATE, check_tokens
    from core.storage.platforms.slack import SlackStorage

    services = host.services
    config = SlackConfig.from_settings(services.settings)
    # A refused bot token stops the worker at start, as it stops the listener.
    await check_tokens(config, socket=False)
    storage = SlackStorage(config.database_url, config.client_id)
    try:  # OAuth: its stored tokens are encrypted
        installations = Installations(config, storage, services.app.clock.now)
    except BaseException:
        await storage.close()  # the installations close it from here on
        raise
    messenger = SlackMessenger(services.app.conversation, config, installations.bot_token)
    try:
        # The messenger paces each channel and workspace itself, as the listener's does.
        yield Platform(messenger, RateLimiter(rate=PROCESS_RATE))
    finally:
        await messenger.close()
        await installations.close()


PLUGIN: Plugin = Slack()

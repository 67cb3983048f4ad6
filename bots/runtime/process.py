"""`followthrough run`: one process in any combination of roles, in one event loop.

- `--<platform>` (`--slack`, `--discord`, `--console`, ...: one flag per platform of the
  registry, bots/platforms.py): its listener, with the minute tick and delivery beside
  it. No role at all: every platform the settings configure (what the container runs).
- `--worker`: planning and delivery only, to every configured platform through its
  Web/REST API (no listener). Any number of them share one PostgreSQL.
- A platform's own options (`--shards 0-3 --shard-count 8` with `--discord`).

Every process serves /healthz, /readyz and /metrics on FOLLOWTHROUGH_HTTP_HOST:PORT, on
the one HTTP application the platforms that take HTTP requests mount their routes on
(bots/bootstrap.py). SIGTERM (or SIGINT) stops it cleanly: the HTTP server stops
accepting, the Runner finishes the sends in flight and releases its claims, and each
platform closes what it opened.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bots import bootstrap
from bots.bootstrap import Services, serve
from bots.ops import failures
from bots.platforms import either, registry
from bots.runtime.runner import Runner
from bots.runtime.workers import settle_garbage_collector
from bots.settings import ConfigError, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Roles:
    """What one process runs: the listeners (platform name -> its run options), or a
    worker's delivery to every configured platform, and the tick between two passes."""

    listeners: Mapping[str, Any] = field(default_factory=dict)
    worker: bool = False
    tick_seconds: float = 60

    @classmethod
    def from_args(cls, args: argparse.Namespace, settings: Settings | None = None) -> Roles:
        """The roles asked for; none at all: every platform `settings` configure (what the
        container runs, so that one image serves any platform it is configured for)."""
        plugins = registry()
        named = {plugin.name for plugin in plugins if getattr(args, plugin.name, False)}
        worker = bool(getattr(args, "worker", False))
        asked = set(named)
        if not asked and not worker and settings is not None:
            asked = set(bootstrap.configured(settings))
        remote = [p for p in plugins if p.name in asked and p.needs]  # those with an API
        if worker and remote:
            flags = either([f"--{p.name}" for p in plugins if p.needs])
            raise ConfigError(
                "--worker runs no listener: it delivers to every configured platform through"
                f" its API; run {flags} in another process"
            )
        # A platform's own options go with its flag, named: `--shards` alone is refused
        # rather than run every configured platform on those shards.
        listeners = {p.name: p.run_options(args, p.name in named) for p in plugins}
        roles = cls(
            {name: options for name, options in listeners.items() if name in asked},
            worker,
            float(args.tick),
        )
        if not (roles.listeners or roles.worker):
            needs = either([f"{p.title} ({p.needs})" for p in plugins if p.needs])
            flags = either([f"--{p.name}" for p in plugins] + ["--worker"])
            raise ConfigError(f"nothing to run: configure {needs}, or choose a role: {flags}")
        return roles


async def serve_roles(
    services: Services,
    roles: Roles,
    *,
    started: asyncio.Event | None = None,
    settle_gc: bool = False,
) -> None:
    """Run `roles` until SIGTERM/SIGINT (or a platform's session ending for good).

    `settle_gc`: once started, tune the garbage collector for a long-running process
    (what `followthrough run` does; a test process sharing the interpreter does not)."""
    ended = asyncio.Event()
    running = bootstrap.platforms(services, roles.listeners, worker=roles.worker, ended=ended)
    async with running as platforms:
        runner = Runner(
            services.deliverer(platforms), services.app.planner, tick_seconds=roles.tick_seconds
        )

        async def watch() -> None:
            await ended.wait()
            if not runner.stopping.is_set():
                log.error("a platform's session ended for good; stopping")
                runner.stop()

        watcher = asyncio.create_task(watch())
        try:
            log.info("running: %s", ", ".join(sorted(platforms)) or "nothing")
            if settle_gc:
                settle_garbage_collector()
            if started is not None:
                asyncio.get_running_loop().call_soon(started.set)
            await runner.run()
        finally:
            watcher.cancel()
        if ended.is_set() and not runner.stopping.is_set():
            raise RuntimeError("a platform's session ended")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """`followthrough run ...`: 0 after SIGTERM; 1 (with the reason) if it can't start."""
    try:
        roles = Roles.from_args(args, settings)
        for plugin in registry():
            listening = plugin.name in roles.listeners
            if listening or (roles.worker and plugin.name in bootstrap.configured(settings)):
                plugin.check_start(settings, listening=listening)
    except ConfigError as error:
        print(f"followthrough run: {error}", file=sys.stderr)
        return 2
    with serve(settings) as services:
        try:
            asyncio.run(serve_roles(services, roles, settle_gc=True))
        except ConfigError as error:
            print(f"followthrough run: {error}", file=sys.stderr)
            return 1
        except Exception as error:
            if any(plugin.refused(error) for plugin in registry()):
                print(f"followthrough run: {error}", file=sys.stderr)
                return 1
            if failures.explain(error) is not None:
                raise  # the database, the network, a port: one line from the command
            log.exception("followthrough run stopped on an error")
            print(f"followthrough run: stopped: {error}", file=sys.stderr)
            return 1
    return 0

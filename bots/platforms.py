"""The platforms the bot serves, as plugins: one protocol, and the registry that finds them.

A platform is a package under bots/ with a `plugin` module whose `PLUGIN` implements
`Plugin`: its settings from the environment, `run --<name>` (its listener) and what a
`run --worker` delivers through (its sender), its doctor checks and its own commands.
The registry finds them by looking, so that nothing outside a platform's folder names
it: a new platform is a new folder.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from aiohttp import web

    from bots.bootstrap import Services
    from bots.ops.findings import Report
    from bots.ops.health import Readiness
    from bots.runtime.delivery import Platform
    from bots.settings import Settings

    # What `add_commands` adds its parsers to (argparse keeps the class private).
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

# (workspace or guild id, channel) of each of a platform's groups; None: not known.
GroupChannels = list[tuple[str, str | None]] | None


class PlatformSettings(Protocol):
    """A platform's part of the settings, read from the environment with the rest: a
    frozen dataclass."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    SECRETS: ClassVar[frozenset[str]]  # the fields that are credentials: never shown

    def configured(self) -> bool:
        """Whether the environment sets this platform up (a ConfigError names what is
        missing from a partial setup)."""
        ...

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        ...

    def summary(self) -> str:
        """What a configured platform adds up to, in words (for `doctor`)."""
        ...


@dataclass
class Host:
    """What a process gives the platforms it runs: its services, its readiness checks,
    its one HTTP application, and an event to set when a platform's session ends for good
    (the process then stops)."""

    services: Services
    readiness: Readiness
    http: web.Application  # routes mounted here before `listen()` is awaited
    ended: asyncio.Event
    listen: Callable[[], Awaitable[None]]  # start the HTTP server now (again: nothing)


class Plugin(Protocol):
    """One platform, as the composition root, the command line and `doctor` see it."""

    name: str  # `run --<name>`, the platform of its identities, its doctor section
    title: str  # how messages name it: "Slack"
    description: str  # one line: the help of `run --<name>`
    # What configures it, in a few words ("SLACK_*"); "" if nothing can: then it has no
    # API either, and `run --worker` never delivers to it but may run beside it.
    needs: str
    setup: str  # what to set to configure it, for `doctor`
    # Regular expressions of the tokens no setting names (a workspace's OAuth token, an
    # interaction's token in a URL): logs show their first group, then ***.
    token_shapes: tuple[str, ...]

    def variables(self) -> tuple[str, ...]:
        """The environment variables its settings read."""
        ...

    def read_settings(self, env: Mapping[str, str]) -> PlatformSettings:
        """Its part of the settings from `env` (a ConfigError names a bad variable)."""
        ...

    def add_run_options(self, run: argparse.ArgumentParser) -> None:
        """Options of `followthrough run` that only this platform reads."""
        ...

    def run_options(self, args: argparse.Namespace, named: bool) -> Any:
        """Its run options from `args`; `named`: whether `--<name>` was given. A ConfigError
        if they make no sense (given without `--<name>`, or malformed)."""
        ...

    def check_start(self, settings: Settings, *, listening: bool) -> None:
        """Raise a ConfigError now if this process can't serve it (listening, or as a
        worker's sender): before anything connects."""
        ...

    def listener(self, host: Host, options: Any) -> AbstractAsyncContextManager[Platform]:
        """`run --<name>`: its listener in the process's loop, and what delivers to it."""
        ...

    def sender(self, host: Host) -> AbstractAsyncContextManager[Platform] | None:
        """What a `run --worker` delivers through (its Web/REST API, no listener); None:
        it has no API (a worker never delivers to it)."""
        ...

    def refused(self, error: BaseException) -> bool:
        """Whether `error` is this platform refusing to start (a token it refused, a shard
        another process owns): a restart would be refused again."""
        ...

    def add_commands(self, commands: Commands) -> None:
        """Its own `followthrough <name> ...` commands; each parser's `handler` default
        runs it: `handler(args, settings)` (settings None for a command that needs none,
        marked with `settings_free=True`)."""
        ...

    def check_settings(self, settings: Settings, report: Report) -> bool:
        """`doctor`: report what is wrong with its settings; False if they are too broken
        for its other checks."""
        ...

    async def doctor(self, settings: Settings, report: Report, groups: GroupChannels) -> None:
        """`doctor`: its tokens, what they may do, and each group's channel."""
        ...


@functools.cache
def registry() -> tuple[Plugin, ...]:
    """Every platform found under bots/, in the order each asks for (its `RANK`)."""
    import bots

    found: list[tuple[int, Plugin]] = []
    for package in pkgutil.iter_modules(bots.__path__):
        if not package.ispkg:
            continue
        try:
            module = importlib.import_module(f"bots.{package.name}.plugin")
        except ModuleNotFoundError as error:
            if error.name != f"bots.{package.name}.plugin":
                raise
            continue
        found.append((module.RANK, module.PLUGIN))
    return tuple(plugin for _, plugin in sorted(found, key=lambda pair: pair[0]))


def configurable() -> tuple[Plugin, ...]:
    """The platforms the environment can configure (not the terminal)."""
    return tuple(plugin for plugin in registry() if plugin.needs)


def either(words: list[str], joint: str = "or") -> str:
    """ "a, b or c"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {joint} {words[-1]}"

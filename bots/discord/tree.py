"""The application command tree, generated from the core's command table.

`/lead ...`, `/followthrough ...` and `/leaderboard` come from COMMANDS as they are.
Organiser subcommands become their own top-level group (`/followthrough-group ...`),
because Discord ignores `default_permissions` on subcommands; the core checks again at
run time with the member's resolved permissions. Every handler defers first, then runs
the typed command in a worker thread and answers ephemerally.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Optional

import discord
from discord import app_commands
from discord.app_commands import AppCommandChannel, Choice

from bots.discord.interactions import DEAD, answer_error, defer, show, tenant
from bots.discord.render import cut
from core.services import (
    COMMANDS,
    MAX_IMPORT_BYTES,
    SAYINGS,
    CommandSpec,
    Conversation,
    Identity,
    Message,
    OptionSpec,
    SubcommandSpec,
    country_names,
    zone_names,
)

log = logging.getLogger(__name__)

MAX_CHOICES = 25
MAX_CHOICE = 100
MAX_DESCRIPTION = 100
AUTOCOMPLETE_BUDGET = 2.0  # seconds; Discord's 3 s cannot be deferred for autocomplete
ADMIN_SUFFIX = "-group"


class TextChannelRef(app_commands.Transformer[Any]):
    """A text or announcement channel, taken as Discord resolved it: no cache needed."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction[Any], value: Any) -> Any:
        return value  # an AppCommandChannel, built from the payload's `resolved`


# -- autocomplete --------------------------------------------------------------------


def _choices(pairs: list[tuple[str, str]]) -> list[Choice[str]]:
    return [
        Choice(name=cut(label, MAX_CHOICE) or value[:MAX_CHOICE], value=value[:MAX_CHOICE])
        for label, value in pairs[:MAX_CHOICES]
        if value
    ]


def _ranked(pairs: list[tuple[str, str]], typed: str) -> list[tuple[str, str]]:
    """Prefix matches of the value first, then anything containing what was typed."""
    typed = typed.strip().lower()
    if not typed:
        return pairs[:MAX_CHOICES]
    first = [p for p in pairs if p[1].lower().startswith(typed)]
    rest = [p for p in pairs if p not in first and typed in f"{p[0]} {p[1]}".lower()]
    return (first + rest)[:MAX_CHOICES]


@functools.cache
def zones() -> list[tuple[str, str]]:
    return [(name, name) for name in zone_names()]


@functools.cache
def countries() -> list[tuple[str, str]]:
    """The codes the core accepts, labelled with the name the core gives each."""
    return [(f"{code} · {name}" if name != code else code, code) for code, name in country_names()]


async def _from_core(
    interaction: discord.Interaction[Any],
    what: str,
    call: Callable[[Conversation, Identity], list[tuple[str, str]]],
) -> list[tuple[str, str]]:
    """A read of the core for autocomplete as whoever is asking, where they are
    (`tenant`), never slower than Discord allows (no defer): nothing where no group of
    theirs is."""
    app = interaction.client.app

    async def read() -> list[tuple[str, str]]:
        who = await tenant(interaction, run=asyncio.to_thread)
        return [] if isinstance(who, str) else await asyncio.to_thread(call, app, who)

    try:
        return await asyncio.wait_for(read(), AUTOCOMPLETE_BUDGET)
    except Exception:
        log.warning("%s autocomplete gave up: interaction=%s", what, interaction.id, exc_info=True)
        return []


async def lead_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    """The member's own leads, recent first."""
    return _choices(
        await _from_core(interaction, "lead", lambda app, who: app.lead_choices(who, current))
    )


async def tz_autocomplete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
    return _choices(_ranked(zones(), current))


async def country_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    return _choices(_ranked(countries(), current))


async def day_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    """The last few days in the member's own calendar (`when`: Today, Yesterday, ...)."""
    days = await _from_core(interaction, "day", lambda app, who: app.day_choices(who))
    typed = current.strip().casefold()
    return _choices([(label, value) for label, value in days if typed in label.casefold()])


async def upcoming_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[Choice[str]]:
    """The next few days in the member's own calendar (an interview's: Today, Tomorrow, ...)."""
    days = await _from_core(
        interaction, "upcoming day", lambda app, who: app.day_choices(who, ahead=True)
    )
    typed = current.strip().casefold()
    return _choices([(label, value) for label, value in days if typed in label.casefold()])


Completer = Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[Choice[str]]]]
AUTOCOMPLETE: dict[str, Completer] = {
    "lead": lead_autocomplete,
    "tz": tz_autocomplete,
    "country": country_autocomplete,
    "date": day_autocomplete,
    "day": upcoming_autocomplete,
}

# -- commands ------------------------------------------------------------------------


def _annotation(option: OptionSpec) -> Any:
    base: Any
    if option.kind == "integer":
        if option.min_value is not None and option.max_value is not None:
            base = app_commands.Range[int, option.min_value, option.max_value]
        else:
            base = int
    elif option.kind == "flag":
        base = bool
    elif option.kind == "channel":
        base = app_commands.Transform[AppCommandChannel, TextChannelRef]
    elif option.kind == "attachment":
        base = discord.Attachment
    else:
        base = str
    return base if option.required else Optional[base]  # noqa: UP045 - discord.py reads it


def _value(value: Any) -> str | int | bool | None:
    if isinstance(value, AppCommandChannel):
        return str(value.id)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


async def run(
    interaction: discord.Interaction[Any], command: str, subcommand: str, values: dict[str, Any]
) -> None:
    """Defer, run the typed command as the member, answer ephemerally: once, always."""
    with interaction.client.in_flight.answering():
        await _run(interaction, command, subcommand, values)


async def _run(
    interaction: discord.Interaction[Any], command: str, subcommand: str, values: dict[str, Any]
) -> None:
    if not await defer(interaction):
        return
    try:
        who = await tenant(interaction)
        if isinstance(who, str):  # no group of theirs here: nothing is stored
            await answer_error(interaction, who)
            return
        # A DM carries no group: it acts in the member's own, and creates none.
        create = interaction.guild_id is not None
        sent = next((v for v in values.values() if isinstance(v, discord.Attachment)), None)
        if sent is not None:  # a file to import: its preview, whatever else was chosen
            answer = await _sent_file(interaction, who, sent, create)
        else:
            options = {name: _value(value) for name, value in values.items()}
            run = functools.partial(interaction.client.app.run, create=create)
            answer = await interaction.client.core(run, who, command, subcommand, options)
    except Exception:  # before the core answered (it never raises): nothing was changed
        log.exception("command failed: interaction=%s /%s %s", interaction.id, command, subcommand)
        await answer_error(interaction, SAYINGS["broken"])
        return
    await show(interaction, answer)  # the core committed: a failure now is the display's


async def _sent_file(
    interaction: discord.Interaction[Any], who: Identity, sent: discord.Attachment, create: bool
) -> Message:
    """The core's preview of a file attached to the command. Its size is what Discord
    says of it: a file too big is refused by that, never downloaded."""
    data = b"" if sent.size > MAX_IMPORT_BYTES else await sent.read()
    preview = functools.partial(interaction.client.app.import_file, size=sent.size, create=create)
    answer: Message = await interaction.client.core(preview, who, sent.filename, data)
    return answer


def leaf(
    name: str, description: str, options: tuple[OptionSpec, ...], command: str, subcommand: str
) -> app_commands.Command[Any, Any, None]:
    """One invocable command whose parameters are the spec's options."""

    async def callback(interaction: discord.Interaction[Any], /, **values: Any) -> None:
        await run(interaction, command, subcommand, values)

    ordered = sorted(options, key=lambda o: not o.required)  # Python wants required first
    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_ONLY, annotation=discord.Interaction
        ),
        *(
            inspect.Parameter(
                o.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(o),
                **({} if o.required else {"default": None}),
            )
            for o in ordered
        ),
    ]
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    if options:
        app_commands.describe(**{o.name: cut(o.description, MAX_DESCRIPTION) for o in options})(
            callback
        )
    choices = {
        o.name: [Choice(name=c, value=c) for c in o.choices[:MAX_CHOICES]]
        for o in options
        if o.choices
    }
    if choices:
        app_commands.choices(**choices)(callback)
    completes = {o.name: AUTOCOMPLETE[o.kind] for o in options if o.kind in AUTOCOMPLETE}
    if completes:
        app_commands.autocomplete(**completes)(callback)
    return app_commands.Command(
        name=name, description=cut(description, MAX_DESCRIPTION), callback=callback
    )


def _group(
    spec: CommandSpec, subs: tuple[SubcommandSpec, ...], name: str, **extra: Any
) -> app_commands.Group:
    group = app_commands.Group(
        name=name, description=cut(spec.description, MAX_DESCRIPTION), **extra
    )
    for sub in subs:
        if sub.subcommands:
            inner = app_commands.Group(
                name=sub.name, description=cut(sub.description, MAX_DESCRIPTION), parent=group
            )
            for leaf_spec in sub.subcommands:
                inner.add_command(
                    leaf(
                        leaf_spec.name,
                        leaf_spec.description,
                        leaf_spec.options,
                        spec.name,
                        f"{sub.name} {leaf_spec.name}",
                    )
                )
        else:
            group.add_command(leaf(sub.name, sub.description, sub.options, spec.name, sub.name))
    return group


def _admin_group(spec: CommandSpec, sub: SubcommandSpec) -> app_commands.Group:
    """An organiser subcommand lifted to the top, where Discord honours permissions."""
    group = app_commands.Group(
        name=f"{spec.name}{ADMIN_SUFFIX}" if sub.name == "group" else f"{spec.name}-{sub.name}",
        description=cut(sub.description, MAX_DESCRIPTION),
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
        # Overrides the tree's contexts (which let members use DMs): a guild's only.
        allowed_contexts=app_commands.AppCommandContext(
            guild=True, dm_channel=False, private_channel=False
        ),
    )
    for leaf_spec in sub.subcommands or (sub,):
        path = f"{sub.name} {leaf_spec.name}" if sub.subcommands else sub.name
        group.add_command(
            leaf(leaf_spec.name, leaf_spec.description, leaf_spec.options, spec.name, path)
        )
    return group


class Tree(app_commands.CommandTree[Any]):
    """Our tree: commands in the servers the bot was added to (and, for members, the bot's
    DM), and an error handler that answers once."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, discord.HTTPException) and original.code in DEAD:
            log.info("interaction %s gone before we answered", interaction.id)
            return
        if isinstance(error, (app_commands.CommandSignatureMismatch, app_commands.CommandNotFound)):
            await answer_error(interaction, SAYINGS["updating"])
            return
        log.error("interaction %s failed", interaction.id, exc_info=original)
        await answer_error(interaction, SAYINGS["broken"])


def build(client: discord.Client) -> Tree:
    # Installed to servers only (never to a user's account, which would bring commands
    # from servers the bot is not in); a member may also use the bot's own DM, where
    # commands act in their one group. Organiser commands are a server's only.
    tree = Tree(
        client,
        allowed_contexts=app_commands.AppCommandContext(
            guild=True, dm_channel=True, private_channel=False
        ),
        allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
    )
    for spec in COMMANDS:
        if not spec.subcommands:
            tree.add_command(leaf(spec.name, spec.description, spec.options, spec.name, ""))
            continue
        members = tuple(s for s in spec.subcommands if not s.admin)
        tree.add_command(_group(spec, members, spec.name))
        for admin in (s for s in spec.subcommands if s.admin):
            tree.add_command(_admin_group(spec, admin))
    return tree


def payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    return [command.to_dict(tree) for command in tree.get_commands()]


def digest(tree: app_commands.CommandTree[Any]) -> str:
    """A hash of exactly what a sync would send."""
    data = json.dumps(payload(tree), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()

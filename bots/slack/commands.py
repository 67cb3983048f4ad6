"""Slash commands: ack at once, run the core off the loop, answer ephemerally.

`/lead` with no text opens the add-lead modal (its fields are the core's options for
`/lead add`), which validates with Slack's inline errors.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bots.slack import blocks, messenger
from bots.slack.context import Slack, member_of
from bots.slack.manifest import slash_commands
from bots.slack.once import once_key
from bots.slack.people import incoming, workspace
from core.services import (
    COMMANDS,
    SAYINGS,
    Identity,
    Message,
    MessageKind,
    OptionSpec,
    SubcommandSpec,
    UsageError,
    build_command,
    looks_like_id,
    plain,
)

log = logging.getLogger(__name__)
ADD_LEAD = "lead_add"  # the modal's callback_id
MAX_MODAL_TITLE = 24


def _add_spec() -> SubcommandSpec:
    lead = next(spec for spec in COMMANDS if spec.name == "lead")
    return next(sub for sub in lead.subcommands if sub.name == "add")


def register(app: AsyncApp, slack: Slack) -> None:
    async def slash(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team = workspace(context)  # the installation's, never the member's home team
        command = str(body["command"])
        raw = str(body.get("text") or "")
        seen = slack.services.preview(command, raw)  # the one look at its words before it runs
        text = incoming(raw, channel_ids=seen.names_channel)
        # A slash command is one trigger_id: the same signed body again (a replay within
        # its 5 minutes, a retry by a proxy) is applied once.
        trigger = str(body.get("trigger_id") or "")
        if command == "/lead" and not text.strip():
            await ack()
            # The trigger_id lives 3 s: open the modal first, before anything else but
            # knowing it is the first time (Slack refuses a trigger_id used already, and
            # the member would hear of a failure).
            key = once_key("modal", team, trigger)
            if trigger and not await slack.core(slack.services.first_time, key):
                log.info("slash command replayed: %s opened its modal already", command)
                return
            await client.views_open(trigger_id=trigger, view=add_lead_view())
            return
        # A one-page answer ready in time rides in the ack; else the ack goes empty
        # within Slack's 3 s and the answer follows it, in order, on the response_url.
        response_url = str(body["response_url"])
        once = once_key("command", team, trigger) if trigger else None
        asked = asyncio.ensure_future(
            answer_to(slack, client, body, team, command, text, once=once, organiser=seen.organiser)
        )
        done, _ = await asyncio.wait({asked}, timeout=slack.config.answer_in_ack)
        if done and not asked.cancelled() and asked.exception() is None:
            who, answer = asked.result()
            if answer.repeat:  # the replayer alone hears it, in the ack
                answer = Message(MessageKind.REPLY, SAYINGS["replayed"], repeat=True)
            pages = blocks.pages(answer) or [[]]
            if len(pages) == 1:
                await ack(text=blocks.fallback(answer), blocks=pages[0], response_type="ephemeral")
                pages = []
            else:
                await ack()
        else:
            await ack()
            try:
                who, answer = await asked
            except Exception:  # the core never raises: this is the adapter's own failure
                log.exception("slash command %s failed before the core answered", command)
                broken = Message(MessageKind.ERROR, SAYINGS["broken"])
                await slack.respond(response_url, broken, member=member_of(body, context))
                return
            pages = blocks.pages(answer) or [[]]
        if answer.repeat:
            # Applied already, and answered on this response_url then: the member hears
            # nothing twice, and nothing is uploaded or redrawn again.
            log.info("slash command replayed: %s applied already", command)
            return
        # Five posts at most on the response_url; a longer answer ends in "Show more".
        await slack.respond(response_url, answer, pages, member=member_of(body, context))
        if answer.attachments:
            await upload(slack, client, response_url, who, answer)
        if answer.changed:  # a read or a refusal leaves the Home tab as it is
            await slack.refresh_home(client, who)

    for name in slash_commands():
        app.command(name)(slack.tracked(slash))

    @app.action(blocks.MORE)
    @slack.tracked
    async def more(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """A press of Show more under a long answer: its rest, on the press's own response_url."""
        await ack()
        if body.get("response_url"):
            token = str(body["actions"][0].get("value") or "")
            await slack.show_more(token, member_of(body, context), str(body["response_url"]))

    @app.view(ADD_LEAD)
    @slack.tracked
    async def submitted(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        view: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:
        spec = _add_spec()
        options = read_options(spec, view["state"]["values"])
        try:
            build_command("lead", spec.name, options)  # the values alone: no database
        except UsageError as error:
            await ack(response_action="errors", errors=inline_errors(spec, options, error))
            return
        await ack()
        # Filed in the workspace whose installation authorised the submission: on Slack
        # Connect `user.team_id` is the member's home workspace, another group.
        team = workspace(context)
        user = body["user"]
        who = await slack.people.identity(
            client, team, str(user["id"]), fallback_name=str(user.get("name") or "")
        )
        # One modal adds one lead, however often its submission arrives.
        where = view.get("id") or body.get("trigger_id")
        once = once_key("submit", team, str(where)) if where else None
        answer = await slack.core(
            functools.partial(slack.services.run, once=once), who, "lead", spec.name, options
        )
        if answer.repeat:
            log.info("modal submission replayed: %s applied already", view.get("id"))
            return
        # A view submission has no response_url: confirm by DM.
        channel = await slack.dm_channel(client, who.workspace_id, who.user_id)
        if channel is not None:  # else logged: the Home tab below shows the lead
            for page in blocks.pages(answer):  # several messages if it is long
                await client.chat_postMessage(
                    channel=channel, text=blocks.fallback(answer), blocks=page
                )
        if answer.changed:
            await slack.refresh_home(client, who)


async def answer_to(
    slack: Slack,
    client: AsyncWebClient,
    body: dict[str, Any],
    team: str,
    command: str,
    text: str,
    *,
    once: str | None,
    organiser: bool,
) -> tuple[Identity, Message]:
    """Who typed the command in `team` (users.info on their first, and again after a
    minute for an `organiser` command, whose admin role must be current), and the core's
    answer."""
    who = await slack.people.identity(
        client,
        team,
        str(body["user_id"]),
        fallback_name=str(body.get("user_name") or ""),
        organiser=organiser,
    )
    return who, await slack.handle(who, command, text, once=once)


async def upload(
    slack: Slack, client: AsyncWebClient, response_url: str, who: Identity, answer: Message
) -> None:
    """The answer's files (an export), into the member's DM: uploads need its D... id."""
    channel = await slack.dm_channel(client, who.workspace_id, who.user_id)
    if channel is None:  # an export is a read: nothing changed, it can be asked again
        broken = Message(MessageKind.ERROR, SAYINGS["broken"])
        await slack.respond(response_url, broken, member=(who.workspace_id, who.user_id))
        return
    try:
        for attachment in answer.attachments:
            await messenger.upload(client, channel, attachment)
    except (SlackApiError, SlackRequestError) as error:
        # Refused (a file over the workspace's limit, no files taken there at all): the
        # member hears that their files didn't come, rather than waiting for them.
        log.warning("files not uploaded to %s: %s", channel, error)
        words = [a.fallback for a in answer.attachments if a.fallback]
        if len(words) == len(answer.attachments):  # pictures: their words do instead
            told = Message(answer.kind, "\n\n".join(words))
            await slack.respond(response_url, told, member=(who.workspace_id, who.user_id))
            return
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        saying = SAYINGS["too_big" if code == "file_upload_size_restricted" else "broken"]
        refused = Message(MessageKind.ERROR, saying)
        await slack.respond(response_url, refused, member=(who.workspace_id, who.user_id))


def _input(option: OptionSpec) -> dict[str, Any]:
    label = {"type": "plain_text", "text": option.name.capitalize()}
    element: dict[str, Any]
    if option.kind == "flag":
        element = {
            "type": "checkboxes",
            "action_id": "value",
            "options": [
                {
                    "text": {"type": "plain_text", "text": blocks.cut(option.description, 75)},
                    "value": "yes",
                }
            ],
        }
    elif option.kind == "choice":
        element = {
            "type": "static_select",
            "action_id": "value",
            "options": [
                {"text": {"type": "plain_text", "text": choice}, "value": choice}
                for choice in option.choices
            ],
        }
    else:
        element = {"type": "plain_text_input", "action_id": "value"}
    block: dict[str, Any] = {
        "type": "input",
        "block_id": option.name,
        "optional": not option.required,
        "label": label,
        "element": element,
    }
    if option.kind != "flag":
        block["hint"] = {"type": "plain_text", "text": blocks.cut(option.description, 2000)}
    return block


def add_lead_view() -> dict[str, Any]:
    """The add-lead modal, built from the core's options for `/lead add`."""
    spec = _add_spec()
    return {
        "type": "modal",
        "callback_id": ADD_LEAD,
        "title": {"type": "plain_text", "text": blocks.cut(f"/lead {spec.name}", MAX_MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": spec.name.capitalize()},
        "blocks": [_input(option) for option in spec.options],
        "private_metadata": json.dumps({"usage": spec.usage})[:3000],
    }


def read_options(spec: SubcommandSpec, values: dict[str, Any]) -> dict[str, str | bool | None]:
    options: dict[str, str | bool | None] = {}
    for option in spec.options:
        state = values.get(option.name, {}).get("value", {})
        if option.kind == "flag":
            options[option.name] = bool(state.get("selected_options"))
        elif option.kind == "choice":
            options[option.name] = (state.get("selected_option") or {}).get("value")
        else:
            # A modal's values arrive as typed: no entities, no mention syntax to undo.
            options[option.name] = str(state.get("value") or "").strip() or None
    return options


def inline_errors(
    spec: SubcommandSpec, options: dict[str, str | bool | None], error: UsageError
) -> dict[str, str]:
    """The refusal under the field it is about (the one it quotes), else the first."""
    # The first line says what is wrong; the usage and example lines follow it.
    said = plain(str(error)).split("\n", 1)[0]
    names = [o.name for o in spec.options if o.kind != "flag"]
    missing = [o.name for o in spec.options if o.required and not options.get(o.name)]
    named = [name for name in names if re.search(rf"\b{re.escape(name)}\b", said.lower())]
    quoted = [
        name
        for name in names
        if isinstance(options.get(name), str) and str(options[name])[:20] in said
    ]
    # An SSN is refused without quoting it: the refusal goes under the field holding it.
    held = [name for name in names if looks_like_id(str(options.get(name) or ""))]
    field = (missing or held or named or quoted or names)[0]
    return {field: blocks.cut(blocks.plain(str(error)), 2000)}

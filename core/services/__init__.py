"""The adapter contract: everything a Slack, Discord or console adapter needs, in one place.

An adapter is handed the `Conversation` (its part of `FollowThrough`). It turns its
platform's input into an `Identity` plus a command, asks `Conversation.preview` what it
must know first (an organiser command, a channel named), calls `Conversation.handle`
(text) or `Conversation.run` (typed options), and renders the `Message` that comes back
(its `outcome`: done, refused or failed); outgoing messages reach it through its
`Messenger`. Member-typed text inside a message is marked: pass every text through
`render` with the platform's escape function. A file the member sends to import goes to
`Conversation.import_file` (at most `MAX_IMPORT_BYTES`: a bigger one is announced by its
size, not downloaded). What a member types in the bot's DM goes to
`Conversation.direct`, and a button of action `CHOOSE_GROUP` (its command is a group's
workspace id) to `Conversation.choose_group`. The command table `COMMANDS` is data:
manifests, command trees and help are generated from it.
"""

from core.domain.builder import parse_time
from core.domain.calendar import check_country, countries, country_names, zone, zone_names
from core.domain.catalog import COMMANDS, CommandSpec, OptionSpec, SubcommandSpec
from core.domain.commands import Command
from core.domain.direct import CHOOSE as CHOOSE_GROUP
from core.domain.errors import DomainError, UsageError
from core.domain.importer import MAX_BYTES as MAX_IMPORT_BYTES
from core.domain.messages import Attachment, Button, Message, MessageKind, Outcome, Section
from core.domain.parser import Preview
from core.domain.parser import build as build_command
from core.domain.replies import SAYINGS
from core.domain.text import MAX_COMMAND, plain, render
from core.domain.worklog import looks_like_id
from core.services.app import FollowThrough
from core.services.calendars import Calendars
from core.services.conversation import Conversation
from core.services.groups import Groups
from core.services.outbox import Outbox
from core.services.planner import Planner
from core.services.ports import Delivery, Failure, Messenger, SendError
from core.services.turn import Identity

__all__ = [
    "CHOOSE_GROUP",
    "COMMANDS",
    "MAX_COMMAND",
    "MAX_IMPORT_BYTES",
    "SAYINGS",
    "Attachment",
    "Button",
    "Calendars",
    "Command",
    "CommandSpec",
    "Conversation",
    "Delivery",
    "DomainError",
    "Failure",
    "FollowThrough",
    "Groups",
    "Identity",
    "Message",
    "MessageKind",
    "Messenger",
    "OptionSpec",
    "Outbox",
    "Outcome",
    "Planner",
    "Preview",
    "Section",
    "SendError",
    "SubcommandSpec",
    "UsageError",
    "build_command",
    "check_country",
    "countries",
    "country_names",
    "looks_like_id",
    "parse_time",
    "plain",
    "render",
    "zone",
    "zone_names",
]

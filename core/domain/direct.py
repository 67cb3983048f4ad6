"""Words typed in the bot's DM, read as the commands they would be with a slash.

A member writes to the bot the way they write to a person: `emailed julie`, `lead
emailed julie`, `add Julie at Acme`, `today`, `help`, and after a digest a short `done`,
`replied` or `snooze`. Each is read here as the slash command it names, to be parsed
by the same grammar (core.domain.parser) and answered as that command is; what names
no command is left unread, and answered with the short help.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.catalog import FOLLOWTHROUGH, LEAD
from core.domain.leads import LOGGABLE
from core.domain.messages import Button, Message, Section, reply
from core.domain.text import MAX_COMMAND, clean, echo, typed

COMMAND_NAMES = ("lead", "followthrough", "leaderboard")
_LEAD = frozenset(sub.name for sub in LEAD.subcommands)
# The followthrough subcommands that no /lead subcommand shares a name with (`help`,
# `calendar` are the lead's: the words a member logs with come first).
_FOLLOWTHROUGH = frozenset(sub.name for sub in FOLLOWTHROUGH.subcommands) - _LEAD
_LOGGABLE = frozenset(action.value for action in LOGGABLE) | {"applied"}
_TRAILING = ",;:.!"

# A reply to the morning's digest: the word, and the action of the digest's button it
# presses (core.domain.digest.buttons).
DIGEST_WORDS = {
    "done": "done",
    "did it": "done",
    "replied": "replied",
    "they replied": "replied",
    "snooze": "snooze",
    "later": "snooze",
}
HELP_WORDS = frozenset({"?", "help", "commands", "menu"})


@dataclass(frozen=True, slots=True)
class Typed:
    """A slash command read off the words: `/lead` and `emailed julie`."""

    command: str
    text: str


@dataclass(frozen=True, slots=True)
class DigestReply:
    """A short reply to the digest: the action of the buttons it presses."""

    action: str


Heard = Typed | DigestReply | None


def read(text: str) -> Heard:
    """What a DM's words ask for: a command, a reply to the digest, or nothing we know
    (None). Reads at most a command's length, word by word: linear in the input."""
    words = clean(text[: MAX_COMMAND + 1]).strip()
    if not words:
        return None
    words = words.removeprefix("/")
    first, _, rest = words.partition(" ")
    first, rest = first.lower(), rest.strip()
    short = words.lower().rstrip(_TRAILING).strip()
    if short in DIGEST_WORDS:
        return DigestReply(DIGEST_WORDS[short])
    if short in HELP_WORDS:
        return Typed("/lead", "help")
    if first == "lead" and rest:  # `lead emailed julie`: read as the words after it
        first, _, rest = rest.partition(" ")
        first, rest = first.lower(), rest.strip()
        if first not in _LEAD:
            return Typed("/lead", f"{first} {rest}".strip())
    elif first in COMMAND_NAMES:
        return Typed(f"/{first}", rest)
    if first in _LEAD:
        return Typed("/lead", f"{first} {_lead_ref(first, rest)}".strip())
    if first in _FOLLOWTHROUGH:
        return Typed("/followthrough", words)
    return None


def _lead_ref(verb: str, rest: str) -> str:
    """`rest` with a comma after the lead let go (`emailed omar, no answer yet`): people
    write one there, and the grammar would take it for part of the name."""
    if verb not in _LOGGABLE or not rest:
        return rest
    ref, space, tail = rest.partition(" ")
    if ref[:1] in "\"'“‘":  # a quoted lead ends at its quote: the grammar reads it
        return rest
    return ref.rstrip(_TRAILING) + space + tail if ref.rstrip(_TRAILING) else rest


# -- the answers only a DM gives ---------------------------------------------------------

CHOOSE = "group"  # the action of a button that picks a group; its `command` is the group's id
# Buttons a row (and rows a message) every platform shows: a member of more groups than
# fit is offered the first of them (in the order of their ids).
ROW, ROWS = 5, 5

SHORT_HELP = (
    "I read what you type here as a command, without the slash:\n"
    "  emailed julie · called omar no answer yet · replied julie\n"
    "  add Julie Martin at Acme as Engineering Manager\n"
    "  today · list · show julie · leaderboard\n"
    "After the morning digest, `done`, `replied` or `snooze` answers it.\n"
    "`help` lists every command."
)


def short_help(text: str) -> Message:
    """What anything we can't read gets: the words we do read (once, no questions back)."""
    return reply(f"I didn't understand “{echo(text, 40)}”.", Section(SHORT_HELP))


def which_group(choices: list[tuple[str, str]]) -> Message:
    """The question to a member of several groups on the platform: a button per group
    (`choices`: workspace id, its name); nothing was done yet."""
    buttons = [Button(name, workspace, CHOOSE) for workspace, name in choices]
    rows = [buttons[i : i + ROW] for i in range(0, min(len(buttons), ROW * ROWS), ROW)]
    return reply(
        "You're in FollowThrough in more than one server. Which group is this DM for?"
        " I'll remember it; nothing was changed yet.",
        *(
            Section(
                "Choose one, then send your message again." if i == 0 else "Or:",
                None,
                None,
                tuple(row),
            )
            for i, row in enumerate(rows)
        ),
    )


def group_chosen(name: str) -> Message:
    """The group `name` was chosen for the member's DM."""
    return reply(
        f"Done: what you type here now goes to your group in {typed(name)}."
        " Send your message again, or type `help`."
    )


def nothing_to_answer(action: str) -> Message:
    """`done` (`replied`, `snooze`) with no action of the morning still open to it."""
    return reply(
        f"Nothing from this morning's digest is waiting for `{action}`. Tell me what you did,"
        " e.g. `emailed julie` or `called omar`; `today` shows what is due."
    )


def which_action(action: str, sections: list[Section]) -> Message:
    """Several of the digest's actions could be what `action` answers: a button each."""
    return reply(
        f"Which one? More than one action from this morning could be `{action}`:",
        *sections,
    )

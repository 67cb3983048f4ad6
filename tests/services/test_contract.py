"""An adapter needs nothing but the exported contract of core.services.

A tiny adapter, written as a new contributor would from the README, drives a lead from
`add` to `offer` three ways: typed text (Slack, the console), typed options (Discord) and
button presses. All three get the same replies.
"""

from __future__ import annotations

from collections.abc import Callable

from core.services import (
    COMMANDS,
    Button,
    FollowThrough,
    Identity,
    Message,
    MessageKind,
    render,
)
from core.services.ports import SimulatedClock


class TinyAdapter:
    """Input -> one call -> the neutral message rendered as text, with its buttons."""

    def __init__(self, app: FollowThrough, user: str) -> None:
        self.app = app
        self.who = Identity("tiny", "W1", user, user.title())

    def show(self, message: Message) -> str:
        return render(message.plain_text(), lambda typed: typed)

    def typed(self, line: str) -> str:
        command, _, text = line.partition(" ")
        return self.show(self.app.conversation.handle(self.who, command, text))

    def options(self, command: str, subcommand: str, **values: str | int | bool) -> str:
        return self.show(self.app.conversation.run(self.who, command, subcommand, values))

    def press(self, button: Button) -> str:
        return self.show(self.app.conversation.handle(self.who, *button.parts))


Step = Callable[[TinyAdapter], str]

# The same five steps, as text and as typed options.
TEXT: list[Step] = [
    lambda a: a.typed("/lead add Julie Martin at Acme as Engineering Manager via email"),
    lambda a: a.typed("/lead emailed julie"),
    lambda a: a.typed("/lead replied #1"),
    lambda a: a.typed("/lead interviewed julie went well"),
    lambda a: a.typed("/lead offer #1"),
]
OPTIONS: list[Step] = [
    lambda a: a.options(
        "lead",
        "add",
        contact="Julie Martin",
        company="Acme",
        role="Engineering Manager",
        via="email",
    ),
    lambda a: a.options("lead", "emailed", lead="julie"),
    lambda a: a.options("lead", "replied", lead="#1"),
    lambda a: a.options("lead", "interviewed", lead="julie", note="went well"),
    lambda a: a.options("lead", "offer", lead="#1"),
]


def test_text_and_typed_options_give_the_same_replies(app: FollowThrough) -> None:
    by_text = [step(TinyAdapter(app, "ana")) for step in TEXT]
    by_options = [step(TinyAdapter(app, "ben")) for step in OPTIONS]
    welcome = by_text[0].split("\n\n")[-1]
    assert welcome.startswith("Welcome, Ana!")
    assert by_text[0].removesuffix(welcome) == by_options[0].split("\n\n")[0] + "\n\n"
    assert by_text[1:] == by_options[1:]
    assert by_text[-1].startswith("Logged: offer #1 Julie Martin at Acme. Stage: offer.")


def test_a_button_press_runs_exactly_the_command_it_carries(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    ana = TinyAdapter(app, "ana")
    ana.typed("/lead add Julie Martin at Acme")
    ana.typed("/lead emailed julie")
    clock.advance_to(clock.now().replace(day=5, hour=9))  # Thursday: 3 business days on
    today = app.conversation.handle(ana.who, "/lead", "today")
    section = next(s for s in today.sections if s.buttons)  # the follow-up, not the pipeline
    done, replied, snooze = section.buttons
    assert (done.command, done.action) == ("/lead followedup #1", "done")
    assert (replied.command, snooze.command) == ("/lead replied #1", "/lead snooze #1 2")

    by_button = ana.press(done)
    bob = TinyAdapter(app, "bob")
    bob.typed("/lead add Julie Martin at Acme")
    bob.typed("/lead emailed julie")
    assert by_button == bob.typed("/lead followedup #1")


def test_refusals_are_errors_and_the_same_both_ways(app: FollowThrough) -> None:
    ana = TinyAdapter(app, "ana")
    by_text = app.conversation.handle(ana.who, "/lead", "snooze julie 400")
    by_options = app.conversation.run(ana.who, "lead", "snooze", {"lead": "julie", "days": 400})
    assert by_text.kind is by_options.kind is MessageKind.ERROR
    assert by_text.text == by_options.text
    assert "1 to 365" in by_text.text and "Example: /lead snooze julie 7" in by_text.text


def test_every_subcommand_in_the_table_is_understood_both_ways(app: FollowThrough) -> None:
    """Nothing in the table (which builds Slack's manifest and Discord's tree) is dead."""
    who = Identity("tiny", "W1", "admin", "Admin", is_admin=True)
    for command in COMMANDS:
        subcommands = command.subcommands or ()
        if not subcommands:
            assert app.conversation.run(who, command.name, "", {}).kind is MessageKind.REPLY
        for sub in subcommands:
            for leaf in sub.subcommands or (sub,):
                path = f"{sub.name} {leaf.name}" if sub.subcommands else sub.name
                answer = app.conversation.run(who, command.name, path, {})
                assert "I don't know" not in answer.text, (command.name, path)


def test_an_answer_says_whether_the_command_changed_what_the_member_has(
    app: FollowThrough,
) -> None:
    """What an adapter needs to know to redraw a view of the member (Slack's App Home)."""
    NEW = Identity("tiny", "W1", "U-new", "Nell")
    first = app.conversation.handle(
        NEW, "/lead", "list"
    )  # a read, but their first command: a member now
    assert first.changed
    assert app.conversation.handle(NEW, "/lead", "add Julie at Acme").changed
    assert app.conversation.handle(NEW, "/followthrough", "me tz Europe/Paris").changed
    reads = [("/lead", "list"), ("/lead", "show #1"), ("/lead", "today")]
    reads += [("/leaderboard", "month"), ("/followthrough", "help")]
    for command, text in reads:
        assert not app.conversation.handle(NEW, command, text).changed, text
    refused = app.conversation.handle(NEW, "/lead", "emailed nobody")
    assert refused.kind is MessageKind.ERROR and not refused.changed

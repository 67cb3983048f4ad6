"""What a member types in the bot's DM (Conversation.direct): the command it names, in
the one group it can be for, applied once; a short reply to the digest; never a group
or a member created."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.replies import NOT_JOINED, SAYINGS
from core.domain.text import plain
from core.services import Identity, MessageKind
from core.services.app import FollowThrough
from core.services.ports import SimulatedClock
from testkit.storage import FakeStorage

# On Discord a DM vouches for no group: the workspace is "".
ANA_DM = Identity("discord", "", "U-ana", "Ana")
ANA_G1 = Identity("discord", "G1", "U-ana", "Ana")
ANA_G2 = Identity("discord", "G2", "U-ana", "Ana")
BEN_G1 = Identity("discord", "G1", "U-ben", "Ben")
THURSDAY_MORNING = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)  # 3 business days after Monday


def leads(app: FollowThrough, who: Identity) -> str:
    return plain(app.conversation.handle(who, "/lead", "list all", create=False).plain_text())


def test_a_dm_runs_the_command_it_names_in_the_members_one_group(app: FollowThrough) -> None:
    app.conversation.handle(ANA_G1, "/lead", "add Julie Martin at Acme via email")

    typed = app.conversation.direct(ANA_DM, "emailed julie")
    slashed = app.conversation.handle(ANA_G1, "/lead", "emailed julie")

    assert typed.kind is MessageKind.REPLY
    assert "Julie Martin" in plain(typed.text)
    assert "emailed" in leads(app, ANA_G1)
    # The same words with a slash give the same kind of answer (the second is a repeat).
    assert slashed.kind is MessageKind.REPLY


def test_the_same_message_twice_is_applied_once(app: FollowThrough) -> None:
    app.conversation.handle(ANA_G1, "/lead", "add Julie at Acme")

    first = app.conversation.direct(ANA_DM, "add Omar at Globex", once="dm:m1")
    again = app.conversation.direct(ANA_DM, "add Omar at Globex", once="dm:m1")

    assert not first.repeat and again.repeat
    assert leads(app, ANA_G1).count("Omar") == 1


def test_someone_in_no_group_is_told_how_to_start_and_nothing_is_created(
    app: FollowThrough,
) -> None:
    for text in ("add Julie at Acme", "help", "hello there", "done"):
        answer = app.conversation.direct(ANA_DM, text)
        assert answer.text == NOT_JOINED
    assert app.conversation.workspaces("discord", "U-ana") == []


def test_a_slack_dm_acts_only_in_the_workspace_whose_installation_sent_it(
    app: FollowThrough,
) -> None:
    app.conversation.handle(Identity("slack", "T1", "U-ana", "Ana"), "/lead", "add Julie at Acme")

    elsewhere = app.conversation.direct(Identity("slack", "T2", "U-ana", "Ana"), "list")
    home = app.conversation.direct(Identity("slack", "T1", "U-ana", "Ana"), "list")

    assert elsewhere.text == NOT_JOINED
    assert "Julie" in home.plain_text()
    assert app.conversation.workspaces("slack", "U-ana") == ["T1"]


def test_words_that_name_no_command_get_the_short_help_and_change_nothing(
    app: FollowThrough,
) -> None:
    app.conversation.handle(ANA_G1, "/lead", "add Julie at Acme")
    before = leads(app, ANA_G1)

    answer = app.conversation.direct(ANA_DM, "thanks, you're great")

    assert "I didn't understand" in plain(answer.text)
    assert "emailed julie" in answer.sections[0].text
    assert leads(app, ANA_G1) == before


def test_help_in_a_dm_is_the_full_help(app: FollowThrough) -> None:
    app.conversation.handle(ANA_G1, "/lead", "list")

    answer = app.conversation.direct(ANA_DM, "help")

    assert answer.plain_text() == app.conversation.handle(ANA_G1, "/lead", "help").plain_text()


# -- a member of several groups ----------------------------------------------------------


def test_a_member_of_two_groups_is_asked_which_and_the_choice_is_kept(
    clock: SimulatedClock,
) -> None:
    storage = FakeStorage()
    app = FollowThrough(storage.uow, clock)
    app.conversation.handle(ANA_G1, "/lead", "add Julie at Acme")
    app.conversation.handle(ANA_G2, "/lead", "add Omar at Globex")

    asked = app.conversation.direct(ANA_DM, "add Zoe at Initech", names={"G1": "Bootcamp"})

    buttons = asked.sections[0].buttons
    assert [(b.label, b.command, b.action) for b in buttons] == [
        ("Bootcamp", "G1", "group"),
        ("G2", "G2", "group"),
    ]
    assert "Zoe" not in leads(app, ANA_G1) + leads(app, ANA_G2)  # nothing done yet

    chosen = app.conversation.choose_group("discord", "U-ana", "G2", "Alumni")
    assert "Alumni" in plain(chosen.text)
    app.conversation.direct(ANA_DM, "add Zoe at Initech")
    assert "Zoe" in leads(app, ANA_G2) and "Zoe" not in leads(app, ANA_G1)

    # A restart (a new app over the same storage) remembers it; a new choice replaces it.
    restarted = FollowThrough(storage.uow, clock)
    assert restarted.conversation.dm_groups("discord", "U-ana") == (["G1", "G2"], "G2")
    clock.advance_to(clock.now().replace(minute=5))
    restarted.conversation.choose_group("discord", "U-ana", "G1", "Bootcamp")
    assert restarted.conversation.dm_groups("discord", "U-ana")[1] == "G1"


def test_a_group_that_is_not_theirs_cannot_be_chosen(app: FollowThrough) -> None:
    app.conversation.handle(ANA_G1, "/lead", "list")
    app.conversation.handle(BEN_G1, "/lead", "list")
    app.conversation.handle(Identity("discord", "G3", "U-ben", "Ben"), "/lead", "list")

    answer = app.conversation.choose_group("discord", "U-ana", "G3", "Ben's")

    assert answer.kind is MessageKind.ERROR and answer.text == SAYINGS["not_yours"]
    assert app.conversation.workspaces("discord", "U-ana") == ["G1"]


def test_a_chosen_group_the_member_left_is_asked_again(app: FollowThrough) -> None:
    for who in (ANA_G1, ANA_G2, Identity("discord", "G3", "U-ana", "Ana")):
        app.conversation.handle(who, "/lead", "list")
    app.conversation.choose_group("discord", "U-ana", "G2", "Alumni")
    app.conversation.handle(ANA_G2, "/followthrough", "forget-me confirm")

    answer = app.conversation.direct(ANA_DM, "list")

    assert [b.command for b in answer.sections[0].buttons] == ["G1", "G3"]


# -- a short reply to the digest ----------------------------------------------------------


@pytest.fixture
def due(app: FollowThrough, clock: SimulatedClock) -> FollowThrough:
    """Ana emailed Julie on Monday; by Thursday morning her follow-up is due."""
    app.conversation.handle(ANA_G1, "/lead", "add Julie at Acme via email")
    app.conversation.handle(ANA_G1, "/lead", "emailed julie")
    clock.advance_to(THURSDAY_MORNING)
    return app


def test_done_after_a_digest_with_one_action_logs_that_action(due: FollowThrough) -> None:
    answer = due.conversation.direct(ANA_DM, "done", once="dm:1")

    assert answer.kind is MessageKind.REPLY
    assert "followed up" in plain(answer.text).lower()
    # Nothing is due any more: another `done` says what to type instead.
    after = due.conversation.direct(ANA_DM, "done", once="dm:2")
    assert "Nothing from this morning's digest" in after.text


def test_done_typed_twice_as_one_message_logs_once(due: FollowThrough) -> None:
    first = due.conversation.direct(ANA_DM, "done", once="dm:1")
    again = due.conversation.direct(ANA_DM, "done", once="dm:1")

    assert not first.repeat
    assert again.repeat or "Nothing from this morning's digest" in again.text


def test_done_with_several_actions_asks_which_and_changes_nothing(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    for name in ("Julie at Acme", "Omar at Globex"):
        app.conversation.handle(ANA_G1, "/lead", f"add {name} via email")
        app.conversation.handle(ANA_G1, "/lead", f"emailed {name.split()[0]}")
    clock.advance_to(THURSDAY_MORNING)
    before = leads(app, ANA_G1)

    answer = app.conversation.direct(ANA_DM, "snooze")

    buttons = [b for s in answer.sections for b in s.buttons]
    assert [b.action for b in buttons] == ["snooze", "snooze"]
    assert sorted(b.command for b in buttons) == ["/lead snooze #1 2", "/lead snooze #2 2"]
    assert leads(app, ANA_G1) == before


def test_a_reply_with_nothing_due_says_what_to_type(app: FollowThrough) -> None:
    app.conversation.handle(ANA_G1, "/lead", "add Julie at Acme")

    answer = app.conversation.direct(ANA_DM, "replied")

    assert "Nothing from this morning's digest is waiting for `replied`" in answer.text

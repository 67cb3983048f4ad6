"""Words typed in the bot's DM (core.domain.direct), read as the commands they name."""

from __future__ import annotations

import pytest

from core.domain.direct import DigestReply, Typed, read, short_help, which_group
from core.domain.parser import parse
from core.domain.text import MAX_COMMAND, plain


@pytest.mark.parametrize(
    ("typed", "command", "text"),
    [
        ("emailed julie", "/lead", "emailed julie"),
        ("lead emailed julie", "/lead", "emailed julie"),
        ("Lead Emailed julie", "/lead", "emailed julie"),
        ("/lead emailed julie", "/lead", "emailed julie"),
        ("add Julie at Acme", "/lead", "add Julie at Acme"),
        ("today", "/lead", "today"),
        ("Today", "/lead", "today"),
        ("help", "/lead", "help"),
        ("?", "/lead", "help"),
        ("list all", "/lead", "list all"),
        ("leaderboard month", "/leaderboard", "month"),
        ("followthrough pause", "/followthrough", "pause"),
        ("pause", "/followthrough", "pause"),
        ("me time 07:45", "/followthrough", "me time 07:45"),
        ("  emailed   julie  ", "/lead", "emailed julie"),
    ],
)
def test_a_dm_is_read_as_the_command_it_names(typed: str, command: str, text: str) -> None:
    assert read(typed) == Typed(command, text)


def test_a_comma_after_the_lead_is_not_part_of_its_name() -> None:
    heard = read("emailed omar, no answer yet")

    assert heard == Typed("/lead", "emailed omar no answer yet")
    assert isinstance(heard, Typed)
    command = parse(heard.command, heard.text)
    assert getattr(command, "ref", None) == "omar"
    assert getattr(command, "note", None) == "no answer yet"


def test_a_quoted_lead_is_left_to_the_grammar() -> None:
    assert read('called "Julie M", voicemail') == Typed("/lead", 'called "Julie M", voicemail')


@pytest.mark.parametrize(
    ("typed", "action"),
    [
        ("done", "done"),
        ("Done!", "done"),
        ("done.", "done"),
        ("replied", "replied"),
        ("they replied", "replied"),
        ("snooze", "snooze"),
        ("SNOOZE", "snooze"),
    ],
)
def test_a_short_word_is_a_reply_to_the_digest(typed: str, action: str) -> None:
    assert read(typed) == DigestReply(action)


def test_a_verb_with_its_lead_is_a_command_not_a_reply_to_the_digest() -> None:
    assert read("replied julie") == Typed("/lead", "replied julie")
    assert read("snooze julie 3") == Typed("/lead", "snooze julie 3")


@pytest.mark.parametrize(
    "typed", ["", "   ", "hi", "thanks!", "what should I do?", "@everyone hello", "\u200b"]
)
def test_words_that_name_no_command_are_left_unread(typed: str) -> None:
    assert read(typed) is None


def test_a_very_long_dm_is_read_no_further_than_a_command() -> None:
    heard = read("emailed julie " + "x" * (50 * MAX_COMMAND))

    assert isinstance(heard, Typed)
    assert len(heard.text) <= MAX_COMMAND + 1


def test_the_short_help_quotes_what_was_typed_as_member_text() -> None:
    answer = short_help("@everyone hello")

    assert "@everyone" in plain(answer.text)
    assert "\x02" not in plain(answer.text)  # markers gone once rendered
    assert answer.text != plain(answer.text)  # the member's words are marked, for escaping
    assert "emailed julie" in answer.sections[0].text


def test_the_question_of_which_group_has_a_button_per_group() -> None:
    question = which_group([("G1", "Bootcamp"), ("G2", "Alumni")])

    buttons = question.sections[0].buttons
    assert [(b.label, b.command, b.action) for b in buttons] == [
        ("Bootcamp", "G1", "group"),
        ("Alumni", "G2", "group"),
    ]


def test_many_groups_are_offered_five_to_a_row_and_five_rows_at_most() -> None:
    question = which_group([(f"G{n:02}", f"Server {n}") for n in range(30)])

    rows = [section.buttons for section in question.sections]
    assert [len(row) for row in rows] == [5, 5, 5, 5, 5]
    assert rows[-1][-1].command == "G24"

"""Nothing a member types can crash the bot, ping a crowd, or change anything when refused.

Each class of hostile input has a test at its boundary; a property-based test (Hypothesis)
then throws generated input at every command through the real services on SQLite.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.domain.text import MAX_COMMAND, plain
from core.services import (
    COMMANDS,
    FollowThrough,
    Identity,
    Message,
    MessageKind,
    Outcome,
    render,
)
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import OutboxRow
from testkit import kit
from testkit.storage import FakeStorage
from tests.conftest import START

ANA = Identity("slack", "T1", "U-ana", "Ana")
COACH = Identity("slack", "T1", "U-coach", "Coach", is_admin=True)
CROWD = re.compile(r"@everyone|@here|<!\w+|<@|<#")
FAILED = "Something went wrong on my side"


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    app.conversation.join(ANA)
    app.conversation.join(COACH)
    return app


def export(app: FollowThrough, who: Identity) -> dict[str, Any]:
    """The member's whole record, as the export gives it (without its timestamp)."""
    answer = app.conversation.handle(who, "/followthrough", "export")
    (document,) = [a for a in answer.attachments if a.media_type == "application/json"]
    data: dict[str, Any] = json.loads(document.content)
    data.pop("exported_at")
    return data


def group_posts(db: Database) -> list[Message]:
    with db.uow() as uow:
        rows = uow.session.scalars(select(OutboxRow).filter_by(to_channel=True))
        return [Message.from_dict(row.payload) for row in rows]


def live_mentions(message: Message) -> list[str]:
    """What would ping someone once member text is escaped (here: removed) by a platform."""
    text = render("\n".join([message.text, *(s.text for s in message.sections)]), lambda _: "")
    return CROWD.findall(text)


# -- every command gets a reply ------------------------------------------------------------

ZONES_THAT_ARE_NOT = ["America", "Europe", "posix", "right", "../../etc/passwd", "", "x" * 5000]


@pytest.mark.parametrize("value", ZONES_THAT_ARE_NOT, ids=lambda v: v[:12] or "empty")
def test_a_zone_that_names_a_folder_or_is_huge_is_refused_not_crashed_on(
    app: FollowThrough, value: str
) -> None:
    for who, text in [(ANA, f"me tz {value}"), (COACH, f"group tz {value}")]:
        answer = app.conversation.handle(who, "/followthrough", text)
        assert answer.kind is MessageKind.ERROR and answer.outcome is Outcome.REFUSED
        assert FAILED not in answer.text
        assert len(answer.text) < 600  # a 5,000-character value is not echoed back
        typed = app.conversation.run(who, "followthrough", text.rsplit(" ", 1)[0], {"tz": value})
        assert typed.kind is MessageKind.ERROR and FAILED not in typed.text


def test_organiser_commands_check_the_role_before_any_value(app: FollowThrough) -> None:
    for text in ("group tz America", "group tz " + "x" * 5000, "group points nope 1000"):
        answer = app.conversation.handle(ANA, "/followthrough", text)
        assert "Only the group's organisers" in answer.text


def test_an_unexpected_failure_is_an_error_with_a_reference_found_in_the_log(
    app: FollowThrough, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from core.domain.commands import Today
    from core.services import handlers

    def broken(turn: object, command: object) -> Message:
        raise KeyError("a bug")

    monkeypatch.setitem(handlers.HANDLERS, Today, broken)
    with caplog.at_level(logging.ERROR):
        answer = app.conversation.handle(ANA, "/lead", "today")
    assert answer.kind is MessageKind.ERROR and answer.outcome is Outcome.FAILED
    reference = re.search(r"reference (\w{8})", answer.text)
    assert reference is not None
    assert f"[ref {reference[1]}]" in caplog.text and "KeyError: 'a bug'" in caplog.text
    assert "a bug" not in answer.text


# -- input hygiene -------------------------------------------------------------------------

SPACES = ["\t", "\n", "\u00a0", "\u2003", "\u2009", "\u202f", "\u3000", "  \t "]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: f"U+{ord(s[0]):04X}")
def test_every_kind_of_space_is_a_space_everywhere(app: FollowThrough, space: str) -> None:
    add = app.conversation.handle(ANA, "/lead", f"add{space}Julie{space}Martin{space}at{space}Acme")
    assert plain(add.text).startswith("Added #1 Julie Martin at Acme.")
    logged = app.conversation.handle(ANA, "/lead", f"emailed{space}julie{space}sent{space}it")
    assert plain(logged.text).startswith("Logged: emailed #1")
    me = app.conversation.handle(
        ANA, "/followthrough", f"me{space}time{space}07:45{space}tz{space}UTC"
    )
    assert me.text.startswith("Your mornings: 07:45 UTC")
    assert (
        app.conversation.handle(ANA, f"{space}/leaderboard", f"{space}month").kind
        is MessageKind.REPLY
    )


def test_invisible_characters_and_our_own_markers_are_dropped(app: FollowThrough) -> None:
    app.conversation.handle(ANA, "/lead", "add Ju\u200blie\ue001 at Ac\u202eme\ue000")
    show = app.conversation.handle(ANA, "/lead", "show #1")
    assert plain(show.text).startswith("#1 Julie at Acme")


def test_a_command_over_the_limit_is_refused_and_nothing_is_written(app: FollowThrough) -> None:
    before = export(app, ANA)
    text = "add Julie at " + "A" * MAX_COMMAND
    answer = app.conversation.handle(ANA, "/lead", text)
    assert answer.kind is MessageKind.ERROR and "too long" in answer.text
    assert "AAAAAAAAAA" not in answer.text
    assert export(app, ANA) == before
    at_limit = app.conversation.handle(ANA, "/lead", "note #1 " + "n" * (MAX_COMMAND - 8))
    assert "command is too long" not in at_limit.text  # the note's own limit answers


def test_a_ten_thousand_character_command_is_answered(app: FollowThrough) -> None:
    for text in ("add " + " at " * 2500, "referral " + "-> " * 3300, "a" * 10_000):
        answer = app.conversation.handle(ANA, "/lead", text)
        assert answer.kind is MessageKind.ERROR and FAILED not in answer.text


# -- a grammar that forgives ---------------------------------------------------------------


def test_subcommands_and_flags_are_case_insensitive(app: FollowThrough) -> None:
    add = app.conversation.handle(ANA, "/LEAD", "ADD Julie AT Acme AS Manager VIA Email NETWORK")
    assert plain(add.text).startswith("Added #1 Julie at Acme.")
    assert app.conversation.handle(ANA, "/Followthrough", "ME TIME 07:45").kind is MessageKind.REPLY
    assert app.conversation.handle(ANA, "/followthrough", "BOARD OFF").text.startswith("You're off")
    assert app.conversation.handle(ANA, "/leaderboard", "MONTH").kind is MessageKind.REPLY


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("me board off", "You're off the leaderboard"),
        ("me share companies on", "Group posts may now name your companies"),
        ("me pause", "Paused"),
        ("me resume", "Welcome back"),
        ("me help", "FollowThrough keeps your leads"),
    ],
)
def test_every_member_setting_also_works_after_me(
    app: FollowThrough, text: str, reply: str
) -> None:
    assert app.conversation.handle(ANA, "/followthrough", text).text.startswith(reply)


def test_each_usage_answer_shows_its_own_usage_and_an_example(app: FollowThrough) -> None:
    for spec in COMMANDS[0].subcommands:
        if spec.options and spec.options[0].required:
            answer = app.conversation.handle(ANA, "/lead", spec.name)
            assert answer.kind is MessageKind.ERROR and answer.outcome is Outcome.REFUSED
            assert f"Usage: {spec.usage}" in answer.text, spec.name
            assert f"Example: {spec.example}" in answer.text, spec.name


# -- replies that read right ---------------------------------------------------------------


def test_a_date_in_another_year_shows_its_year(app: FollowThrough) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    assert plain(app.conversation.handle(ANA, "/lead", "snooze julie 365").text).endswith(
        "until Tue Mar 2 2027."
    )
    assert plain(app.conversation.handle(ANA, "/lead", "snooze julie 3").text).endswith(
        "until Thu Mar 5."
    )


def test_counts_read_right_in_the_singular(app: FollowThrough) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    assert app.conversation.handle(ANA, "/lead", "list").text.startswith("Your 1 active lead:")
    app.conversation.handle(ANA, "/lead", "add Sam at Globex")
    assert app.conversation.handle(ANA, "/lead", "list").text.startswith("Your 2 active leads:")
    forgot = app.conversation.handle(ANA, "/followthrough", "forget-me confirm").text
    assert forgot.startswith("Done: your 2 leads")


# -- no mention reaches a crowd ------------------------------------------------------------

MARKUP = ["@everyone", "@here", "<!channel>", "<!here|here>", "<@U123>", "<#C1|x>", "<@&42>"]


def test_member_text_in_group_posts_never_pings(app: FollowThrough, db: Database) -> None:
    app.conversation.handle(COACH, "/followthrough", "group channel C-group")
    for i, name in enumerate(MARKUP):
        who = Identity("slack", "T1", f"U-{i}", name)
        app.conversation.handle(who, "/followthrough", "share companies on")
        app.conversation.handle(who, "/lead", f"add {name} at {name} Labs")
        app.conversation.handle(who, "/lead", f"referral #1 -> Sam at {name} Corp")
        app.conversation.handle(who, "/lead", "interviewed #2")
        app.conversation.handle(who, "/lead", "offer #2")
        app.conversation.handle(who, "/lead", "accepted #2")
    posts = group_posts(db)
    assert len(posts) >= 4 * len(MARKUP)
    assert all(post.mention is None for post in posts)
    assert [live_mentions(post) for post in posts if live_mentions(post)] == []
    assert any("@everyone" in plain(post.text) for post in posts)  # shown as typed


# -- the property-based test ---------------------------------------------------------------

WORDS = sorted(
    {s.name for c in COMMANDS for s in c.subcommands}
    | {s.name for c in COMMANDS for g in c.subcommands for s in g.subcommands}
    | {"at", "as", "via", "network", "->", "companies", "on", "off", "all", "time", "tz"}
    | {"country", "#1", "#2", "#0", "#99999999999", "julie", "acme", "07:45", "24:00"}
    | {"0", "1", "365", "366", "-1", "100", "101", "999999", "Europe/Berlin", "America", "DE"}
    | {"email", "week", "month", *MARKUP, "*bold*", "_x_", "`x`", "```", "~~x~~", "||x||"}
    | {"&amp;", "&lt;", '"quoted', "“julie”", "'", "\u00a0", "\t", "\n", "\ue000", "\ue001"}
    | {"for", "3h", "-1h", "100h", "1.5", "minimum", "preset", "start", "days", "US-NY", "sun"}
    | {"fair", "online", "in", "person", "url", "phone", "http://[x", "a@b", "123-45-6789"}
)
word = st.one_of(st.sampled_from(WORDS), st.text(max_size=12))
line = st.one_of(
    st.lists(word, max_size=12).map(" ".join),
    st.text(max_size=300),
    st.builds(lambda w, n: (w + " ") * n, st.sampled_from(WORDS), st.integers(0, 1500)),
)
command = st.sampled_from(["/lead", "/followthrough", "/leaderboard", "/LEAD", "lead", "/x"])


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FollowThrough, Database]]:
    """One database for every generated example: what they write accumulates."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    with kit.services(url, SimulatedClock(START)) as services:
        app = services.app
        app.conversation.join(ANA)
        app.conversation.join(COACH)
        app.conversation.handle(COACH, "/followthrough", "group channel C-group")
        app.conversation.handle(ANA, "/followthrough", "share companies on")
        app.conversation.handle(ANA, "/lead", "add Julie <!channel> at @here Labs")
        app.conversation.handle(ANA, "/lead", "add @everyone at Acme")
        yield app, services.database


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(who=st.sampled_from([ANA, COACH]), command=command, text=line)
def test_any_input_gets_a_reply_and_a_refusal_changes_nothing(
    fuzzed: tuple[FollowThrough, Database], who: Identity, command: str, text: str
) -> None:
    app, db = fuzzed
    destructive = "forget-me" in text.lower()
    before = None if destructive else export(app, who)

    answer = app.conversation.handle(who, command, text)

    assert isinstance(answer, Message)
    assert FAILED not in answer.text, (command, text)
    if len(text) > 300:
        assert text not in answer.plain_text()  # never echoed back in full
    if answer.kind is MessageKind.ERROR and before is not None:
        assert export(app, who) == before, (command, text)
    for post in group_posts(db):
        assert live_mentions(post) == [], post


dm_line = st.one_of(
    line,
    st.builds(
        lambda verb, rest: f"{verb} {rest}",
        st.sampled_from(["done", "replied", "snooze", "lead", "help", "emailed", "pause", "/"]),
        line,
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(who=st.sampled_from([ANA, COACH]), text=dm_line)
def test_any_dm_gets_one_reply_and_a_refusal_changes_nothing(
    fuzzed: tuple[FollowThrough, Database], who: Identity, text: str
) -> None:
    """The bot's DM is an entry too: whatever is typed there is answered once, crashes
    nothing, pings nobody, and a refusal changes nothing."""
    app, db = fuzzed
    destructive = "forget-me" in text.lower()
    before = None if destructive else export(app, who)

    answer = app.conversation.direct(who, text)

    assert isinstance(answer, Message)
    assert FAILED not in answer.text, text
    if len(text) > 300:
        assert text not in answer.plain_text()  # never echoed back in full
    if answer.kind is MessageKind.ERROR and before is not None:
        assert export(app, who) == before, text
    for post in group_posts(db):
        assert live_mentions(post) == [], post


# -- what the attack on the input handling found ------------------------------------------


def test_zones_are_the_databases_own_names_in_any_case(app: FollowThrough) -> None:
    answer = app.conversation.handle(ANA, "/followthrough", "me tz europe/berlin")
    assert answer.text.startswith("Your mornings: 08:00 Europe/Berlin")
    for host_only in ("localtime", "Factory", "posixrules"):
        assert (
            app.conversation.handle(ANA, "/followthrough", f"me tz {host_only}").kind
            is MessageKind.ERROR
        )


def test_the_typed_path_cleans_values_like_the_text_path(app: FollowThrough) -> None:
    answer = app.conversation.run(ANA, "followthrough", "me", {"tz": " Europe/Berlin\u200b\n"})
    assert answer.text.startswith("Your mornings: 08:00 Europe/Berlin")


def test_a_display_name_is_cleaned_like_anything_else_typed(
    app: FollowThrough, db: Database
) -> None:
    spoof = Identity("slack", "T1", "U-eve", "Eve\u202e0001 :stniop\n> q\x00")
    app.conversation.handle(spoof, "/lead", "add Julie at Acme")
    app.conversation.handle(COACH, "/followthrough", "group channel C-group")
    board = app.conversation.handle(spoof, "/leaderboard", "week").plain_text()
    assert "Eve0001 :stniop > q" in board and "\u202e" not in board and "\x00" not in board


def test_leads_are_found_whatever_the_case_accents_or_digit_forms(app: FollowThrough) -> None:
    app.conversation.handle(ANA, "/lead", "add Anna Gaßner at Acme")
    app.conversation.handle(ANA, "/lead", "add José Luis at Globex")
    for ref in ("GASSNER", "jose\u0301", "#１"):
        assert app.conversation.handle(ANA, "/lead", f"show {ref}").kind is MessageKind.REPLY, ref


def test_an_ambiguous_reference_lists_ten_candidates_at_most(app: FollowThrough) -> None:
    for n in range(15):
        app.conversation.handle(ANA, "/lead", f"add Sam {n} at Acme")
    answer = plain(app.conversation.handle(ANA, "/lead", "show sam").text)
    assert answer.count("\n  #") == 10 and "…and 5 more" in answer


def test_a_long_history_shows_the_newest_entries(app: FollowThrough) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme as [x](http://e.x) *role*")
    for n in range(40):
        app.conversation.handle(ANA, "/lead", f"note #1 note {n} " + "n" * 500)
    show = app.conversation.handle(ANA, "/lead", "show #1")
    text = show.plain_text()
    assert "note 39" in text and "note 5 " not in text and "earlier entries" in text
    assert len(text) < 8000
    assert "role: \ue000[x](http://e.x) *role*\ue001" in show.text  # the role is member text


def test_a_member_whose_stored_zone_is_unknown_delays_nobody_else(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    from datetime import UTC, datetime

    from core.storage.tables import MemberRow

    with db.uow() as uow:  # as if a newer tzdata had dropped the zone
        uow.session.execute(
            MemberRow.__table__.update()
            .where(MemberRow.external_id == ANA.user_id)
            .values(tz="Mars/Olympus")
        )
        uow.commit()
    clock.advance_to(datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    app.planner.plan()
    claimed = app.outbox.claim("test")
    assert COACH.user_id in {d.user_id for d in claimed}


# -- the work-search log's commands (issue 20) ----------------------------------------------


def say(app: FollowThrough, line: str, who: Identity = ANA) -> Message:
    command, _, text = line.partition(" ")
    return app.conversation.handle(who, command, text)


def refused(answer: Message) -> str:
    """The refusal's text; fails unless the member was refused (not failed on)."""
    assert answer.kind is MessageKind.ERROR and answer.outcome is Outcome.REFUSED, answer.text
    return plain(answer.text)


def log_settings(app: FollowThrough) -> str:
    return plain(say(app, "/followthrough me log").text).split("\n")[0]


@pytest.mark.parametrize(
    "filler", ["a ", "on fir ", "for ", "1 ", "at ", "3 days ago ", "on ", "for 1h ", "-"]
)
def test_a_4000_character_activity_or_detail_is_refused_and_nothing_is_written(
    app: FollowThrough, filler: str
) -> None:
    say(app, "/lead add Julie at Acme")
    before = export(app, ANA)
    for head in ("activity fair ", "set julie email ", "set julie url https://", "applied julie "):
        text = head + filler * ((MAX_COMMAND - len(head)) // len(filler))
        answer = say(app, f"/lead {text}")
        assert FAILED not in answer.text and text not in answer.plain_text()
        if answer.kind is MessageKind.ERROR:
            assert export(app, ANA) == before


SSNS = [
    "123-45-6789",
    "123\u200b-45-6789",
    "１２３-４５-６７８９",
    "123 – 45 – 6789",
    "SSN: 123456789",
    "claimant ID 12-345-678",
]


@pytest.mark.parametrize("ssn", SSNS)
def test_an_ssn_reaches_no_field_through_text_typed_options_or_the_add_lead_modal(
    app: FollowThrough, ssn: str
) -> None:
    say(app, "/lead add Julie at Acme")
    before = export(app, ANA)
    typed = [
        ("lead", "set", {"lead": "julie", "field": field, "value": ssn})
        for field in ("contact", "company", "role", "title", "address", "ref")
    ] + [
        ("lead", "add", {"company": "Globex", "address": ssn}),  # the Slack modal's fields
        ("lead", "add", {"contact": ssn, "company": "Globex"}),
        ("lead", "applied", {"lead": "julie", "note": ssn}),
        ("lead", "activity", {"kind": "agency", "what": ssn}),
        ("lead", "activity", {"kind": "agency", "where": ssn}),
        ("followthrough", "me", {"log_preset": ssn}),
    ]
    for command, subcommand, options in typed:
        answer = app.conversation.run(ANA, command, subcommand, options)
        assert "never stores one" in refused(answer), (subcommand, options)
    for line in (
        f"/lead set julie title {ssn}",
        f"/lead add {ssn} at Globex",
        f"/lead add at Globex as {ssn}",
        f"/lead applied julie online {ssn}",
        f"/lead activity agency visit at {ssn}",
        f"/lead note julie {ssn}",
    ):
        assert "never stores one" in refused(say(app, line)), line
    assert export(app, ANA) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "a@b"),
        ("email", "julie@acme.com;bcc"),
        ("url", "javascript:alert(1)"),
        ("url", "http://[oops"),  # once "Something went wrong": urlsplit raised
        ("url", "https://acme.com/a b"),
        ("website", "acme.com:alert(1)"),
        ("website", "mailto:jobs@acme.com"),
        ("phone", "call me maybe"),
    ],
)
def test_a_detail_that_is_not_what_it_says_is_refused_and_nothing_changes(
    app: FollowThrough, field: str, value: str
) -> None:
    say(app, "/lead add Julie at Acme")
    before = export(app, ANA)
    assert "Usage: /lead set" in refused(say(app, f"/lead set julie {field} {value}"))
    typed = {"lead": "julie", "field": field, "value": value}
    assert "Usage: /lead set" in refused(app.conversation.run(ANA, "lead", "set", typed))
    modal = {"company": "Globex", field: value}
    assert "Usage: /lead add" in refused(app.conversation.run(ANA, "lead", "add", modal))
    assert export(app, ANA) == before


@pytest.mark.parametrize("length", ["100h", "-1h", "0h", "17 hours", "99999999999999999999h"])
def test_an_activitys_length_out_of_bounds_is_refused_and_nothing_is_logged(
    app: FollowThrough, length: str
) -> None:
    before = export(app, ANA)
    assert "from a minute to 16 hours" in refused(
        say(app, f"/lead activity fair Expo for {length}")
    )
    typed = {"kind": "fair", "what": "Expo", "hours": length}
    assert refused(app.conversation.run(ANA, "lead", "activity", typed))
    assert export(app, ANA) == before


def test_a_try_at_a_day_is_refused_not_logged_as_today(app: FollowThrough) -> None:
    before = export(app, ANA)
    assert "fir is not a day I understand" in refused(say(app, "/lead activity fair Expo on fir"))
    assert "in the future" in refused(say(app, "/lead activity fair Expo on tomorrow"))
    assert export(app, ANA) == before


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("me log minimum 999", "from 0 to 100"),
        ("me log minimum 1000", "from 0 to 100"),
        ("me log start funday", "funday is not a day"),
        ("me log start monkey", "monkey is not a day"),
        ("me log preset XX", "There is no preset XX. Presets: US-NY"),
        ("me log preset", "Give `preset` a value"),
        ("me log days", "Give `days` a value"),
        ("me log days maybe", "Say `on` or `off`"),
    ],
)
def test_a_bad_log_setting_says_what_is_wrong_and_keeps_the_rules(
    app: FollowThrough, line: str, said: str
) -> None:
    say(app, "/followthrough me log preset US-NY")
    before = log_settings(app)
    message = refused(say(app, f"/followthrough {line}"))
    assert said in message and "Usage: /followthrough me log" in message
    assert log_settings(app) == before


def test_an_unknown_group_preset_lists_the_presets_and_keeps_the_groups(
    app: FollowThrough,
) -> None:
    app.conversation.handle(COACH, "/followthrough", "group log US-WA")
    message = refused(app.conversation.handle(COACH, "/followthrough", "group log XX"))
    assert "Choose a preset (US-NY, US-WA" in message
    assert "Usage: /followthrough group log" in message
    assert "weeks from Sunday" in log_settings(app)  # still Washington's


@pytest.mark.parametrize(
    ("period", "said"),
    [
        ("tomorrow", "The log holds what has happened"),
        ("999999 days ago", "goes back 400 days at most"),  # once "Something went wrong"
        ("0001-01-01", "goes back 400 days at most"),  # once "Something went wrong"
        ("next week", "is not a day I understand"),
    ],
)
def test_a_log_out_of_reach_is_refused_with_its_own_usage(
    app: FollowThrough, period: str, said: str
) -> None:
    message = refused(say(app, f"/followthrough log {period}"))
    assert said in message and "Usage: /followthrough log [this|last|<day>]" in message
    typed = app.conversation.run(ANA, "followthrough", "log", {"period": period})
    assert said in refused(typed)


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A9)"]


def test_no_csv_cell_of_the_log_starts_a_formula_whatever_was_typed(app: FollowThrough) -> None:
    from core.reports.worklog import FORMULA_STARTS

    for n, formula in enumerate(FORMULAS):
        say(app, f"/lead add {formula} at {formula} Corp as {formula}")
        say(app, f"/lead set #{n + 1} ref {formula}")
        say(app, f"/lead set #{n + 1} address {formula}")
        say(app, f"/lead set #{n + 1} phone +1 212 555 010{n}")
        say(app, f"/lead applied #{n + 1} online {formula}")
        say(app, f"/lead activity workshop {formula} at {formula}")
    answer = say(app, "/followthrough log")
    (sheet,) = [a for a in answer.attachments if a.filename.endswith(".csv")]
    assert isinstance(sheet.content, str)
    _, *rows = list(csv.reader(io.StringIO(sheet.content)))
    assert len(rows) == 2 * len(FORMULAS)
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert any(cell.startswith("'+1 212 555 0100") for cell in cells)  # a phone, shown whole


# Forged identities: the same user id on another platform or workspace, ids that differ
# only by case or by an invisible character, a display name that is another's id.
FORGED = st.builds(
    Identity,
    platform=st.sampled_from(["slack", "discord"]),
    workspace_id=st.sampled_from(["T1", "T2"]),
    user_id=st.sampled_from(["U-ana", "u-ana", "U-ana\u200b", "U-an", "U-ana ", "U-ben"]),
    name=st.sampled_from(["Ana", "U-ana", "Ana\u200b", "ana", "Ben"]),
)


@settings(
    max_examples=12,  # each renders a PDF: about 0.1 s
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    other=FORGED,
    secrets=st.lists(st.sampled_from(["fair", "workshop", "search"]), min_size=1, max_size=3),
)
def test_another_members_leads_and_activities_never_reach_a_members_log(
    other: Identity, secrets: list[str]
) -> None:
    assume((other.platform, other.workspace_id, other.user_id) != ("slack", "T1", "U-ana"))
    app = FollowThrough(FakeStorage().uow, SimulatedClock(START))
    say(app, "/lead add Julie at Acme")
    say(app, "/lead applied julie")
    for n, kind in enumerate(secrets):
        for line in (
            f"/lead add at Secretco{n}",
            f"/lead applied #1 online secret-{n}",  # their #1, never Ana's
            f"/lead set #1 email secret{n}@secretco.com",
            f"/lead activity {kind} Secret-{n} at Hidden-{n} for 2h",
        ):
            assert say(app, line, other).kind is MessageKind.REPLY, line
    mine = say(app, "/followthrough log")
    (sheet,) = [a for a in mine.attachments if a.filename.endswith(".csv")]
    assert isinstance(sheet.content, str)
    assert "ecret" not in sheet.content and "idden" not in sheet.content
    assert [row["employer"] for row in csv.DictReader(io.StringIO(sheet.content))] == ["Acme"]
    assert plain(mine.text).startswith("Work-search log, Mon Mar 2 – Sun Mar 8: 1 activity.")


@pytest.mark.parametrize(
    "lines",
    [
        ["/lead emailed julie " + "Thanks for the call today, " * 40],  # a 1,080-character note
        [
            "/lead set julie role " + "R" * 200,
            "/lead set julie ref " + "F" * 200,
            "/lead set julie url https://acme.com/?" + "utm=x&" * 78,  # 490 characters
            "/lead emailed julie",
        ],
    ],
    ids=["long-note", "long-position"],
)
def test_a_row_within_every_limit_still_gives_the_log(app: FollowThrough, lines: list[str]) -> None:
    say(app, "/lead add Julie at Acme")
    for line in lines:
        assert say(app, line).kind is MessageKind.REPLY, line
    answer = say(app, "/followthrough log")
    assert FAILED not in answer.text
    assert [a.filename[-3:] for a in answer.attachments] == ["pdf", "csv"]

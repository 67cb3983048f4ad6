"""What a member types parses into a command, or answers with the usage of that command."""

from __future__ import annotations

import contextlib
import re
from datetime import time

import pytest

from core.domain import details
from core.domain.catalog import COMMANDS, HELP, SNOOZE_RANGE, usage
from core.domain.commands import (
    AddLead,
    AddNote,
    AddReferral,
    Board,
    Command,
    Drop,
    Export,
    ForgetMe,
    GroupChannel,
    GroupCountry,
    GroupMorning,
    GroupPlaybook,
    GroupPoints,
    GroupReport,
    GroupZone,
    Help,
    Leaderboard,
    ListLeads,
    LogAction,
    LogActivity,
    LogChange,
    MySettings,
    Pause,
    Resume,
    SetDetail,
    ShareCompanies,
    Show,
    Snooze,
    Stats,
    Today,
    WorkLog,
)
from core.domain.dates import When, take
from core.domain.errors import UsageError
from core.domain.insights import MAX_PAGE
from core.domain.leads import LOGGABLE, Action
from core.domain.parser import Preview, build, parse, preview, tokenise
from core.domain.text import plain


def lead(text: str) -> Command:
    return parse("/lead", text)


def ft(text: str) -> Command:
    return parse("/followthrough", text)


# --- /lead -------------------------------------------------------------------------------


def test_add_with_contact_and_company() -> None:
    assert lead("add Julie Martin at Acme") == AddLead("Julie Martin", "Acme")


def test_add_with_every_option() -> None:
    assert lead("add Julie Martin at Acme Corp as Engineering Manager via LinkedIn") == AddLead(
        "Julie Martin", "Acme Corp", "Engineering Manager", "linkedin"
    )
    assert lead("add Bob at Globex via intro network") == AddLead(
        "Bob", "Globex", via="intro", network=True
    )


def test_add_a_network_contact() -> None:
    assert lead("add Dana Lee at Initech network") == AddLead("Dana Lee", "Initech", network=True)


@pytest.mark.parametrize("action", LOGGABLE)
def test_every_loggable_action_parses_with_a_lead_and_an_optional_note(action: Action) -> None:
    assert lead(f"{action.value} #12") == LogAction(action, "#12")
    assert lead(f"{action.value} julie sent the deck") == LogAction(
        action, "julie", "sent the deck"
    )


@pytest.mark.parametrize(
    "text",
    ["applied julie online on fri sent my CV", "applied julie on fri online sent my CV"],
)
def test_how_an_application_went_may_come_before_or_after_its_day(text: str) -> None:
    command = lead(text)
    assert isinstance(command, LogAction)
    assert (command.how, command.when is not None, command.note) == (
        "online",
        True,
        "sent my CV",
    )


def test_the_action_word_is_case_insensitive() -> None:
    assert lead("Emailed #3") == LogAction(Action.EMAILED, "#3")


def test_a_quoted_lead_may_have_spaces() -> None:
    assert lead('called "Julie Martin" left a voicemail') == LogAction(
        Action.CALLED, "Julie Martin", "left a voicemail"
    )
    assert lead("called “Julie Martin”") == LogAction(Action.CALLED, "Julie Martin")


def test_referral() -> None:
    assert lead("referral julie -> Bob Stone at Globex as CTO") == AddReferral(
        "julie", "Bob Stone", "Globex", "CTO"
    )
    assert lead("referral #1 → Bob at Globex") == AddReferral("#1", "Bob", "Globex")


def test_note_snooze_drop_list_show_today_help() -> None:
    assert lead("note #1 met at the meetup") == AddNote("#1", "met at the meetup")
    assert lead("snooze #1 7") == Snooze("#1", 7)
    assert lead(f"snooze #1 {SNOOZE_RANGE[1]}") == Snooze("#1", SNOOZE_RANGE[1])
    assert lead("drop #1") == Drop("#1")
    assert lead("list") == ListLeads()
    assert lead("list all") == ListLeads("all")
    assert lead("show acme") == Show("acme")
    assert lead("today") == Today()
    assert lead("help") == Help()
    assert lead("") == Help()


def usage_error(command: str, text: str) -> str:
    with pytest.raises(UsageError) as err:
        parse(command, text)
    return str(err.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("snooze #1 abc", "snooze"),
        ("snooze #1 0", "snooze"),
        (f"snooze #1 {SNOOZE_RANGE[1] + 1}", "snooze"),
        ("snooze #1", "snooze"),
        ("snooze", "snooze"),
        ("add Julie", "add"),
        ("add", "add"),
        ("add Julie at Acme via fax", "add"),
        ("referral julie Bob at Globex", "referral"),
        ("referral julie -> Bob", "referral"),
        ("referral julie -> Bob at Globex network", "referral"),
        ("referral", "referral"),
        ("emailed", "emailed"),
        ("called", "called"),
        ('called "Julie Martin', "called"),
        ("note #1", "note"),
        ("drop #1 now", "drop"),
        ("drop", "drop"),
        ("list closing", "list"),
        ("show", "show"),
        ("show #1 #2", "show"),
        ("today please", "today"),
    ],
)
def test_bad_lead_input_answers_with_the_usage_of_that_subcommand(text: str, key: str) -> None:
    message = usage_error("/lead", text)
    assert usage(key) in message


def test_a_bad_via_says_which_are_allowed() -> None:
    message = usage_error("/lead", "add Julie at Acme via fax")
    assert "email, linkedin, phone, intro" in message


def test_a_referral_without_an_arrow_says_to_write_one() -> None:
    assert "->" in usage_error("/lead", "referral julie Bob at Globex").splitlines()[0]


def test_an_unknown_lead_subcommand_answers_with_the_help() -> None:
    message = usage_error("/lead", "frobnicate #1")
    assert "frobnicate" in message
    assert HELP in message


# --- /followthrough ----------------------------------------------------------------------


def test_me_with_time_zone_and_country() -> None:
    assert ft("me time 7:45 tz Europe/Berlin country de") == MySettings(
        time(7, 45), "Europe/Berlin", "DE"
    )
    assert ft("me time 07:45") == MySettings(nudge_time=time(7, 45))
    assert ft("me tz America/New_York") == MySettings(tz="America/New_York")
    assert ft("me country US") == MySettings(country="US")


def test_simple_followthrough_subcommands() -> None:
    assert ft("pause") == Pause()
    assert ft("resume") == Resume()
    assert ft("export") == Export()
    assert ft("forget-me") == ForgetMe()
    assert ft("forget-me confirm") == ft("me forget-me Confirm") == ForgetMe(confirm=True)
    assert ft("help") == Help()
    assert ft("") == Help()
    assert ft("share companies on") == ShareCompanies(True)
    assert ft("share companies OFF") == ShareCompanies(False)
    assert ft("board on") == Board(True)
    assert ft("board off") == Board(False)


def test_group_settings() -> None:
    assert ft("group channel #job-search") == GroupChannel("job-search")
    assert ft("group time 07:30") == GroupMorning(time(7, 30))
    assert ft("group tz Europe/Berlin") == GroupZone("Europe/Berlin")
    assert ft("group country de") == GroupCountry("DE")
    assert ft("group points called 4") == GroupPoints("called", 4)
    assert ft("group setting email_follow_up_days 5") == GroupPlaybook("email_follow_up_days", 5)


def test_leaderboard_periods() -> None:
    assert parse("/leaderboard", "") == Leaderboard("week")
    assert parse("/leaderboard", "month") == Leaderboard("month")
    assert parse("leaderboard", "ALL") == Leaderboard("all")
    assert usage("leaderboard") in usage_error("/leaderboard", "year")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("me", "me"),
        ("me time", "me"),
        ("me time 25:00", "me"),
        ("me time 24:00", "me"),
        ("me time 07:60", "me"),
        ("me time 7", "me"),
        ("me colour blue", "me"),
        ("me time 07:00 time 08:00", "me"),
        ("pause now", "pause"),
        ("resume please", "resume"),
        ("export csv", "export"),
        ("forget-me now", "forget-me"),
        ("help me", "followthrough help"),
        ("share companies", "share"),
        ("share companies maybe", "share"),
        ("share leads on", "share"),
        ("board", "board"),
        ("board yes", "board"),
        ("group", "group"),
        ("group time 25:00", "group time"),
        ("group points called", "group points"),
        ("group points called many", "group points"),
        ("group setting email_follow_up_days", "group setting"),
        ("group colour blue", "group"),
    ],
)
def test_bad_followthrough_input_answers_with_the_usage_of_that_subcommand(
    text: str, key: str
) -> None:
    assert usage(key) in usage_error("/followthrough", text)


def test_a_bad_time_says_what_a_time_looks_like() -> None:
    assert "25:00" in usage_error("/followthrough", "me time 25:00")
    assert "HH:MM" in usage_error("/followthrough", "me time 25:00")


@pytest.mark.parametrize(
    ("text", "key", "named"),
    [
        ("me tz Mars/Base", "me", "Mars/Base"),
        ("me country XX", "me", "XX"),
        ("group tz Mars/Base", "group tz", "Mars/Base"),
        ("group country XX", "group country", "XX"),
    ],
)
def test_a_bad_zone_or_country_names_it_and_shows_the_usage(
    text: str, key: str, named: str
) -> None:
    message = usage_error("/followthrough", text)
    assert named in message
    assert usage(key) in message, f"no usage in: {message!r}"


def test_an_unknown_followthrough_subcommand_answers_with_the_help() -> None:
    message = usage_error("/followthrough", "dance")
    assert "dance" in message
    assert HELP in message


def test_an_unknown_command_answers_with_the_help() -> None:
    assert HELP in usage_error("/jobs", "add Julie at Acme")


def test_the_help_shows_the_usage_of_every_other_command() -> None:
    for command in COMMANDS:
        for sub in command.subcommands:
            if sub.name not in ("help", *(a.value for a in LOGGABLE)):
                assert sub.usage in HELP, sub.name
    assert "/lead applied|emailed|followedup|" in HELP
    assert "/leaderboard [week|month|all]" in HELP


# --- one pipeline: text becomes the options typed input delivers --------------------------


@pytest.mark.parametrize(
    ("command", "text", "subcommand", "options"),
    [
        ("/lead", "snooze #3 7", "snooze", {"lead": "#3", "days": 7}),
        ("/lead", "note julie prefers calls", "note", {"lead": "julie", "text": "prefers calls"}),
        (
            "/lead",
            "emailed julie on fri sent my CV",
            "emailed",
            {"lead": "julie", "note": "sent my CV", "when": "on fri"},
        ),
        ("/lead", "list all", "list", {"filter": "all", "page": None}),
        ("/lead", "list interview page 2", "list", {"filter": "interview", "page": 2}),
        ("/lead", "stats month", "stats", {"period": "month"}),
        ("/followthrough", "group report page 3", "group report", {"page": 3}),
        ("/followthrough", "group tz Europe/Berlin", "group tz", {"tz": "Europe/Berlin"}),
        (
            "/followthrough",
            "group points called 4",
            "group points",
            {"action": "called", "points": 4},
        ),
        ("/followthrough", "forget-me", "forget-me", {"confirm": False}),
        ("/followthrough", "share companies on", "share", {"companies": "on"}),
    ],
)
def test_text_is_split_into_the_options_typed_input_delivers(
    command: str, text: str, subcommand: str, options: dict[str, object]
) -> None:
    name, path, tokens = tokenise(command, text)
    assert (path, dict(tokens)) == (subcommand, options)
    assert parse(command, text) == build(name, path, tokens)


@pytest.mark.parametrize(
    ("subcommand", "typed", "plain"),
    [
        ("emailed", {"lead": "julie", "when": "fri\u200b"}, {"lead": "julie", "when": "fri"}),
        ("emailed", {"lead": "  julie\u00a0", "note": "ok\u200b"}, {"lead": "julie", "note": "ok"}),
        ("snooze", {"lead": "julie", "days": 3}, {"lead": "julie", "days": 3}),
    ],
)
def test_typed_options_are_cleaned_as_typed_text_is(
    subcommand: str, typed: dict[str, object], plain: dict[str, object]
) -> None:
    # Discord delivers what the member typed in an option as is: invisible characters and
    # stray spaces are dropped there too, before any value is read.
    assert build("lead", subcommand, typed) == build("lead", subcommand, plain)


def test_the_preview_reads_only_the_first_words() -> None:
    assert preview("/followthrough", "group channel <#C1|jobs>") == Preview(True, True)
    assert preview("/followthrough", "group points called " + "x" * 5000) == Preview(True, False)
    assert preview("followthrough", "group tz") == Preview(True, False)  # a typed path
    assert preview("/lead", "emailed julie") == Preview(False, False)


# --- the work-search log's commands --------------------------------------------------------


def words_read_by_take(monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    """How many words the date reader is handed while `/lead <text>` is parsed."""
    from core.domain import parser

    handed: list[int] = []

    def counting(words: list[str]) -> object:
        handed.append(len(words))
        return take(words)

    monkeypatch.setattr(parser, "take", counting)
    with contextlib.suppress(UsageError):
        tokenise("/lead", text)
    return sum(handed)


@pytest.mark.parametrize("filler", ["a ", "on fir ", "1 ", "on ", "3 days ago "])
def test_an_activity_is_read_in_one_pass_whatever_its_length(
    monkeypatch: pytest.MonkeyPatch, filler: str
) -> None:
    # A closing date phrase has at most four words: only those are tried, so a 4,000
    # character activity costs what a short one does (it once cost a pass per word).
    short = words_read_by_take(monkeypatch, "activity fair " + filler * 10)
    long = words_read_by_take(monkeypatch, "activity fair " + filler * (3980 // len(filler)))
    assert long == short <= 20


def test_an_activity_with_what_where_when_and_how_long() -> None:
    assert lead("activity fair Tech Jobs Expo at Javits Center on fri for 3h") == LogActivity(
        "fair", "Tech Jobs Expo", "Javits Center", When(weekday=4), 180
    )
    assert lead("activity search") == LogActivity("search")


def test_an_activitys_length_may_come_before_its_day() -> None:
    assert lead("activity fair Expo for 3h on fri") == lead("activity fair Expo on fri for 3h")


@pytest.mark.parametrize("length", ["100h", "-1h", "0h", "0 min", "17 hours", "9" * 30 + "h"])
def test_a_length_out_of_bounds_is_refused_not_kept_as_words(length: str) -> None:
    # Once, `for 100h` became part of what the activity was: logged without its length,
    # and without a word to the member.
    message = usage_error("/lead", f"activity fair Expo for {length}")
    assert message.startswith("An activity lasts from a minute to 16 hours.")
    assert usage("activity") in message


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("activity fair Careers for 2026", "Careers for 2026"),
        ("activity fair Jobs for veterans", "Jobs for veterans"),
        ("activity workshop on the phone", "on the phone"),
    ],
)
def test_words_that_are_no_length_or_day_stay_the_description(text: str, what: str) -> None:
    assert lead(text) == LogActivity(text.split(" ")[1], what)


@pytest.mark.parametrize("day", ["on fir", "on firday", "on 2026-13-01", "on 5th"])
def test_a_try_at_a_day_closing_an_activity_is_refused_not_logged_as_today(day: str) -> None:
    message = usage_error("/lead", f"activity fair Expo {day} for 2h")
    assert "Say when: `on fri`" in message
    assert usage("activity") in message


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("set julie email julie.m+jobs@mail.acme.co.uk", "julie.m+jobs@mail.acme.co.uk"),
        ("set julie email jörg@müller.de", "jörg@müller.de"),
        (
            "set julie url https://acme.com:8443/jobs?id=42#apply",
            "https://acme.com:8443/jobs?id=42#apply",
        ),
        ("set julie website www.acme.co.uk/careers", "https://www.acme.co.uk/careers"),
        ("set julie website acme.com/go?to=https://x.io", "https://acme.com/go?to=https://x.io"),
        ("set julie website HTTP://acme.com", "HTTP://acme.com"),
        ("set julie phone (212) 555-0100 ext 12", "(212) 555-0100 ext 12"),
    ],
)
def test_a_detail_that_is_what_it_says_is_kept_as_typed(text: str, stored: str) -> None:
    detail = lead(text)
    assert isinstance(detail, SetDetail) and detail.value == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "a@b"),
        ("email", "a@b.c"),
        ("email", "a@1.2"),
        ("email", "a,b@acme.com"),
        ("email", "julie@acme.com;bcc"),
        ("email", "julie@acme_corp.com"),
        ("url", "javascript:alert(1)"),
        ("url", "http://[oops"),  # once a crash: urlsplit raises on it
        ("url", "https://."),
        ("url", "https://acme..com/x"),
        ("url", "https://acme.com:js/x"),
        ("url", "https://acme.com:99999/x"),
        ("url", "https://acme.com@evil.example/x"),
        ("url", "https://acme.com/<script>"),
        ("url", "https://acme.com\\@evil.example"),
        ("website", "mailto:jobs@acme.com"),
        ("website", "acme.com:alert(1)"),
        ("website", "localhost"),
        ("phone", "call me maybe"),
        ("phone", "1-800-FLOWERS"),
        ("phone", "123"),
    ],
)
def test_a_detail_that_is_not_what_it_says_is_refused_with_the_usage(
    field: str, value: str
) -> None:
    message = usage_error("/lead", f"set julie {field} {value}")
    assert usage("set") in message
    typed = {"lead": "julie", "field": field, "value": value}
    with pytest.raises(UsageError, match="Usage: /lead set"):
        build("lead", "set", typed)


def test_a_web_address_with_a_space_or_a_control_character_is_refused() -> None:
    for value in ("https://acme.com/a b", "https://acme.com/\x07", "https://acme.com/\u200bx"):
        with pytest.raises(UsageError):
            details.check("url", value)


HIDDEN_SSNS = [
    "123-45-6789",
    "123\u200b-45-6789",  # a zero-width space, dropped when cleaned
    "123\t45\t6789",  # a tab, a space once cleaned
    "１２３-４５-６７８９",  # full-width digits
    "١٢٣-٤٥-٦٧٨٩",  # Arabic-Indic digits
    "123.45.6789",
    "123 – 45 – 6789",
    "SSN: 123456789",
    "social security number is 123456789",
    "claim no. 1234567",
    "my claim is 1234 5678",
    "claimant ID 12-345-678",
]


@pytest.mark.parametrize("ssn", HIDDEN_SSNS)
def test_an_ssn_or_claim_number_is_refused_in_any_disguise_on_both_ways_in(ssn: str) -> None:
    for text in (f"note julie {ssn}", f"set julie ref {ssn}", f"activity agency {ssn}"):
        assert usage_error("/lead", text).startswith("That looks like a Social Security")
    for subcommand, typed in [
        ("note", {"lead": "julie", "text": ssn}),
        ("set", {"lead": "julie", "field": "title", "value": ssn}),
        ("add", {"company": "Acme", "address": ssn}),
        ("activity", {"kind": "agency", "where": ssn}),
    ]:
        with pytest.raises(UsageError, match="never stores one"):
            build("lead", subcommand, typed)


@pytest.mark.parametrize(
    "text",
    [
        "set julie phone +1 212 555 0100",
        "set julie ref 123456789",
        "note julie claim 3 jobs a week",
        "note julie claimed 12345 jobs in 2026-03-05",
        "set julie phone 555-123-4567",
    ],
)
def test_numbers_that_are_no_ssn_or_claim_number_are_kept(text: str) -> None:
    lead(text)


def test_me_log_sets_the_logs_rules_in_words() -> None:
    assert ft("me log preset us-ny start sunday days off") == MySettings(
        log=LogChange(preset="US-NY", week_starts=6, different_days=False)
    )
    assert ft("me log minimum 35 hours") == MySettings(log=LogChange(minimum=35, unit="hours"))
    assert ft("me log start tues") == MySettings(log=LogChange(week_starts=1))
    assert ft("me log minimum 3 a week week") == MySettings(  # said twice, the same
        log=LogChange(minimum=3, period="week")
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("me log minimum 999", "from 0 to 100"),
        ("me log minimum 1000", "from 0 to 100"),  # once: "a whole number", which it is
        ("me log minimum -1", "from 0 to 100"),
        ("me log minimum", "from 0 to 100"),
        ("me log start funday", "funday is not a day"),
        ("me log start monkey", "monkey is not a day"),  # once: weeks from Monday
        ("me log start", "Give `start` a value"),
        ("me log preset", "Give `preset` a value"),  # once: "I didn't expect preset there"
        ("me log days", "Give `days` a value"),
        ("me log days maybe", "Say `on` or `off`"),
        ("me log preset XX", "There is no preset XX"),
        ("me log colour blue", "I didn't expect colour there"),
        ("me log minimum 3 week month", "one period and one unit: month?"),  # once: a month
        ("me log minimum 3 hours activities", "one period and one unit: activities?"),
    ],
)
def test_a_bad_log_setting_says_what_is_wrong_with_the_usage_of_me_log(
    text: str, said: str
) -> None:
    message = plain(usage_error("/followthrough", text))
    assert said in message
    assert usage("me log") in message  # not `me`'s, which has no word about the log


def test_a_typed_log_setting_is_refused_with_the_usage_of_me_log() -> None:
    for typed in ({"log_minimum": 500}, {"log_start": "funday"}, {"log_days": "maybe"}):
        with pytest.raises(UsageError, match=re.escape(usage("me log"))):
            build("followthrough", "me", typed)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("log tomorrow", "The log holds what has happened"),
        ("log 999999 days ago", "goes back 400 days at most"),  # once: the calendar overflowed
        ("log 999999 weeks ago", "goes back 400 days at most"),
        ("log 0001-01-01", "goes back 400 days at most"),  # once: the calendar overflowed
        ("log next week", "Or say `this` or `last`"),
    ],
)
def test_a_log_out_of_reach_is_refused_with_the_logs_usage(text: str, said: str) -> None:
    message = plain(usage_error("/followthrough", text))
    assert said in message
    assert usage("followthrough log") in message  # once: the usage of /lead's actions


def test_the_log_of_this_last_or_a_past_period() -> None:
    assert ft("log") == ft("log this week") == WorkLog()
    assert ft("log last") == WorkLog(last=True)
    assert ft("log 400 days ago") == WorkLog(When(days_ago=400))
    assert ft("log 2025-03-01") == WorkLog(When(month=3, day=1, year=2025))


@pytest.mark.parametrize("kind", [None, ""])
def test_a_typed_activity_without_its_kind_is_refused_with_the_usage(kind: str | None) -> None:
    # Once an assertion failed: the command ended in "Something went wrong".
    with pytest.raises(UsageError, match="What kind of activity"):
        build("lead", "activity", {"kind": kind, "what": "Expo"})


def test_an_activitys_bare_number_after_for_is_hours() -> None:
    assert lead("activity search for 3") == LogActivity("search", minutes=180)


def test_a_list_is_filtered_by_a_stage_or_what_is_due_and_paged() -> None:
    assert lead("list due") == ListLeads("due")
    assert lead("list interview") == ListLeads("interviewed")  # as it is said
    assert lead("list INTERVIEWS page 2") == ListLeads("interviewed", 2)
    assert lead("list followed_up") == ListLeads("followedup")
    assert lead("list page 3") == ListLeads("active", 3)
    assert lead("list closed 4") == ListLeads("closed", 4)
    assert lead(f"list page {MAX_PAGE}") == ListLeads("active", MAX_PAGE)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("list stuck", "list one of all, due, new"),
        ("list due page two", "Which page?"),
        ("list page 0", "The page is a whole number from 1"),
        (f"list page {MAX_PAGE + 1}", "The page is a whole number from 1"),
        ("list due extra words", "I didn't expect"),
        ("stats year", "choose one of week, month, all"),
        ("stats week month", "Usage: /lead stats"),
    ],
)
def test_a_list_or_stats_it_cannot_read_is_refused_with_its_usage(text: str, said: str) -> None:
    with pytest.raises(UsageError) as err:
        parse("/lead", text)
    assert said in str(err.value) and "Usage: /lead" in str(err.value)


def test_stats_cover_all_time_unless_a_period_is_said() -> None:
    assert lead("stats") == Stats("all")
    assert lead("stats WEEK") == Stats("week")
    assert lead("stats month") == Stats("month")


def test_the_group_report_takes_a_page_and_nothing_else() -> None:
    assert parse("/followthrough", "group report") == GroupReport()
    assert parse("/followthrough", "group report page 2") == GroupReport(2)
    with pytest.raises(UsageError):
        parse("/followthrough", "group report everyone")
    with pytest.raises(UsageError):  # not a setting with one value, whatever its options
        parse("/followthrough", "group setting report 2")
    assert preview("/followthrough", "group report").organiser

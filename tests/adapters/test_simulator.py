"""The simulator and the `followthrough` command, run as a newcomer would."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from bots.cli import main
from bots.console.plugin import demo_script
from bots.console.simulator import Output, ScriptError, run
from core.services import MessageKind
from testkit.processes import importing_this_checkout, outside
from tests.adapters.attachments import CSV, PDF, answer_with_files

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """\
group tz America/New_York country US
member ana
member ben tz Europe/Berlin country DE time 07:30
at 2026-03-02 09:00   # a Monday
ana: /lead add Julie Martin at Acme as Engineering Manager via email
ana: /lead emailed #1
ben: /lead add Carla Diaz at Initech
ben: /lead emailed carla
at 2026-03-05 12:00
"""


def play(script: str) -> list[Output]:
    outputs: list[Output] = []
    run(script.splitlines(), outputs.append)
    return outputs


def as_json(outputs: list[Output]) -> list[dict[str, object]]:
    return [json.loads(o.to_json()) for o in outputs]


def test_every_command_is_answered_with_a_reply_in_the_members_zone() -> None:
    out = as_json(play(SCRIPT))
    replies = [o for o in out if o["kind"] == "reply"]
    assert [o["to"] for o in replies] == ["ana", "ana", "ben", "ben"]
    assert replies[0]["at"] == "2026-03-02T09:00:00-05:00"
    assert replies[2]["at"] == "2026-03-02T15:00:00+01:00"


def test_a_dm_line_is_what_the_member_types_in_their_dm_without_the_slash() -> None:
    out = play(
        SCRIPT
        + "ana (dm): done\n"
        + "ana (dm): emailed julie, no answer yet\n"
        + "ana (dm): thanks!\n"
        + "ben (dm): lead list\n"
    )
    said = [o for o in out if o.message.kind in (MessageKind.REPLY, MessageKind.ERROR)][4:]
    assert [o.to for o in said] == ["ana", "ana", "ana", "ben"]
    done, emailed, unclear, listed = (o.message.plain_text() for o in said)
    assert done.startswith("Logged: followedup #1 Julie Martin at Acme.")
    assert emailed.startswith("Logged: emailed #1 Julie Martin at Acme.")
    assert unclear.startswith("I didn't understand “thanks!”.")
    assert "Carla Diaz" in listed


def test_a_dm_line_without_a_member_or_before_the_clock_is_a_script_error() -> None:
    with pytest.raises(ScriptError, match=r"^line 2: unknown member zoe"):
        play("group tz UTC\nzoe (dm): today\n")
    with pytest.raises(ScriptError, match=r"^line 3: set the clock first"):
        play("group tz UTC\nmember ana\nana (dm): today\n")


def test_email_follow_up_digest_arrives_thursday_at_each_members_morning() -> None:
    digests = [o for o in as_json(play(SCRIPT)) if o["kind"] == "digest"]
    follow_ups = [o for o in digests if o["rules"] == ["email-follow-up"]]
    assert [(o["to"], o["at"]) for o in follow_ups] == [
        ("ben", "2026-03-05T07:30:00+01:00"),
        ("ana", "2026-03-05T08:00:00-05:00"),
    ]
    assert "Hi Julie" in str(follow_ups[1]["text"])


def test_json_lines_have_exactly_the_documented_fields() -> None:
    for line in as_json(play(SCRIPT)):
        assert set(line) == {"at", "to", "kind", "rules", "text"}


def test_a_bad_command_is_answered_with_its_usage_and_changes_nothing() -> None:
    out = as_json(play(SCRIPT + "ana: /lead snooze julie soon\nana: /lead list\n"))
    assert "Usage: /lead snooze <lead> <days>" in str(out[-2]["text"])
    assert "#1 Julie Martin at Acme · emailed" in str(out[-1]["text"])


def test_a_hash_followed_by_a_number_is_a_lead_not_a_comment() -> None:
    out = as_json(play(SCRIPT + "ana: /lead show #1  # look at it\n"))
    assert str(out[-1]["text"]).startswith("#1 Julie Martin at Acme")


@pytest.mark.parametrize(
    ("script", "line", "problem"),
    [
        ("member ana\n", 1, "starts with `group"),
        ("group tz UTC\ngroup tz UTC\n", 2, "once"),
        ("group tz UTC\nat 2026-03-02 09:00\nat 2026-03-01 09:00\n", 3, "never goes back"),
        ("group tz UTC\nat 2026-03-02 09:00\nzed: /lead list\n", 3, "unknown member zed"),
        ("group tz UTC\nfly away\n", 2, "unknown instruction"),
        ("group tz Mars/Base\n", 1, "not a time zone"),
        ("group tz UTC\nmember ana\nana: /lead list\n", 3, "set the clock first"),
        ("group tz UTC\nat tomorrow\n", 2, "YYYY-MM-DD HH:MM"),
        ("group tz UTC\nat 2026-02-30 09:00\n", 2, "day is out of range for month"),
        ("group tz UTC\nat 2026-13-01 09:00\n", 2, "month must be in 1..12"),
        ("group tz UTC\nat 2026-03-02 24:00\n", 2, "hour must be in 0..23"),
        ("group tz UTC\nat 0000-01-01 00:00\n", 2, "year 0 is out of range"),
        ("group tz America/New_York\nat 9999-12-31 23:00\n", 2, "out of range"),
        ("group tz UTC\nat 9999-12-30 09:00\n", 2, "out of range"),
        ("group tz Etc/GMT+12\nat 9999-12-31 23:59\n", 2, "out of range"),
        ("group tz Pacific/Kiritimati\nat 0001-01-01 00:00\n", 2, "out of range"),
        ("group tz UTC\nat 0001-01-01 00:00\n", 2, "out of range"),
        ("group tz UTC\nat 1999-12-31 23:59\n", 2, "scripts run from 2000-01-01"),
        ("group tz UTC\nat 3000-01-01 00:00\n", 2, "to 2999-12-31"),
        ("group tz America/New_York\nat 2026-03-08 02:30\n", 2, "clocks skip it"),
        ("group tz America\n", 1, "America is not a time zone"),
        ("group tz UTC\nmember ana tz Europe\n", 2, "Europe is not a time zone"),
        ("group tz UTC\nmember ana tz ../../etc/passwd\n", 2, "not a time zone"),
        ("group tz " + "A" * 5000 + "\n", 1, "not a time zone"),
        ("group tz UTC\nmember ana\nmember Ana\n", 3, "already defined .as ana"),
        ("group tz UTC\nmember ANA\nmember ana\n", 3, "already defined"),
        ("group tz UTC\nmember Ana\nat 2026-03-02 09:00\nana: /lead list\n", 4, "mean Ana"),
    ],
)
def test_a_script_error_names_its_line(script: str, line: int, problem: str) -> None:
    with pytest.raises(ScriptError, match=rf"^line {line}: .*{problem}") as error:
        play(script)
    assert len(str(error.value)) < 200  # a 5,000-character zone is not echoed back


@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Etc/GMT+12"])
@pytest.mark.parametrize("when", ["2000-01-01 00:00", "2999-12-31 23:59"])
def test_the_first_and_last_minutes_of_the_script_years_play_in_the_furthest_zones(
    tz: str, when: str
) -> None:
    out = play(f"group tz {tz}\nmember ana\nat {when}\nana: /lead list\n")
    assert [f"{o.at:%Y-%m-%d %H:%M}" for o in out if o.message.kind == "reply"] == [when]


def test_an_at_out_of_datetimes_range_is_a_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ancient.script"
    path.write_text("group tz Pacific/Kiritimati\nat 0001-01-01 00:00\n", encoding="utf-8")
    assert main(["simulate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 2: 0001-01-01 00:00 is out of range" in err
    assert "Traceback" not in err


def test_cli_fails_with_status_2_and_the_line_on_a_file_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "latin1.script"
    script.write_bytes("group tz UTC\nmember Zoë\nmember Ren\u00e9e\n".encode("latin-1"))
    assert main(["simulate", str(script)]) == 2
    err = capsys.readouterr().err
    assert "line 2: not UTF-8 text (byte 0xeb at column 10)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("script", "problem"),
    [
        ("group tz UTC\nat 2026-02-30 09:00\n", "line 2: 2026-02-30 09:00 is not a date"),
        ("group tz America\n", "line 1: America is not a time zone"),
        ("group tz UTC\nmember ana\nmember ANA\n", "line 3: member ANA is already defined"),
    ],
)
def test_cli_fails_with_status_2_and_the_line_on_a_bad_value(
    script: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.script"
    path.write_text(script, encoding="utf-8")
    assert main(["simulate", str(path)]) == 2
    assert problem in capsys.readouterr().err


def test_a_utf8_bom_and_crlf_line_ends_are_read_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "windows.script"
    path.write_bytes(b"\xef\xbb\xbf" + SCRIPT.replace("\n", "\r\n").encode())
    assert main(["simulate", str(path), "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(play(SCRIPT))


# -- a reader that goes away (`followthrough demo | head`) ---------------------------------

# The first messages out are deliveries (Monday's board and digests), not replies.
DIGEST_FIRST = """\
group tz UTC
member ana
member ben
at 2026-03-02 07:00
at 2026-03-02 09:00
"""


def test_a_reader_gone_during_deliveries_stops_the_script_without_a_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[Output] = []

    def closed_pipe(output: Output) -> None:
        seen.append(output)
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        run(DIGEST_FIRST.splitlines(), closed_pipe)
    assert len(seen) == 1  # the first message, and nothing after
    assert seen[0].message.kind != "reply"  # a delivery (Monday's board), not a reply
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_followthrough_ends_quietly_when_its_reader_is_gone(tmp_path: Path) -> None:
    script = tmp_path / "digests.script"
    script.write_text(DIGEST_FIRST, encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bots.cli", "simulate", str(script)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=importing_this_checkout(os.environ),
            cwd=outside(),
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_cli_simulate_prints_json_lines_and_fails_with_status_2_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.script"
    good.write_text(SCRIPT)
    assert main(["simulate", str(good), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(json.loads(line)["kind"] in ("reply", "digest") for line in lines)

    bad = tmp_path / "bad.script"
    bad.write_text("group tz UTC\nnonsense\n")
    assert main(["simulate", str(bad)]) == 2
    assert "line 2: unknown instruction" in capsys.readouterr().err


# -- --files DIR: what the commands attach, written -----------------------------------------

EXPORTS = SCRIPT + "ana: /followthrough export\nana: /followthrough export\n"


def test_simulate_files_writes_every_attachment_byte_for_byte_numbering_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_with_files(monkeypatch)  # a PDF (not UTF-8) and a CSV
    script = tmp_path / "exports.script"
    script.write_text(EXPORTS, encoding="utf-8")
    out = tmp_path / "made" / "for" / "files"  # made if missing
    assert main(["simulate", str(script), "--json", "--files", str(out)]) == 0
    written = {path.name: path.read_bytes() for path in out.iterdir()}
    assert written == {
        "followthrough-log.pdf": PDF,
        "followthrough-log.csv": CSV.encode(),
        "followthrough-log-2.pdf": PDF,
        "followthrough-log-2.csv": CSV.encode(),
    }
    printed = capsys.readouterr()
    assert all(json.loads(line) for line in printed.out.splitlines())  # stdout: the transcript
    order = ["followthrough-log.pdf", "followthrough-log.csv"]
    order += ["followthrough-log-2.pdf", "followthrough-log-2.csv"]
    assert printed.err.splitlines() == [f"saved {out / name}" for name in order]


def test_simulate_files_writes_the_export_and_without_it_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "exports.script"
    script.write_text(EXPORTS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", str(script)]) == 0
    assert [path.name for path in tmp_path.iterdir()] == ["exports.script"]
    assert "[attached: followthrough-2026-03-05.json]" in capsys.readouterr().out

    assert main(["simulate", str(script), "--files", "out"]) == 0
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == [
        "followthrough-2026-03-05-2.csv",
        "followthrough-2026-03-05-2.json",
        "followthrough-2026-03-05.csv",
        "followthrough-2026-03-05.json",
    ]
    document = json.loads((tmp_path / "out" / "followthrough-2026-03-05.json").read_text())
    assert document["leads"][0]["contact"] == "Julie Martin"


def test_simulate_files_into_a_folder_that_cannot_be_made_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "exports.script"
    script.write_text(EXPORTS, encoding="utf-8")
    assert main(["simulate", str(script), "--files", str(script / "out")]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("followthrough simulate: can't make the folder") and "Traceback" not in err
    )


def test_the_demo_tells_the_story_it_promises() -> None:
    out = as_json(play(demo_script()))
    rules = {rule for o in out if o["kind"] == "digest" for rule in o["rules"]}  # type: ignore[attr-defined]
    assert {"rejection-call", "reach-referral", "email-follow-up", "call-after-follow-up"} <= rules
    maya = [str(o["text"]) for o in out if o["to"] == "Maya"]
    assert any("Acme (closed) -> #2 Acme Finance (closed) -> #3 Globex (offer)" in t for t in maya)
    sam_digests = [o for o in out if o["to"] == "Sam" and o["kind"] == "digest"]
    assert any("email-follow-up" in o["rules"] for o in sam_digests)  # type: ignore[operator]
    assert not any("Usage:" in str(o["text"]) for o in out), "the demo makes no typing mistakes"


def test_the_demo_skips_priyas_digest_on_a_german_holiday_that_is_a_us_business_day() -> None:
    out = play(demo_script())
    days = sorted({o.at.date() for o in out})
    german = holidays.country_holidays("DE", years={d.year for d in days})
    american = holidays.country_holidays("US", years={d.year for d in days})
    off = [
        day
        for day in (days[0] + timedelta(n) for n in range((days[-1] - days[0]).days))
        if day.weekday() < 5 and day in german and day not in american
    ]
    assert off, "the demo's three weeks hold a German public holiday"

    def digest_days(name: str) -> set[date]:
        return {o.at.date() for o in out if o.to == name and o.message.kind == "digest"}

    assert not digest_days("Priya") & set(off)
    assert set(off) & digest_days("Sam")  # the group works that day: visibly skipped


def test_unicode_digits_are_answered_not_crashed_on() -> None:
    out = as_json(play(SCRIPT + "ana: /lead show #²\nana: /lead snooze #1 ³\n"))
    assert "You have no lead #2" in str(out[-2]["text"])  # `#²` reads as #2 (NFKC)
    assert "Usage: /lead snooze" in str(out[-1]["text"])


def test_an_unexpected_error_is_a_reply_and_a_logged_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from core.domain.commands import Help
    from core.services import handlers

    def broken(call: object, cmd: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(handlers.HANDLERS, Help, broken)
    out = as_json(play(SCRIPT + "ana: /followthrough help\n"))
    assert "Something went wrong on my side and nothing was changed" in str(out[-1]["text"])
    assert "a bug" not in str(out[-1]["text"])
    assert "RuntimeError: a bug" in caplog.text


def test_the_readme_names_exactly_the_kinds_a_message_can_have() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Simulate a group", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r'`"(\w+)"`', section)) | set(re.findall(r'"kind": "(\w+)"', section))
    assert named == {kind.value for kind in MessageKind}


def test_the_readme_links_only_to_files_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" not in target:
            assert (ROOT / target).resolve().is_relative_to(ROOT), target
            assert (ROOT / target).is_file(), target


LOG_SCRIPT = SCRIPT + (
    "ana: /followthrough me log preset US-NY\n"
    "ana: /lead activity workshop CV clinic at career centre for 2h\n"
    "ana: /followthrough log\n"
)


def test_simulate_files_writes_the_work_search_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "log.script"
    script.write_text(LOG_SCRIPT, encoding="utf-8")
    assert main(["simulate", str(script), "--files", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "Work-search log, Mon Mar 2 – Sun Mar 8: 2 of 3 activities" in printed
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == ["work-search-log-2026-03-02.csv", "work-search-log-2026-03-02.pdf"]
    assert (tmp_path / "out" / names[1]).read_bytes().startswith(b"%PDF-")
    rows = (tmp_path / "out" / names[0]).read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and "CV clinic" in rows[2]


# -- the Monday board's picture: words in the transcript, the picture only for --files -------

A_WEEK = """\
group tz Europe/Paris
member ana
at 2026-03-03 09:00
ana: /lead add Julie Martin at Acme via email
ana: /lead emailed julie
at 2026-03-10 09:00
ana: /lead list
"""
WEEK_IN_WORDS = (
    "The group's week, Mon Mar 2 to Sun Mar 8: 1 action.\n"
    "By day: Mon 0 · Tue 1 · Wed 0 · Thu 0 · Fri 0 · Sat 0 · Sun 0.\n"
    "By kind: 1 email.\n"
    "No referral chain grew."
)


@pytest.mark.parametrize("files", [False, True], ids=["transcript", "--files"])
def test_the_monday_board_shows_the_weeks_words_and_draws_its_picture_only_to_keep_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: bool
) -> None:
    script = tmp_path / "week.script"
    script.write_text(A_WEEK, encoding="utf-8")
    out = tmp_path / "out"

    argv = ["simulate", str(script), "--json", *(["--files", str(out)] if files else [])]
    assert main(argv) == 0

    printed = capsys.readouterr()
    (board,) = [o for o in map(json.loads, printed.out.splitlines()) if o["kind"] == "leaderboard"]
    assert board["text"].endswith("0 offers.\n\n" + WEEK_IN_WORDS)
    if files:
        (picture,) = out.iterdir()
        assert picture.name == "group-week-2026-03-02.png"
        assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert printed.err.splitlines() == [f"saved {picture}"]
    else:
        assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["week.script"]

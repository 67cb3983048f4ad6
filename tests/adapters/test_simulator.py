"""The simulator and the `followthrough` command, run as a newcomer would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bots.cli import demo_script, main
from bots.console.simulator import Output, ScriptError, run

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
    ],
)
def test_a_script_error_names_its_line(script: str, line: int, problem: str) -> None:
    with pytest.raises(ScriptError, match=rf"^line {line}: .*{problem}"):
        play(script)


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


def test_the_demo_tells_the_story_it_promises() -> None:
    out = as_json(play(demo_script()))
    rules = {rule for o in out if o["kind"] == "digest" for rule in o["rules"]}  # type: ignore[attr-defined]
    assert {"rejection-call", "reach-referral", "email-follow-up", "call-after-follow-up"} <= rules
    maya = [str(o["text"]) for o in out if o["to"] == "Maya"]
    assert any("Acme (closed) -> #2 Acme Finance (closed) -> #3 Globex (offer)" in t for t in maya)
    sam_digests = [o for o in out if o["to"] == "Sam" and o["kind"] == "digest"]
    assert any("email-follow-up" in o["rules"] for o in sam_digests)  # type: ignore[operator]
    assert not any("Usage:" in str(o["text"]) for o in out), "the demo makes no typing mistakes"


def test_unicode_digits_are_answered_not_crashed_on() -> None:
    out = as_json(play(SCRIPT + "ana: /lead show #²\nana: /lead snooze #1 ³\n"))
    assert "No lead matches" in str(out[-2]["text"])
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

"""A lead's actions (core.services.leads) logged when they happened: `/lead emailed julie on
fri`, typed on Monday morning."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.domain.text import plain
from core.services import FollowThrough, Identity, Message, MessageKind
from core.services.ports import SimulatedClock
from core.storage.database import make_engine
from core.storage.tables import MemberRow

ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T1", "U-ben", "Ben")
COACH = Identity("slack", "T1", "U-coach", "Coach", is_admin=True)
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # after Monday's 08:00 mornings


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(datetime(2026, 10, 19, 7, 0, tzinfo=UTC))


@pytest.fixture
def app(app: FollowThrough) -> FollowThrough:
    for who in (ANA, BEN, COACH):
        app.conversation.join(who)
    return app


def say(app: FollowThrough, who: Identity, line: str) -> Message:
    command, _, text = line.partition(" ")
    return app.conversation.handle(who, command, text)


def digest_rules(app: FollowThrough, clock: SimulatedClock, at: datetime, who: Identity) -> list:
    clock.advance_to(at)
    app.planner.plan()
    claimed = app.outbox.claim("test")
    app.outbox.release(worker="test")
    return [d.message.rules for d in claimed if d.user_id == who.user_id]


def test_an_email_dated_friday_and_logged_monday_is_followed_up_wednesday(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    clock.advance_to(MONDAY)
    say(app, ANA, "/lead add Julie Martin at Acme")
    answer = plain(say(app, ANA, "/lead emailed julie on fri").text)
    assert answer.startswith("Logged: emailed #1 Julie Martin at Acme on Fri Nov 27.")
    assert "follow-up (Re:) on Wed Dec 2" in answer
    assert digest_rules(app, clock, datetime(2026, 12, 1, 8, tzinfo=UTC), ANA) == [("pipeline",)]
    assert digest_rules(app, clock, datetime(2026, 12, 2, 8, tzinfo=UTC), ANA) == [
        ("email-follow-up",)
    ]


def test_a_due_day_already_past_is_nudged_the_next_morning_once(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    clock.advance_to(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    app.planner.plan()  # Monday's mornings are planned before the late log
    say(app, ANA, "/lead add Julie Martin at Acme")
    say(app, ANA, "/lead emailed julie on mon")  # Mon Nov 23: due Thu Nov 26, long past
    clock.advance_to(MONDAY)
    assert [r for r in digest_rules(app, clock, MONDAY, ANA) if "email-follow-up" in r] == []
    tuesday = digest_rules(app, clock, datetime(2026, 12, 1, 8, tzinfo=UTC), ANA)
    assert [r.count("email-follow-up") for r in tuesday] == [1]


def test_a_dated_action_counts_business_days_across_a_holiday(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, COACH, "/followthrough group country US")
    clock.advance_to(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # Friday after Thanksgiving
    say(app, ANA, "/lead add Julie Martin at Acme")
    answer = plain(say(app, ANA, "/lead emailed julie on tue").text)
    # Wed, (Thanksgiving), Fri, Mon: the third business day after Tuesday is Monday.
    assert "on Tue Nov 24." in answer and "follow-up (Re:) on Mon Nov 30" in answer


def test_a_dated_action_across_a_dst_change_keeps_the_local_morning(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    say(app, ANA, "/followthrough me tz Europe/Berlin country DE")
    clock.advance_to(datetime(2026, 10, 26, 9, 0, tzinfo=UTC))  # Monday, CET since Sunday
    say(app, ANA, "/lead add Julie Martin at Acme")
    answer = plain(say(app, ANA, "/lead emailed julie on fri").text)  # Fri Oct 23, CEST
    assert "on Fri Oct 23." in answer and "on Wed Oct 28" in answer
    # 08:00 in Berlin on Wednesday 28 October (CET) is 07:00 UTC.
    (rules,) = digest_rules(app, clock, datetime(2026, 10, 28, 7, 0, tzinfo=UTC), ANA)
    assert rules[0] == "email-follow-up"


@pytest.mark.parametrize(
    ("phrase", "accepted"),
    [
        ("today", True),
        ("yesterday", True),
        ("30 days ago", True),
        ("31 days ago", False),
        ("on 2026-12-01", False),  # tomorrow
    ],
)
def test_the_bounds_of_a_date_and_nothing_written_when_refused(
    app: FollowThrough, clock: SimulatedClock, phrase: str, accepted: bool
) -> None:
    clock.advance_to(MONDAY)
    say(app, ANA, "/lead add Julie Martin at Acme")
    before = exported(app, ANA)
    answer = say(app, ANA, f"/lead emailed julie {phrase}")
    assert (answer.kind is MessageKind.REPLY) is accepted, answer.text
    if not accepted:
        assert exported(app, ANA) == before


@pytest.mark.parametrize(
    ("phrase", "refusal"),
    [
        ("on fir", "fir is not a day I understand. Say when: `on fri`"),
        ("on tomorrow", "Tue Dec 1 2026 is in the future"),
        ("tomorrow", "Tue Dec 1 2026 is in the future"),
    ],
)
def test_a_mistyped_or_future_day_is_refused_with_the_date_usage_and_nothing_written(
    app: FollowThrough, clock: SimulatedClock, phrase: str, refusal: str
) -> None:
    clock.advance_to(MONDAY)
    say(app, ANA, "/lead add Carol Diaz at Acme")
    before = exported(app, ANA)
    answer = say(app, ANA, f"/lead emailed carol {phrase} sent my cv")
    assert answer.kind is MessageKind.ERROR
    assert refusal in plain(answer.text)
    if phrase == "on fir":  # a future day gets the refusal of every future day
        assert "Usage: /lead emailed <lead> [on <day>] [note...]" in answer.text
    assert exported(app, ANA) == before


def test_a_note_that_starts_with_on_is_still_a_note(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    clock.advance_to(MONDAY)
    say(app, ANA, "/lead add Carol Diaz at Acme")
    answer = plain(say(app, ANA, "/lead called carol on the phone at last").text)
    assert answer.startswith("Logged: called #1 Carol Diaz at Acme. Stage: called.")
    assert "Mon Nov 30: called (on the phone at last)" in plain(
        say(app, ANA, "/lead show carol").plain_text()
    )


def test_a_date_before_the_leads_last_action_is_refused(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    clock.advance_to(datetime(2026, 11, 25, 9, tzinfo=UTC))
    say(app, ANA, "/lead add Julie Martin at Acme")
    say(app, ANA, "/lead emailed julie")  # Wed Nov 25
    clock.advance_to(MONDAY)
    answer = say(app, ANA, "/lead followedup julie on tue")  # Tue Nov 24
    assert answer.kind is MessageKind.ERROR
    assert "before the last action you logged on #1 (Wed Nov 25)" in plain(answer.text)
    assert say(app, ANA, "/lead followedup julie on fri").kind is MessageKind.REPLY


def test_typed_options_take_the_same_dates(app: FollowThrough, clock: SimulatedClock) -> None:
    clock.advance_to(MONDAY)
    say(app, ANA, "/lead add Julie Martin at Acme")
    answer = app.conversation.run(ANA, "lead", "emailed", {"lead": "julie", "when": "fri"})
    assert "on Fri Nov 27." in plain(answer.text)
    refused = app.conversation.run(ANA, "lead", "called", {"lead": "julie", "when": "2026-12-01"})
    assert refused.kind is MessageKind.ERROR and "future" in refused.text


def test_points_count_in_the_week_the_action_happened(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    clock.advance_to(datetime(2026, 11, 27, 9, tzinfo=UTC))
    say(app, ANA, "/lead add Julie Martin at Acme")  # 1 point, last week
    clock.advance_to(MONDAY)
    say(app, ANA, "/lead emailed julie on fri")  # 1 point, last week too
    week = plain(say(app, ANA, "/leaderboard week").plain_text())
    month = plain(say(app, ANA, "/leaderboard month").plain_text())
    assert "Ana" not in week
    assert "1. Ana: 2 points" in month
    assert "1. Ana: 2 points" in plain(say(app, ANA, "/leaderboard all").plain_text())


def streak(app: FollowThrough, database_url: str, who: Identity) -> tuple[int, object]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(MemberRow.streak_days, MemberRow.streak_last).filter_by(
                    external_id=who.user_id
                )
            ).one()
    finally:
        engine.dispose()
    return row[0], row[1]


def test_a_next_day_log_keeps_a_streak_and_a_later_one_does_not_repair_it(
    app: FollowThrough, clock: SimulatedClock, database_url: str
) -> None:
    clock.advance_to(datetime(2026, 11, 24, 9, tzinfo=UTC))  # Tuesday
    say(app, ANA, "/lead add Julie Martin at Acme")
    say(app, BEN, "/lead add Sam Lee at Globex")
    clock.advance_to(datetime(2026, 11, 26, 9, tzinfo=UTC))  # Thursday: Ana logs Wednesday
    say(app, ANA, "/lead emailed julie yesterday")
    assert streak(app, database_url, ANA)[0] == 2
    clock.advance_to(datetime(2026, 11, 27, 9, tzinfo=UTC))  # Friday: Ben logs Wednesday
    say(app, BEN, "/lead emailed sam on wed")
    days, last = streak(app, database_url, BEN)
    assert (days, str(last)) == (1, "2026-11-24")  # Tuesday's, broken since Wednesday
    assert (
        "streak" not in plain(say(app, BEN, "/leaderboard week").plain_text()).split("Ben")[1][:30]
    )


def exported(app: FollowThrough, who: Identity) -> dict[str, object]:
    answer = app.conversation.handle(who, "/followthrough", "export")
    data: dict[str, object] = json.loads(answer.attachments[0].content)
    data.pop("exported_at")
    return data


def test_show_and_export_give_both_dates(app: FollowThrough, clock: SimulatedClock) -> None:
    clock.advance_to(MONDAY)
    say(app, ANA, "/lead add Julie Martin at Acme")
    say(app, ANA, "/lead emailed julie on fri")
    show = plain(say(app, ANA, "/lead show julie").plain_text())
    assert "Fri Nov 27: emailed · logged Mon Nov 30" in show
    files = {
        a.filename.rsplit(".", 1)[1]: a.content
        for a in say(app, ANA, "/followthrough export").attachments
    }
    (lead,) = json.loads(files["json"])["leads"]
    emailed = next(step for step in lead["history"] if step["action"] == "emailed")
    assert emailed["at"].startswith("2026-11-27T09:00")
    assert emailed["logged_at"].startswith("2026-11-30T09:00")
    rows = list(csv.DictReader(io.StringIO(files["csv"])))
    assert [(r["date"], r["logged"][:10]) for r in rows if r["action"] == "emailed"] == [
        ("2026-11-27", "2026-11-30")
    ]

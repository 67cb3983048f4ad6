"""A member's mornings: one digest per business morning at their local nudge time, none
on weekends and holidays, none when nothing is due, and the same local time across
daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.domain.leads import Action, Lead, Stage, apply
from core.domain.members import Group, Member
from core.domain.planning import (
    Morning,
    nudges_for_day,
    plan_morning,
    refresh,
    remember_told,
    schedule,
)
from core.domain.rules import Rule

CATCH_UP = timedelta(hours=2)
EIGHT = time(8, 0)


def d(text: str) -> date:
    return date.fromisoformat(text)


def group(tz: str = "America/New_York", country: str | None = "US") -> Group:
    return Group("console", "G1", tz=tz, country=country, id=1)


def member(**fields: object) -> Member:
    return Member(group_id=1, external_id="U1", name="Ana", **fields)  # type: ignore[arg-type]


def local(g: Group, m: Member, day: str, hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return m.calendar(g).at(d(day), time(int(hours), int(minutes)))


def new_lead(g: Group, m: Member, number: int, added: str = "2026-02-27", **fields: object) -> Lead:
    return Lead(
        member_id=1,
        number=number,
        contact=f"Contact {number}",
        company=f"Company {number}",
        created_at=local(g, m, added, "09:00"),
        id=number,
        **fields,  # type: ignore[arg-type]
    )


def quiet_leads(g: Group, m: Member, count: int = 5, first: int = 100) -> list[Lead]:
    """Enough new leads that the pipeline nudge stays away; none of them is due."""
    return [new_lead(g, m, first + i) for i in range(count)]


def log(g: Group, m: Member, lead: Lead, action: Action, day: str, hhmm: str = "10:00") -> None:
    apply(lead, action, local(g, m, day, hhmm))


def play(
    m: Member,
    g: Group,
    leads: list[Lead],
    start: datetime,
    until: datetime,
    referrers: dict[int, str] | None = None,
) -> list[tuple[datetime, Morning]]:
    """Plan every morning on time from `start` to `until`: (planned instant, morning)."""
    refresh(m, g, leads)
    schedule(m, g, start)
    out = []
    while m.next_morning_at is not None and m.next_morning_at < until:
        instant = m.next_morning_at
        out.append((instant, plan_morning(m, g, leads, referrers or {}, instant, CATCH_UP)))
    return out


def digests(played: list[tuple[datetime, Morning]]) -> dict[str, list[str]]:
    return {
        mo.day.isoformat(): list(mo.message.rules) for _, mo in played if mo.message is not None
    }


# --- schedule ----------------------------------------------------------------------------


def test_before_the_morning_on_a_business_day_the_next_digest_is_today_at_eight() -> None:
    g, m = group(), member()
    schedule(m, g, local(g, m, "2026-03-02", "07:59"))
    assert m.next_morning_at == local(g, m, "2026-03-02", "08:00")


def test_after_the_morning_the_next_digest_is_the_next_business_day() -> None:
    g, m = group(), member()
    schedule(m, g, local(g, m, "2026-03-02", "08:00"))
    assert m.next_morning_at == local(g, m, "2026-03-03", "08:00")
    schedule(m, g, local(g, m, "2026-03-06", "17:00"))  # Friday
    assert m.next_morning_at == local(g, m, "2026-03-09", "08:00")
    schedule(m, g, local(g, m, "2026-03-07", "07:00"))  # Saturday
    assert m.next_morning_at == local(g, m, "2026-03-09", "08:00")


def test_a_member_who_moved_west_after_todays_digest_does_not_get_it_twice() -> None:
    g = group()
    m = member(tz="Europe/Berlin", country="DE")
    berlin_morning = local(g, m, "2026-03-02", "08:00")
    schedule(m, g, berlin_morning - timedelta(minutes=1))
    plan_morning(m, g, [], {}, berlin_morning, CATCH_UP)
    assert m.last_planned_on == d("2026-03-02")
    m.tz, m.country = "America/New_York", "US"
    schedule(m, g, berlin_morning + timedelta(hours=1))  # 04:00 in New York, same Monday
    assert m.next_morning_at is not None
    assert m.next_morning_at.astimezone(ZoneInfo("America/New_York")) == datetime(
        2026, 3, 3, 8, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_a_member_who_accepted_an_offer_has_no_more_mornings() -> None:
    g, m = group(), member(graduated=True)
    schedule(m, g, local(g, m, "2026-03-02", "07:00"))
    assert m.next_morning_at is None


def test_a_members_own_nudge_time_wins_over_the_groups() -> None:
    g, m = group(), member(nudge_time=time(7, 30))
    schedule(m, g, local(g, m, "2026-03-02", "07:00"))
    assert m.next_morning_at == local(g, m, "2026-03-02", "07:30")


# --- one morning per business day, at 08:00 local, across DST ----------------------------


@pytest.mark.parametrize(
    ("tz", "start", "end"),
    [
        ("America/New_York", "2026-02-23", "2026-03-21"),  # DST starts 2026-03-08
        ("America/New_York", "2026-10-19", "2026-11-14"),  # DST ends 2026-11-01
        ("Europe/Berlin", "2026-03-16", "2026-04-11"),  # DST starts 2026-03-29
        ("Europe/Berlin", "2026-10-12", "2026-11-07"),  # DST ends 2026-10-25
        ("Australia/Lord_Howe", "2026-03-23", "2026-04-18"),  # 30 min back 2026-04-05
        ("Australia/Lord_Howe", "2026-09-21", "2026-10-17"),  # 30 min forward 2026-10-04
    ],
)
def test_planned_mornings_stay_at_eight_local_one_per_business_day_across_dst(
    tz: str, start: str, end: str
) -> None:
    g, m = group(tz, None), member()
    zone = ZoneInfo(tz)
    played = play(m, g, [], local(g, m, start, "00:00"), local(g, m, end, "00:00"))
    days = [mo.day for _, mo in played]
    weekdays = [
        d(start) + timedelta(days=i)
        for i in range((d(end) - d(start)).days)
        if (d(start) + timedelta(days=i)).weekday() < 5
    ]
    assert days == weekdays  # no duplicate, no skipped business day
    for instant, mo in played:
        assert instant.astimezone(zone).time() == EIGHT
        assert instant.astimezone(zone).date() == mo.day
    offsets = {instant.astimezone(zone).utcoffset() for instant, _ in played}
    assert len(offsets) == 2  # the clocks did change in between


@pytest.mark.parametrize(
    ("tz", "weekend"),
    [
        ("America/New_York", "2026-03-06"),
        ("America/New_York", "2026-10-30"),
        ("Europe/Berlin", "2026-03-27"),
        ("Europe/Berlin", "2026-10-23"),
        ("Australia/Lord_Howe", "2026-04-03"),
        ("Australia/Lord_Howe", "2026-10-02"),
    ],
)
def test_a_clock_ticking_every_quarter_hour_sends_one_digest_per_business_day_at_eight(
    tz: str, weekend: str
) -> None:
    # A scheduler polling in UTC, as the bot does, over the Friday-to-Friday around a DST
    # change; the member has an overdue lead so that every morning has a digest.
    g, m = group(tz, None), member()
    lead = new_lead(g, m, 1, added="2026-01-05", network=True)
    leads = [lead, *quiet_leads(g, m)]
    refresh(m, g, leads)
    now = local(g, m, weekend, "00:00")
    end = now + timedelta(days=8)
    schedule(m, g, now)
    sent: list[datetime] = []
    while now < end:
        assert m.next_morning_at is not None
        if m.next_morning_at <= now:
            morning = plan_morning(m, g, leads, {}, now, CATCH_UP)
            assert morning.message is not None and not morning.missed
            sent.append(now)
            apply(lead, Action.NOTE, now)  # the member reads it; the nudge stays due
        now += timedelta(minutes=15)
    zone = ZoneInfo(tz)
    local_sent = [x.astimezone(zone) for x in sent]
    assert [x.time() for x in local_sent] == [EIGHT] * 6
    first = d(weekend)
    assert [x.date() for x in local_sent] == [
        first,
        first + timedelta(days=3),
        first + timedelta(days=4),
        first + timedelta(days=5),
        first + timedelta(days=6),
        first + timedelta(days=7),
    ]


# --- no digest on weekends, holidays, or when nothing is due ----------------------------


def test_no_morning_is_planned_on_thanksgiving_or_the_weekend() -> None:
    g, m = group(), member()
    played = play(m, g, [], local(g, m, "2026-11-23", "00:00"), local(g, m, "2026-12-01", "00:00"))
    assert [mo.day.isoformat() for _, mo in played] == [
        "2026-11-23",
        "2026-11-24",
        "2026-11-25",
        "2026-11-27",
        "2026-11-30",
    ]


def test_no_digest_when_nothing_is_due() -> None:
    g, m = group(), member()
    leads = quiet_leads(g, m)
    played = play(
        m, g, leads, local(g, m, "2026-03-02", "00:00"), local(g, m, "2026-03-14", "00:00")
    )
    assert len(played) == 10
    assert all(mo.message is None for _, mo in played)
    assert m.next_morning_at == local(g, m, "2026-03-16", "08:00")


def test_the_follow_up_digest_arrives_thursday_at_eight_for_a_monday_email() -> None:
    g, m = group(), member()
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.EMAILED, "2026-03-02")
    played = play(
        m,
        g,
        [lead, *quiet_leads(g, m)],
        local(g, m, "2026-03-02", "12:00"),
        local(g, m, "2026-03-06", "00:00"),
    )
    assert digests(played) == {"2026-03-05": ["email-follow-up"]}
    instant = next(i for i, mo in played if mo.message is not None)
    assert instant == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)


def test_a_check_in_due_on_a_saturday_arrives_on_monday_morning() -> None:
    g, m = group(), member()
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.INTERVIEWED, "2026-02-28")  # due Saturday 2026-03-14
    played = play(
        m,
        g,
        [lead, *quiet_leads(g, m)],
        local(g, m, "2026-03-12", "00:00"),
        local(g, m, "2026-03-17", "00:00"),
    )
    assert digests(played) == {"2026-03-16": ["post-interview-check-in"]}


def test_a_paused_member_gets_no_digest_and_nothing_counts_as_ignored() -> None:
    g, m = group(), member(paused=True)
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.EMAILED, "2026-03-02")
    played = play(
        m, g, [lead], local(g, m, "2026-03-02", "12:00"), local(g, m, "2026-03-14", "00:00")
    )
    assert len(played) == 9
    assert all(mo.message is None for _, mo in played)
    assert lead.nudge_count == 0 and not lead.nudge_asked
    assert m.last_pipeline_on is None
    m.paused = False
    later = play(
        m, g, [lead], local(g, m, "2026-03-16", "00:00"), local(g, m, "2026-03-17", "00:00")
    )
    assert digests(later) == {"2026-03-16": ["email-follow-up", "pipeline"]}


def test_an_unreachable_member_gets_no_digest() -> None:
    g, m = group(), member(unreachable=True)
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.REJECTED, "2026-03-02")
    played = play(
        m, g, [lead], local(g, m, "2026-03-02", "12:00"), local(g, m, "2026-03-07", "00:00")
    )
    assert all(mo.message is None for _, mo in played)


# --- missed mornings ---------------------------------------------------------------------


def overdue_member() -> tuple[Group, Member, Lead, list[Lead]]:
    g, m = group(), member()
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.EMAILED, "2026-03-02")
    leads = [lead, *quiet_leads(g, m)]
    refresh(m, g, leads)
    schedule(m, g, local(g, m, "2026-03-05", "07:00"))
    return g, m, lead, leads


def test_a_morning_planned_up_to_catch_up_late_is_sent_as_usual() -> None:
    g, m, lead, leads = overdue_member()
    morning = plan_morning(m, g, leads, {}, local(g, m, "2026-03-05", "10:00"), CATCH_UP)
    assert morning.message is not None and not morning.missed
    assert lead.nudge_count == 1


def test_a_morning_planned_more_than_catch_up_late_is_reported_missed_and_not_counted() -> None:
    g, m, lead, leads = overdue_member()
    morning = plan_morning(m, g, leads, {}, local(g, m, "2026-03-05", "10:01"), CATCH_UP)
    assert morning.missed
    assert morning.day == d("2026-03-05")
    assert lead.nudge_count == 0  # the member never saw it: not an ignored nudge
    assert morning.changed == ()
    assert m.next_morning_at == local(g, m, "2026-03-06", "08:00")


def test_after_an_outage_the_missed_mornings_are_reported_and_todays_is_sent() -> None:
    g, m, _, leads = overdue_member()
    back = local(g, m, "2026-03-09", "07:00")  # down from Thursday to Monday
    missed = []
    while m.next_morning_at is not None and m.next_morning_at <= back:
        missed.append(plan_morning(m, g, leads, {}, back, CATCH_UP))
    assert [(x.day.isoformat(), x.missed) for x in missed] == [
        ("2026-03-05", True),
        ("2026-03-06", True),
    ]
    today = plan_morning(m, g, leads, {}, local(g, m, "2026-03-09", "08:00"), CATCH_UP)
    assert today.message is not None and not today.missed
    assert today.message.rules == ("email-follow-up",)  # not yet "still pursuing?"


# --- what a digest holds -----------------------------------------------------------------


def test_the_digest_lists_the_most_time_sensitive_first_and_the_pipeline_last() -> None:
    g, m = group(), member()
    emailed, rejected = new_lead(g, m, 1), new_lead(g, m, 2)
    log(g, m, emailed, Action.EMAILED, "2026-03-02")
    log(g, m, rejected, Action.REJECTED, "2026-03-04")
    played = play(
        m,
        g,
        [emailed, rejected],
        local(g, m, "2026-03-05", "07:00"),
        local(g, m, "2026-03-05", "12:00"),
    )
    assert digests(played) == {"2026-03-05": ["rejection-call", "email-follow-up", "pipeline"]}


def test_the_pipeline_nudge_comes_once_a_week() -> None:
    g, m = group(), member()
    played = play(
        m,
        g,
        [new_lead(g, m, 1)],
        local(g, m, "2026-03-02", "00:00"),
        local(g, m, "2026-03-21", "00:00"),
    )
    assert digests(played) == {
        "2026-03-02": ["pipeline"],
        "2026-03-09": ["pipeline"],
        "2026-03-16": ["pipeline"],
    }
    assert m.last_pipeline_on == d("2026-03-16")


def test_five_active_leads_stop_the_pipeline_nudge_but_closed_ones_do_not_count() -> None:
    g, m = group(), member()
    leads = quiet_leads(g, m)
    refresh(m, g, leads)
    assert m.active_leads == 5
    leads[0].stage = Stage.CLOSED
    played = play(
        m, g, leads, local(g, m, "2026-03-02", "00:00"), local(g, m, "2026-03-03", "00:00")
    )
    assert m.active_leads == 4
    assert digests(played) == {"2026-03-02": ["pipeline"]}


def test_ignored_digests_repeat_three_mornings_then_ask_once_then_stop() -> None:
    g, m = group(), member()
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.EMAILED, "2026-03-02")
    played = play(
        m,
        g,
        [lead, *quiet_leads(g, m)],
        local(g, m, "2026-03-02", "12:00"),
        local(g, m, "2026-03-21", "00:00"),
    )
    assert digests(played) == {
        "2026-03-05": ["email-follow-up"],
        "2026-03-06": ["email-follow-up"],
        "2026-03-09": ["email-follow-up"],
        "2026-03-10": ["still-pursuing"],
    }
    assert lead.due_on is None


def test_logging_an_action_after_ignored_digests_starts_the_count_again() -> None:
    g, m = group(), member()
    lead = new_lead(g, m, 1)
    leads = [lead, *quiet_leads(g, m)]
    log(g, m, lead, Action.EMAILED, "2026-03-02")
    play(m, g, leads, local(g, m, "2026-03-02", "12:00"), local(g, m, "2026-03-07", "00:00"))
    log(g, m, lead, Action.NOTE, "2026-03-06", "12:00")
    played = play(
        m, g, leads, local(g, m, "2026-03-06", "12:00"), local(g, m, "2026-03-14", "00:00")
    )
    assert digests(played) == {
        "2026-03-09": ["email-follow-up"],
        "2026-03-10": ["email-follow-up"],
        "2026-03-11": ["email-follow-up"],
        "2026-03-12": ["still-pursuing"],
    }


def test_nudges_for_day_changes_nothing() -> None:
    g, m, lead, leads = overdue_member()
    before = (lead.nudge_rule, lead.nudge_count, lead.nudged_on, m.last_pipeline_on)
    for _ in range(4):
        worded = nudges_for_day(m, g, leads, {}, d("2026-03-05"))
        assert [n.rule for n in worded] == [Rule.EMAIL_FOLLOW_UP]
    assert (lead.nudge_rule, lead.nudge_count, lead.nudged_on, m.last_pipeline_on) == before


def test_remember_told_remembers_what_was_said() -> None:
    g, m = group(), member()
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.EMAILED, "2026-03-02")
    refresh(m, g, [lead])
    worded = nudges_for_day(m, g, [lead], {}, d("2026-03-05"))
    assert [n.rule for n in worded] == [Rule.EMAIL_FOLLOW_UP, Rule.PIPELINE]
    remember_told(m, g, worded, d("2026-03-05"))
    assert (lead.nudge_rule, lead.nudge_count, lead.nudged_on) == (
        "email-follow-up",
        1,
        d("2026-03-05"),
    )
    assert m.last_pipeline_on == d("2026-03-05")


def many_due(g: Group, m: Member, count: int) -> list[Lead]:
    """`count` leads emailed on Monday 2 March: all due for a follow-up on Thursday."""
    leads = [new_lead(g, m, n) for n in range(1, count + 1)]
    for lead in leads:
        log(g, m, lead, Action.EMAILED, "2026-03-02")
    return leads


def test_a_digest_is_one_message_of_the_five_most_pressing_and_a_count_of_the_rest() -> None:
    g, m = group(), member()
    leads = many_due(g, m, 8)
    rejected = new_lead(g, m, 9)
    log(g, m, rejected, Action.REJECTED, "2026-03-04")
    leads.append(rejected)
    (_, morning), *_ = play(
        m, g, leads, local(g, m, "2026-03-05", "07:00"), local(g, m, "2026-03-06", "00:00")
    )
    assert morning.message is not None
    message = morning.message
    assert message.text.endswith("9 things to do this Thursday, March 5:")
    assert message.rules == ("rejection-call", *["email-follow-up"] * 4)
    assert [s.text.split(" ")[0] for s in message.sections[:5]] == ["#9", "#1", "#2", "#3", "#4"]
    assert all(len(s.buttons) == 3 for s in message.sections[:5])
    (more,) = message.sections[5:]
    assert more.text == "4 more things to do today: `/lead today` shows them all."
    assert more.buttons == ()


def test_only_what_a_digest_showed_counts_as_told() -> None:
    """An action the digest had no room for was not ignored: it is not counted towards
    the "still pursuing?" question, and it comes again the next morning."""
    g, m = group(), member()
    leads = many_due(g, m, 7)
    refresh(m, g, leads)
    schedule(m, g, local(g, m, "2026-03-05", "07:00"))
    morning = plan_morning(m, g, leads, {}, local(g, m, "2026-03-05", "08:00"), CATCH_UP)
    assert [lead.nudge_count for lead in leads] == [1, 1, 1, 1, 1, 0, 0]
    assert [lead.due_on for lead in leads[5:]] == [d("2026-03-05")] * 2
    assert m.last_pipeline_on is None  # the pipeline nudge (7 leads: none) had no room
    assert morning.changed == tuple(leads[:5])  # all that planning has to write back


def test_the_pipeline_nudge_left_out_of_a_full_digest_is_not_counted_as_sent() -> None:
    g, m = group(), member()
    leads = many_due(g, m, 5)
    # A closed network contact to keep in touch with: six actions, and four active leads.
    leads[0] = new_lead(g, m, 1, "2026-01-20", network=True, stage=Stage.CLOSED)
    (_, morning), *_ = play(
        m, g, leads, local(g, m, "2026-03-05", "07:00"), local(g, m, "2026-03-06", "00:00")
    )
    assert m.active_leads == 4
    assert morning.message is not None
    assert "pipeline" not in morning.message.rules
    assert morning.message.sections[-1].text.startswith("1 more thing to do today")
    assert m.last_pipeline_on is None


# --- whose calendar ----------------------------------------------------------------------


def test_a_berlin_member_of_a_us_group_gets_german_holidays_and_a_berlin_morning() -> None:
    g = group()
    berlin = member(tz="Europe/Berlin", country="DE")
    lead = new_lead(g, berlin, 1)
    log(g, berlin, lead, Action.EMAILED, "2026-04-02")
    played = play(
        berlin,
        g,
        [lead, *quiet_leads(g, berlin)],
        local(g, berlin, "2026-04-02", "12:00"),
        local(g, berlin, "2026-04-10", "00:00"),
    )
    days = [mo.day.isoformat() for _, mo in played]
    assert "2026-04-03" not in days and "2026-04-06" not in days  # Good Friday, Easter Monday
    assert digests(played) == {"2026-04-09": ["email-follow-up"]}
    instant = next(i for i, mo in played if mo.message is not None)
    assert instant == datetime(2026, 4, 9, 6, 0, tzinfo=UTC)  # 08:00 CEST


def test_a_us_member_gets_the_same_follow_up_after_easter_on_tuesday() -> None:
    g, m = group(), member()
    lead = new_lead(g, m, 1)
    log(g, m, lead, Action.EMAILED, "2026-04-02")
    played = play(
        m,
        g,
        [lead, *quiet_leads(g, m)],
        local(g, m, "2026-04-02", "12:00"),
        local(g, m, "2026-04-08", "00:00"),
    )
    assert digests(played) == {"2026-04-07": ["email-follow-up"]}


def test_a_member_inherits_the_groups_country_and_may_override_it() -> None:
    g = group("Europe/Berlin", "DE")
    inheriting, overriding = member(), member(country="US")
    start, end = "2026-04-02", "2026-04-08"
    inherited = play(
        inheriting, g, [], local(g, inheriting, start, "00:00"), local(g, inheriting, end, "00:00")
    )
    overridden = play(
        overriding, g, [], local(g, overriding, start, "00:00"), local(g, overriding, end, "00:00")
    )
    assert [mo.day.isoformat() for _, mo in inherited] == ["2026-04-02", "2026-04-07"]
    assert [mo.day.isoformat() for _, mo in overridden] == [
        "2026-04-02",
        "2026-04-03",
        "2026-04-06",
        "2026-04-07",
    ]


def test_a_us_member_gets_no_thanksgiving_digest_a_german_one_does() -> None:
    us_group, de_group = group(), group("Europe/Berlin", "DE")
    us, de = member(), member()
    for g, m, expected in ((us_group, us, False), (de_group, de, True)):
        played = play(
            m, g, [], local(g, m, "2026-11-26", "00:00"), local(g, m, "2026-11-27", "00:00")
        )
        assert (d("2026-11-26") in [mo.day for _, mo in played]) is expected


# --- offers and referrals through planning ------------------------------------------------


def test_an_offer_friday_brings_offer_leverage_for_the_other_leads_on_monday() -> None:
    g, m = group(), member()
    offer, interviewing, emailed = new_lead(g, m, 1), new_lead(g, m, 2), new_lead(g, m, 3)
    log(g, m, interviewing, Action.INTERVIEWED, "2026-03-03")
    log(g, m, emailed, Action.EMAILED, "2026-03-05")
    log(g, m, offer, Action.OFFER, "2026-03-06", "15:00")
    leads = [offer, interviewing, emailed, *quiet_leads(g, m)]
    refresh(m, g, leads)
    assert m.offer_since == local(g, m, "2026-03-06", "15:00")
    played = play(
        m, g, leads, local(g, m, "2026-03-06", "16:00"), local(g, m, "2026-03-10", "00:00")
    )
    assert digests(played) == {"2026-03-09": ["offer-leverage"]}
    message = played[0][1].message
    assert message is not None and "#2" in message.sections[0].text


def test_once_the_offer_is_declined_the_other_leads_are_not_told_about_it() -> None:
    g, m = group(), member()
    offer, interviewing = new_lead(g, m, 1), new_lead(g, m, 2)
    log(g, m, interviewing, Action.INTERVIEWED, "2026-03-03")
    log(g, m, offer, Action.OFFER, "2026-03-06")
    log(g, m, offer, Action.DECLINED, "2026-03-06", "17:00")
    leads = [offer, interviewing, *quiet_leads(g, m)]
    refresh(m, g, leads)
    assert m.offer_since is None
    played = play(
        m, g, leads, local(g, m, "2026-03-06", "18:00"), local(g, m, "2026-03-14", "00:00")
    )
    assert digests(played) == {}


def test_a_referral_digest_names_the_person_who_referred() -> None:
    g, m = group(), member()
    parent = new_lead(g, m, 1)
    parent.contact = "Bob Stone"
    child = new_lead(g, m, 2, added="2026-03-03", parent_id=1)
    leads = [parent, child, *quiet_leads(g, m)]
    played = play(
        m,
        g,
        leads,
        local(g, m, "2026-03-03", "12:00"),
        local(g, m, "2026-03-05", "00:00"),
        referrers={1: "Bob Stone"},
    )
    assert digests(played) == {"2026-03-04": ["reach-referral"]}
    message = played[0][1].message
    assert message is not None
    section = message.sections[0]
    assert "Bob Stone" in section.text
    assert section.draft is not None and "Bob Stone" in section.draft

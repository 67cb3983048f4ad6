"""The storage ports behave the same in memory (testkit.storage), on SQLite and on
PostgreSQL: each case here runs on all three, so the fake the service tests run on
cannot drift from the real storage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.domain.leads import Action, Event, Lead, Stage, folded, named
from core.domain.links import Link, LinkCode, Tries
from core.domain.members import Group, Member
from core.domain.messages import Button, Message, MessageKind, Section
from core.domain.rules import Rule
from core.domain.scoring import Standings, Tally
from core.domain.worklog import Activity
from core.services.ports import Conflict, Outgoing, SimulatedClock, UnitOfWork
from testkit import kit
from testkit.storage import FakeStorage
from tests.conftest import START, _empty_postgres

Uow = Callable[[], UnitOfWork]
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Uow]:
    """Units of work over empty storage: in memory, or on a migrated database."""
    if request.param == "fake":
        yield FakeStorage().uow
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'followthrough.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
    with kit.services(url, SimulatedClock(START)) as services:
        yield services.database.uow


def add_group(uow: Uow, external_id: str = "T1", **fields: object) -> Group:
    with uow() as u:
        group = u.groups.add(Group("slack", external_id, **fields))  # type: ignore[arg-type]
        u.commit()
    return group


def add_member(uow: Uow, group: Group, user: str = "U1", **fields: object) -> Member:
    assert group.id is not None
    with uow() as u:
        member = u.members.add(Member(group.id, user, user.lower(), **fields))  # type: ignore[arg-type]
        u.commit()
    return member


def add_lead(uow: Uow, member: Member, number: int = 1, **fields: object) -> Lead:
    assert member.id is not None
    lead = Lead(member.id, number, f"Contact {number}", "Acme", START, **fields)  # type: ignore[arg-type]
    with uow() as u:
        u.leads.of(member.id).add(lead)
        u.commit()
    return lead


def outgoing(
    group: Group,
    key: str,
    member: Member | None = None,
    *,
    not_before: datetime = START,
    to_channel: bool = False,
    expires_at: datetime | None = None,
) -> Outgoing:
    assert group.id is not None
    message = Message(MessageKind.DIGEST, f"message {key}")
    member_id = None if member is None else member.id
    return Outgoing(
        key, group.id, member_id, message, not_before, to_channel, expires_at=expires_at
    )


def counts_of(**counts: int) -> Counter[Action]:
    return Counter({Action(action): n for action, n in counts.items()})


# -- the unit of work ----------------------------------------------------------------------


def test_what_is_committed_is_read_by_the_next_unit_of_work_and_the_rest_is_not(
    uow: Uow,
) -> None:
    group = add_group(uow, tz="Europe/Paris")
    with uow() as u:
        u.groups.add(Group("slack", "T2"))  # never committed
    with uow() as u:
        found = u.groups.get("slack", "T1")
        assert found is not None and found.id == group.id and found.tz == "Europe/Paris"
        assert u.groups.get("slack", "T2") is None
        found.channel = "C1"
        u.groups.save(found)
        u.rollback()
        assert u.groups.by_id(group.id or 0).channel is None
        found.channel = "C2"
        u.groups.save(found)
        u.commit()
        assert u.groups.by_id(group.id or 0).channel == "C2"  # still usable after commit


def test_a_second_group_or_member_with_the_same_ids_is_a_conflict(uow: Uow) -> None:
    group = add_group(uow)
    add_member(uow, group, "U1")
    with pytest.raises(Conflict), uow() as u:
        u.groups.add(Group("slack", "T1"))
        u.commit()
    with pytest.raises(Conflict), uow() as u:
        u.members.add(Member(group.id or 0, "U1", "again"))
        u.commit()
    with uow() as u:
        assert len(u.members.in_group(group.id or 0)) == 1


def test_a_group_read_back_is_a_copy_with_its_settings_and_points(uow: Uow) -> None:
    group = add_group(uow, points={"emailed": 5})
    group.tz = "changed but not saved"
    with uow() as u:
        found = u.groups.get("slack", "T1")
    assert found is not None and found.tz == "UTC"
    assert found.points["emailed"] == 5 and found.points["added"] == 1


def test_boards_due_and_the_next_board(uow: Uow) -> None:
    add_group(uow, "T1", next_board_at=START + HOUR)
    add_group(uow, "T2", next_board_at=START + 3 * HOUR)
    add_group(uow, "T3")
    with uow() as u:
        assert u.groups.next_board_at() == START + HOUR
        assert [g.external_id for g in u.groups.board_due(START + 2 * HOUR)] == ["T1"]
        assert u.groups.board_due(START) == []


# -- members ---------------------------------------------------------------------------------


def test_members_of_a_group_organisers_and_workspaces(uow: Uow) -> None:
    one, two = add_group(uow, "T1"), add_group(uow, "T2")
    add_member(uow, one, "U2")
    add_member(uow, one, "U1", organiser=True)
    add_member(uow, two, "U1")
    with uow() as u:
        assert [m.external_id for m in u.members.in_group(one.id or 0)] == ["U2", "U1"]
        assert [m.external_id for m in u.members.roster(one.id or 0)] == ["U2", "U1"]
        assert [m.external_id for m in u.members.organisers(one.id or 0)] == ["U1"]
        assert u.members.workspaces_of("slack", "U1") == ["T1", "T2"]
        assert u.members.workspaces_of("discord", "U1") == []
        assert u.members.get(one.id or 0, "nobody") is None


def test_a_member_saved_changed_and_their_dm_channel(uow: Uow) -> None:
    group = add_group(uow)
    member = add_member(uow, group, tz="Asia/Tokyo")
    with uow() as u:
        found = u.members.get(group.id or 0, "U1")
        assert found is not None and found == member
        found.paused, found.name = True, "Ada"
        u.members.save(found)
        u.members.set_dm_channel(member.id or 0, "D1")
        u.members.set_dm_channel(999_999, "D2")  # gone: no error
        u.commit()
    with uow() as u:
        again = u.members.by_id(member.id or 0)
        assert again is not None and (again.paused, again.name) == (True, "Ada")
        assert again.dm_channel == "D1" and again.tz == "Asia/Tokyo"
        assert u.members.by_id(999_999) is None


def test_mornings_due_in_time_order_and_what_planning_writes(uow: Uow) -> None:
    group = add_group(uow)
    late = add_member(uow, group, "U1", next_morning_at=START + 2 * HOUR)
    early = add_member(uow, group, "U2", next_morning_at=START + HOUR)
    add_member(uow, group, "U3", next_morning_at=START + 5 * HOUR)
    add_member(uow, group, "U4")
    with uow() as u:
        assert u.members.next_morning_at() == START + HOUR
        due = u.members.morning_due(START + 3 * HOUR, limit=10)
        assert [m.id for m in due] == [early.id, late.id]
        assert [m.id for m in u.members.morning_due(START + 3 * HOUR, limit=1)] == [early.id]
        first, second = due
        # Written as the instant it is, whatever zone it was computed in.
        first.next_morning_at = (START + 24 * HOUR).astimezone(ZoneInfo("Asia/Tokyo"))
        first.last_planned_on, first.last_pipeline_on = START.date(), None
        first.name = "not written by planning"
        second.last_pipeline_on = START.date()
        u.members.save_planned(due)
        u.commit()
    with uow() as u:
        planned = u.members.by_id(early.id or 0)
        assert planned is not None and planned.next_morning_at == START + 24 * HOUR
        assert planned.last_planned_on == START.date() and planned.name == "u2"
        assert planned.last_pipeline_on is None
        other = u.members.by_id(late.id or 0)
        assert other is not None and other.last_pipeline_on == START.date()
        assert other.next_morning_at == START + 2 * HOUR


# -- leads ------------------------------------------------------------------------------------


def test_a_members_leads_in_number_order_and_nobody_elses(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    add_lead(uow, ada, 2)
    add_lead(uow, ada, 1)
    beas = add_lead(uow, bea, 1)
    with uow() as u:
        assert [lead.number for lead in u.leads.of(ada.id or 0).all()] == [1, 2]
        assert [lead.id for lead in u.leads.for_member(bea.id or 0)] == [beas.id]
    with pytest.raises(Conflict), uow() as u:
        u.leads.add(Lead(ada.id or 0, 1, "Same", "Number", START))
        u.commit()


def test_a_lead_is_written_only_by_its_own_member(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    beas = add_lead(uow, bea, 1)
    with uow() as u:
        (lead,) = u.leads.of(bea.id or 0).all()
        lead.contact = "taken"
        with pytest.raises(PermissionError):
            u.leads.of(ada.id or 0).save(lead)  # names Bea
        lead.member_id = ada.id or 0
        with pytest.raises(PermissionError):
            u.leads.of(ada.id or 0).save(lead)  # stored as Bea's
        with pytest.raises(PermissionError):
            u.leads.save(lead)
        with pytest.raises(PermissionError):
            u.leads.of(ada.id or 0).add(Lead(bea.id or 0, 9, "Not", "Hers", START))
        u.commit()
    with uow() as u:
        (stored,) = u.leads.for_member(bea.id or 0)
        assert stored.contact == beas.contact and u.leads.for_member(ada.id or 0) == []
        stored.stage = Stage.EMAILED
        u.leads.of(bea.id or 0).save(stored)
        u.commit()
    with uow() as u:
        assert u.leads.for_member(bea.id or 0)[0].stage is Stage.EMAILED


def test_leads_due_by_each_members_day_and_what_planning_writes(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    add_lead(uow, ada, 1, due_on=date(2026, 3, 2))
    add_lead(uow, ada, 2, due_on=date(2026, 3, 4))
    add_lead(uow, bea, 1, due_on=date(2026, 3, 3))
    add_lead(uow, bea, 2)
    days = {ada.id or 0: date(2026, 3, 3), bea.id or 0: date(2026, 3, 3)}
    with uow() as u:
        due = u.leads.due(days)
        assert [(lead.member_id, lead.number) for lead in due] == [(ada.id, 1), (bea.id, 1)]
        assert u.leads.due({}) == []
        due[0].nudge_count, due[0].contact = 2, "not written by planning"
        due[0].nudge_rule, due[0].nudged_on = Rule.EMAIL_FOLLOW_UP, date(2026, 3, 3)
        due[1].nudge_asked, due[1].due_on = True, None
        u.leads.save_planned(due)
        u.commit()
    with uow() as u:
        first = u.leads.for_member(ada.id or 0)[0]
        assert (first.nudge_count, first.contact) == (2, "Contact 1")
        assert (first.nudge_rule, first.nudged_on) == ("email-follow-up", date(2026, 3, 3))
        beas = u.leads.for_member(bea.id or 0)[0]
        assert (beas.nudge_asked, beas.due_on, beas.nudge_count) == (True, None, 0)
        assert u.leads.due(days) == [first]


def test_contacts_only_of_the_leads_each_member_owns(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    adas, beas = add_lead(uow, ada, 1), add_lead(uow, bea, 1)
    with uow() as u:
        wanted = {ada.id or 0: {adas.id or 0, beas.id or 0}}
        assert u.leads.contacts(wanted) == {adas.id: "Contact 1"}
        assert u.leads.contacts({}) == {}


# Names whose folding (NFKC, then casefold) is not their lower case, and names with
# what LIKE reads as wildcards: each lead is (contact, company).
FOLDED_NAMES = [
    ("Anna Gaßner", "Acme"),
    ("José Luis", "Straße GmbH"),  # é composed
    ("Jose\u0301 Diaz", "Globex"),  # é as e and a combining accent
    ("ＺＥＬＤＡ Ｑｕｉｌｌ", "Ｑｕｉｌｌworks"),  # fullwidth
    ("ZELDA Upper", "INITECH"),
    ("Дмитрий Петров", "Яндекс"),
    ("\u212aate Kelvin", "ﬁnch & co"),  # the Kelvin sign; the fi ligature
    ("İsmail Demir", "Pat 100% sure"),
    ("Under_Score", "slash/dash"),
    ("", "Hooli"),  # an employer with nobody named yet
]
# What a member types: every one of these must find what `find` would among all leads.
REFERENCES = [
    "GASSNER", "gaßner", "jose\u0301", "josé", "jose", "zelda", "ＺＥＬＤＡ", "quill",
    "QUILLWORKS", "дмитрий", "ДМИТРИЙ", "strasse", "kate", "finch", "smail", "i̇smail",
    "100%", "%", "_", "r_s", "/", "h/d", "a", "hooli", "nobody", " Acme ",
]  # fmt: skip


def test_a_lead_is_read_by_its_number_id_or_any_folding_of_a_name(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    assert ada.id is not None and bea.id is not None
    with uow() as u:
        for number, (contact, company) in enumerate(FOLDED_NAMES, start=1):
            u.leads.of(ada.id).add(Lead(ada.id, number, contact, company, START))
        beas = u.leads.of(bea.id).add(Lead(bea.id, 1, "Anna Gassner", "Acme", START))
        u.commit()
    with uow() as u:
        adas = u.leads.of(ada.id)
        every = adas.all()
        for ref in REFERENCES:
            text = folded(ref)
            wanted = [lead.number for lead in every if named(lead, text)]
            assert [lead.number for lead in adas.named(text)] == wanted, ref
        found = adas.numbered(4)
        assert found is not None and found.contact == "ＺＥＬＤＡ Ｑｕｉｌｌ"
        assert adas.numbered(99) is None
        assert adas.get(found.id or 0) == found
        assert adas.get(beas.id or 0) is None  # Bea's: not Ada's to read


def test_leads_read_by_their_referrer_or_their_stage_are_the_members_own(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    parent = add_lead(uow, ada, 1, stage=Stage.TALKING)
    add_lead(uow, ada, 3, parent_id=parent.id, stage=Stage.OFFER)
    add_lead(uow, ada, 2, parent_id=parent.id)
    add_lead(uow, ada, 4, stage=Stage.INTERVIEWED)
    add_lead(uow, bea, 1, parent_id=parent.id, stage=Stage.TALKING)  # not Ada's
    with uow() as u:
        adas = u.leads.of(ada.id or 0)
        assert [lead.number for lead in adas.referred_by(parent.id or 0)] == [2, 3]
        assert adas.referred_by(0) == []
        leveraged = adas.in_stages({Stage.TALKING, Stage.INTERVIEWED})
        assert [lead.number for lead in leveraged] == [1, 4]
        assert adas.in_stages(set()) == []


def test_a_lead_read_alone_is_saved_like_one_read_with_all(uow: Uow) -> None:
    group = add_group(uow)
    ada = add_member(uow, group, "U1")
    add_lead(uow, ada, 1)
    with uow() as u:
        lead = u.leads.of(ada.id or 0).numbered(1)
        assert lead is not None
        lead.stage = Stage.EMAILED
        u.leads.of(ada.id or 0).save(lead)
        u.commit()
    with uow() as u:
        assert u.leads.for_member(ada.id or 0)[0].stage is Stage.EMAILED


# -- events and tallies -------------------------------------------------------------------


def test_a_leads_history_and_when_a_members_actions_happened(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    lead, other, beas = add_lead(uow, ada, 1), add_lead(uow, ada, 2), add_lead(uow, bea, 1)
    monday, tuesday = START, START + 24 * HOUR
    with uow() as u:
        late = Event(lead.id or 0, Action.EMAILED, monday, Stage.EMAILED, logged_at=tuesday)
        u.events.add(group.id or 0, ada.id or 0, late)
        u.commit()
    log(uow, ada, lead, Action.ADDED, monday - HOUR, Stage.NEW)
    log(uow, ada, lead, Action.NOTE, tuesday, Stage.EMAILED)
    log(uow, ada, other, Action.CALLED, tuesday, Stage.CALLED)
    log(uow, bea, beas, Action.CALLED, tuesday, Stage.CALLED)
    with uow() as u:
        history = u.events.for_lead(ada.id or 0, lead.id or 0)
        assert [e.action for e in history] == [Action.ADDED, Action.EMAILED, Action.NOTE]
        assert history[1].logged_at == tuesday
        assert u.events.for_lead(ada.id or 0, beas.id or 0) == []  # Bea's lead
        times = u.events.times(ada.id or 0, {Action.EMAILED, Action.CALLED})
        assert sorted(times) == [(monday, tuesday), (tuesday, tuesday)]
        assert u.events.times(ada.id or 0, set()) == []


def log(uow: Uow, member: Member, lead: Lead, action: Action, at: datetime, stage: Stage) -> None:
    with uow() as u:
        u.events.add(member.group_id, member.id or 0, Event(lead.id or 0, action, at, stage))
        u.commit()


def test_events_in_time_order_and_what_they_count_for(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    lead, other = add_lead(uow, ada, 1), add_lead(uow, bea, 1)
    monday, tuesday = START, START + 24 * HOUR
    log(uow, ada, lead, Action.EMAILED, tuesday, Stage.EMAILED)
    log(uow, ada, lead, Action.ADDED, monday, Stage.NEW)
    log(uow, ada, lead, Action.EMAILED, tuesday + HOUR, Stage.EMAILED)  # the same day: once
    log(uow, ada, lead, Action.NOTE, tuesday, Stage.EMAILED)  # counts for nothing
    log(uow, bea, other, Action.CALLED, monday, Stage.CALLED)
    with uow() as u:
        events = u.events.for_member(ada.id or 0)
        # In time order, and in the order logged at the same instant.
        actions = [Action.ADDED, Action.EMAILED, Action.NOTE, Action.EMAILED]
        assert [e.action for e in events] == actions
        week = u.events.tallies(group.id or 0, monday.date())
        assert week == {
            ada.id: Tally(counts_of(added=1, emailed=1)),
            bea.id: Tally(counts_of(called=1)),
        }
        assert u.events.tallies(group.id or 0, tuesday.date()) == {
            ada.id: Tally(counts_of(emailed=1))
        }
        assert u.events.tallies(group.id or 0, monday.date(), tuesday.date()) == {
            ada.id: Tally(counts_of(added=1)),
            bea.id: Tally(counts_of(called=1)),
        }
        points = {"added": 1, "emailed": 10, "called": 100}
        standings = u.events.standings(group.id or 0, date(2000, 1, 1), None, points)
        assert standings == Standings(
            {ada.id or 0: 11, bea.id or 0: 100}, counts_of(added=1, emailed=1, called=1)
        )


def test_a_rejection_call_earns_its_bonus_and_a_retally_follows_a_new_zone(uow: Uow) -> None:
    group = add_group(uow)
    ada = add_member(uow, group, "U1")
    lead = add_lead(uow, ada, 1)
    late = datetime(2026, 3, 2, 23, 30, tzinfo=START.tzinfo)  # Monday 23:30 UTC
    log(uow, ada, lead, Action.REJECTED, late, Stage.REJECTED)
    log(uow, ada, lead, Action.CALLED, late + HOUR, Stage.CLOSED)  # Tuesday: within a day
    with uow() as u:
        (tally,) = u.events.tallies(group.id or 0, START.date()).values()
        assert tally.bonuses == 1 and tally.counts == counts_of(called=1)
        assert u.events.tallies(group.id or 0, START.date(), date(2026, 3, 3)) == {}
        found = u.groups.by_id(group.id or 0)
        found.tz = "Asia/Tokyo"  # Monday 23:30 UTC is Tuesday there
        u.groups.save(found)
        u.events.retally(group.id or 0)
        u.commit()
    with uow() as u:
        assert u.events.tallies(group.id or 0, date(2026, 3, 3), date(2026, 3, 4)) == {
            ada.id: Tally(counts_of(called=1), 1)
        }


# -- the outbox ---------------------------------------------------------------------------


def test_a_key_is_written_once(uow: Uow) -> None:
    group = add_group(uow)
    with uow() as u:
        assert u.outbox.add(outgoing(group, "k1"), START)
        assert not u.outbox.add(outgoing(group, "k1"), START)
        assert u.outbox.add_many([outgoing(group, k) for k in ("k1", "k2", "k2", "k3")], START) == 2
        assert u.outbox.add_many([], START) == 0
        u.commit()
    with uow() as u:
        assert u.outbox.counts(START)["pending"] == 3


def test_what_many_rows_written_at_once_hold_is_read_back_as_written(uow: Uow) -> None:
    group = add_group(uow, channel="C1")
    ada = add_member(uow, group, "U1")
    assert group.id is not None
    tokyo = ZoneInfo("Asia/Tokyo")
    typed = 'Ana "Quotes" \\ back\\slash, \ue000marked\ue001, Gaßner, 東京 {"not": "json"}'
    message = Message(
        MessageKind.DIGEST,
        typed,
        (Section(typed, "why", "draft\nsecond line", (Button("Done", "/lead done #1"),)),),
        rules=("email-follow-up",),
    )
    items = [
        Outgoing(f"k{n}", group.id, ada.id, message, START + n * HOUR, expires_at=START + 9 * HOUR)
        for n in range(300)
    ]
    items[1] = replace(items[1], not_before=(START + HOUR).astimezone(tokyo), expires_at=None)
    items[2] = replace(items[2], member_id=None, to_channel=True)
    with uow() as u:
        assert u.outbox.add_many(items, START) == 300
        assert u.outbox.add_many(items[:2], START) == 0
        u.commit()
    with uow() as u:
        claimed = u.outbox.claim(START + 2 * HOUR, "w1", 10, 60)
        u.commit()
    assert [(d.key, d.user_id, d.message) for d in claimed] == [
        ("k0", "U1", message), ("k1", "U1", message), ("k2", None, message)
    ]  # fmt: skip
    with uow() as u:  # k1 never expires; the others are missed after nine hours
        assert [d.key for d in u.outbox.claim(START + 10 * HOUR, "w2", 10, 3600)] == ["k1"]


def test_claims_in_order_up_to_the_limit_on_live_groups_of_the_platforms_asked(
    uow: Uow,
) -> None:
    group, gone = add_group(uow, "T1", channel="C1"), add_group(uow, "T2", suspended=True)
    ada = add_member(uow, group, "U1", tz="Asia/Tokyo", dm_channel="D1")
    with uow() as u:
        u.outbox.add_many(
            [
                outgoing(group, "later", ada, not_before=START + HOUR),
                outgoing(group, "second", ada, not_before=START - HOUR),
                outgoing(group, "first", ada, not_before=START - 2 * HOUR),
                outgoing(group, "post", to_channel=True),
                outgoing(gone, "suspended"),
            ],
            START - 3 * HOUR,
        )
        u.commit()
    with uow() as u:
        assert u.outbox.claim(START, "w1", 10, 60, frozenset({"discord"})) == []
        claimed = u.outbox.claim(START, "w1", 2, 60)
        u.commit()
    assert [d.key for d in claimed] == ["first", "second"]
    first = claimed[0]
    assert (first.platform, first.workspace_id, first.user_id) == ("slack", "T1", "U1")
    assert (first.channel, first.recipient_tz, first.recipient_name) == ("C1", "Asia/Tokyo", "u1")
    assert (first.dm_channel, first.worker, first.attempts) == ("D1", "w1", 0)
    assert first.lease_until == START + timedelta(seconds=60)
    assert first.message == Message(MessageKind.DIGEST, "message first")
    with uow() as u:
        (post,) = u.outbox.claim(START, "w2", 10, 60)
        assert (post.key, post.user_id, post.recipient_name) == ("post", None, "#group")
        assert (post.recipient_tz, post.dm_channel) == ("UTC", None)
        assert u.outbox.counts(START) == {
            "pending": 2, "claimed": 3, "sent": 0, "failed": 0, "missed": 0
        }  # fmt: skip
        u.commit()
    with uow() as u:  # the leases ran out: the rows go to whoever claims next
        again = u.outbox.claim(START + timedelta(seconds=61), "w3", 10, 60)
        assert {d.key for d in again} == {"first", "second", "post"}


def test_only_the_claimer_marks_a_row_sent_or_failed(uow: Uow) -> None:
    group = add_group(uow)
    ada = add_member(uow, group, "U1")
    with uow() as u:
        u.outbox.add_many([outgoing(group, k, ada) for k in ("sent", "retry", "failed")], START)
        sent, retry, failed = u.outbox.claim(START, "w1", 10, 60)
        u.commit()
    with uow() as u:
        stolen = replace(sent, worker="w2")
        assert not u.outbox.mark_sent(stolen, START, "m0")
        assert u.outbox.mark_sent(sent, START, "m1")
        assert not u.outbox.mark_sent(sent, START, "m1")  # not pending any more
        assert u.outbox.mark_failed(retry, "503", START + HOUR)
        assert u.outbox.mark_failed(failed, "x" * 3000, None, count_attempt=False)
        assert u.outbox.pending_for(ada.id or 0) == 1
        assert u.outbox.counts(START) == {
            "pending": 1, "claimed": 0, "sent": 1, "failed": 1, "missed": 0
        }  # fmt: skip
        u.commit()
    with uow() as u:
        assert u.outbox.claim(START, "w1", 10, 60) == []  # the retry waits for its time
        (again,) = u.outbox.claim(START + HOUR, "w1", 10, 60)
        assert (again.key, again.attempts) == ("retry", 1)


def test_a_release_gives_claims_back_and_expired_rows_are_missed(uow: Uow) -> None:
    group = add_group(uow)
    ada = add_member(uow, group, "U1")
    with uow() as u:
        u.outbox.add_many(
            [
                outgoing(group, "a", ada),
                outgoing(group, "b", ada),
                outgoing(group, "old", ada, expires_at=START - HOUR),
            ],
            START,
        )
        a, _ = u.outbox.claim(START, "w1", 10, 60)
        u.commit()
    with uow() as u:
        assert u.outbox.counts(START) == {
            "pending": 0, "claimed": 2, "sent": 0, "failed": 0, "missed": 1
        }  # fmt: skip
        u.outbox.release(a.id)
        assert [d.key for d in u.outbox.claim(START, "w2", 10, 60)] == ["a"]
        u.outbox.release(worker="w1")
        assert [d.key for d in u.outbox.claim(START, "w3", 10, 60)] == ["b"]
        u.outbox.release()
        assert u.outbox.counts(START)["claimed"] == 0


def test_a_dms_row_is_read_back_directly_and_a_posts_is_not(uow: Uow) -> None:
    group = add_group(uow)
    ada = add_member(uow, group, "U1")
    with uow() as u:
        u.outbox.add_many(
            [outgoing(group, "dm", ada), outgoing(group, "post", to_channel=True)], START
        )
        dm, post = u.outbox.claim(START, "w1", 10, 60)
        assert u.outbox.direct(dm.id) == ("slack", "T1", "U1", dm.message)
        assert u.outbox.direct(post.id) is None
        assert u.outbox.direct(999_999) is None


# -- applied keys and erasing -------------------------------------------------------------


def test_a_key_is_applied_once_and_forgotten_after_a_month(uow: Uow) -> None:
    with uow() as u:
        assert u.applied.first("press-1", START)
        assert not u.applied.first("press-1", START)
        u.commit()
    with uow() as u:
        assert not u.applied.first("press-1", START + HOUR)
        assert u.applied.first("press-2", START + timedelta(days=31))  # forgets press-1
        assert u.applied.first("press-1", START + timedelta(days=31))
    with uow() as u:  # not committed: press-2 was never applied
        assert u.applied.first("press-2", START + HOUR)


def test_a_key_forgotten_applies_again_once_committed(uow: Uow) -> None:
    with uow() as u:
        assert u.applied.first("event-1", START)
        u.commit()
    with uow() as u:
        u.applied.forget("event-1")
        u.applied.forget("never-applied")  # nothing to forget: no error
    with uow() as u:  # not committed: still applied
        assert not u.applied.first("event-1", START + HOUR)
        u.applied.forget("event-1")
        u.commit()
    with uow() as u:
        assert u.applied.first("event-1", START + HOUR)


def test_erasing_a_member_or_a_group_takes_everything_of_theirs(uow: Uow) -> None:
    group, other = add_group(uow, "T1"), add_group(uow, "T2")
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    stays = add_member(uow, other, "U1")
    adas = add_lead(uow, ada, 1)
    referred = add_lead(uow, bea, 1, parent_id=adas.id)
    log(uow, ada, adas, Action.ADDED, START, Stage.NEW)
    with uow() as u:
        u.outbox.add_many(
            [outgoing(group, "ada", ada), outgoing(group, "post", to_channel=True)], START
        )
        u.members.delete(ada)
        u.commit()
    with uow() as u:
        assert u.members.by_id(ada.id or 0) is None
        assert u.leads.for_member(ada.id or 0) == [] and u.events.for_member(ada.id or 0) == []
        assert u.events.tallies(group.id or 0, START.date()) == {}
        assert u.outbox.pending_for(ada.id or 0) == 0
        (left,) = u.leads.for_member(bea.id or 0)
        assert left.id == referred.id and left.parent_id is None
        u.groups.delete(Group("slack", "never stored"))  # no id: nothing to do
        u.groups.delete(u.groups.by_id(group.id or 0))
        u.commit()
    with uow() as u:
        assert u.groups.get("slack", "T1") is None and u.members.by_id(bea.id or 0) is None
        assert u.outbox.counts(START)["pending"] == 0
        assert u.members.by_id(stays.id or 0) is not None


# -- the work-search log: activities, details, settings -----------------------------------


def test_activities_are_read_by_member_and_time_and_go_with_the_member(uow: Uow) -> None:
    group = add_group(uow)
    ana, ben = add_member(uow, group, "U-ana"), add_member(uow, group, "U-ben")
    assert group.id is not None and ana.id is not None and ben.id is not None
    fair = Activity("fair", START, "Tech Expo", "Javits", 180)
    later = Activity("search", START + 3 * HOUR, minutes=60, logged_at=START + 30 * HOUR)
    with uow() as u:
        stored = u.activities.add(group.id, ana.id, later)
        u.activities.add(group.id, ana.id, fair)
        u.activities.add(group.id, ben.id, Activity("workshop", START + HOUR))
        u.commit()
    assert stored.id is not None and stored == replace(later, id=stored.id)
    with uow() as u:
        assert [a.kind for a in u.activities.for_member(ana.id)] == ["fair", "search"]
        assert u.activities.for_member(ana.id, START + HOUR, START + 4 * HOUR) == [stored]
        both = u.activities.between([ana.id, ben.id], START, START + 2 * HOUR)
        assert {m: [a.kind for a in found] for m, found in both.items()} == {
            ana.id: ["fair"],
            ben.id: ["workshop"],
        }
        u.members.delete(ana)
        u.commit()
    with uow() as u:
        assert u.activities.for_member(ana.id) == []
        assert len(u.activities.for_member(ben.id)) == 1


def test_events_between_are_read_for_many_members_at_once(uow: Uow) -> None:
    group = add_group(uow)
    ana, ben = add_member(uow, group, "U-ana"), add_member(uow, group, "U-ben")
    assert group.id is not None and ana.id is not None and ben.id is not None
    a_lead, b_lead = add_lead(uow, ana), add_lead(uow, ben)
    assert a_lead.id is not None and b_lead.id is not None
    with uow() as u:
        u.events.add(
            group.id, ana.id, Event(a_lead.id, Action.APPLIED, START, Stage.APPLIED, how="mail")
        )
        u.events.add(
            group.id, ben.id, Event(b_lead.id, Action.EMAILED, START + 5 * HOUR, Stage.EMAILED)
        )
        u.commit()
    with uow() as u:
        found = u.events.between([ana.id, ben.id], START, START + HOUR)
        assert list(found) == [ana.id]
        assert [(e.action, e.how) for e in found[ana.id]] == [(Action.APPLIED, "mail")]


def test_a_leads_details_and_a_members_log_settings_are_kept(uow: Uow) -> None:
    group = add_group(uow, log_preset="US-NY")
    ana = add_member(uow, group, "U-ana", log_settings={"minimum": 3, "period": "week"})
    details = {
        "title": "CTO",
        "email": "j@acme.com",
        "phone": "+1 212 555 0100",
        "website": "https://acme.com",
        "address": "1 Main St",
        "job_ref": "R-1",
        "url": "https://acme.com/jobs/1",
    }
    assert ana.id is not None and group.id is not None
    with uow() as u:
        u.leads.of(ana.id).add(Lead(ana.id, 1, "", "Acme", START, stage=Stage.APPLIED, **details))  # type: ignore[arg-type]
        u.commit()
    with uow() as u:
        (lead,) = u.leads.of(ana.id).all()
        assert {name: getattr(lead, name) for name in details} == details
        assert (lead.contact, lead.stage) == ("", Stage.APPLIED)
        member = u.members.by_id(ana.id)
        assert member is not None and member.log_settings == {"minimum": 3, "period": "week"}
        assert u.groups.by_id(group.id).log_preset == "US-NY"


# -- links: one person on two platforms ---------------------------------------------------


def test_link_codes_are_one_per_member_read_until_they_expire(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    first = LinkCode(ada.id or 0, "00" * 16, "a" * 64, START + 10 * MINUTE)
    with uow() as u:
        u.links.put_code(first)
        u.links.put_code(replace(first, digest="b" * 64))  # in place of the first
        u.links.put_code(LinkCode(bea.id or 0, "11" * 16, "c" * 64, START + 11 * MINUTE))
        u.commit()
    with uow() as u:
        assert [c.digest for c in u.links.live_codes(START)] == ["b" * 64, "c" * 64]
        assert [c.member_id for c in u.links.live_codes(START + 10 * MINUTE)] == [bea.id]
        assert u.links.live_codes(START + 11 * MINUTE) == []
        u.links.drop_code(bea.id or 0)
        u.commit()
    with uow() as u:
        assert [c.member_id for c in u.links.live_codes(START)] == [ada.id]


def test_wrong_tries_are_kept_per_member(uow: Uow) -> None:
    group = add_group(uow)
    ada = add_member(uow, group, "U1")
    with uow() as u:
        assert u.links.tries(ada.id or 0) == Tries(ada.id or 0)
        u.links.put_tries(Tries(ada.id or 0, 3))
        u.links.put_tries(Tries(ada.id or 0, 0, START + HOUR))
        u.commit()
    with uow() as u:
        assert u.links.tries(ada.id or 0) == Tries(ada.id or 0, 0, START + HOUR)


def test_a_link_is_read_from_either_member_and_leads_move_between_them(uow: Uow) -> None:
    slack, discord = add_group(uow, "T1"), add_group(uow, "G1")
    ada, ana, bea = (
        add_member(uow, slack, "U1"),
        add_member(uow, discord, "U1"),
        add_member(uow, discord, "U2"),
    )
    adas, anas = add_lead(uow, ada, 1), add_lead(uow, ana, 1)
    log(uow, ana, anas, Action.ADDED, START, Stage.NEW)
    link = Link(ada.id or 0, ana.id or 0, ada.id or 0, START, ((anas.id or 0, 1),))
    with uow() as u:
        u.links.add(link)
        u.links.move_lead(anas.id or 0, ada.id or 0, 2)
        with pytest.raises(Conflict):
            u.links.move_lead(adas.id or 0, ada.id or 0, 2)  # #2 is taken
        u.commit()
    with uow() as u:
        assert u.links.of(ada.id or 0) == link and u.links.of(ana.id or 0) == link
        assert u.links.of(bea.id or 0) is None
        assert u.links.among([bea.id or 0, ana.id or 0]) == [link]
        assert [lead.number for lead in u.leads.for_member(ada.id or 0)] == [1, 2]
        assert u.leads.for_member(ana.id or 0) == []
        # The history goes with the lead, whoever logged it.
        assert [e.action for e in u.events.for_member(ada.id or 0)] == [Action.ADDED]
        assert u.events.for_member(ana.id or 0) == []
        assert [e.action for e in u.events.for_lead(ada.id or 0, anas.id or 0)] == [Action.ADDED]
        assert u.events.for_lead(ana.id or 0, anas.id or 0) == []
        assert list(u.events.between([ada.id or 0], START, START + HOUR)) == [ada.id]
        with pytest.raises(Conflict):
            u.links.add(Link(bea.id or 0, ada.id or 0, bea.id or 0, START))
    with uow() as u:
        u.links.save(replace(link, deliver_id=ana.id or 0))
        u.commit()
    with uow() as u:
        found = u.links.of(ada.id or 0)
        assert found is not None and found.deliver_id == ana.id
        u.links.drop(found)
        u.commit()
    with uow() as u:
        assert u.links.of(ada.id or 0) is None


def test_a_members_link_code_and_tries_go_with_it(uow: Uow) -> None:
    slack, discord = add_group(uow, "T1"), add_group(uow, "G1")
    ada, ana = add_member(uow, slack, "U1"), add_member(uow, discord, "U1")
    with uow() as u:
        u.links.put_code(LinkCode(ada.id or 0, "00" * 16, "a" * 64, START + HOUR))
        u.links.put_tries(Tries(ada.id or 0, 2))
        u.links.add(Link(ada.id or 0, ana.id or 0, ada.id or 0, START))
        u.members.delete(ada)
        u.commit()
    with uow() as u:
        assert u.links.live_codes(START) == [] and u.links.of(ana.id or 0) is None
        assert u.links.tries(ada.id or 0) == Tries(ada.id or 0)


def test_a_groups_week_by_day_and_the_referral_chains_that_grew(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    first = add_lead(uow, ada, 1)
    second = add_lead(uow, ada, 2, parent_id=first.id)
    add_lead(uow, ada, 3, parent_id=second.id)
    other = add_lead(uow, bea, 1)
    add_lead(uow, bea, 2, parent_id=other.id)
    day = 24 * HOUR
    monday = START  # 07:00 UTC, the group's zone
    log(uow, ada, first, Action.REFERRAL, monday - day, Stage.TALKING)  # Sunday: last week
    log(uow, ada, first, Action.REFERRAL, monday, Stage.TALKING)
    log(uow, ada, second, Action.REFERRAL, monday + day, Stage.TALKING)  # the same chain
    log(uow, ada, first, Action.EMAILED, monday + day, Stage.TALKING)
    log(uow, bea, other, Action.REFERRAL, monday + 2 * day, Stage.TALKING)
    log(uow, bea, other, Action.CALLED, monday + 7 * day, Stage.CALLED)  # next week
    d = monday.date()
    week = (d, d + timedelta(days=7))
    since, until = monday - 7 * HOUR, monday - 7 * HOUR + 7 * day
    with uow() as u:
        gid = group.id or 0
        assert u.events.days(gid, *week) == {
            d: counts_of(referral=1),
            d + timedelta(days=1): counts_of(referral=1, emailed=1),
            d + timedelta(days=2): counts_of(referral=1),
        }
        assert u.events.days(gid, *week, member_id=bea.id) == {
            d + timedelta(days=2): counts_of(referral=1)
        }
        assert u.events.days(gid + 1, *week) == {}
        # Ada's two referrals grew one chain; Bea's another.
        assert u.events.chains_grown(gid, since, until) == 2
        assert u.events.chains_grown(gid, since, until, member_id=ada.id) == 1
        assert u.events.chains_grown(gid, since + day, until) == 2
        assert u.events.chains_grown(gid, since + 2 * day, until) == 1
        assert u.events.chains_grown(gid, until, until + 7 * day) == 0
        assert u.events.chains_grown(gid + 1, since, until) == 0

"""The repositories (core.storage.repositories) on SQLite and PostgreSQL: groups, members,
leads and events round trip, each member's rows are theirs alone, erasing a member or a
group takes everything of theirs, and planners on PostgreSQL take disjoint members."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from core.domain.leads import Action, Event, Stage
from core.domain.members import Group, Member
from core.domain.settings import PlaybookSettings
from core.services import FollowThrough, Identity
from core.services.ports import Conflict, SimulatedClock
from core.storage.database import Database, make_engine
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow
from testkit.storage import FakeStorage
from tests.storage.rows import NOW, add_group, add_lead, add_member, count, outgoing

NEW_YORK = ZoneInfo("America/New_York")


# -- round trips ---------------------------------------------------------------------


def test_a_group_comes_back_as_it_was_saved(db: Database) -> None:
    group = Group(
        "discord",
        "G1",
        tz="Europe/Berlin",
        country="DE",
        morning=time(7, 45),
        channel="C9",
        settings=PlaybookSettings(email_follow_up_days=4, pipeline_minimum=3),
        points={"emailed": 2, "offer": 50},
        next_board_at=datetime(2026, 3, 9, 6, 45, tzinfo=UTC),
        suspended=True,
    )
    with db.uow() as uow:
        uow.groups.add(group)
        uow.commit()

    with db.uow() as uow:
        loaded = uow.groups.get("discord", "G1")
        assert loaded is not None
        assert uow.groups.by_id(loaded.id or 0) == loaded
        assert uow.groups.get("slack", "G1") is None

    assert loaded.settings == group.settings
    assert loaded.points["emailed"] == 2 and loaded.points["offer"] == 50
    assert replace(loaded, points=group.points) == group


def test_aware_datetimes_come_back_aware_utc_and_equal(db: Database) -> None:
    board_at = datetime(2026, 3, 9, 8, 0, tzinfo=NEW_YORK)  # EDT since March 8: 12:00 UTC
    with db.uow() as uow:
        uow.groups.add(Group("slack", "T1", next_board_at=board_at))
        uow.commit()

    with db.uow() as uow:
        loaded = uow.groups.get("slack", "T1")

    assert loaded is not None and loaded.next_board_at is not None
    assert loaded.next_board_at == board_at
    assert loaded.next_board_at.utcoffset() == timedelta(0)
    assert loaded.next_board_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_a_naive_datetime_is_refused(db: Database) -> None:
    naive = datetime(2026, 3, 9, 8, 0)  # noqa: DTZ001 - the point of the test
    with db.uow() as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.groups.add(Group("slack", "T1", next_board_at=naive))


def test_a_member_comes_back_with_every_field(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow)
        assert group.id is not None
        member = Member(
            group.id,
            "U1",
            "Ana",
            tz="Asia/Kolkata",
            country="IN",
            nudge_time=time(7, 30),
            paused=True,
            paused_on=date(2026, 3, 1),
            graduated=True,
            unreachable=True,
            share_companies=True,
            on_board=False,
            next_lead_number=7,
            next_morning_at=datetime(2026, 3, 3, 2, 0, tzinfo=UTC),
            last_planned_on=date(2026, 3, 2),
            last_pipeline_on=date(2026, 2, 27),
            active_leads=4,
            offer_since=datetime(2026, 2, 28, 15, 30, tzinfo=ZoneInfo("Asia/Kolkata")),
            streak_days=3,
            streak_last=date(2026, 3, 2),
        )
        uow.members.add(member)
        uow.commit()

    with db.uow() as uow:
        loaded = uow.members.get(group.id, "U1")
        assert uow.members.get(group.id, "U2") is None
        assert uow.members.in_group(group.id) == [loaded]

    assert loaded == member
    assert loaded.offer_since is not None and loaded.offer_since.utcoffset() == timedelta(0)


def test_saving_a_member_changes_only_that_member(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, ben = two_members
    ana.paused, ana.streak_days = True, 9
    with db.uow() as uow:
        uow.members.save(ana)
        uow.commit()

    with db.uow() as uow:
        assert group.id is not None
        assert uow.members.in_group(group.id) == [ana, ben]


def test_a_lead_comes_back_with_its_stage_as_a_stage(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow)
        member = add_member(uow, group, "U1")
        parent = add_lead(uow, member, 1, stage=Stage.TALKING, network=True)
        lead = add_lead(
            uow,
            member,
            2,
            contact="Julie Martin",
            company="Acme",
            role="Engineering Manager",
            via="intro",
            parent_id=parent.id,
            stage=Stage.INTERVIEWED,
            stage_since=datetime(2026, 2, 27, 16, 0, tzinfo=NEW_YORK),
            last_touch_at=datetime(2026, 2, 27, 21, 0, tzinfo=UTC),
            calls=2,
            snoozed_until=date(2026, 3, 4),
            nudge_rule="post-interview-check-in",
            nudge_count=2,
            nudged_on=date(2026, 3, 2),
            nudge_asked=True,
            due_on=date(2026, 3, 13),
        )
        uow.commit()

    with db.uow() as uow:
        assert member.id is not None
        loaded = uow.leads.for_member(member.id)

    assert loaded == [parent, lead]
    assert loaded[1].stage is Stage.INTERVIEWED
    assert loaded[0].stage is Stage.TALKING
    assert loaded[1].stage_since is not None and loaded[1].stage_since.utcoffset() == timedelta(0)


def test_events_come_back_in_order(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow)
        member = add_member(uow, group, "U1")
        lead = add_lead(uow, member, 1)
        assert lead.id is not None and group.id is not None and member.id is not None
        later = Event(lead.id, Action.EMAILED, NOW + timedelta(hours=2), Stage.EMAILED, "hi")
        first = Event(lead.id, Action.ADDED, NOW, Stage.NEW)
        uow.events.add(group.id, member.id, later)
        uow.events.add(group.id, member.id, first)
        uow.commit()

    with db.uow() as uow:
        history = uow.events.for_member(member.id)

    assert history == [first, later]
    assert history[1].action is Action.EMAILED and history[1].stage_after is Stage.EMAILED
    assert history[1].at.utcoffset() == timedelta(0)


# -- uniqueness and scoping ----------------------------------------------------------


def test_a_member_is_unique_per_group_and_external_id(db: Database) -> None:
    with db.uow() as uow:
        first = add_group(uow, "T1")
        second = add_group(uow, "T2")
        add_member(uow, first, "U1")
        add_member(uow, second, "U1")  # the same person in another workspace is another member
        uow.commit()

    with db.uow() as uow, pytest.raises(Conflict):
        add_member(uow, first, "U1")


def test_leads_are_read_only_for_their_own_member(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    _, ana, ben = two_members
    with db.uow() as uow:
        anas = [add_lead(uow, ana, 1, contact="Julie"), add_lead(uow, ana, 2, contact="Omar")]
        bens = [add_lead(uow, ben, 1, contact="Carla")]
        uow.commit()

    with db.uow() as uow:
        assert ana.id is not None and ben.id is not None
        assert uow.leads.for_member(ana.id) == anas
        assert uow.leads.for_member(ben.id) == bens


def test_contacts_ignore_another_members_lead_ids(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    _, ana, ben = two_members
    with db.uow() as uow:
        julie = add_lead(uow, ana, 1, contact="Julie")
        carla = add_lead(uow, ben, 1, contact="Carla")
        uow.commit()
    assert julie.id is not None and carla.id is not None
    assert ana.id is not None and ben.id is not None

    with db.uow() as uow:
        assert uow.leads.contacts({ana.id: {julie.id, carla.id}}) == {julie.id: "Julie"}
        assert uow.leads.contacts({ana.id: {carla.id}}) == {}
        assert uow.leads.contacts({ana.id: set()}) == {}
        assert uow.leads.contacts({ana.id: {julie.id}, ben.id: {carla.id}}) == {
            julie.id: "Julie",
            carla.id: "Carla",
        }


def test_saving_a_lead_under_another_member_is_refused(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    _, ana, ben = two_members
    with db.uow() as uow:
        carla = add_lead(uow, ben, 1, contact="Carla")
        uow.commit()
    assert ana.id is not None and ben.id is not None

    with db.uow() as uow, pytest.raises(PermissionError):
        uow.leads.save(replace(carla, member_id=ana.id, contact="Stolen"))

    with db.uow() as uow:
        assert uow.leads.for_member(ben.id) == [carla]
        assert uow.leads.for_member(ana.id) == []


def test_a_members_leads_refuse_another_members_lead_and_write_nothing(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    _, ana, ben = two_members
    with db.uow() as uow:
        carla = add_lead(uow, ben, 1, contact="Carla")
        uow.commit()
    assert ana.id is not None and ben.id is not None

    with db.uow() as uow:
        anas = uow.leads.of(ana.id)
        with pytest.raises(PermissionError):
            anas.save(replace(carla, contact="Stolen"))  # Ben's, as stored
        with pytest.raises(PermissionError):
            anas.save(replace(carla, member_id=ana.id, contact="Stolen"))  # relabelled
        with pytest.raises(PermissionError):
            anas.add(replace(carla, id=None, number=7))  # Ben's name on it
        uow.commit()

    with db.uow() as uow:
        assert uow.leads.of(ben.id).all() == [carla]
        assert uow.leads.of(ana.id).all() == []


def test_due_leads_are_those_due_by_each_members_own_day(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow)
        ana = add_member(uow, group, "U-ana")
        ben = add_member(uow, group, "U-ben")
        cid = add_member(uow, group, "U-cid")
        ana_overdue = add_lead(uow, ana, 1, due_on=date(2026, 3, 4))
        ana_today = add_lead(uow, ana, 2, due_on=date(2026, 3, 5))
        add_lead(uow, ana, 3, due_on=date(2026, 3, 6))
        add_lead(uow, ana, 4, due_on=None)
        ben_today = add_lead(uow, ben, 1, due_on=date(2026, 3, 3))
        add_lead(uow, ben, 2, due_on=date(2026, 3, 4))  # due by Ana's day, not by Ben's
        add_lead(uow, cid, 1, due_on=date(2026, 3, 1))  # Cid isn't being planned
        uow.commit()
    assert ana.id is not None and ben.id is not None

    with db.uow() as uow:
        due = uow.leads.due({ana.id: date(2026, 3, 5), ben.id: date(2026, 3, 3)})
        assert uow.leads.due({}) == []

    assert sorted(due, key=lambda lead: lead.id or 0) == [ana_overdue, ana_today, ben_today]


def test_members_due_for_a_morning_come_earliest_first_up_to_the_limit(db: Database) -> None:
    at = NOW.replace(hour=8)
    with db.uow() as uow:
        group = add_group(uow)
        late = add_member(uow, group, "U-late", next_morning_at=at)
        early = add_member(uow, group, "U-early", next_morning_at=at - timedelta(hours=3))
        tied = add_member(uow, group, "U-tied", next_morning_at=at)
        add_member(uow, group, "U-future", next_morning_at=at + timedelta(seconds=1))
        add_member(uow, group, "U-graduated", next_morning_at=None)
        other = add_member(uow, add_group(uow, "T2"), "U-other", next_morning_at=at)
        uow.commit()

    with db.uow() as uow:
        everyone = uow.members.morning_due(at, 10)
        first_two = uow.members.morning_due(at, 2)
        next_at = uow.members.next_morning_at()

    assert everyone == [early, late, tied, other]  # ties in the order they were added
    assert first_two == [early, late]
    assert next_at == at - timedelta(hours=3)


# -- groups: erased, organisers, DM channels -----------------------------------------


def test_erasing_a_group_erases_everything_of_it_and_nothing_else(db: Database) -> None:
    with db.uow() as uow:
        doomed, kept = add_group(uow, "T1", channel="C1"), add_group(uow, "T2", channel="C2")
        for group in (doomed, kept):
            assert group.id is not None
            member = add_member(uow, group, "U-ana")
            assert member.id is not None
            parent = add_lead(uow, member, 1)
            child = add_lead(uow, member, 2, parent_id=parent.id)
            for lead in (parent, child):
                assert lead.id is not None
                uow.events.add(group.id, member.id, Event(lead.id, Action.ADDED, NOW, Stage.NEW))
            uow.outbox.add(outgoing(group, member, f"dm:{group.id}"), NOW)
            uow.outbox.add(outgoing(group, None, f"board:{group.id}", to_channel=True), NOW)
        uow.commit()

    with db.uow() as uow:
        uow.groups.delete(doomed)
        uow.commit()
    with db.uow() as uow:
        uow.groups.delete(doomed)  # again: nothing left to erase, and no error
        uow.commit()

    with db.uow() as uow:
        assert uow.groups.get("slack", "T1") is None
        for table in (MemberRow, EventRow, OutboxRow):
            assert count(uow, table, group_id=doomed.id) == 0
            assert count(uow, table, group_id=kept.id) > 0
        assert count(uow, LeadRow) == 2
        assert count(uow, GroupRow) == 1


def test_organisers_are_the_members_marked_so(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow)
        assert group.id is not None
        add_member(uow, group, "U-ana", organiser=True)
        add_member(uow, group, "U-ben")
        add_member(uow, group, "U-cy", organiser=True)
        other = add_group(uow, "T2")
        assert other.id is not None
        add_member(uow, other, "U-dee", organiser=True)
        uow.commit()

    with db.uow() as uow:
        organisers = uow.members.organisers(group.id)
    assert [m.external_id for m in organisers] == ["U-ana", "U-cy"]
    assert all(m.organiser for m in organisers)


def test_a_stored_dm_channel_comes_back_and_rides_on_direct_messages_only(db: Database) -> None:
    with db.uow() as uow:
        group = add_group(uow, channel="C-general")
        ana = add_member(uow, group, "U-ana")
        assert ana.id is not None
        uow.outbox.add(outgoing(group, ana, "dm"), NOW)
        uow.outbox.add(outgoing(group, ana, "post", to_channel=True), NOW)
        uow.commit()
    with db.uow() as uow:
        uow.members.set_dm_channel(ana.id, "D-ana")
        uow.members.set_dm_channel(ana.id + 100, "D-nobody")  # gone: no error
        uow.commit()

    with db.uow() as uow:
        stored = uow.members.by_id(ana.id)
        claimed = uow.outbox.claim(NOW + timedelta(minutes=1), "w1", 10, 300)
    assert stored is not None and stored.dm_channel == "D-ana"
    assert {d.key: d.dm_channel for d in claimed} == {"dm": "D-ana", "post": None}


# -- forget-me -----------------------------------------------------------------------


def test_deleting_a_member_erases_their_leads_events_and_outbox_only(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, ben = two_members
    assert group.id is not None and ana.id is not None and ben.id is not None
    with db.uow() as uow:
        for member in (ana, ben):
            assert member.id is not None
            parent = add_lead(uow, member, 1)
            child = add_lead(uow, member, 2, parent_id=parent.id)  # a referral chain
            for lead in (parent, child):
                assert lead.id is not None
                uow.events.add(group.id, member.id, Event(lead.id, Action.ADDED, NOW, Stage.NEW))
            uow.outbox.add(outgoing(group, member, f"dm:{member.id}"), NOW)
            uow.outbox.add(outgoing(group, member, f"post:{member.id}", to_channel=True), NOW)
        uow.outbox.add(outgoing(group, None, "board", to_channel=True), NOW)
        uow.commit()

    with db.uow() as uow:
        uow.members.delete(ana)
        uow.commit()

    with db.uow() as uow:
        assert uow.members.in_group(group.id) == [ben]
        assert count(uow, MemberRow, id=ana.id) == 0
        assert count(uow, LeadRow, member_id=ana.id) == 0
        assert count(uow, EventRow, member_id=ana.id) == 0
        assert count(uow, OutboxRow, member_id=ana.id) == 0
        assert count(uow, LeadRow, member_id=ben.id) == 2
        assert count(uow, EventRow, member_id=ben.id) == 2
        assert count(uow, OutboxRow, member_id=ben.id) == 2
        assert count(uow, OutboxRow, member_id=None) == 1
        assert uow.groups.by_id(group.id).channel == "C-general"


# -- PostgreSQL: several planners ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_planners_take_disjoint_members(
    database_url: str, db: Database, clock: SimulatedClock
) -> None:
    at = NOW.replace(hour=8)
    with db.uow() as uow:
        group = add_group(uow)
        for n in range(5):
            add_member(uow, group, f"U{n}", next_morning_at=at - timedelta(minutes=5 - n))
        uow.commit()

    other = Database(make_engine(database_url), clock)
    try:
        with db.uow() as first:
            mine = first.members.morning_due(at, 2)
            with other.uow() as second:
                second.session.execute(text("SET LOCAL lock_timeout = '5s'"))
                theirs = second.members.morning_due(at, 10)
    finally:
        other.engine.dispose()

    assert [m.external_id for m in mine] == ["U0", "U1"]
    assert [m.external_id for m in theirs] == ["U2", "U3", "U4"]


# -- finding one lead -----------------------------------------------------------------


def test_a_command_finds_a_lead_by_any_folding_of_its_name_as_among_all_leads(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    """The database reads only the leads a name may mean; the answer is the one the
    in-memory storage gives, which matches names against every lead."""
    fake = FollowThrough(FakeStorage().uow, clock)
    ana = Identity("slack", "T1", "U-ana", "Ana")
    names = [
        "Anna Gaßner at Acme",
        "ＺＥＬＤＡ Quill at Ｑｕｉｌｌworks",
        "Zelda Upper at Initech",
        "Jose\u0301 Diaz at Straße GmbH",
        "Дмитрий at Яндекс",
        "Sam 100% at Under_Score",
        "Sam Other at Globex",
    ]
    for both in (app, fake):
        for name in names:
            both.conversation.handle(ana, "/lead", f"add {name}")
        both.conversation.handle(ana, "/lead", "drop #7")  # closed: the other Sam wins
    refs = ["GASSNER", "zelda", "quill", "jose\u0301", "strasse", "ДМИТРИЙ", "100%", "sam"]
    refs += ["_", "%", "#１", "#3", "#99", "nobody", "a"]
    for ref in refs:
        answer = app.conversation.handle(ana, "/lead", f"show {ref}")
        assert answer == fake.conversation.handle(ana, "/lead", f"show {ref}"), ref

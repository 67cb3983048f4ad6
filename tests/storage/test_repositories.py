"""The repositories on SQLite and PostgreSQL: round trips, scoping, the outbox and its claims."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from time import sleep
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from core.domain.leads import Action, Event, Lead, Stage
from core.domain.members import Group, Member
from core.domain.messages import Attachment, Button, Message, Section
from core.domain.settings import PlaybookSettings
from core.services.ports import Conflict, Delivery, Outgoing, SimulatedClock
from core.storage.database import Database, SqlUnitOfWork, make_engine
from core.storage.tables import EventRow, LeadRow, MemberRow, OutboxRow

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


# -- building blocks -----------------------------------------------------------------


def add_group(uow: SqlUnitOfWork, external_id: str = "T1", **values: object) -> Group:
    return uow.groups.add(Group("slack", external_id, **values))


def add_member(uow: SqlUnitOfWork, group: Group, external_id: str, **values: object) -> Member:
    assert group.id is not None
    return uow.members.add(
        Member(group.id, external_id, values.pop("name", external_id.title()), **values)
    )


def add_lead(uow: SqlUnitOfWork, member: Member, number: int, **values: object) -> Lead:
    assert member.id is not None
    values.setdefault("contact", f"Contact {number}")
    values.setdefault("company", f"Company {number}")
    return uow.leads.add(Lead(member.id, number, created_at=NOW, **values))


def outgoing(
    group: Group, member: Member | None, key: str, not_before: datetime = NOW, **values: object
) -> Outgoing:
    assert group.id is not None
    return Outgoing(
        key,
        group.id,
        None if member is None else member.id,
        Message("digest", f"for {key}"),
        not_before,
        **values,
    )


def count(uow: SqlUnitOfWork, table: type, **where: object) -> int:
    return uow.session.scalar(select(func.count()).select_from(table).filter_by(**where)) or 0


@pytest.fixture
def two_members(db: Database) -> tuple[Group, Member, Member]:
    """A group with Ana and Ben, committed."""
    with db.uow() as uow:
        group = add_group(uow, channel="C-general")
        ana = add_member(uow, group, "U-ana")
        ben = add_member(uow, group, "U-ben")
        uow.commit()
    return group, ana, ben


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


# -- the outbox ----------------------------------------------------------------------


def test_a_key_is_written_once(db: Database, two_members: tuple[Group, Member, Member]) -> None:
    group, ana, _ = two_members
    with db.uow() as uow:
        assert uow.outbox.add(outgoing(group, ana, "digest:1:2026-03-02"), NOW) is True
        assert uow.outbox.add(outgoing(group, ana, "digest:1:2026-03-02"), NOW) is False
        uow.commit()
    with db.uow() as uow:
        assert uow.outbox.add(outgoing(group, ana, "digest:1:2026-03-02"), NOW) is False
        uow.commit()

    with db.uow() as uow:
        assert count(uow, OutboxRow) == 1
        assert uow.outbox.counts(NOW)["pending"] == 1


def test_a_claim_carries_the_addresses_and_the_message(db: Database) -> None:
    message = Message(
        "digest",
        "Due today (Monday, March 2):",
        (
            Section(
                "Follow up with Julie (#1)",
                why="3 business days since your email",
                draft="Hi Julie,\nJust following up.",
                buttons=(Button("Done", "followedup #1"), Button("Snooze 2 days", "snooze #1 2")),
            ),
            Section("Add a lead or two"),
        ),
        rules=("email-follow-up", "pipeline"),
        attachments=(Attachment("notes.txt", "é ✓", "text/plain"),),
    )
    with db.uow() as uow:
        group = add_group(uow, tz="America/New_York", channel="C-general")
        ana = add_member(uow, group, "U-ana", name="Ana", tz="Europe/Berlin")
        ben = add_member(uow, group, "U-ben", name="Ben")
        assert group.id is not None
        uow.outbox.add(Outgoing("dm-ana", group.id, ana.id, message, NOW), NOW)
        uow.outbox.add(outgoing(group, ben, "dm-ben", NOW + timedelta(minutes=1)), NOW)
        uow.outbox.add(
            outgoing(group, ana, "post", NOW + timedelta(minutes=2), to_channel=True), NOW
        )
        uow.outbox.add(
            outgoing(group, None, "board", NOW + timedelta(minutes=3), to_channel=True), NOW
        )
        uow.commit()

    with db.uow() as uow:
        claimed = uow.outbox.claim(NOW + timedelta(minutes=5), "w1", 10, 300)
        uow.commit()

    base = {"platform": "slack", "workspace_id": "T1", "channel": "C-general", "attempts": 0}
    base |= {"group_id": group.id, "worker": "w1", "lease_until": NOW + timedelta(minutes=10)}
    assert [d.key for d in claimed] == ["dm-ana", "dm-ben", "post", "board"]
    assert claimed[0] == Delivery(
        id=claimed[0].id,
        key="dm-ana",
        user_id="U-ana",
        recipient_tz="Europe/Berlin",
        recipient_name="Ana",
        message=message,
        member_id=ana.id,
        **base,
    )
    assert (claimed[1].user_id, claimed[1].recipient_tz, claimed[1].recipient_name) == (
        "U-ben",
        "America/New_York",  # no zone of his own: the group's
        "Ben",
    )
    for post in claimed[2:]:
        assert (post.user_id, post.recipient_tz, post.recipient_name) == (
            None,
            "America/New_York",
            "#group",
        )
    assert claimed[2].member_id == ana.id and claimed[3].member_id is None


def test_only_pending_rows_whose_time_has_come_are_claimed_in_order(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, _ = two_members
    with db.uow() as uow:
        uow.outbox.add(outgoing(group, ana, "second", NOW - timedelta(minutes=1)), NOW)
        uow.outbox.add(outgoing(group, ana, "first", NOW - timedelta(minutes=2)), NOW)
        uow.outbox.add(outgoing(group, ana, "third", NOW), NOW)
        uow.outbox.add(outgoing(group, ana, "later", NOW + timedelta(seconds=1)), NOW)
        uow.outbox.add(
            outgoing(group, ana, "missed", NOW - timedelta(hours=5), status="missed"), NOW
        )
        uow.commit()

    with db.uow() as uow:
        first_two = uow.outbox.claim(NOW, "w1", 2, 300)
        rest = uow.outbox.claim(NOW, "w1", 10, 300)
        uow.commit()

    assert [d.key for d in first_two] == ["first", "second"]
    assert [d.key for d in rest] == ["third"]


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, _ = two_members
    with db.uow() as uow:
        uow.outbox.add(outgoing(group, ana, "k"), NOW)
        uow.commit()

    def claim(at: datetime, worker: str) -> list[str]:
        with db.uow() as uow:
            keys = [d.key for d in uow.outbox.claim(at, worker, 10, 300)]
            uow.commit()
        return keys

    assert claim(NOW, "w1") == ["k"]
    with db.uow() as uow:
        assert uow.outbox.counts(NOW)["claimed"] == 1
    assert claim(NOW, "w2") == []
    assert claim(NOW + timedelta(seconds=300), "w2") == []
    assert claim(NOW + timedelta(seconds=301), "w2") == ["k"]  # w1 died holding it
    with db.uow() as uow:
        assert uow.session.scalar(select(OutboxRow.claimed_by)) == "w2"


def test_sent_and_failed_rows_are_counted_and_only_retries_come_back(
    db: Database, two_members: tuple[Group, Member, Member]
) -> None:
    group, ana, ben = two_members
    with db.uow() as uow:
        for key in ("sent", "retry", "failed", "waiting"):
            uow.outbox.add(outgoing(group, ana, key), NOW)
        uow.outbox.add(outgoing(group, ben, "future", NOW + timedelta(days=1)), NOW)
        uow.commit()

    with db.uow() as uow:
        claimed = {d.key: d for d in uow.outbox.claim(NOW, "w1", 3, 300)}
        uow.commit()
    assert set(claimed) == {"sent", "retry", "failed"}
    retry_at = NOW + timedelta(minutes=2)
    with db.uow() as uow:
        uow.outbox.mark_sent(claimed["sent"], NOW, "ts-123")
        uow.outbox.mark_failed(claimed["retry"], "HTTP 503", retry_at)
        uow.outbox.mark_failed(claimed["failed"], "user_not_found " * 500, None)
        uow.commit()

    with db.uow() as uow:
        assert uow.outbox.counts(NOW) == {
            "pending": 3,  # "retry", "waiting", "future"
            "claimed": 0,
            "sent": 1,
            "failed": 1,
            "missed": 0,
        }
        sent = uow.session.scalar(select(OutboxRow).filter_by(key="sent"))
        failed = uow.session.scalar(select(OutboxRow).filter_by(key="failed"))
        assert sent is not None and failed is not None
        assert (sent.sent_at, sent.platform_message_id, sent.attempts) == (NOW, "ts-123", 1)
        assert failed.error is not None and len(failed.error) == 2000
        before_retry = [
            d.key for d in uow.outbox.claim(retry_at - timedelta(seconds=1), "w1", 10, 60)
        ]
        uow.rollback()
        at_retry = uow.outbox.claim(retry_at, "w1", 10, 60)

    assert before_retry == ["waiting"]
    assert sorted(d.key for d in at_retry) == ["retry", "waiting"]
    assert {d.key: d.attempts for d in at_retry}["retry"] == 1


def test_a_suspended_groups_rows_wait_and_a_released_claim_comes_back(db: Database) -> None:
    with db.uow() as uow:
        live, revoked = add_group(uow, "T1"), add_group(uow, "T2", suspended=True)
        uow.outbox.add(outgoing(live, None, "live:1"), NOW)
        uow.outbox.add(outgoing(live, None, "live:2"), NOW)
        uow.outbox.add(outgoing(revoked, None, "revoked"), NOW)
        uow.commit()

    with db.uow() as uow:
        first, second = uow.outbox.claim(NOW, "w1", 10, 300)
        uow.outbox.release(first.id)
        uow.commit()
    with db.uow() as uow:
        again = [d.key for d in uow.outbox.claim(NOW, "w2", 10, 300)]
        uow.outbox.release(worker="w1")
        uow.commit()
    with db.uow() as uow:
        last = [d.key for d in uow.outbox.claim(NOW, "w3", 10, 300)]

    assert [first.key, second.key] == ["live:1", "live:2"]
    assert again == ["live:1"]
    assert last == ["live:2"]


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


# -- PostgreSQL: several workers ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_claims_take_disjoint_rows(
    database_url: str, db: Database, clock: SimulatedClock
) -> None:
    """SQLite ignores FOR UPDATE SKIP LOCKED (it runs one worker), so PostgreSQL only."""
    with db.uow() as uow:
        group = add_group(uow)
        ana = add_member(uow, group, "U-ana")
        for n in range(6):
            uow.outbox.add(outgoing(group, ana, f"k{n}", NOW - timedelta(minutes=6 - n)), NOW)
        uow.commit()

    # A second process: its own engine, its own connections.
    other = Database(make_engine(database_url), clock)
    try:
        with db.uow() as first:
            mine = first.outbox.claim(NOW, "w1", 2, 300)  # its rows stay locked: not committed
            with other.uow() as second:
                # A regression to a plain FOR UPDATE would block here: fail instead.
                second.session.execute(text("SET LOCAL lock_timeout = '5s'"))
                theirs = second.outbox.claim(NOW, "w2", 10, 300)
                second.commit()
            first.commit()
    finally:
        other.engine.dispose()

    assert [d.key for d in mine] == ["k0", "k1"]
    assert [d.key for d in theirs] == ["k2", "k3", "k4", "k5"]
    with db.uow() as uow:
        owners = dict(uow.session.execute(select(OutboxRow.key, OutboxRow.claimed_by)).all())
        assert uow.outbox.claim(NOW, "w3", 10, 300) == []
    assert owners == {"k0": "w1", "k1": "w1", "k2": "w2", "k3": "w2", "k4": "w2", "k5": "w2"}


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


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_writers_of_one_key_at_once_write_it_once_and_neither_fails(
    database_url: str, db: Database, clock: SimulatedClock
) -> None:
    """Two planners posting the same weekly board: `groups.board_due` takes no lock."""
    with db.uow() as uow:
        group = add_group(uow, channel="C-general")
        uow.commit()
    board = outgoing(group, None, "board:1:2026-03-02", to_channel=True)

    other = Database(make_engine(database_url), clock)
    first_uow, second_uow = db.uow(), other.uow()
    first, second = first_uow.__enter__(), second_uow.__enter__()
    outcome: list[object] = []

    def add_and_commit_second() -> None:
        try:
            second.session.execute(text("SET LOCAL lock_timeout = '10s'"))
            # Blocks on the key while the first transaction holds it, then writes nothing.
            outcome.append(second.outbox.add(board, NOW))
            second.commit()
            outcome.append("committed")
        except Exception as error:
            outcome.append(error)

    waiter = threading.Thread(target=add_and_commit_second)
    try:
        assert first.outbox.add(board, NOW) is True
        first.session.flush()  # its row holds the key until it commits
        waiter.start()
        sleep(0.3)  # let the second block on the key
        first.commit()
    finally:
        first_uow.__exit__(None, None, None)  # whatever happened, release the key first
        if waiter.ident is not None:
            waiter.join(15)
        second_uow.__exit__(None, None, None)
        other.engine.dispose()

    with db.uow() as uow:
        assert count(uow, OutboxRow) == 1
    # `Outbox.add`: a key written before is not written again, and nobody's transaction
    # fails for it (the second planner's whole tick would be lost).
    assert outcome == [False, "committed"]


def test_a_key_let_go_is_applied_again_and_keys_past_their_month_are_pruned(
    db: Database,
) -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with db.uow() as uow:
        assert uow.applied.first("event:T1:Ev1", now)
        assert not uow.applied.first("event:T1:Ev1", now)
        uow.applied.forget("event:T1:Ev1")
        assert uow.applied.first("event:T1:Ev1", now)
        uow.commit()
    later = now + timedelta(days=31)
    with db.uow() as uow:
        assert uow.applied.first("event:T1:Ev2", later)  # and the month-old one goes
        assert uow.applied.first("event:T1:Ev1", later)

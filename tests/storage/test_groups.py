"""Erasing a group, organisers, and the DM channel a delivery carries."""

from __future__ import annotations

from datetime import timedelta

from core.domain.leads import Action, Event, Stage
from core.storage.database import Database
from core.storage.tables import EventRow, GroupRow, LeadRow, MemberRow, OutboxRow
from tests.storage.test_repositories import (
    NOW,
    add_group,
    add_lead,
    add_member,
    count,
    outgoing,
)


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

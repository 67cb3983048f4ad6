"""A command about one lead reads that lead, not the pipeline (core.services.turn): what it
leaves stored is still what planning would compute from all the member's leads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from core.domain.leads import Stage
from core.domain.messages import MessageKind
from core.domain.planning import refresh
from core.services import FollowThrough, Identity
from core.services.ports import SimulatedClock
from testkit.storage import FakeStorage

ANA = Identity("slack", "T1", "U-ana", "Ana")
BEN = Identity("slack", "T1", "U-ben", "Ben")
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

# Every kind of change to a lead that moves what planning reads: the count of active
# leads, the earliest pending offer (and the leads it leverages), and due dates.
SCRIPT = [
    "add Julie Park at Acme",
    "add Bob Stone at Globex",
    "add Carla Diaz at Initech",
    "emailed julie",
    "replied julie",  # talking: offer leverage applies to it
    "interviewed bob",  # so does an interview
    "emailed carla on fri",  # dated: in the lead's order, on the streak
    "referral carla -> Dan Hill at Hooli",  # a new lead, referred: reach out soon
    "offer carla",  # julie's and bob's due dates move with the offer
    "note julie asked about the team",
    "snooze julie 5",
    "offer dan",  # a second offer, later: the earliest still counts
    "declined carla",  # the earliest offer is gone: dan's counts
    "drop #4",  # dan's too: no offer pending
    "set bob email bob@globex.com",
    "called carla",
    "offer bob",
    "accepted bob",  # graduation reads the whole pipeline
]


@pytest.fixture
def storage() -> FakeStorage:
    return FakeStorage()


@pytest.fixture
def app(storage: FakeStorage) -> FollowThrough:
    app = FollowThrough(storage.uow, SimulatedClock(MONDAY))
    for who in (ANA, BEN):
        app.conversation.join(who)
    app.conversation.handle(BEN, "/lead", "add Julie Other at Acme")
    app.conversation.handle(BEN, "/lead", "offer julie")  # another member's offer
    return app


def assert_as_refreshed(storage: FakeStorage, who: Identity) -> None:
    """The member and their leads as stored equal what `refresh` makes of all the leads."""
    with storage.uow() as uow:
        group = uow.groups.get(who.platform, who.workspace_id)
        assert group is not None and group.id is not None
        member = uow.members.get(group.id, who.user_id)
        assert member is not None and member.id is not None
        leads = uow.leads.for_member(member.id)
    expected, expected_leads = replace(member), [replace(lead) for lead in leads]
    refresh(expected, group, expected_leads)
    assert (member.active_leads, member.offer_since) == (
        expected.active_leads,
        expected.offer_since,
    )
    assert [(lead.ref, lead.due_on) for lead in leads] == [
        (lead.ref, lead.due_on) for lead in expected_leads
    ]


def play(app: FollowThrough, lines: list[str], after: Callable[[], None] = lambda: None) -> None:
    """Ana types `lines`, three hours apart; `after` checks what each left behind."""
    clock = app.conversation.clock
    assert isinstance(clock, SimulatedClock)
    for line in lines:
        clock.advance_to(clock.now() + timedelta(hours=3))
        answer = app.conversation.handle(ANA, "/lead", line)
        assert answer.kind is not MessageKind.ERROR, (line, answer.text)
        after()


def test_what_planning_reads_is_kept_as_a_full_refresh_would_after_every_command(
    app: FollowThrough, storage: FakeStorage
) -> None:
    play(app, SCRIPT, lambda: assert_as_refreshed(storage, ANA))
    assert_as_refreshed(storage, BEN)


def test_the_offers_of_a_member_move_the_due_dates_of_their_talks_and_interviews(
    app: FollowThrough, storage: FakeStorage
) -> None:
    play(app, SCRIPT[:9])  # up to carla's offer
    with storage.uow() as uow:
        group = uow.groups.get("slack", "T1")
        assert group is not None and group.id is not None
        member = uow.members.get(group.id, ANA.user_id)
        assert member is not None and member.id is not None
        leads = {lead.contact: lead for lead in uow.leads.for_member(member.id)}
    assert leads["Carla Diaz"].stage is Stage.OFFER
    assert member.offer_since == leads["Carla Diaz"].stage_since
    # Julie (talking) and Bob (interviewed) are due the business day after the offer.
    assert leads["Julie Park"].due_on == leads["Bob Stone"].due_on == date(2026, 12, 2)

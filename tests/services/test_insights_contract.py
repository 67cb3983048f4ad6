"""The insight port (a page of leads, a member's funnel and stages, a group's week)
behaves the same in memory, on SQLite and on PostgreSQL: the cases of
test_ports_contract.py's kind, on its `uow` fixture."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from core.domain.insights import PAGE_SIZE
from core.domain.leads import Action, Event, Lead, Stage
from tests.conftest import START
from tests.services import test_ports_contract as contract
from tests.services.test_ports_contract import HOUR, Uow, add_group, add_lead, add_member, log

uow = contract.uow  # the fixture: fake, SQLite and PostgreSQL

DAY = 24 * HOUR


def test_a_page_of_a_members_leads_by_filter_and_how_many_in_all(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    today = date(2026, 3, 5)
    for number in range(1, 24):
        stage = Stage.CLOSED if number % 5 == 0 else Stage.EMAILED if number % 2 else Stage.NEW
        due = today - timedelta(days=1) if number % 3 == 0 else today + timedelta(days=3)
        add_lead(uow, ada, number, stage=stage, due_on=due if stage is Stage.EMAILED else None)
    asked = add_lead(uow, ada, 24, nudge_asked=True, nudged_on=today, stage=Stage.CALLED)
    add_lead(uow, bea, 1, stage=Stage.EMAILED, due_on=today)
    with uow() as u:
        found = u.insights
        leads, total = found.leads_page(ada.id or 0, "active", today, 0, PAGE_SIZE)
        assert total == 20 and [lead.number for lead in leads] == [1, 2, 3, 4, 6, 7, 8, 9, 11, 12]
        leads, total = found.leads_page(ada.id or 0, "active", today, 10, PAGE_SIZE)
        assert [lead.number for lead in leads] == [13, 14, 16, 17, 18, 19, 21, 22, 23, 24]
        leads, total = found.leads_page(ada.id or 0, "all", today, 20, PAGE_SIZE)
        assert (total, [lead.number for lead in leads]) == (24, [21, 22, 23, 24])
        leads, total = found.leads_page(ada.id or 0, "due", today, 0, PAGE_SIZE)
        assert (total, [lead.number for lead in leads]) == (4, [3, 9, 21, asked.number])
        leads, total = found.leads_page(ada.id or 0, "closed", today, 0, PAGE_SIZE)
        assert [lead.number for lead in leads] == [5, 10, 15, 20]
        assert leads[0].stage is Stage.CLOSED and leads[0].contact == "Contact 5"
        leads, total = found.leads_page(ada.id or 0, "emailed", today, 100, PAGE_SIZE)
        assert (leads, total) == ([], 10)
        leads, total = found.leads_page(bea.id or 0, "due", today, 0, PAGE_SIZE)
        assert [lead.member_id for lead in leads] == [bea.id]


def test_a_members_leads_summed_up_from_their_events_and_their_stays(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    first = add_lead(uow, ada, 1, via="linkedin")
    referred = add_lead(uow, ada, 2, parent_id=first.id)
    later = add_lead(uow, ada, 3)
    with uow() as u:  # added a week later
        stored = u.leads.of(ada.id or 0).get(later.id or 0)
        assert stored is not None
        u.leads.of(ada.id or 0).save(replace(stored, created_at=START + 7 * DAY))
        u.commit()
    beas = add_lead(uow, bea, 1)
    log(uow, ada, first, Action.ADDED, START, Stage.NEW)
    log(uow, ada, first, Action.EMAILED, START + DAY, Stage.EMAILED)
    log(uow, ada, first, Action.NOTE, START + 2 * DAY, Stage.EMAILED)  # no change of stage
    log(uow, ada, first, Action.EMAILED, START + 3 * DAY, Stage.EMAILED)  # nor this
    log(uow, ada, first, Action.REPLIED, START + 4 * DAY, Stage.TALKING)
    log(uow, ada, first, Action.INTERVIEWED, START + 6 * DAY, Stage.INTERVIEWED)
    log(uow, ada, referred, Action.CALLED, START + DAY, Stage.CALLED)
    log(uow, bea, beas, Action.REPLIED, START, Stage.TALKING)
    with uow() as u:
        paths = sorted(u.insights.lead_paths(ada.id or 0, None), key=lambda p: p.created_at)
        assert len(paths) == 3
        one = next(p for p in paths if p.via == "linkedin")
        assert (one.reached_by, one.reached_at) == (Action.EMAILED, START + DAY)
        assert (one.answered_at, one.interviewed_at, one.offered_at) == (
            START + 4 * DAY,
            START + 6 * DAY,
            None,
        )
        assert not one.referred and one.channel == "linkedin" and one.reply_days() == 3
        two = next(p for p in paths if p.referred)
        assert (two.reached_by, two.reached_at, two.answered_at) == (
            Action.CALLED,
            START + DAY,
            None,
        )
        assert paths[-1].created_at == START + 7 * DAY and not paths[-1].contacted
        recent = u.insights.lead_paths(ada.id or 0, START + DAY)
        assert [p.created_at for p in recent] == [START + 7 * DAY]
        assert len(u.insights.lead_paths(ada.id or 0, None, START + DAY)) == 2
        stays = u.insights.stage_stays(ada.id or 0, None)
        assert sorted((s.stage.value, round(s.days, 6)) for s in stays) == [
            ("emailed", 3),
            ("new", 1),
            ("talking", 2),
        ]
        assert u.insights.stage_stays(ada.id or 0, START + DAY) == []


def test_a_groups_latest_actions_and_follow_ups_due_per_member(uow: Uow) -> None:
    group, other = add_group(uow), add_group(uow, "T2")
    ada, bea, cal = (
        add_member(uow, group, "U1"),
        add_member(uow, group, "U2"),
        add_member(uow, group, "U3"),
    )
    zed = add_member(uow, other, "U9")
    lead, beas, zeds = add_lead(uow, ada, 1), add_lead(uow, bea, 1), add_lead(uow, zed, 1)
    log(uow, ada, lead, Action.EMAILED, START, Stage.EMAILED)
    log(uow, ada, lead, Action.NOTE, START + DAY, Stage.EMAILED)  # bookkeeping: no action
    log(uow, bea, beas, Action.CALLED, START + 2 * DAY, Stage.CALLED)
    log(uow, zed, zeds, Action.CALLED, START + 3 * DAY, Stage.CALLED)
    with uow() as u:
        imported = Event(
            beas.id or 0, Action.APPLIED, START + 5 * DAY, Stage.APPLIED, imported=True
        )
        u.events.add_imported(group.id or 0, bea.id or 0, [imported])
        u.commit()
    day = date(2026, 3, 5)
    for number, due in enumerate(
        (
            day - timedelta(days=9),
            day - timedelta(days=1),
            day,
            day + timedelta(days=1),
            day + timedelta(days=2),
        ),
        start=2,
    ):
        with uow() as u:
            u.leads.of(ada.id or 0).add(
                Lead(ada.id or 0, number, "", f"Co{number}", START, due_on=due)
            )
            u.commit()
    add_lead(uow, zed, 2, due_on=day - timedelta(days=3))
    with uow() as u:  # what the services keep on a member's row with each action
        stored = u.members.by_id(bea.id or 0)
        assert stored is not None
        stored.last_action_at = START + 2 * DAY
        u.members.save(stored)
        stored = u.members.by_id(ada.id or 0)
        assert stored is not None
        stored.last_action_at = START
        u.members.save(stored)
        u.commit()
    with uow() as u:
        found = {f.member_id: f for f in u.insights.group_week(group.id or 0, day, day)}
        assert list(found) == sorted([ada.id or 0, bea.id or 0, cal.id or 0])  # not Zed's
        assert (found[ada.id or 0].last_at, found[ada.id or 0].due) == (START, (2, 1, 1))
        assert (found[bea.id or 0].last_at, found[bea.id or 0].due) == (START + 2 * DAY, (0, 0, 0))
        assert found[cal.id or 0].last_at is None
        assert found[ada.id or 0].name == "u1" and found[ada.id or 0].listed
        assert u.insights.overdue_companies(
            group.id or 0, [ada.id or 0, zed.id or 0, cal.id or 0], day
        ) == {ada.id: [(day - timedelta(days=9), "Co2"), (day - timedelta(days=1), "Co3")]}
        assert u.insights.overdue_companies(group.id or 0, [], day) == {}

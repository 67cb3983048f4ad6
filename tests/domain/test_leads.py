"""Leads move through the stages of PLAYBOOK.md as the member logs what they did, and a
member names a lead by #number or by part of a name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.domain.errors import AmbiguousLead, LeadNotFound
from core.domain.leads import Action, Lead, Stage, StageError, apply, find
from core.domain.text import plain

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


def lead(
    number: int = 1,
    contact: str = "Julie Martin",
    company: str = "Acme",
    stage: Stage = Stage.NEW,
    **fields: object,
) -> Lead:
    return Lead(
        member_id=1,
        number=number,
        contact=contact,
        company=company,
        created_at=T0,
        stage=stage,
        **fields,  # type: ignore[arg-type]
    )


def log(target: Lead, *actions: Action, start: datetime = T0) -> Lead:
    for i, action in enumerate(actions, start=1):
        apply(target, action, start + timedelta(days=i))
    return target


# --- stages ------------------------------------------------------------------------------


def test_the_happy_path_moves_through_every_outreach_stage() -> None:
    target = lead()
    seen: list[Stage] = []
    for action in (
        Action.EMAILED,
        Action.FOLLOWED_UP,
        Action.CALLED,
        Action.REPLIED,
        Action.INTERVIEWED,
        Action.OFFER,
        Action.ACCEPTED,
    ):
        log(target, action, start=T0 + timedelta(days=len(seen)))
        seen.append(target.stage)
    assert seen == [
        Stage.EMAILED,
        Stage.FOLLOWED_UP,
        Stage.CALLED,
        Stage.TALKING,
        Stage.INTERVIEWED,
        Stage.OFFER,
        Stage.CLOSED,
    ]


def test_a_stage_change_remembers_when_it_happened() -> None:
    target = lead()
    apply(target, Action.EMAILED, T0 + timedelta(hours=1))
    assert target.stage_since == T0 + timedelta(hours=1)
    assert target.last_touch_at == T0 + timedelta(hours=1)


def test_a_reply_turns_outreach_into_a_conversation() -> None:
    for before in (Action.EMAILED, Action.FOLLOWED_UP, Action.CALLED):
        assert log(lead(), before, Action.REPLIED).stage is Stage.TALKING


def test_a_reply_during_an_interview_process_keeps_the_stage_but_counts_as_a_touch() -> None:
    target = log(lead(), Action.INTERVIEWED)
    at = T0 + timedelta(days=5)
    apply(target, Action.REPLIED, at)
    assert target.stage is Stage.INTERVIEWED
    assert target.last_touch_at == at


def test_emailing_someone_already_talking_to_you_keeps_the_stage() -> None:
    for engaged in (Action.REPLIED, Action.INTERVIEWED):
        target = log(lead(), Action.EMAILED, engaged)
        stage = target.stage
        log(target, Action.EMAILED, start=T0 + timedelta(days=10))
        assert target.stage is stage


def test_calls_are_counted_while_nobody_answers() -> None:
    target = log(lead(), Action.FOLLOWED_UP, Action.CALLED)
    assert target.calls == 1
    log(target, Action.CALLED, start=T0 + timedelta(days=10))
    assert (target.stage, target.calls) == (Stage.CALLED, 2)


def test_the_call_after_a_rejection_closes_the_lead_and_keeps_the_contact() -> None:
    target = log(lead(), Action.INTERVIEWED, Action.REJECTED, Action.CALLED)
    assert target.stage is Stage.CLOSED
    assert target.network
    assert not target.active


def test_a_call_to_someone_interviewing_you_is_just_a_touch() -> None:
    target = log(lead(), Action.INTERVIEWED, Action.CALLED)
    assert target.stage is Stage.INTERVIEWED
    assert target.calls == 0


@pytest.mark.parametrize("action", [Action.ACCEPTED, Action.DECLINED])
def test_only_an_offer_can_be_accepted_or_declined(action: Action) -> None:
    target = log(lead(), Action.INTERVIEWED)
    with pytest.raises(StageError, match=r"/lead offer #1"):
        apply(target, action, T0 + timedelta(days=3))
    assert target.stage is Stage.INTERVIEWED
    log(target, Action.OFFER, action, start=T0 + timedelta(days=3))
    assert target.stage is Stage.CLOSED


def test_a_dropped_lead_is_closed_and_cannot_be_dropped_twice() -> None:
    target = log(lead(), Action.EMAILED, Action.DROPPED)
    assert target.stage is Stage.CLOSED
    with pytest.raises(StageError, match="already closed"):
        apply(target, Action.DROPPED, T0 + timedelta(days=5))


@pytest.mark.parametrize("action", [Action.NOTE, Action.SNOOZED, Action.DROPPED, Action.ADDED])
def test_bookkeeping_is_not_a_communication(action: Action) -> None:
    target = log(lead(), Action.EMAILED)
    touched = target.last_touch_at
    apply(target, action, T0 + timedelta(days=4))
    assert target.last_touch_at == touched


def test_any_logged_action_forgets_the_ignored_nudges() -> None:
    target = lead(nudge_rule="email-follow-up", nudge_count=3, nudge_asked=True)
    target.nudged_on = T0.date()
    apply(target, Action.NOTE, T0)
    assert (target.nudge_rule, target.nudge_count, target.nudged_on, target.nudge_asked) == (
        None,
        0,
        None,
        False,
    )


def test_a_lead_reads_as_its_number_contact_and_company() -> None:
    target = lead(number=12)
    assert target.ref == "#12"
    assert plain(target.label) == "#12 Julie Martin at Acme"
    assert target.first_name == "Julie"
    assert target.active


# --- find --------------------------------------------------------------------------------


LEADS = [
    lead(1, "Julie Martin", "Acme"),
    lead(2, "Bob Stone", "Globex"),
    lead(12, "Carla Diaz", "Initech"),
    lead(4, "Julien Blanc", "Umbrella"),
]


def test_find_by_number() -> None:
    assert find("#12", LEADS).contact == "Carla Diaz"
    assert find("12", LEADS).contact == "Carla Diaz"
    assert find(" #2 ", LEADS).contact == "Bob Stone"


def test_find_by_part_of_the_contact_or_company_any_case() -> None:
    assert find("carla", LEADS).number == 12
    assert find("GLOBEX", LEADS).number == 2
    assert find("tech", LEADS).number == 12
    assert find("martin", LEADS).number == 1


def test_an_ambiguous_name_lists_the_candidates() -> None:
    with pytest.raises(AmbiguousLead) as err:
        find("julie", LEADS)
    text = plain(str(err.value))
    assert "#1 Julie Martin at Acme" in text
    assert "#4 Julien Blanc at Umbrella" in text
    assert "#number" in text
    assert "Globex" not in text


def test_an_unknown_number_or_name_is_not_found() -> None:
    with pytest.raises(LeadNotFound, match="#99"):
        find("#99", LEADS)
    with pytest.raises(LeadNotFound, match="nobody"):
        find("nobody", LEADS)
    with pytest.raises(LeadNotFound):
        find("  ", LEADS)


def test_a_closed_namesake_gives_way_to_the_one_active_lead() -> None:
    old = lead(3, "Dana Lee", "Acme", stage=Stage.CLOSED)
    current = lead(9, "Dana Lee", "Globex")
    assert find("dana", [old, current]) is current


def test_two_closed_namesakes_and_no_active_one_are_still_ambiguous() -> None:
    a = lead(3, "Dana Lee", "Acme", stage=Stage.CLOSED)
    b = lead(9, "Dana Lee", "Globex", stage=Stage.CLOSED)
    with pytest.raises(AmbiguousLead):
        find("dana", [a, b])


def test_two_active_namesakes_are_ambiguous_even_with_a_closed_one() -> None:
    leads = [
        lead(3, "Dana Lee", "Acme", stage=Stage.CLOSED),
        lead(9, "Dana Lee", "Globex"),
        lead(10, "Dana Fox", "Initech"),
    ]
    with pytest.raises(AmbiguousLead) as err:
        find("dana", leads)
    assert "(closed)" in str(err.value)


def test_a_closed_lead_is_still_found_by_number() -> None:
    old = lead(3, "Dana Lee", "Acme", stage=Stage.CLOSED)
    assert find("#3", [old, lead(9, "Dana Lee", "Globex")]) is old


def test_outreach_only_moves_forward_an_email_after_a_call_is_a_touch() -> None:
    lead = Lead(member_id=1, number=1, contact="Julie", company="Acme", created_at=T0)
    apply(lead, Action.EMAILED, T0)
    apply(lead, Action.FOLLOWED_UP, T0 + timedelta(days=3))
    apply(lead, Action.CALLED, T0 + timedelta(days=6))
    apply(lead, Action.EMAILED, T0 + timedelta(days=7))
    assert (lead.stage, lead.calls) == (Stage.CALLED, 1)
    assert lead.last_touch_at == T0 + timedelta(days=7)
    apply(lead, Action.CALLED, T0 + timedelta(days=12))
    assert lead.calls == 2  # the "still pursuing?" question can't be put off forever


def test_a_call_to_a_network_contact_is_a_touch_not_outreach() -> None:
    lead = Lead(1, 1, "Julie", "Acme", created_at=T0, network=True)
    apply(lead, Action.CALLED, T0 + timedelta(days=1))
    assert (lead.stage, lead.calls, lead.last_touch_at) == (Stage.NEW, 0, T0 + timedelta(days=1))


def test_a_refused_action_changes_nothing() -> None:
    lead = Lead(1, 1, "Julie", "Acme", created_at=T0)
    with pytest.raises(StageError):
        apply(lead, Action.ACCEPTED, T0 + timedelta(days=1))
    assert lead.last_touch_at is None and lead.stage is Stage.NEW

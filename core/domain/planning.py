"""A member's mornings: when the next digest is due, and what it says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.domain.digest import digest
from core.domain.drafts import DraftFacts, Nudge, nudge, pipeline_nudge
from core.domain.leads import Lead, Stage
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.rules import Context, Rule, due_on, nudge_for, pipeline_due, record_nudge

# The order of a digest: what is most time-sensitive first.
PRIORITY = {
    rule: i
    for i, rule in enumerate(
        [
            Rule.INTERVIEW_DAY,
            Rule.REJECTION_CALL,
            Rule.HOW_DID_IT_GO,
            Rule.CALL_AFTER_FOLLOW_UP,
            Rule.OFFER_LEVERAGE,
            Rule.EMAIL_FOLLOW_UP,
            Rule.REACH_REFERRAL,
            Rule.POST_INTERVIEW_CHECK_IN,
            Rule.KEEP_IN_TOUCH,
            Rule.STILL_PURSUING,
            Rule.PIPELINE,
        ]
    )
}


def context(member: Member, group: Group) -> Context:
    return Context(member.calendar(group), group.settings, member.offer_since)


def refresh(member: Member, group: Group, leads: list[Lead]) -> None:
    """Recompute what planning reads from the member's leads after any change to them."""
    offers = [lead.stage_since or lead.created_at for lead in leads if lead.stage is Stage.OFFER]
    member.offer_since = min(offers, default=None)
    member.active_leads = sum(lead.active for lead in leads)
    ctx = context(member, group)
    for lead in leads:
        lead.due_on = due_on(lead, ctx)


def schedule(member: Member, group: Group, now: datetime) -> None:
    """Set the member's next morning: today's if it is still to come, else the next one.

    A member who graduated (accepted an offer) has no more mornings.
    """
    if member.graduated:
        member.next_morning_at = None
        return
    cal = member.calendar(group)
    today = cal.local_date(now)
    before_morning = now < cal.at(today, member.morning(group))
    after = today - timedelta(days=1) if before_morning else today
    if member.last_planned_on is not None and member.last_planned_on > after:
        after = member.last_planned_on  # e.g. moved west after today's digest: not twice
    member.next_morning_at = cal.next_morning(after, member.morning(group))


def facts(
    member: Member, lead: Lead, ctx: Context, referrers: dict[int, str], day: date | None = None
) -> DraftFacts:
    """What the nudges about `lead` on the morning of `day` may mention."""
    touched, interview = lead.last_touch_at, lead.interview_at
    return DraftFacts(
        member_name=member.name,
        last_message_on=None if touched is None else ctx.calendar.local_date(touched),
        referred_by=None if lead.parent_id is None else referrers.get(lead.parent_id),
        interview=None if interview is None else interview.astimezone(ctx.calendar.tz),
        today=day,
    )


def nudges_for_day(
    member: Member,
    group: Group,
    leads: list[Lead],
    referrers: dict[int, str],
    day: date,
) -> list[Nudge]:
    """Every nudge due on the morning of `day`, most pressing first: what the digest of
    that morning says (its first few) and what `/lead today` shows. Changes nothing."""
    return _nudges(member, group, context(member, group), leads, referrers, day)


def _nudges(
    member: Member,
    group: Group,
    ctx: Context,
    leads: list[Lead],
    referrers: dict[int, str],
    day: date,
) -> list[Nudge]:
    found: list[tuple[Rule, Lead]] = []
    for lead in leads:
        rule = nudge_for(lead, ctx, day)
        if rule is not None:
            found.append((rule, lead))
    found.sort(key=lambda pair: (PRIORITY[pair[0]], pair[1].number))
    worded = [nudge(rule, lead, facts(member, lead, ctx, referrers, day)) for rule, lead in found]
    if pipeline_due(member, group.settings, day):
        worded.append(pipeline_nudge(member.active_leads, group.settings.pipeline_minimum))
    return worded


def remember_told(member: Member, group: Group, nudges: list[Nudge], day: date) -> None:
    """Remember what the member was told on the morning of `day`: each lead's nudge (to
    notice ignored ones) and the pipeline nudge's week. A nudge the digest had no room
    for was not told, and is not counted as ignored."""
    _remember(member, context(member, group), nudges, day)


def _remember(member: Member, ctx: Context, nudges: list[Nudge], day: date) -> list[Lead]:
    """`remember_told`; returns the leads it changed (all the rest are as they were)."""
    changed = []
    for said in nudges:
        if said.lead is None:
            member.last_pipeline_on = day
            continue
        record_nudge(said.lead, said.rule, day)
        said.lead.due_on = due_on(said.lead, ctx)
        changed.append(said.lead)
    return changed


@dataclass(frozen=True, slots=True)
class Morning:
    day: date
    message: Message | None
    missed: bool
    # The due leads whose nudge memory changed (those the digest told about): the only
    # ones planning has to write back.
    changed: tuple[Lead, ...] = ()


def plan_morning(
    member: Member,
    group: Group,
    due_leads: list[Lead],
    referrers: dict[int, str],
    now: datetime,
    catch_up: timedelta,
    log: str | None = None,
) -> Morning:
    """Plan the member's due morning and move them on to the next one.

    A morning found more than `catch_up` late (the bot was down) is reported as missed,
    not sent at noon; a paused or unreachable member's mornings pass quietly.
    """
    assert member.next_morning_at is not None
    ctx = context(member, group)
    cal = ctx.calendar
    day = cal.local_date(member.next_morning_at)
    missed = now - member.next_morning_at > catch_up
    message = None
    changed: list[Lead] = []
    if not (member.paused or member.unreachable):
        nudges = _nudges(member, group, ctx, due_leads, referrers, day)
        if nudges or log is not None:
            message = digest(member.name, day, nudges, log)
            if not missed:
                # The digest names the rule of each nudge it told, in order: those are
                # `told(nudges)`, without measuring their words a second time.
                changed = _remember(member, ctx, nudges[: len(message.rules)], day)
    member.last_planned_on = day
    member.next_morning_at = cal.next_morning(day, member.morning(group))
    return Morning(day, message, missed and message is not None, tuple(changed))

"""The nudge rules of PLAYBOOK.md: which lead is due for what, and when."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.domain.calendar import BusinessCalendar
from core.domain.leads import Lead, Stage
from core.domain.members import Member
from core.domain.settings import PlaybookSettings


class Rule(enum.StrEnum):
    EMAIL_FOLLOW_UP = "email-follow-up"
    CALL_AFTER_FOLLOW_UP = "call-after-follow-up"
    POST_INTERVIEW_CHECK_IN = "post-interview-check-in"
    REJECTION_CALL = "rejection-call"
    REACH_REFERRAL = "reach-referral"
    KEEP_IN_TOUCH = "keep-in-touch"
    PIPELINE = "pipeline"
    OFFER_LEVERAGE = "offer-leverage"
    STILL_PURSUING = "still-pursuing"
    INTERVIEW_DAY = "interview-day"
    HOW_DID_IT_GO = "how-did-it-go"


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules need beyond the lead: the member's calendar, the group's numbers,
    and when the member's pending offer (if any) arrived."""

    calendar: BusinessCalendar
    settings: PlaybookSettings
    offer_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Due:
    rule: Rule
    on: date


def waiting_for(lead: Lead, ctx: Context) -> Due | None:
    """The rule `lead` waits on and the local date it fires if nothing else is logged.

    Snoozes and ignored nudges are applied on top of this by `due_on` and `nudge_for`.
    """
    cal, s = ctx.calendar, ctx.settings
    if lead.interview_at is not None and lead.active:
        # An interview to come is what the lead waits for: nothing else is said until it
        # has taken place (then `nudge_for` asks how it went).
        return Due(Rule.INTERVIEW_DAY, mention_day(cal.local_date(lead.interview_at), cal))
    since = cal.local_date(lead.stage_since or lead.created_at)
    touched = cal.local_date(lead.last_touch_at or lead.created_at)
    match lead.stage:
        case Stage.NEW if lead.parent_id is not None:
            return Due(Rule.REACH_REFERRAL, cal.next_business_day(since))
        # The clock runs from the latest email: a second one restarts it.
        case Stage.EMAILED:
            return Due(Rule.EMAIL_FOLLOW_UP, cal.add_business_days(touched, s.email_follow_up_days))
        case Stage.FOLLOWED_UP:
            return Due(
                Rule.CALL_AFTER_FOLLOW_UP, cal.add_business_days(touched, s.email_follow_up_days)
            )
        case Stage.CALLED:
            # One more call after an unanswered one; after the second, ask instead of nagging.
            rule = Rule.CALL_AFTER_FOLLOW_UP if lead.calls < 2 else Rule.STILL_PURSUING
            return Due(rule, cal.add_business_days(touched, s.call_retry_days))
        case Stage.TALKING | Stage.INTERVIEWED:
            offer = ctx.offer_since
            if offer is not None and (lead.last_touch_at is None or lead.last_touch_at < offer):
                return Due(Rule.OFFER_LEVERAGE, cal.next_business_day(cal.local_date(offer)))
            return Due(
                Rule.POST_INTERVIEW_CHECK_IN, touched + timedelta(days=s.interview_silence_days)
            )
        case Stage.REJECTED:
            return Due(Rule.REJECTION_CALL, cal.next_business_day(since))
        case Stage.NEW | Stage.CLOSED if lead.network:
            return Due(Rule.KEEP_IN_TOUCH, touched + timedelta(days=s.keep_in_touch_days))
    return None


def mention_day(day: date, cal: BusinessCalendar) -> date:
    """The morning an interview on `day` is mentioned: that day's, or the last business
    morning before it if it falls on a day off."""
    return day if cal.is_business_day(day) else cal.previous_business_day(day)


def due_on(lead: Lead, ctx: Context) -> date | None:
    """The first local date a nudge about `lead` can go out, or None if none is pending."""
    if lead.nudge_asked:
        return None
    due = waiting_for(lead, ctx)
    if due is None:
        return None
    if lead.snoozed_until is not None and lead.snoozed_until > due.on:
        return lead.snoozed_until
    return due.on


def nudge_for(lead: Lead, ctx: Context, today: date) -> Rule | None:
    """The nudge about `lead` for the morning of `today`, if any.

    A nudge ignored on `ignored_before_asking` mornings turns, once, into the
    "still pursuing?" question; after that the lead stays quiet until the member logs
    something about it.
    """
    told_today = lead.nudged_on == today
    if lead.nudge_asked:
        return Rule.STILL_PURSUING if told_today else None
    if lead.snoozed_until is not None and today < lead.snoozed_until:
        return None
    due = waiting_for(lead, ctx)
    if due is None or due.on > today:
        return None
    rule = due.rule
    if rule is Rule.INTERVIEW_DAY:
        assert lead.interview_at is not None
        if today > ctx.calendar.local_date(lead.interview_at):
            rule = Rule.HOW_DID_IT_GO  # its day has passed and `interviewed` wasn't logged
        else:
            return rule  # said on its morning, never taken as ignored
    ignored = lead.nudge_count - told_today if lead.nudge_rule == rule else 0
    if ignored >= ctx.settings.ignored_before_asking:
        return Rule.STILL_PURSUING
    return rule


def record_nudge(lead: Lead, rule: Rule, today: date) -> None:
    """Remember that the member was told `rule` about `lead` on the morning of `today`."""
    if lead.nudged_on == today:
        return  # already counted: planning the same morning again changes nothing
    lead.nudged_on = today
    if rule is Rule.STILL_PURSUING:
        lead.nudge_asked = True
    elif lead.nudge_rule == rule:
        lead.nudge_count += 1
    else:
        lead.nudge_rule, lead.nudge_count = rule, 1


def pipeline_due(member: Member, settings: PlaybookSettings, today: date) -> bool:
    """Fewer active leads than the minimum, and no pipeline nudge in the last week but
    (for `/lead today`) the one of this very morning."""
    if member.active_leads >= settings.pipeline_minimum:
        return False
    last = member.last_pipeline_on
    return last is None or last == today or (today - last).days >= settings.pipeline_every_days

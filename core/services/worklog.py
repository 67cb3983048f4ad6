"""Handlers of the work-search log: a lead's details, activities that are not a lead,
the log's settings, and the log itself (`/followthrough log`) with its PDF and CSV."""

from __future__ import annotations

from datetime import date, timedelta

from core.domain import commands as c
from core.domain import replies, worklog
from core.domain.catalog import usage_error
from core.domain.errors import UsageError
from core.domain.messages import Attachment, Message
from core.reports import worklog as report
from core.services.turn import Turn


def set_detail(turn: Turn, cmd: c.SetDetail) -> Message:
    lead = turn.lead(cmd.ref)
    setattr(lead, cmd.field, "" if cmd.field == "contact" and cmd.value is None else cmd.value)
    turn.save()
    return replies.detail_set(lead, cmd.field, cmd.value)


def activity(turn: Turn, cmd: c.LogActivity) -> Message:
    at = turn.moment(cmd.when)
    done = worklog.Activity(
        cmd.kind,
        at,
        cmd.what,
        cmd.where,
        cmd.minutes,
        logged_at=None if at == turn.now else turn.now,
    )
    assert turn.group.id is not None and turn.member.id is not None
    turn.uow.activities.add(turn.group.id, turn.member.id, done)
    turn.kept_streak(at)
    turn.save()
    cal = turn.member.calendar(turn.group)
    on = cal.local_date(at)
    return replies.activity_logged(done, on, turn.today, period(turn, on).tally)


def period(turn: Turn, day: date) -> worklog.Period:
    """The member's log period holding `day`, with its rows."""
    settings = turn.log_settings
    start, end = worklog.period_of(day, settings)
    cal = turn.member.calendar(turn.group)
    first, until = worklog.window(start, end, cal)
    member_id = turn.member.id
    assert member_id is not None
    # The period's events and the leads they are about: not the member's whole search.
    events = turn.uow.events.between([member_id], first, until).get(member_id, [])
    activities = turn.uow.activities.for_member(member_id, first, until)
    named = turn.leads_by_id({e.lead_id for e in events})
    leads = {lead.id: lead for lead in named if lead.id is not None}
    rows = worklog.rows(leads, events, activities, cal)
    return worklog.Period(start, end, tuple(rows), settings)


def behind(turn: Turn) -> str | None:
    """The line `/lead today` adds, as the digest does, when the member is behind their
    log's minimum near the end of its period."""
    settings = turn.log_settings
    if settings.minimum is None:
        return None
    cal = turn.member.calendar(turn.group)
    first, until = worklog.window(*worklog.period_of(turn.today, settings), cal)
    member_id = turn.member.id
    assert member_id is not None
    events = turn.uow.events.between([member_id], first, until).get(member_id, [])
    activities = turn.uow.activities.for_member(member_id, first, until)
    return worklog.reminder(settings, turn.today, cal, events, activities)


def work_log(turn: Turn, cmd: c.WorkLog) -> Message:
    today, settings = turn.today, turn.log_settings
    if cmd.last:
        day = worklog.period_of(today, settings)[0] - timedelta(days=1)
    elif cmd.when is not None:
        try:
            day = cmd.when.resolve(today, back=worklog.LOG_DAYS_BACK)
        except UsageError as error:
            raise usage_error("followthrough log", str(error)) from None
    else:
        day = today
    found = period(turn, day)
    member = turn.member
    log = worklog.WorkLog(
        member.name,
        (found,),
        today,
        worklog.paper(member.calendar(turn.group).country),
    )
    stem = f"work-search-log-{found.start.isoformat()}"
    files = (
        Attachment(f"{stem}.pdf", report.pdf(log), "application/pdf"),
        Attachment(f"{stem}.csv", report.csv_text(log), "text/csv"),
    )
    return replies.work_log(found, today, files)


def my_log(turn: Turn, change: c.LogChange) -> Message:
    """`/followthrough me log ...`: change the member's log settings, or show them."""
    before = turn.log_settings
    after = worklog.changed(before, change)
    if after != before or change != c.LogChange():
        turn.member.log_settings = after.to_dict()
        turn.save()
    return replies.log_settings(after)

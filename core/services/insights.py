"""What a member sees of their own search (a page of leads, their funnel), and what an
organiser sees of the group (the report): reads summed up in the database."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

from core.domain import commands as c
from core.domain import insights, listing, report
from core.domain.calendar import BusinessCalendar
from core.domain.insights import PAGE_SIZE, Page
from core.domain.messages import Message
from core.services.turn import Turn


def list_leads(turn: Turn, cmd: c.ListLeads) -> Message:
    """A page of the member's leads: only that page is read, and how many there are."""
    assert turn.member.id is not None
    today, found = turn.today, turn.uow.insights
    page = Page(cmd.page, 0)
    leads, total = found.leads_page(turn.member.id, cmd.which, today, page.offset, PAGE_SIZE)
    page = Page(cmd.page, total).clamped()
    if not leads and total:  # past the last page: the last one
        leads, total = found.leads_page(turn.member.id, cmd.which, today, page.offset, PAGE_SIZE)
    return listing.lead_page(cmd.which, leads, page, turn.context, today)


def stats(turn: Turn, cmd: c.Stats) -> Message:
    """The member's funnel over the leads added in the period, summed up per lead."""
    assert turn.member.id is not None
    cal, today = turn.member.calendar(turn.group), turn.today
    first_day = insights.since(cmd.period, today)
    first = None if first_day is None else cal.at(first_day, time(0))
    paths = turn.uow.insights.lead_paths(turn.member.id, first)
    stays = turn.uow.insights.stage_stays(turn.member.id, first)
    return insights.stats(cmd.period, first_day, today, paths, stays)


def group_report(turn: Turn, cmd: c.GroupReport) -> Message:
    """Every member's week for the organisers (the core checked they are one), one page
    of them named: who is stuck first. One read sums every member up."""
    group, now = turn.group, turn.now
    assert group.id is not None
    group_today = group.calendar().local_date(now)
    monday = group_today - timedelta(days=group_today.weekday())
    # Every zone's today is the UTC date, the day before or the day after.
    first = now.astimezone(UTC).date() - timedelta(days=1)
    # Per calendar (a few in a group): today in it, and the day before which it is quiet.
    calendars: dict[tuple[str, str | None], tuple[BusinessCalendar, date, date]] = {}
    weeks = []
    for facts in turn.uow.insights.group_week(group.id, monday, first):
        key = (facts.tz or group.tz, facts.country or group.country)
        if key not in calendars:
            cal = BusinessCalendar.of(*key)
            today = cal.local_date(now)
            calendars[key] = (cal, today, report.quiet_before(today, cal))
        cal, today, quiet_before = calendars[key]
        before, on, after = facts.due
        overdue = before + (on if today > first else 0) + (after if today > first + DAY else 0)
        last = report.local_day(facts.last_at, cal)
        weeks.append(
            report.MemberWeek(
                facts.member_id,
                facts.name,
                facts.actions,
                overdue,
                last,
                today,
                last is None or last < quiet_before,
                paused=facts.paused,
                graduated=facts.graduated,
                shares=facts.shares,
                listed=facts.listed,
            )
        )
    listed = sorted((w for w in weeks if w.listed), key=report.MemberWeek.order)
    page = Page(cmd.page, len(listed), report.PAGE_SIZE).clamped()
    shown = listed[page.offset : page.offset + page.size]
    companies = _companies(turn, [w for w in shown if w.shares and w.overdue])
    unlisted = [w for w in weeks if not w.listed]
    return report.group_report(
        monday,
        group_today,
        shown,
        page,
        companies,
        report.Totals.of(weeks),
        report.Totals.of(unlisted),
    )


DAY = timedelta(days=1)


def _companies(turn: Turn, sharing: list[report.MemberWeek]) -> dict[int, list[str]]:
    """The companies of the overdue leads of these members (who share them), oldest first."""
    if not sharing:
        return {}
    assert turn.group.id is not None
    before = max(w.today for w in sharing)
    found = turn.uow.insights.overdue_companies(
        turn.group.id, [w.member_id for w in sharing], before
    )
    today = {w.member_id: w.today for w in sharing}
    return {
        member_id: [company for due_on, company in leads if due_on < today[member_id]]
        for member_id, leads in found.items()
    }

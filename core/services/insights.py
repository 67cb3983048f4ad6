"""What a member sees of their own search (a page of leads, their funnel), and what an
organiser sees of the group (the report): reads summed up in the database."""

from __future__ import annotations

from datetime import UTC, time, timedelta

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
    of them named: who is stuck first."""
    group, uow, now = turn.group, turn.uow, turn.now
    assert group.id is not None
    gcal = group.calendar()
    group_today = gcal.local_date(now)
    monday = group_today - timedelta(days=group_today.weekday())
    # Every zone's today is the UTC date, the day before or the day after.
    first = now.astimezone(UTC).date() - timedelta(days=1)
    week = uow.events.tallies(group.id, monday)
    last = uow.insights.last_actions(group.id)
    due = uow.insights.due_counts(group.id, first)
    calendars: dict[tuple[str, str | None], BusinessCalendar] = {}
    weeks = []
    for member in uow.members.roster(group.id):
        assert member.id is not None
        key = (member.tz or group.tz, member.country or group.country)
        cal = calendars.get(key) or calendars.setdefault(key, member.calendar(group))
        today = cal.local_date(now)
        before, on, after = due.get(member.id, (0, 0, 0))
        overdue = (
            before + (on if today > first else 0) + (after if today > first + timedelta(1) else 0)
        )
        tally = week.get(member.id)
        last_day = report.local_day(last.get(member.id), cal)
        weeks.append(
            report.MemberWeek(
                member.id,
                member.name,
                0 if tally is None else sum(tally.counts.values()),
                overdue,
                last_day,
                today,
                report.quiet_for(last_day, today, cal),
                paused=member.paused,
                graduated=member.graduated,
                shares=member.share_companies,
                listed=member.on_board,
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

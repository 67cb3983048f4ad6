"""What a member sees of their own search (a page of leads, their funnel), and what an
organiser sees of the group (the report): reads summed up in the database."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from core.domain import commands as c
from core.domain import insights, listing, report
from core.domain.calendar import BusinessCalendar
from core.domain.insights import PAGE_SIZE, Page
from core.domain.messages import Message
from core.domain.report import Facts
from core.services.boards import my_week_picture
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
    answer = insights.stats(cmd.period, first_day, today, paths, stays)
    if cmd.period != "week":
        return answer
    # The week's: with the member's own week drawn as the Monday board draws the group's.
    picture = my_week_picture(turn.uow, turn.group, turn.member, turn.now)
    return replace(answer, attachments=(*answer.attachments, picture))


def group_report(turn: Turn, cmd: c.GroupReport) -> Message:
    """Every member's week for the organisers (the core checked they are one), one page
    of them named: who is stuck first. One read sums every member up; a group's thousands
    are compared as they come (instants, counts), and only the page's are worded."""
    group, now = turn.group, turn.now
    assert group.id is not None
    group_today = group.calendar().local_date(now)
    monday = group_today - timedelta(days=group_today.weekday())
    # Every zone's today is the UTC date, the day before or the day after.
    first = now.astimezone(UTC).date() - timedelta(days=1)
    # Per calendar (a few in a group): it, today in it, and the instant before which a
    # member's latest action leaves them quiet.
    calendars: dict[tuple[str, str | None], tuple[BusinessCalendar, date, datetime]] = {}
    listed: list[tuple[tuple[bool, bool, float, int, str], Facts, int, bool]] = []
    everyone, unlisted = [0, 0, 0, 0], [0, 0, 0, 0]  # members, actions, overdue, quiet
    for facts in turn.uow.insights.group_week(group.id, monday, first):
        key = (facts.tz or group.tz, facts.country or group.country)
        if key not in calendars:
            cal = BusinessCalendar.of(*key)
            today = cal.local_date(now)
            calendars[key] = (cal, today, cal.at(report.quiet_before(today, cal), time(0)))
        _, today, quiet_at = calendars[key]
        before, on, after = facts.due
        overdue = before + (on if today > first else 0) + (after if today > first + DAY else 0)
        resting = facts.paused or facts.graduated
        quiet = not resting and (facts.last_at is None or facts.last_at < quiet_at)
        for totals in (everyone,) if facts.listed else (everyone, unlisted):
            totals[0] += 1
            totals[1] += facts.actions
            totals[2] += overdue
            totals[3] += quiet
        if not facts.listed:
            continue
        # Who is stuck first: the quiet (the longest silence first), then the most overdue;
        # those paused or done with their search last.
        silence = -math.inf if facts.last_at is None else facts.last_at.timestamp()
        order = (resting, not quiet, silence if quiet else 0.0, -overdue, facts.name.casefold())
        listed.append((order, facts, overdue, quiet))
    listed.sort(key=lambda item: item[0])
    page = Page(cmd.page, len(listed), report.PAGE_SIZE).clamped()
    shown = []
    for _, facts, overdue, quiet in listed[page.offset : page.offset + page.size]:
        cal, today, _ = calendars[(facts.tz or group.tz, facts.country or group.country)]
        shown.append(
            report.MemberWeek(
                facts.member_id,
                facts.name,
                facts.actions,
                overdue,
                report.local_day(facts.last_at, cal),
                today,
                quiet,
                paused=facts.paused,
                graduated=facts.graduated,
                shares=facts.shares,
                listed=True,
            )
        )
    companies = _companies(turn, [w for w in shown if w.shares and w.overdue])
    return report.group_report(
        monday,
        group_today,
        shown,
        page,
        companies,
        report.Totals(*everyone),
        report.Totals(*unlisted),
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

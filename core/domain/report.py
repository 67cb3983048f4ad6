"""The organisers' view of their group (`/followthrough group report`): each member's
week, their follow-ups overdue, how long since they last did something, and who has gone
quiet. Never a contact's name or a note; a company only of a member who shares them; a
member off the board only in the counts, never by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from core.domain.calendar import BusinessCalendar
from core.domain.dates import shown
from core.domain.insights import Page, page_buttons, page_hint
from core.domain.messages import Message, Section, plural, reply
from core.domain.text import echo

QUIET_DAYS = 5  # business days without an action after which a member has gone quiet
PAGE_SIZE = 10  # members a page lists: its worst case fits one Discord message
NAME = 40  # characters of a member's name a line quotes
COMPANY = 30  # characters of a company's name
COMPANIES = 3  # companies named per member; the rest are counted
COMMAND = "/followthrough group report"


def quiet_before(today: date, cal: BusinessCalendar) -> date:
    """The first of the `QUIET_DAYS` business days before `today` in `cal`: a member whose
    latest action came before it has gone quiet (none in those days, nor today)."""
    day = today
    for _ in range(QUIET_DAYS):
        day = cal.previous_business_day(day)
    return day


def quiet_for(last: date | None, today: date, cal: BusinessCalendar) -> bool:
    """Whether no action came in the `QUIET_DAYS` business days before `today` (in the
    member's calendar), nor today."""
    return last is None or last < quiet_before(today, cal)


class Facts(NamedTuple):
    """What the database sums up of one member for the report (a tuple: a group's
    thousands are made fast)."""

    member_id: int
    name: str
    tz: str | None
    country: str | None
    paused: bool
    graduated: bool
    shares: bool
    listed: bool
    actions: int  # this week's (the group's week), as the board counts them
    last_at: datetime | None  # their latest action (bookkeeping and imports aside)
    due: tuple[int, int, int]  # leads due before a day, on it, and on the next


@dataclass(slots=True)  # not frozen: a group's thousands are made fast
class MemberWeek:
    """One member as the report shows them."""

    member_id: int
    name: str
    actions: int  # this week's, as the board counts them
    overdue: int  # follow-ups due before today, not done
    last: date | None  # the local day of their latest action; None: none yet
    today: date  # theirs
    quiet: bool
    paused: bool = False
    graduated: bool = False
    shares: bool = False  # may their companies be named
    listed: bool = True  # on the board: named in the report

    @property
    def days_since(self) -> int | None:
        return None if self.last is None else (self.today - self.last).days

    def order(self) -> tuple[bool, bool, int, int, str]:
        """Who is stuck first: the quiet (longest first), then the most overdue; those
        paused or done with their search last."""
        resting = self.paused or self.graduated
        silence = self.days_since if self.days_since is not None else 10**6
        quiet = self.quiet and not resting
        return (resting, not quiet, -silence if quiet else 0, -self.overdue, self.name.casefold())


def _many(n: int, word: str) -> str:
    """`5,000 members`, `1 action`."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _since(days: int | None) -> str:
    if days is None:
        return "nothing logged yet"
    if days == 0:
        return "last action today"
    if days == 1:
        return "last action yesterday"
    return f"last action {days} days ago"


def line(member: MemberWeek, companies: list[str]) -> str:
    """`Ana · QUIET · 0 actions this week · 2 overdue (Acme, Globex) · last action 9 days
    ago`: companies only if the member shares them (the caller gives none otherwise)."""
    parts = [echo(member.name, NAME)]
    if member.graduated:
        parts.append("found a job")
    elif member.paused:
        parts.append("paused")
    elif member.quiet:
        parts.append("QUIET")
    parts.append(f"{plural(member.actions, 'action')} this week")
    if member.overdue:
        overdue = f"{member.overdue} overdue"
        if member.shares and companies:
            named = ", ".join(echo(company, COMPANY) for company in companies[:COMPANIES])
            more = member.overdue - min(len(companies), COMPANIES)
            overdue += f" ({named}{f' +{more}' if more > 0 else ''})"
        parts.append(overdue)
    parts.append(_since(member.days_since))
    return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Totals:
    members: int
    actions: int
    overdue: int
    quiet: int

    @classmethod
    def of(cls, weeks: list[MemberWeek]) -> Totals:
        return cls(
            len(weeks),
            sum(w.actions for w in weeks),
            sum(w.overdue for w in weeks),
            sum(w.quiet and not (w.paused or w.graduated) for w in weeks),
        )


def group_report(
    monday: date,
    today: date,
    listed: list[MemberWeek],
    page: Page,
    companies: dict[int, list[str]],
    everyone: Totals,
    unlisted: Totals,
) -> Message:
    """One page of the report: the group's totals, the listed members of `page` (who is
    stuck first), and those off the board as counts alone."""
    head = (
        f"Group report, the week of {shown(monday, today)} so far:"
        f" {_many(everyone.members, 'member')}, {_many(everyone.actions, 'action')},"
        f" {everyone.overdue:,} follow-ups overdue, {everyone.quiet:,} quiet"
        f" (no action in {QUIET_DAYS} business days)."
    )
    sections = []
    if listed:
        lines = "\n".join(line(m, companies.get(m.member_id, [])) for m in listed)
        why = page_hint(page, COMMAND, "quiet members first") if page.count > 1 else None
        sections.append(Section(lines, why, buttons=page_buttons(page, COMMAND)))
    elif unlisted.members < everyone.members:
        sections.append(Section(f"No page {page.number}: the report has {page.count}."))
    off = (
        f"Off the board (counted, not named): {_many(unlisted.members, 'member')},"
        f" {_many(unlisted.actions, 'action')} this week, {unlisted.overdue:,} follow-ups"
        f" overdue, {unlisted.quiet:,} quiet."
    )
    sections.append(
        Section(off if unlisted.members else PRIVACY, PRIVACY if unlisted.members else None)
    )
    return reply(head, *sections)


PRIVACY = (
    "Companies are named only for members who share them; contacts and notes never."
    " Only you can see this."
)


def local_day(at: datetime | None, cal: BusinessCalendar) -> date | None:
    return None if at is None else cal.local_date(at)

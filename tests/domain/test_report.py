"""The organisers' report: who is stuck first, quiet by each member's own calendar, no
contact or note ever, companies only of those who share them, off-board members counted."""

from __future__ import annotations

from datetime import date

from core.domain.calendar import BusinessCalendar
from core.domain.insights import Page
from core.domain.report import MemberWeek, Totals, group_report, line, quiet_for
from core.domain.text import plain

NEW_YORK = BusinessCalendar.of("America/New_York", "US")
BERLIN = BusinessCalendar.of("Europe/Berlin", "DE")
MONDAY = date(2026, 3, 16)


def week(name: str, **fields: object) -> MemberWeek:
    values: dict[str, object] = {
        "member_id": hash(name) % 1000,
        "name": name,
        "actions": 3,
        "overdue": 0,
        "last": MONDAY,
        "today": MONDAY,
        "quiet": False,
    }
    values.update(fields)
    return MemberWeek(**values)  # type: ignore[arg-type]


def test_quiet_after_five_business_days_without_an_action_not_four() -> None:
    # Monday Mar 16: the five business days before it are Mar 9-13.
    assert not quiet_for(date(2026, 3, 9), MONDAY, NEW_YORK)  # 4 business days since
    assert quiet_for(date(2026, 3, 6), MONDAY, NEW_YORK)  # 5: Mar 9-13
    assert quiet_for(None, MONDAY, NEW_YORK)  # nothing logged yet


def test_quiet_counts_the_members_own_holidays() -> None:
    # Good Friday (Apr 3) and Easter Monday (Apr 6) are days off in Germany, not in the US.
    tuesday, last = date(2026, 4, 7), date(2026, 3, 30)
    assert quiet_for(last, tuesday, NEW_YORK)  # Mar 31, Apr 1, 2, 3 and 6
    assert not quiet_for(last, tuesday, BERLIN)  # Mar 31, Apr 1 and 2 only


def test_a_line_names_companies_only_for_a_member_who_shares_them() -> None:
    shared = week("Ana", overdue=5, shares=True)
    private = week("Ben", overdue=2, shares=False)
    companies = ["Acme", "Globex", "Initech", "Umbrella"]
    assert plain(line(shared, companies)) == (
        "Ana · 3 actions this week · 5 overdue (Acme, Globex, Initech +2) · last action today"
    )
    assert (
        plain(line(private, companies))
        == "Ben · 3 actions this week · 2 overdue · last action today"
    )


def test_the_quiet_come_first_longest_silence_first_and_the_resting_last() -> None:
    members = [
        week("Busy", overdue=1),
        week("Quiet long", quiet=True, last=date(2026, 2, 2)),
        week("Paused", quiet=True, last=date(2026, 1, 5), paused=True),
        week("Quiet", quiet=True, last=date(2026, 3, 2)),
        week("Most overdue", overdue=4),
        week("Never", quiet=True, last=None),
    ]
    order = [m.name for m in sorted(members, key=MemberWeek.order)]
    assert order == ["Never", "Quiet long", "Quiet", "Most overdue", "Busy", "Paused"]


def test_members_off_the_board_are_counts_without_a_name() -> None:
    listed = [week("Ana", quiet=True, last=date(2026, 3, 2))]
    hidden = [week("Hidden Hannah", actions=4, overdue=1, listed=False)]
    message = group_report(
        MONDAY,
        MONDAY,
        listed,
        Page(1, 1),
        {},
        Totals.of(listed + hidden),
        Totals.of(hidden),
    )
    text = message.plain_text()
    assert "Hannah" not in text
    assert "Off the board (counted, not named): 1 member, 4 actions this week, 1 follow-ups" in text
    assert "2 members, 7 actions, 1 follow-ups overdue, 1 quiet" in text
    assert "Ana · QUIET · 3 actions this week · last action 14 days ago" in text

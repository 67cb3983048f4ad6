"""Points and streaks (PLAYBOOK.md, "The group"): persistence is rewarded, not luck."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from core.domain.calendar import BusinessCalendar
from core.domain.errors import UsageError
from core.domain.leads import Action, Event, Stage

DEFAULT_POINTS: Mapping[str, int] = {
    Action.ADDED.value: 1,
    Action.EMAILED.value: 1,
    Action.FOLLOWED_UP.value: 2,
    Action.CALLED.value: 3,
    Action.REFERRAL.value: 5,
    Action.INTERVIEWED.value: 5,
    Action.OFFER.value: 10,
}
MAX_POINTS = 100  # what an organiser may make one action worth
# An application earns what an email does, and counts with the emails on a board.
SCORED_AS = {Action.APPLIED: Action.EMAILED}
REJECTION_CALL_BONUS = 2
# What can change a count of `counted`: a scoring action, and a rejection (the call that
# answers it earns a bonus). Any other event counts for nothing and changes nothing that
# counts: duplicates are told apart by their action, and only a rejection sets a bonus.
TALLIED = frozenset({*(Action(a) for a in DEFAULT_POINTS), *SCORED_AS, Action.REJECTED})
# Bookkeeping is not an action taken: it neither scores nor keeps a streak alive (an
# interview set in the calendar counts once it took place: `interviewed`).
BOOKKEEPING = frozenset({Action.NOTE, Action.SNOOZED, Action.DROPPED, Action.INTERVIEW})
# The totals a board shows, in order, with their labels.
TOTALS = {
    Action.EMAILED: "email",
    Action.FOLLOWED_UP: "follow-up",
    Action.CALLED: "call",
    Action.REFERRAL: "referral",
    Action.INTERVIEWED: "interview",
    Action.OFFER: "offer",
}


def scored_as(action: Action) -> Action:
    """The action whose points and board column `action` counts under."""
    return SCORED_AS.get(action, action)


def points_with(points: Mapping[str, int], action: str, value: int) -> dict[str, int]:
    """`points` with `action` worth `value`; a UsageError for an action that earns nothing."""
    if action not in DEFAULT_POINTS:
        raise UsageError(f"`{action}` earns no points; choose one of {', '.join(DEFAULT_POINTS)}.")
    if not 0 <= value <= MAX_POINTS:
        raise UsageError(f"Points are a whole number from 0 to {MAX_POINTS}.")
    return {**points, action: value}


def counted(
    events: Iterable[Event], cal: BusinessCalendar, *, since: datetime | None = None
) -> Iterator[tuple[Event, int]]:
    """The events of one member that count (at or after `since`), in time order, each
    with the rejection-call bonuses it earns (0 or 1).

    The same action on the same lead on the same local day, leaving it in the same
    stage, counts once (a duplicate or corrected log earns nothing more); each referral
    is a new person and always counts. Imported history counts for nothing. A rejection
    answered by the rejection call on the same or the next business day earns the bonus.
    Events before `since`, and imported ones, are read only to find those rejections.
    Every rule looks at one lead's events only, so the verdict on a new event needs only
    its lead's history.
    """
    seen: set[tuple[int, Action, Stage, date]] = set()
    rejected_on: dict[int, date] = {}
    for event in sorted(events, key=lambda e: e.at):
        day = cal.local_date(event.at)
        if event.action is Action.REJECTED:
            rejected_on[event.lead_id] = day
        if (since is not None and event.at < since) or event.imported:
            continue  # an imported rejection still sets the window of a call made now
        key = (event.lead_id, event.action, event.stage_after, day)
        if key in seen and event.action is not Action.REFERRAL:
            continue
        seen.add(key)
        rejection = rejected_on.get(event.lead_id)
        bonus = (
            event.action is Action.CALLED
            and event.stage_after is Stage.CLOSED
            and rejection is not None
            and day <= cal.next_business_day(rejection)
        )
        yield event, int(bonus)


def points_for(counts: Mapping[Action, int], bonuses: int, points: Mapping[str, int]) -> int:
    """The points of these action counts and rejection-call bonuses, at `points`."""
    earned = sum(n * points.get(action.value, 0) for action, n in counts.items())
    return earned + bonuses * REJECTION_CALL_BONUS


@dataclass(slots=True)
class Tally:
    """What one member's counted actions come to over a span: how many of each action,
    and how many rejection-call bonuses. Points follow from the group's current points."""

    counts: Counter[Action] = field(default_factory=Counter)
    bonuses: int = 0

    def points(self, points: Mapping[str, int]) -> int:
        return points_for(self.counts, self.bonuses, points)


@dataclass(slots=True)
class Standings:
    """A group's board over a span: each member's points, and how many times each action
    counted across the group."""

    points: dict[int, int] = field(default_factory=dict)
    totals: Counter[Action] = field(default_factory=Counter)


def score(
    events: Iterable[Event],
    cal: BusinessCalendar,
    points: Mapping[str, int],
    *,
    since: datetime | None = None,
) -> tuple[int, Counter[Action]]:
    """Points and action counts earned by one member's `events` (at or after `since`),
    by the rules of `counted`."""
    counts, bonuses = Counter[Action](), 0
    for event, bonus in counted(events, cal, since=since):
        counts[scored_as(event.action)] += 1
        bonuses += bonus
    return points_for(counts, bonuses, points), counts


# The first day of the all-time board and of the all-time tallies: before any event.
ALL_TIME = date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class Streak:
    """Consecutive business days with at least one logged action.

    `last` is the latest business day that counts; a pause moves it forward on resume,
    so a vacation freezes the streak instead of breaking it.
    """

    days: int = 0
    last: date | None = None

    def logged(self, day: date, cal: BusinessCalendar) -> Streak:
        """The streak after an action logged on local `day`."""
        if not cal.is_business_day(day) or self.last == day:
            return self  # weekend work neither counts nor breaks anything
        if self.last is not None and self.last == cal.previous_business_day(day):
            return Streak(self.days + 1, day)
        return Streak(1, day)

    def dated(self, day: date, today: date, cal: BusinessCalendar, days: set[date]) -> Streak:
        """The streak after an action on `day` logged later, on `today`.

        Streaks reward showing up on the day: a late log counts only if it came by the end
        of the next business day. One that fills a day before `last` rebuilds the streak
        from `days`, every day with a logged action that counted.
        """
        if today > cal.next_business_day(day) or not cal.is_business_day(day):
            return self
        if self.last is None or day > self.last:
            return self.logged(day, cal)
        return Streak.of_days(days | {day}, cal)

    @staticmethod
    def of_days(days: set[date], cal: BusinessCalendar) -> Streak:
        """The streak ending on the latest business day of `days`."""
        counted = {d for d in days if cal.is_business_day(d)}
        if not counted:
            return Streak()
        last = day = max(counted)
        length = 0
        while day in counted:
            length += 1
            day = cal.previous_business_day(day)
        return Streak(length, last)

    def current(self, today: date, cal: BusinessCalendar) -> int:
        """The streak as of local `today` (alive while yesterday's business day counted)."""
        return self.alive_after(cal.previous_business_day(today))

    def alive_after(self, yesterday: date) -> int:
        """The streak if it counted on `yesterday` (the business day before today) or
        later, else 0: `current` for a caller who knows that day (a board, for many)."""
        return self.days if self.last is not None and self.last >= yesterday else 0

    def resumed(self, paused_on: date, today: date, cal: BusinessCalendar) -> Streak:
        """The streak after a pause from `paused_on` to `today`: frozen, not broken."""
        if self.current(paused_on, cal) == 0:
            return Streak()
        assert self.last is not None
        return replace(self, last=max(self.last, cal.previous_business_day(today)))

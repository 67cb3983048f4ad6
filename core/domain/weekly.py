"""The week at a glance: what a group (or one member) did each day of a week, by kind,
and the referral chains that grew, in the words that stand beside its picture (alt text)
and in its place where a picture can't be shown (the fallback).

The kinds and their counts are the board's (`scoring.TOTALS`, read from the same tallies),
so a picture always adds up to the "Together" line of the board it comes with. Nothing
here names a contact, a company or a member.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.domain.dates import shown
from core.domain.leads import Action
from core.domain.scoring import TOTALS

DAYS = 7
# What a picture stacks, bottom up, with the label its legend and texts use.
KINDS: Mapping[Action, str] = TOTALS


@dataclass(frozen=True, slots=True)
class Week:
    """One Monday-to-Sunday week: each day's count of each kind, and how many referral
    chains grew in it. `whose` is who did it, as a title says it (`The group's`, `Your`)."""

    first: date
    counts: Mapping[date, Counter[Action]] = field(default_factory=dict)
    chains: int = 0
    whose: str = "The group's"

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(DAYS)]

    @property
    def last(self) -> date:
        return self.first + timedelta(days=DAYS - 1)

    def on(self, day: date, kind: Action) -> int:
        return self.counts.get(day, Counter())[kind] if kind in KINDS else 0

    def day_total(self, day: date) -> int:
        return sum(self.on(day, kind) for kind in KINDS)

    def kind_total(self, kind: Action) -> int:
        return sum(self.on(day, kind) for day in self.days)

    @property
    def total(self) -> int:
        return sum(self.day_total(day) for day in self.days)

    def busiest(self) -> tuple[list[date], int]:
        """The days with the most actions (several on a tie), and that number."""
        most = max(self.day_total(day) for day in self.days)
        return [day for day in self.days if self.day_total(day) == most], most

    @property
    def title(self) -> str:
        """`The group's week, Mon Mar 2 to Sun Mar 8`."""
        return f"{self.whose} week, {shown(self.first)} to {shown(self.last)}"


def counted(n: int, word: str) -> str:
    """`1 action`, `20,687 actions`: a large group's week has five-digit counts."""
    return f"{n:,} {word if n == 1 else word + 's'}"


def _weekdays(days: list[date]) -> str:
    names = [f"{day:%A}" for day in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def chains_text(chains: int) -> str:
    """`3 referral chains grew`, `1 referral chain grew`, `no referral chain grew`."""
    return "no referral chain grew" if not chains else f"{counted(chains, 'referral chain')} grew"


def alt_text(week: Week) -> str:
    """One sentence of what the picture shows, for those who can't see it."""
    head = f"Bar chart of {week.title[0].lower()}{week.title[1:]}"
    if not week.total:
        return f"{head}: no actions logged yet; {chains_text(week.chains)}."
    days, most = week.busiest()
    each = " each" if len(days) > 1 else ""
    return (
        f"{head}: {counted(week.total, 'action')}, most on {_weekdays(days)} ({most:,}{each});"
        f" {chains_text(week.chains)}."
    )


def fallback(week: Week) -> str:
    """The picture in words, where it can't be posted: the days, the kinds, the chains."""
    if not week.total:
        return f"{week.title}: no actions logged yet; {chains_text(week.chains)}."
    per_day = " · ".join(f"{day:%a} {week.day_total(day):,}" for day in week.days)
    kinds = " · ".join(
        counted(n, label) for kind, label in KINDS.items() if (n := week.kind_total(kind))
    )
    return (
        f"{week.title}: {counted(week.total, 'action')}.\n"
        f"By day: {per_day}.\nBy kind: {kinds}.\n{chains_text(week.chains).capitalize()}."
    )

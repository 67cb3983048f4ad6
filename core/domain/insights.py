"""What a member sees of their own search: their leads a page at a time (`/lead list`),
and what works for them (`/lead stats`): the funnel from a lead added to an offer, replies
by how they reached out, and the time their leads spend in each stage."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.domain.dates import shown
from core.domain.leads import Action, Lead, Stage
from core.domain.messages import Button, Message, Section, plural, reply

# -- /lead list: which leads, a page at a time -----------------------------------------------

PAGE_SIZE = 10  # leads a page lists: its worst case fits one Discord message
MAX_PAGE = 10_000
ACTIVE, ALL, DUE = "active", "all", "due"
# What `/lead list <word>` shows: a stage by the word a member logs or reads.
STAGE_WORDS: Mapping[str, Stage] = {
    "new": Stage.NEW,
    "applied": Stage.APPLIED,
    "emailed": Stage.EMAILED,
    "followedup": Stage.FOLLOWED_UP,
    "called": Stage.CALLED,
    "talking": Stage.TALKING,
    "interviewed": Stage.INTERVIEWED,
    "rejected": Stage.REJECTED,
    "offer": Stage.OFFER,
    "closed": Stage.CLOSED,
}
FILTERS = (ALL, DUE, *STAGE_WORDS)  # the choices a member is offered (active: none given)
# Other ways of writing them.
FILTER_ALIASES = {
    "active": ACTIVE,
    "interview": "interviewed",
    "interviews": "interviewed",
    "followed_up": "followedup",
    "followed-up": "followedup",
    "offers": "offer",
    "replied": "talking",
}


def list_filter(word: str) -> str | None:
    """The filter a member's word names (`interview` -> `interviewed`), or None."""
    word = word.lower()
    found = FILTER_ALIASES.get(word, word)
    return found if found in (ACTIVE, *FILTERS) else None


def stage_of(which: str) -> Stage | None:
    return STAGE_WORDS.get(which)


@dataclass(frozen=True, slots=True)
class Page:
    """Page `number` (from 1) of `total` items, `size` to a page."""

    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def count(self) -> int:
        """How many pages there are (at least one, if empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def clamped(self) -> Page:
        """This page, or the last one if there are fewer pages than its number."""
        return Page(min(max(1, self.number), self.count), self.total, self.size)

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first item."""
        return self.offset + 1

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.size)


def page_buttons(page: Page, command: str) -> tuple[Button, ...]:
    """Previous and Next, each running `command` for its page (`/lead list due page 2`)."""
    found = []
    if page.number > 1:
        found.append(Button("Previous", f"{command} page {page.number - 1}", "previous"))
    if page.number < page.count:
        found.append(Button("Next", f"{command} page {page.number + 1}", "next"))
    return tuple(found)


def page_hint(page: Page, command: str, order: str = "") -> str:
    """`Page 2 of 4 · /lead list page 3 for the next`: the buttons' words, where there are
    none (the console)."""
    text = f"Page {page.number} of {page.count}" + (f" · {order}" if order else "")
    if page.number < page.count:
        text += f" · next: {command} page {page.number + 1}"
    return text


def due_now(lead: Lead, today: date) -> bool:
    """Whether `lead` asks for something on local `today` (what `/lead list due` lists): a
    nudge due by then, or the "still pursuing?" asked this morning."""
    if lead.nudge_asked:
        return lead.nudged_on == today
    return lead.due_on is not None and lead.due_on <= today


# -- /lead stats: what works ---------------------------------------------------------------

PERIODS = ("week", "month", "all")
SMALL = 5  # a rate over fewer than this many is said as a count ("2 of 3"), never a percentage
# Reaching out, before any answer.
OUTREACH = (Action.APPLIED, Action.EMAILED, Action.FOLLOWED_UP, Action.CALLED)
# An answer from them: a reply, an interview set or held, a no, an offer, a referral made.
ANSWERS = (
    Action.REPLIED,
    Action.INTERVIEW,
    Action.INTERVIEWED,
    Action.REJECTED,
    Action.OFFER,
    Action.ACCEPTED,
    Action.DECLINED,
    Action.REFERRAL,
)
INTERVIEWS = (Action.INTERVIEWED, Action.OFFER, Action.ACCEPTED, Action.DECLINED)
OFFERS = (Action.OFFER, Action.ACCEPTED, Action.DECLINED)
# The first time of each of these is what a lead's path is read from.
MILESTONES = tuple(dict.fromkeys((*OUTREACH, *ANSWERS)))
SECONDS_A_DAY = 86400
CHANNELS = {
    "email": "Email",
    "linkedin": "LinkedIn",
    "phone": "Phone",
    "intro": "Introduction",
    "application": "Application",
}
STAGE_ORDER = (
    Stage.NEW,
    Stage.APPLIED,
    Stage.EMAILED,
    Stage.FOLLOWED_UP,
    Stage.CALLED,
    Stage.TALKING,
    Stage.INTERVIEWED,
    Stage.REJECTED,
    Stage.OFFER,
)


@dataclass(frozen=True, slots=True)
class LeadPath:
    """One lead as its history sums it up: how the member first reached out, and when
    the first answer, the first interview and the first offer came (None: not yet)."""

    created_at: datetime
    via: str | None = None
    referred: bool = False  # someone referred the member to them
    reached_by: Action | None = None  # the first outreach: applied, emailed, followedup, called
    reached_at: datetime | None = None
    answered_at: datetime | None = None
    interviewed_at: datetime | None = None
    offered_at: datetime | None = None

    @classmethod
    def of(
        cls,
        created_at: datetime,
        via: str | None = None,
        referred: bool = False,
        first: Mapping[Action, datetime] | None = None,
    ) -> LeadPath:
        """The path of a lead whose events first came to each action at `first[action]`."""
        first = first or {}

        def earliest(actions: Iterable[Action]) -> tuple[datetime, Action] | None:
            return min(((at, a) for a in actions if (at := first.get(a)) is not None), default=None)

        reached, answered = earliest(OUTREACH), earliest(ANSWERS)
        interviewed, offered = earliest(INTERVIEWS), earliest(OFFERS)
        return cls(
            created_at,
            via,
            referred,
            None if reached is None else reached[1],
            None if reached is None else reached[0],
            None if answered is None else answered[0],
            None if interviewed is None else interviewed[0],
            None if offered is None else offered[0],
        )

    @property
    def contacted(self) -> bool:
        return self.reached_at is not None or self.answered_at is not None

    @property
    def channel(self) -> str | None:
        """How the member reached out: an application, else how they reach this person,
        else what they did first (an email, a call); None if they never reached out."""
        if self.reached_by is None:
            return None
        if self.reached_by is Action.APPLIED:
            return "application"
        if self.via in CHANNELS:
            return self.via
        return "phone" if self.reached_by is Action.CALLED else "email"

    @property
    def warm(self) -> bool:
        """Referred by someone, or reached through an introduction."""
        return self.referred or self.via == "intro"

    def reply_days(self) -> float | None:
        """Days from the first outreach to the first answer, if one came after it."""
        reached, answered = self.reached_at, self.answered_at
        if reached is None or answered is None or answered < reached:
            return None
        return (answered - reached).total_seconds() / 86400


@dataclass(frozen=True, slots=True)
class StageStay:
    """A lead's time in one stage, from the event that moved it in to the one that moved
    it on, in days."""

    stage: Stage
    days: float


def rate(part: int, whole: int) -> str:
    """`2 of 3` below five; `40 % (2 of 5)` from five; `none yet` of nothing."""
    if whole == 0:
        return "none yet"
    if whole < SMALL:
        return f"{part} of {whole}"
    return f"{round(100 * part / whole)} % ({part} of {whole})"


def in_days(days: float) -> str:
    """`under a day`, `1 day`, `about 4 days`."""
    if days < 1:
        return "under a day"
    whole = round(days)
    return "1 day" if whole == 1 else f"about {whole} days"


def since(period: str, today: date) -> date | None:
    """The first local day of `period` (this week from Monday, this month), None for all."""
    if period == "week":
        return today - timedelta(days=today.weekday())
    if period == "month":
        return today.replace(day=1)
    return None


def _span(period: str, first: date | None, today: date) -> str:
    if first is None:
        return "all time"
    return f"this {period} (since {shown(first, today)})"


@dataclass(frozen=True, slots=True)
class Replies:
    """Replies among the leads reached one way: how many, and how fast."""

    reached: int
    replied: int
    days: tuple[float, ...]

    @classmethod
    def of(cls, paths: list[LeadPath]) -> Replies:
        reached = [p for p in paths if p.reached_at is not None]
        replied = [p for p in reached if p.answered_at is not None]
        days = tuple(d for p in replied if (d := p.reply_days()) is not None)
        return cls(len(reached), len(replied), days)

    def said(self, label: str) -> str:
        text = f"{label}: {rate(self.replied, self.reached)} replied"
        if self.days:
            text += f", in {in_days(statistics.median(self.days))}"
        return text


def stats(
    period: str, first: date | None, today: date, paths: list[LeadPath], stays: list[StageStay]
) -> Message:
    """The answer to `/lead stats`: the leads added in the period, and how far they got."""
    span = _span(period, first, today)
    if not paths:
        hint = "" if period == "all" else " `/lead stats all` counts your whole search."
        return reply(f"No leads added {span}.{hint}")
    added = len(paths)
    contacted = [p for p in paths if p.contacted]
    replied = [p for p in contacted if p.answered_at is not None]
    interviewed = [p for p in replied if p.interviewed_at is not None]
    offers = [p for p in interviewed if p.offered_at is not None]
    funnel = "\n".join(
        (
            f"Added: {added}",
            f"Contacted: {len(contacted)} · {rate(len(contacted), added)} of those added",
            f"Replied: {len(replied)} · {rate(len(replied), len(contacted))} of those contacted",
            f"Interviewed: {len(interviewed)} · {rate(len(interviewed), len(replied))} of those"
            " who replied",
            f"Offers: {len(offers)} · {rate(len(offers), len(interviewed))} of those interviewed",
        )
    )
    sections = [Section(funnel)]
    ways = []
    for channel, label in CHANNELS.items():
        found = Replies.of([p for p in paths if p.channel == channel])
        if found.reached:
            ways.append(found.said(label))
    warm = Replies.of([p for p in paths if p.warm])
    cold = Replies.of([p for p in paths if not p.warm])
    if ways:
        sections.append(
            Section(
                "How you reached out:\n" + "\n".join(ways),
                "Time to reply: the median, from your first message to their first answer.",
            )
        )
    warmth = [
        found.said(label)
        for found, label in ((warm, "Referred or introduced"), (cold, "Cold"))
        if found.reached
    ]
    if warmth:
        sections.append(Section("\n".join(warmth)))
    times = stage_times(stays)
    if times:
        sections.append(
            Section(
                "Time in each stage:\n" + "\n".join(times),
                "The median of the leads that moved on from it.",
            )
        )
    head = f"Your search, {span}: {plural(added, 'lead')} added, and how far each got so far."
    return reply(head, *sections)


def stage_times(stays: list[StageStay]) -> list[str]:
    """`emailed: about 4 days (12 leads)` for each stage leads moved on from, in order."""
    by_stage: dict[Stage, list[float]] = {}
    for stay in stays:
        by_stage.setdefault(stay.stage, []).append(stay.days)
    return [
        f"{stage.value.replace('_', ' ')}: {in_days(statistics.median(days))}"
        f" ({plural(len(days), 'lead')})"
        for stage in STAGE_ORDER
        if (days := by_stage.get(stage))
    ]

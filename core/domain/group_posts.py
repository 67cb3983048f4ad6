"""What the group channel sees: leaderboards, referral chains and celebrations.

Privacy (PLAYBOOK.md): group posts name the member and the stages; companies only when
the member shares them; contact names never. Everything here takes the lead's company
through `company_name`, and no function reads a contact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.domain.dates import shown
from core.domain.errors import DomainError
from core.domain.leads import Action, Lead, Stage
from core.domain.messages import Message, MessageKind, Section, plural
from core.domain.scoring import TOTALS
from core.domain.text import typed


class ChainError(DomainError):
    """A referral link that would make a chain loop back on itself."""


def chain(lead: Lead, by_id: dict[int, Lead]) -> list[Lead]:
    """The referral chain from its first lead down to `lead`."""
    path = [lead]
    seen = {lead.id}
    while path[0].parent_id is not None:
        if path[0].parent_id in seen:
            raise ChainError(f"the referral chain of {lead.ref} loops back on itself")
        parent = by_id.get(path[0].parent_id)
        if parent is None:
            break  # the parent was erased: the chain starts here
        seen.add(parent.id)
        path.insert(0, parent)
    return path


def check_link(child: Lead, parent: Lead, by_id: dict[int, Lead]) -> None:
    """Refuse to make `parent` the referrer of `child` if `child` is among its ancestors."""
    if child.id is not None and child.id in {x.id for x in chain(parent, by_id)}:
        raise ChainError(f"{parent.ref} was itself referred through {child.ref}: no loops.")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def company_name(lead: Lead, position: int, shared: bool) -> str:
    return typed(lead.company) if shared else f"company {position}"


def _outcome(lead: Lead) -> str:
    if lead.stage in (Stage.REJECTED, Stage.CLOSED):
        return "no"
    return lead.stage.value.replace("_", " ")


def chain_text(path: Sequence[Lead], headline: str, shared: bool) -> str:
    """E.g. `Acme (no) -> Acme Finance (no) -> Globex: OFFER, 3rd try`."""
    links = [f"{company_name(x, i, shared)} ({_outcome(x)})" for i, x in enumerate(path[:-1], 1)]
    last = f"{company_name(path[-1], len(path), shared)}: {headline}, {ordinal(len(path))} try"
    return " -> ".join([*links, last])


MOMENTS = {
    Action.REFERRAL: ("REFERRAL", "{name}'s referral chain grew"),
    Action.INTERVIEWED: ("INTERVIEW", "{name} got an interview through a referral chain"),
    Action.OFFER: ("OFFER", "{name} got an offer through a referral chain"),
}


def chain_celebration(
    member_name: str, path: Sequence[Lead], action: Action, shared: bool
) -> Message | None:
    """The group's celebration when a chain grows or reaches an interview or an offer."""
    if action not in MOMENTS or len(path) < 2:
        return None
    headline, title = MOMENTS[action]
    text = f"{title.format(name=typed(member_name))}! {chain_text(path, headline, shared)}"
    return Message(MessageKind.CELEBRATION, text)


def graduation(member_name: str, leads: Sequence[Lead], counts: Counter[Action]) -> Message:
    """An accepted offer celebrates the member's whole search."""
    chains = sum(
        1
        for lead in leads
        if lead.parent_id is None and any(other.parent_id == lead.id for other in leads)
    )
    follow_ups, calls = counts[Action.FOLLOWED_UP], counts[Action.CALLED]
    name = typed(member_name)
    return Message(
        MessageKind.CELEBRATION,
        f"{name} accepted an offer! The search behind it: {plural(len(leads), 'lead')},"
        f" {plural(follow_ups, 'follow-up')}, {plural(calls, 'call')},"
        f" {plural(chains, 'referral chain')}. Congratulations, {name}: no more morning"
        " digests, and a permanent place on the all-time board.",
    )


@dataclass(frozen=True, slots=True)
class BoardRow:
    name: str
    points: int
    streak: int
    listed: bool = True  # False: the member turned `board off`


def ranked(rows: Sequence[BoardRow]) -> list[tuple[int, BoardRow]]:
    """Listed rows with points, best first; ties share a rank (1, 1, 3)."""
    shown = sorted(
        (r for r in rows if r.listed and r.points > 0), key=lambda r: (-r.points, r.name)
    )
    result: list[tuple[int, BoardRow]] = []
    for i, row in enumerate(shown):
        rank = result[-1][0] if result and result[-1][1].points == row.points else i + 1
        result.append((rank, row))
    return result


def leaderboard(title: str, rows: Sequence[BoardRow], totals: Counter[Action]) -> Message:
    """The board: rank, member, points, streak; the group's totals (opted-out included)."""
    summary = " · ".join(plural(totals[a], label) for a, label in TOTALS.items())
    if not any(r.points for r in rows):
        return Message(
            MessageKind.LEADERBOARD,
            f"{title}: a quiet one. Nobody logged a follow-up yet, and that's fine: one"
            " email today starts a streak. Who's first?",
        )
    lines = [
        f"{rank}. {typed(row.name)}: {plural(row.points, 'point')}"
        + (f", streak {plural(row.streak, 'day')}" if row.streak else "")
        for rank, row in ranked(rows)
    ]
    return Message(
        MessageKind.LEADERBOARD,
        f"{title}:\n" + ("\n".join(lines) or "(everyone active this time is off the board)"),
        (Section(f"Together: {summary}."),),
    )


def board_title(period: str, first: date, last: date | None = None) -> str:
    """`This week's board (since Mon Mar 2)`, `Board for March 2026`, `All-time board`,
    or the Monday post's `Last week's board (Mon Feb 23 to Sun Mar 1)`."""
    if last is not None:
        return f"Last week's board ({shown(first)} to {shown(last)})"
    if period == "all":
        return "All-time board"
    if period == "month":
        return f"Board for {first:%B %Y}"
    return f"This week's board (since {shown(first)})"

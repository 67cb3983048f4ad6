"""Leads, their stages, and the logged actions that move them (PLAYBOOK.md, "The stages")."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.domain.errors import AmbiguousLead, DomainError, LeadNotFound
from core.domain.text import echo, typed


class Stage(enum.StrEnum):
    NEW = "new"
    APPLIED = "applied"
    EMAILED = "emailed"
    FOLLOWED_UP = "followed_up"
    CALLED = "called"
    TALKING = "talking"
    INTERVIEWED = "interviewed"
    REJECTED = "rejected"
    OFFER = "offer"
    CLOSED = "closed"


class Action(enum.StrEnum):
    """What a member can log about a lead; the values are the words they type."""

    ADDED = "added"
    APPLIED = "applied"
    EMAILED = "emailed"
    FOLLOWED_UP = "followedup"
    CALLED = "called"
    REPLIED = "replied"
    INTERVIEWED = "interviewed"
    REJECTED = "rejected"
    OFFER = "offer"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REFERRAL = "referral"
    NOTE = "note"
    SNOOZED = "snoozed"
    DROPPED = "dropped"
    INTERVIEW = "interview"  # an interview set, moved or cancelled (`/lead interview`)


# Actions the member types as `/lead <action> <lead>`.
LOGGABLE = (
    Action.APPLIED,
    Action.EMAILED,
    Action.FOLLOWED_UP,
    Action.CALLED,
    Action.REPLIED,
    Action.INTERVIEWED,
    Action.REJECTED,
    Action.OFFER,
    Action.ACCEPTED,
    Action.DECLINED,
)

# Outreach before any answer: a new touch of the same kind moves the lead along.
_OUTREACH = frozenset({Stage.NEW, Stage.APPLIED, Stage.EMAILED, Stage.FOLLOWED_UP, Stage.CALLED})

# Actions that are a communication with the lead (they reset "time since last touch"):
# everything a member logs about it, and the conversation in which a referral was made.
TOUCHES = frozenset({*LOGGABLE, Action.REFERRAL})

VIA = ("email", "linkedin", "phone", "intro")


@dataclass(slots=True)
class Lead:
    """One person at one organisation that a member is pursuing."""

    member_id: int
    number: int
    contact: str
    company: str
    created_at: datetime
    role: str | None = None
    via: str | None = None
    network: bool = False
    parent_id: int | None = None
    stage: Stage = Stage.NEW
    stage_since: datetime | None = None
    last_touch_at: datetime | None = None
    calls: int = 0
    snoozed_until: date | None = None
    # What the morning planner told the member about this lead, to notice ignored nudges.
    nudge_rule: str | None = None
    nudge_count: int = 0  # mornings in a row it was sent
    nudged_on: date | None = None  # the last of those mornings
    nudge_asked: bool = False  # "still pursuing?" was asked
    # The local date the next nudge becomes due (None: nothing pending); kept by the
    # service so that planning reads only the leads that are due.
    due_on: date | None = None
    # Details a work-search log asks for (`/lead set julie email ...`): all optional.
    title: str | None = None  # the contact's
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = None
    job_ref: str | None = None  # the posting's reference number
    url: str | None = None  # the posting
    # The interview to come (`/lead interview julie on thu 14:00`), a UTC instant; None:
    # none is scheduled. Its calendar event keeps `interview_uid` while it is moved
    # (`interview_sequence` counts the moves), so that a calendar replaces it.
    interview_at: datetime | None = None
    interview_uid: str | None = None
    interview_sequence: int = 0
    id: int | None = None

    @property
    def ref(self) -> str:
        return f"#{self.number}"

    @property
    def active(self) -> bool:
        return self.stage is not Stage.CLOSED

    @property
    def first_name(self) -> str:
        return self.contact.split()[0] if self.contact.strip() else self.contact

    @property
    def label(self) -> str:
        if not self.contact:  # an employer with no person yet
            return f"{self.ref} {typed(self.company)}"
        return f"{self.ref} {typed(self.contact)} at {typed(self.company)}"


@dataclass(frozen=True, slots=True)
class Event:
    """Something the member logged about a lead; the lead's history."""

    lead_id: int
    action: Action
    at: datetime
    stage_after: Stage
    note: str = ""
    id: int | None = field(default=None, compare=False)
    # When it was logged, if later than it happened (`/lead emailed julie on fri`).
    logged_at: datetime | None = field(default=None, compare=False)
    how: str | None = None  # how an application was sent: online, email, in person, mail
    # Brought in from a file (`/followthrough import`): history, not done here and now, so
    # it earns no points and no streak days.
    imported: bool = field(default=False, compare=False)

    @property
    def logged(self) -> datetime:
        return self.logged_at or self.at


class StageError(DomainError):
    """An action that makes no sense in the lead's current stage."""


def check(lead: Lead, action: Action) -> None:
    """Raise StageError if `action` makes no sense in the lead's stage (nothing changed)."""
    stage = lead.stage
    if action in (Action.ACCEPTED, Action.DECLINED) and stage is not Stage.OFFER:
        verb = "accept" if action is Action.ACCEPTED else "decline"
        raise StageError(
            f"{lead.ref} has no offer to {verb} (it is {stage.value})."
            f" Log `/lead offer {lead.ref}` first."
        )
    if action is Action.DROPPED and stage is Stage.CLOSED and not lead.network:
        raise StageError(f"{lead.ref} is already closed.")
    if action is Action.INTERVIEW and stage is Stage.CLOSED:
        raise StageError(
            f"{lead.ref} is closed: no interview to plan. Add it again if it is back on."
        )


def apply(lead: Lead, action: Action, at: datetime) -> None:
    """Move `lead` as PLAYBOOK.md says when the member logs `action` at `at` (UTC)."""
    check(lead, action)
    if action in TOUCHES:
        lead.last_touch_at = at
    # Any logged action is an answer to the nudges about this lead.
    lead.nudge_rule, lead.nudge_count, lead.nudged_on, lead.nudge_asked = None, 0, None, False
    stage = lead.stage
    new_stage = stage
    contact = lead.network and stage is Stage.NEW  # a network contact, not a job lead
    match action:
        # Outreach moves forward only: an email after the Re: or a call is just a touch
        # (its clock restarts through last_touch_at), never a step back.
        case Action.APPLIED if stage is Stage.NEW and not contact:
            new_stage = Stage.APPLIED  # waits for a reply: no rule of its own
        case Action.EMAILED if stage in (Stage.NEW, Stage.APPLIED, Stage.EMAILED) and not contact:
            new_stage = Stage.EMAILED
        case Action.FOLLOWED_UP if stage in (
            Stage.NEW,
            Stage.APPLIED,
            Stage.EMAILED,
            Stage.FOLLOWED_UP,
        ) and (not contact):
            new_stage = Stage.FOLLOWED_UP
        case Action.CALLED if stage is Stage.REJECTED:
            # The rejection call: the lead stays in the member's network.
            new_stage, lead.network = Stage.CLOSED, True
        case Action.CALLED if stage in _OUTREACH and not contact:
            lead.calls = lead.calls + 1 if stage is Stage.CALLED else 1
            new_stage = Stage.CALLED
        case Action.REPLIED if stage in _OUTREACH:
            new_stage = Stage.TALKING
        case Action.INTERVIEW if stage in _OUTREACH:
            new_stage = Stage.TALKING  # an interview is planned: they answered
        case Action.INTERVIEWED:
            new_stage = Stage.INTERVIEWED
            if lead.interview_at is not None and lead.interview_at <= at + HELD_WITHIN:
                clear_interview(lead)  # this is the one; a later one is the next round
        case Action.REJECTED:
            new_stage = Stage.REJECTED
        case Action.OFFER:
            new_stage = Stage.OFFER
        case Action.ACCEPTED | Action.DECLINED:
            new_stage = Stage.CLOSED
        case Action.DROPPED:
            # Dropped means quiet: no keep-in-touch either.
            new_stage, lead.network = Stage.CLOSED, False
        case _:
            pass  # a touch (the clocks restart through last_touch_at), a note, a snooze
    if new_stage is not stage:
        if new_stage in (Stage.REJECTED, Stage.CLOSED):
            clear_interview(lead)  # no interview to come with a lead that said no, or ended
        lead.stage, lead.stage_since = new_stage, at


# `interviewed` is about the scheduled interview if that one starts by then, or within a
# day after (logged for its day, whatever the hour); one later is a next round, and stays.
HELD_WITHIN = timedelta(days=1)


def schedule_interview(lead: Lead, at: datetime, uid: str) -> bool:
    """Set `lead`'s interview to come at `at` (UTC); True if it moved one already set.

    A new interview's calendar event gets `uid` (unique: an event cancelled before must
    never come back under the same one); a moved one keeps its own, one sequence number
    further, so that a calendar updates the event it has.
    """
    moved = lead.interview_at is not None and lead.interview_uid is not None
    if moved:
        lead.interview_sequence += 1
    else:
        lead.interview_uid, lead.interview_sequence = uid, 0
    lead.interview_at = at
    lead.snoozed_until = None  # an interview is news about the lead: it is on again
    return moved


def clear_interview(lead: Lead) -> None:
    """No interview to come any more (it took place, was cancelled, or the lead ended)."""
    lead.interview_at, lead.interview_uid, lead.interview_sequence = None, None, 0


def find(ref: str, leads: list[Lead]) -> Lead:
    """The lead `ref` names: `#12`, or an unambiguous part of a contact's or company's name.

    When a name matches several leads of which exactly one is still active, that one
    is meant: closed leads are history.
    """
    text = folded(ref)
    number = text.removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) < 10:
        for lead in leads:
            if lead.number == int(number):
                return lead
        raise LeadNotFound(f"You have no lead #{number}. `/lead list all` shows your leads.")
    if not text:
        raise LeadNotFound("Which lead? Give its #number or part of a name.")
    matches = [lead for lead in leads if named(lead, text)]
    if len(matches) > 1:
        active = [lead for lead in matches if lead.active]
        matches = active if len(active) == 1 else matches
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise LeadNotFound(f"No lead matches {echo(ref)}. `/lead list all` shows your leads.")
    shown = matches[:MAX_CANDIDATES]
    candidates = "\n".join(f"  {lead.label} ({lead.stage.value})" for lead in shown)
    if len(matches) > len(shown):
        candidates += f"\n  …and {len(matches) - len(shown)} more"
    raise AmbiguousLead(f"{echo(ref)} could be any of:\n{candidates}\nUse the #number.")


MAX_CANDIDATES = 10


def folded(text: str) -> str:
    """How a reference and a name are compared: `GASSNER` is Gaßner, `#１` is #1."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def named(lead: Lead, text: str) -> bool:
    """Whether folded `text` is part of the lead's contact or company."""
    return text in folded(lead.contact) or text in folded(lead.company)

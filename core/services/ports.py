"""What the services need from the outside world: a clock, storage, a messenger."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Protocol, Self

from core.domain.importer import PendingImport
from core.domain.insights import LeadPath, StageStay
from core.domain.leads import Action, Event, Lead, Stage
from core.domain.links import Link, LinkCode, Tries
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.report import Facts
from core.domain.scoring import Standings, Tally
from core.domain.worklog import Activity


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to, and never backwards."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, instant: datetime) -> None:
        if instant < self._now:
            raise ValueError(
                f"the clock never goes back: it is already {self._now:%Y-%m-%d %H:%M} UTC"
            )
        self._now = instant.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to write to the outbox: a DM to the member, or a post to the channel."""

    key: str
    group_id: int
    member_id: int | None  # the member it is for, or about
    message: Message
    not_before: datetime
    to_channel: bool = False
    status: str = "pending"
    expires_at: datetime | None = None  # not sent by then: recorded as missed instead


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed outbox row, with the addresses an adapter needs to send it."""

    id: int
    key: str
    platform: str
    workspace_id: str
    user_id: str | None  # None: the group channel
    channel: str | None
    recipient_tz: str
    recipient_name: str
    message: Message
    attempts: int
    group_id: int
    member_id: int | None
    worker: str  # who claimed it
    lease_until: datetime  # past this, another worker may claim it: don't send
    dm_channel: str | None = None  # the member's stored DM channel id; None for channel posts


class Conflict(Exception):
    """Another transaction wrote the same thing first (e.g. two first commands at once)."""


class GroupRepository(Protocol):
    def get(self, platform: str, external_id: str) -> Group | None: ...
    def by_id(self, group_id: int) -> Group: ...
    def add(self, group: Group) -> Group: ...
    def save(self, group: Group) -> None: ...
    def board_due(self, now: datetime) -> list[Group]: ...
    def next_board_at(self) -> datetime | None: ...
    def delete(self, group: Group) -> None:
        """Erase the group with its members, leads, events, tallies and outbox rows.

        Idempotent: a group already gone (or never stored) is no error."""
        ...


class MemberRepository(Protocol):
    def get(self, group_id: int, external_id: str, *, lock: bool = True) -> Member | None: ...
    def add(self, member: Member) -> Member: ...
    def save(self, member: Member) -> None: ...
    def delete(self, member: Member) -> None: ...
    def in_group(self, group_id: int) -> list[Member]: ...
    def by_id(self, member_id: int, *, lock: bool = False) -> Member | None: ...
    def morning_due(self, now: datetime, limit: int) -> list[Member]: ...
    def save_planned(self, members: list[Member]) -> None: ...
    def next_morning_at(self) -> datetime | None: ...
    def roster(self, group_id: int) -> list[Member]:
        """The group's members, read-only (a board's): not for `save`."""
        ...

    def organisers(self, group_id: int) -> list[Member]: ...
    def workspaces_of(self, platform: str, external_id: str) -> list[str]:
        """The groups (their external ids) on `platform` where the user is a member."""
        ...

    def set_dm_channel(self, member_id: int, channel: str | None) -> None:
        """Store the member's DM channel id (no error if the member is gone)."""
        ...


class MemberLeadRepository(Protocol):
    """One member's leads: saving a lead that is, or was stored as, another member's
    raises PermissionError and writes nothing."""

    member_id: int

    def all(self) -> list[Lead]: ...
    def add(self, lead: Lead) -> Lead: ...
    def save(self, lead: Lead) -> None: ...
    def get(self, lead_id: int) -> Lead | None:
        """The lead with this id, if it is this member's."""
        ...

    def numbered(self, number: int) -> Lead | None:
        """The lead `#number`."""
        ...

    def named(self, text: str) -> list[Lead]:
        """In number order, the leads whose contact or company, folded as
        `core.domain.leads.folded` folds them, holds the folded `text` (what `find`
        picks among, as `named` matches)."""
        ...

    def referred_by(self, lead_id: int) -> list[Lead]:
        """The leads whose referrer is the lead `lead_id`, in number order."""
        ...

    def in_stages(self, stages: Collection[Stage]) -> list[Lead]:
        """The leads now in one of `stages`, in number order."""
        ...


class LeadRepository(Protocol):
    """Every read and write names the member: nobody reaches another member's leads."""

    def of(self, member_id: int) -> MemberLeadRepository: ...
    def for_member(self, member_id: int) -> list[Lead]: ...
    def add(self, lead: Lead) -> Lead: ...
    def save(self, lead: Lead) -> None: ...
    def due(self, days: dict[int, date]) -> list[Lead]: ...
    def save_planned(self, leads: list[Lead]) -> None: ...
    def contacts(self, wanted: dict[int, set[int]]) -> dict[int, str]: ...


class EventRepository(Protocol):
    def add(self, group_id: int, member_id: int, event: Event) -> None: ...
    def add_imported(self, group_id: int, member_id: int, events: list[Event]) -> None:
        """Write a file's history at once: `events` are all `imported`, of leads made by
        the import, so they count for nothing and change no tally."""
        ...

    def for_member(self, member_id: int) -> list[Event]: ...
    def for_lead(self, member_id: int, lead_id: int) -> list[Event]:
        """The history of one of the member's leads, in time order (nothing for a lead
        that isn't theirs)."""
        ...

    def times(self, member_id: int, actions: Collection[Action]) -> list[tuple[datetime, datetime]]:
        """(when it happened, when it was logged) of each of the member's events of
        `actions`, in no particular order, but those imported from a file: what a streak
        is counted from."""
        ...

    def between(
        self, member_ids: list[int], first: datetime, until: datetime
    ) -> dict[int, list[Event]]:
        """Per member, their events that happened in [first, until), in time order."""
        ...

    def retally(self, group_id: int, member_id: int | None = None) -> None:
        """Recount the tallies of a member (or a group) whose calendar changed."""
        ...

    def standings(
        self, group_id: int, first: date, until: date | None, points: Mapping[str, int]
    ) -> Standings:
        """Each member's points over [first, until) at `points`, and the group's counts
        per action (the sums of `tallies`, made in the database)."""
        ...

    def tallies(self, group_id: int, first: date, until: date | None = None) -> dict[int, Tally]:
        """Per member, what their counted actions come to over the group-local days
        [first, until) (None: up to now); members with nothing counted are left out."""
        ...

    def days(
        self, group_id: int, first: date, until: date, member_id: int | None = None
    ) -> dict[date, Counter[Action]]:
        """Per group-local day in [first, until), the group's (or one member's) count of
        each scoring action (what the tallies hold); days with nothing are left out."""
        ...

    def chains_grown(
        self, group_id: int, since: datetime, until: datetime, member_id: int | None = None
    ) -> int:
        """How many referral chains of the group (or of one member), told apart by their
        first lead, had a referral obtained in [since, until); imported history aside."""
        ...


class InsightRepository(Protocol):
    """Reads that sum history up in the database, for what a member or an organiser sees
    of it: a page of leads, a member's funnel, a group's week. Each names the member (or
    the group) it reads: nothing of anyone else is read."""

    def leads_page(
        self, member_id: int, which: str, today: date, offset: int, limit: int
    ) -> tuple[list[Lead], int]:
        """The member's leads that `which` picks (core.domain.insights: `active`, `all`,
        `due` on their local `today`, or a stage's word), in number order, `limit` of them
        from `offset`; and how many it picks in all. For reading, not for saving."""
        ...

    def lead_paths(
        self, member_id: int, first: datetime | None, until: datetime | None = None
    ) -> list[LeadPath]:
        """The member's leads added in [first, until) (None: unbounded), each summed up
        from its events: the first time of each of `insights.MILESTONES`. In no order."""
        ...

    def stage_stays(
        self, member_id: int, first: datetime | None, until: datetime | None = None
    ) -> list[StageStay]:
        """Each stay in a stage that ended, of the member's leads added in [first, until):
        from the event that moved the lead into it to the one that moved it on."""
        ...

    def group_week(self, group_id: int, monday: date, first: date) -> list[Facts]:
        """Every member of the group, in id order, with what the report shows of them:
        their counted actions since the group's local `monday`, when their latest action
        happened (as their row keeps it), and how many of their leads
        fall due before `first`, on it, and on the day after (which tells overdue ones
        apart in any zone)."""
        ...

    def overdue_companies(
        self, group_id: int, member_ids: list[int], before: date
    ) -> dict[int, list[tuple[date, str]]]:
        """Per member (of these, in the group), the (due day, company) of their leads due
        before `before`, the oldest first."""
        ...


class ActivityRepository(Protocol):
    """What members did for their search that is not about one lead."""

    def add(self, group_id: int, member_id: int, activity: Activity) -> Activity: ...
    def for_member(
        self, member_id: int, first: datetime | None = None, until: datetime | None = None
    ) -> list[Activity]:
        """The member's activities that happened in [first, until), in time order."""
        ...

    def between(
        self, member_ids: list[int], first: datetime, until: datetime
    ) -> dict[int, list[Activity]]:
        """Per member, their activities that happened in [first, until), in time order."""
        ...


class CalendarRepository(Protocol):
    """Whose calendar feed a token opens."""

    def owner(self, fingerprint: str) -> Member | None:
        """The member whose feed token has this fingerprint (Member.calendar_digest), for
        reading only; None if nobody's has."""
        ...


class ImportRepository(Protocol):
    """Each member's one previewed import, waiting for their confirm."""

    def put(self, pending: PendingImport) -> None:
        """Store `pending` in place of the member's last (and forget every expired one)."""
        ...

    def get(self, member_id: int, now: datetime) -> PendingImport | None:
        """The member's pending import, unless it expired by `now`."""
        ...

    def drop(self, member_id: int) -> None: ...


class LinkRepository(Protocol):
    """Members linked into one person, the codes that link them, and wrong tries.

    Each row goes with its member: erasing a member (forget-me, the group removed)
    erases its code, its tries and its link."""

    def put_code(self, code: LinkCode) -> None:
        """Store `code` in place of the member's last (and forget every expired one)."""
        ...

    def live_codes(self, now: datetime) -> list[LinkCode]:
        """Every code not expired by `now` (a few: each lives ten minutes)."""
        ...

    def drop_code(self, member_id: int) -> None: ...

    def tries(self, member_id: int) -> Tries:
        """The member's wrong tries (none stored: none made)."""
        ...

    def put_tries(self, tries: Tries) -> None: ...

    def of(self, member_id: int) -> Link | None:
        """The link the member is in, as primary or secondary."""
        ...

    def among(self, member_ids: Collection[int]) -> list[Link]:
        """The links any of these members is in (for a batch of mornings)."""
        ...

    def add(self, link: Link) -> None:
        """Store a new link; Conflict if either member is in one already."""
        ...

    def save(self, link: Link) -> None:
        """Write what may change in a link: where its morning goes."""
        ...

    def drop(self, link: Link) -> None: ...

    def move_lead(self, lead_id: int, member_id: int, number: int) -> None:
        """Give the lead to `member_id` as `#number` (linking and unlinking move leads
        between the two members of one person, and only then)."""
        ...


class Outbox(Protocol):
    def add(self, item: Outgoing, now: datetime) -> bool: ...
    def add_many(self, items: list[Outgoing], now: datetime) -> int: ...
    def claim(
        self,
        now: datetime,
        worker: str,
        limit: int,
        lease_seconds: int,
        platforms: frozenset[str] | None = None,
    ) -> list[Delivery]: ...
    def mark_sent(
        self, delivery: Delivery, at: datetime, platform_message_id: str | None
    ) -> bool: ...
    def mark_failed(
        self,
        delivery: Delivery,
        error: str,
        retry_at: datetime | None,
        *,
        count_attempt: bool = True,
    ) -> bool: ...
    def release(self, outbox_id: int | None = None, worker: str | None = None) -> None: ...
    def direct(self, outbox_id: int) -> tuple[str, str, str, Message] | None:
        """(platform, workspace id, member external id, message) of a DM's row."""
        ...

    def pending_for(self, member_id: int) -> int:
        """How many messages to or about the member are still to be sent."""
        ...

    def counts(self, now: datetime) -> dict[str, int]: ...


class AppliedKeys(Protocol):
    def first(self, key: str, now: datetime) -> bool:
        """Record `key` (a command's, an event's); False if a committed (or concurrent)
        unit of work recorded it before."""
        ...

    def forget(self, key: str) -> None:
        """Delete `key`: what it kept from applying twice may apply again."""
        ...


class UnitOfWork(Protocol):
    groups: GroupRepository
    members: MemberRepository
    leads: LeadRepository
    events: EventRepository
    activities: ActivityRepository
    insights: InsightRepository
    calendars: CalendarRepository
    imports: ImportRepository
    links: LinkRepository
    outbox: Outbox
    applied: AppliedKeys

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Failure(enum.StrEnum):
    """Why a send failed, which decides what happens next."""

    TRANSIENT = "transient"  # a timeout, a 5xx: retry with backoff, a bounded number of times
    RATE_LIMITED = "rate_limited"  # a 429: wait for Retry-After on that route, then resend
    UNREACHABLE = "unreachable"  # the member left, or closed their DMs: stop trying them
    FATAL = "fatal"  # the token was revoked: stop the group's delivery
    CHANNEL_GONE = "channel_gone"  # the group channel is missing, archived, or not joined
    PAYLOAD = "payload"  # the platform refused what we sent (a bug): logged, not retried


class SendError(Exception):
    def __init__(
        self,
        reason: str,
        kind: Failure = Failure.TRANSIENT,
        *,
        retry_after: float | None = None,
        tell_in_channel: bool = False,
    ) -> None:
        super().__init__(reason)
        self.kind, self.retry_after = kind, retry_after
        # UNREACHABLE only: the member can fix it (Discord's closed DMs), so the group
        # channel gets a short notice that mentions them.
        self.tell_in_channel = tell_in_channel


class Messenger(Protocol):
    """What each platform adapter implements to carry neutral messages out."""

    def route(self, delivery: Delivery) -> str:
        """The platform's rate-limit bucket this delivery falls in (e.g. one per channel)."""
        ...

    async def send(self, delivery: Delivery) -> str | None:
        """Send one message; return the platform's message id, or raise SendError."""
        ...


@dataclass(frozen=True, slots=True)
class ProcessLease:
    """A live process's claim on work only one may do at a time: of `role`, items `first`
    to `last` of `count` (a gateway's shards), until `expires_at` unless renewed."""

    role: str
    owner: str
    first: int
    last: int
    count: int
    started_at: datetime
    expires_at: datetime
    id: int | None = None  # None: not stored yet


class ProcessLeases(Protocol):
    """The leases every process of one database shares."""

    def take(self, claim: ProcessLease, settle: Callable[[list[ProcessLease]], list[int]]) -> int:
        """Store `claim` and return its id, one taker at a time: the leases expired at its
        start are dropped, `settle` is shown the others of its role and raises to refuse,
        or returns the ids of those to drop (their owner is gone)."""
        ...

    def renew(self, lease_id: int, owner: str, until: datetime) -> bool:
        """Extend `owner`'s lease; False if it is not theirs any more (expired and taken)."""
        ...

    def give_back(self, lease_id: int, owner: str) -> None: ...

    def held(self, role: str) -> list[ProcessLease]:
        """Every stored lease of `role`, by its first item."""
        ...

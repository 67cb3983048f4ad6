"""The service facade every adapter calls: commands in, plans and deliveries out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from core.domain import grammar
from core.domain.errors import DomainError
from core.domain.leads import Lead
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.planning import plan_morning, schedule
from core.services.boards import post_weekly_boards
from core.services.commands import HANDLERS, Call, Identity, error_reply
from core.services.ports import (
    Clock,
    Conflict,
    Delivery,
    Failure,
    Outgoing,
    SendError,
    UnitOfWork,
)

log = logging.getLogger(__name__)

PLANNING_BATCH = 500
MAX_ATTEMPTS = 5
MAX_DISPLAY_NAME = 128


class FollowThrough:
    """The use cases of the product over a unit of work and a clock."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        catch_up: timedelta = timedelta(hours=2),
    ) -> None:
        self._uow, self.clock, self.catch_up = uow, clock, catch_up

    # -- groups and members ---------------------------------------------------------

    def setup_group(
        self,
        platform: str,
        workspace_id: str,
        *,
        tz: str = "UTC",
        country: str | None = None,
        morning: time | None = None,
        channel: str | None = None,
    ) -> None:
        """Create (or update) a group with its organiser's defaults."""
        with self._uow() as uow:
            group = self._group(uow, platform, workspace_id)
            group.tz, group.country, group.channel = tz, country, channel
            if morning is not None:
                group.morning = morning
            group.schedule_board(self.clock.now())
            uow.groups.save(group)
            uow.commit()

    def _group(self, uow: UnitOfWork, platform: str, workspace_id: str) -> Group:
        """The group, created with defaults (and its first Monday board) if new."""
        group = uow.groups.get(platform, workspace_id)
        if group is None:
            group = Group(platform, workspace_id)
            group.schedule_board(self.clock.now())
            group = uow.groups.add(group)
        return group

    def _enter(self, uow: UnitOfWork, who: Identity) -> tuple[Group, Member]:
        group = self._group(uow, who.platform, who.workspace_id)
        assert group.id is not None
        member = uow.members.get(group.id, who.user_id)
        if member is None:
            member = Member(group.id, who.user_id, who.name[:MAX_DISPLAY_NAME])
            schedule(member, group, self.clock.now())
            member = uow.members.add(member)
        return group, member

    def join(
        self,
        who: Identity,
        *,
        tz: str | None = None,
        country: str | None = None,
        nudge_time: time | None = None,
    ) -> None:
        """Register a member with their own zone, country and morning (None: the group's)."""
        with self._uow() as uow:
            group, member = self._enter(uow, who)
            member.tz, member.country, member.nudge_time = tz, country, nudge_time
            schedule(member, group, self.clock.now())
            uow.members.save(member)
            uow.commit()

    # -- commands --------------------------------------------------------------------

    def handle(self, who: Identity, command: str, text: str) -> Message:
        """Run one slash command; every outcome, errors included, is a reply."""
        try:
            parsed = grammar.parse(command, text)
        except DomainError as error:
            return error_reply(error)
        try:
            try:
                return self._handle(who, parsed)
            except Conflict:
                # A concurrent command of the same member won a race (its first command,
                # a lead number): run this one again on top of what that one wrote.
                return self._handle(who, parsed)
        except Exception:
            # A bug or a database outage: the transaction rolled back; the member gets an
            # answer, the operator a traceback (never the other way round).
            log.exception("command failed: %s %s", who.platform, type(parsed).__name__)
            return Message(
                "reply",
                "Something went wrong on my side and nothing was changed. Please try again"
                " in a minute; if it keeps happening, tell your organiser.",
            )

    def _handle(self, who: Identity, parsed: grammar.Command) -> Message:
        with self._uow() as uow:
            group, member = self._enter(uow, who)
            if member.unreachable:  # they just wrote to us: DMs may work again
                member.unreachable = False
                uow.members.save(member)
                uow.commit()
            call = Call(uow, self.clock.now(), group, member, who)
            try:
                answer = HANDLERS[type(parsed)](call, parsed)
            except DomainError as error:
                return error_reply(error)  # leaving the block rolls back: nothing written
            uow.commit()
        return answer

    # -- mornings --------------------------------------------------------------------

    def plan(self) -> int:
        """Plan what is due: Monday boards and members' digests into the outbox.

        Returns how many messages were written.
        """
        now = self.clock.now()
        with self._uow() as uow:
            written = post_weekly_boards(uow, now)
            uow.commit()
        while True:
            with self._uow() as uow:
                members = uow.members.morning_due(now, PLANNING_BATCH)
                if not members:
                    return written
                written += self._plan_batch(uow, members, now)
                uow.commit()

    def _plan_batch(self, uow: UnitOfWork, members: list[Member], now: datetime) -> int:
        """Plan one batch of members in a handful of statements, whatever its size."""
        groups: dict[int, Group] = {}
        days = {}
        for member in members:
            if member.group_id not in groups:
                groups[member.group_id] = uow.groups.by_id(member.group_id)
            assert member.id is not None and member.next_morning_at is not None
            cal = member.calendar(groups[member.group_id])
            days[member.id] = cal.local_date(member.next_morning_at)
        due = uow.leads.due(days)
        by_member: dict[int, list[Lead]] = {}
        for lead in due:
            by_member.setdefault(lead.member_id, []).append(lead)
        parents: dict[int, set[int]] = {}
        for lead in due:
            if lead.parent_id is not None:
                parents.setdefault(lead.member_id, set()).add(lead.parent_id)
        referrers = uow.leads.contacts(parents)  # who referred whom, for the drafts
        digests = []
        for member in members:
            assert member.id is not None and member.next_morning_at is not None
            leads = by_member.get(member.id, [])
            morning_at = member.next_morning_at
            morning = plan_morning(
                member, groups[member.group_id], leads, referrers, now, self.catch_up
            )
            if morning.message is not None:
                digests.append(
                    Outgoing(
                        key=f"digest:{member.id}:{morning.day.isoformat()}",
                        group_id=member.group_id,
                        member_id=member.id,
                        message=morning.message,
                        not_before=morning_at,
                        status="missed" if morning.missed else "pending",
                        expires_at=morning_at + self.catch_up,
                    )
                )
        uow.leads.save_planned(due)
        uow.members.save_planned(members)
        return uow.outbox.add_many(digests, now)

    def next_wake(self) -> datetime | None:
        """When the next morning or Monday board comes (for the simulator's clock)."""
        with self._uow() as uow:
            times = [uow.members.next_morning_at(), uow.groups.next_board_at()]
        return min((t for t in times if t is not None), default=None)

    # -- delivery --------------------------------------------------------------------
    # The runtime sends; these record what happened, each in its own transaction.

    def claim(
        self,
        worker: str,
        limit: int = 100,
        lease_seconds: int = 300,
        platforms: frozenset[str] | None = None,
    ) -> list[Delivery]:
        """Claim outbox rows that are due on `platforms`, for `worker`, for a lease."""
        with self._uow() as uow:
            batch = uow.outbox.claim(self.clock.now(), worker, limit, lease_seconds, platforms)
            uow.commit()
        return batch

    def sent(self, delivery: Delivery, platform_id: str | None) -> None:
        with self._uow() as uow:
            recorded = uow.outbox.mark_sent(delivery, self.clock.now(), platform_id)
            uow.commit()
        if not recorded:
            log.warning("sent after its claim ran out: key=%s possibly duplicated", delivery.key)

    def release(self, delivery: Delivery | None = None, *, worker: str | None = None) -> None:
        """Give claims back unsent (a rate-limited route, or a graceful shutdown)."""
        with self._uow() as uow:
            uow.outbox.release(None if delivery is None else delivery.id, worker)
            uow.commit()

    def failed(self, delivery: Delivery, error: SendError) -> None:
        """Record a failed send and decide what follows; nothing is retried forever."""
        now = self.clock.now()
        with self._uow() as uow:
            match error.kind:
                case Failure.RATE_LIMITED:
                    # Not the message's fault: wait as told, without using up an attempt
                    # (a digest's expiry still bounds the wait).
                    later = now + timedelta(seconds=error.retry_after or 60)
                    uow.outbox.mark_failed(delivery, str(error), later, count_attempt=False)
                case Failure.TRANSIENT:
                    attempt = delivery.attempts + 1
                    retry: datetime | None = None
                    if attempt < MAX_ATTEMPTS:
                        wait = error.retry_after or 60 * 2**delivery.attempts
                        retry = now + timedelta(seconds=wait)
                        log.warning(
                            "send failed: key=%s attempt=%d/%d, retrying: %s",
                            delivery.key,
                            attempt,
                            MAX_ATTEMPTS,
                            error,
                        )
                    else:
                        log.error(
                            "send failed for good: key=%s after %d attempts: %s",
                            delivery.key,
                            attempt,
                            error,
                        )
                    uow.outbox.mark_failed(delivery, str(error), retry)
                case Failure.UNREACHABLE:
                    log.warning("member unreachable: key=%s reason=%s", delivery.key, error)
                    uow.outbox.mark_failed(delivery, str(error), None)
                    self._unreachable(uow, delivery, now)
                case Failure.FATAL:
                    log.error(
                        "delivery stopped for group %s (%s %s): %s",
                        delivery.group_id,
                        delivery.platform,
                        delivery.workspace_id,
                        error,
                    )
                    uow.outbox.release(delivery.id)
                    group = uow.groups.by_id(delivery.group_id)
                    group.suspended = True
                    uow.groups.save(group)
            uow.commit()

    @staticmethod
    def _unreachable(uow: UnitOfWork, delivery: Delivery, now: datetime) -> None:
        """Stop a member's digests, and tell the group's admins once."""
        if delivery.member_id is None or delivery.user_id is None:
            return
        member = uow.members.by_id(delivery.member_id)
        if member is None or member.unreachable:
            return
        member.unreachable = True
        uow.members.save(member)
        notice = Message(
            "admin",
            f"Admins: I can't reach {member.name} by direct message (they left, or their DMs"
            " are closed). Their morning digests are stopped until they use a command again.",
        )
        # One notice each time a member becomes unreachable (not on every failed send).
        uow.outbox.add(
            Outgoing(
                f"unreachable:{member.id}:{now.isoformat()}",
                delivery.group_id,
                member.id,
                notice,
                now,
                to_channel=True,
            ),
            now,
        )

    def status(self) -> dict[str, int]:
        with self._uow() as uow:
            return uow.outbox.counts(self.clock.now())

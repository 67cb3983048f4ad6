"""What a failed send leads to, by its class: a retry, a member marked unreachable, the
organisers told, a group's delivery stopped."""

from __future__ import annotations

import logging
from datetime import datetime

from core.domain.members import Member
from core.domain.messages import Message
from core.domain.notices import channel_gone, dms_closed, unreachable
from core.services.policy import after_failure
from core.services.ports import Delivery, Failure, Outgoing, SendError, UnitOfWork

log = logging.getLogger(__name__)


def record(uow: UnitOfWork, delivery: Delivery, error: SendError, now: datetime) -> None:
    """Record `delivery`'s failure and do what its class calls for (core.services.policy)."""
    if error.kind is Failure.FATAL:
        log.error(
            "delivery stopped for group %s (%s %s): %s",
            delivery.group_id,
            delivery.platform,
            delivery.workspace_id,
            error,
        )
        uow.outbox.release(delivery.id, delivery.worker)  # only while the claim is ours
        group = uow.groups.by_id(delivery.group_id)
        group.suspended = True
        uow.groups.save(group)
        return
    retry = after_failure(error.kind, delivery.attempts, now, error.retry_after)
    uow.outbox.mark_failed(delivery, str(error), retry.at, count_attempt=retry.counts)
    attempt = delivery.attempts + 1
    match error.kind:
        case Failure.TRANSIENT if retry.at is not None:
            log.warning(
                "send failed: key=%s attempt=%d, retrying: %s", delivery.key, attempt, error
            )
        case Failure.TRANSIENT:
            log.error(
                "send failed for good: key=%s after %d attempts: %s", delivery.key, attempt, error
            )
        case Failure.UNREACHABLE:
            log.warning("member unreachable: key=%s reason=%s", delivery.key, error)
            _unreachable(uow, delivery, now, error.tell_in_channel)
        case Failure.CHANNEL_GONE:
            log.warning("group channel unavailable: key=%s: %s", delivery.key, error)
            _channel_gone(uow, delivery, now)
        case Failure.PAYLOAD:
            log.error("the platform refused a message: key=%s: %s", delivery.key, error)


def _unreachable(uow: UnitOfWork, delivery: Delivery, now: datetime, tell_in_channel: bool) -> None:
    """Stop a member's digests, and tell the group's organisers once."""
    if delivery.member_id is None or delivery.user_id is None:
        return
    # Locked: two workers failing two DMs of one member at once tell the organisers once.
    member = uow.members.by_id(delivery.member_id, lock=True)
    if member is None or member.unreachable:
        return
    member.unreachable = True
    uow.members.save(member)
    # One notice each time a member becomes unreachable (not on every failed send).
    episode = f"{member.id}:{now.isoformat()}"
    _tell_organisers(
        uow, delivery.group_id, f"unreachable:{episode}", unreachable(member.name), now, member
    )
    if tell_in_channel:
        # Where a member can fix it (Discord's closed DMs), tell them where they are sure
        # to look: the group channel, mentioning them and nobody else.
        notice = Outgoing(
            f"dms-closed:{episode}",
            delivery.group_id,
            member.id,
            dms_closed(delivery.user_id),
            now,
            to_channel=True,
        )
        uow.outbox.add(notice, now)


def _channel_gone(uow: UnitOfWork, delivery: Delivery, now: datetime) -> None:
    """Tell the organisers once per channel setting, instead of failing every week."""
    if delivery.user_id is not None or delivery.channel is None:
        return
    key = f"channel-gone:{delivery.group_id}:{delivery.channel}"
    _tell_organisers(uow, delivery.group_id, key, channel_gone(), now)


def _tell_organisers(
    uow: UnitOfWork,
    group_id: int,
    key: str,
    notice: Message,
    now: datetime,
    about: Member | None = None,
) -> None:
    """An admin notice, by DM to each of the group's organisers (never the channel)."""
    organisers = [m for m in uow.members.organisers(group_id) if about is None or m.id != about.id]
    if not organisers:
        log.warning("no organiser to tell: group=%s key=%s", group_id, key)
    for organiser in organisers:
        assert organiser.id is not None
        uow.outbox.add(Outgoing(f"{key}:{organiser.id}", group_id, organiser.id, notice, now), now)

"""One person on Slack and Discord: link codes, linking, unlinking, and where the morning
goes.

The design, in short (README, "One person on Slack and Discord", says it for members):

- A link is a row that makes one member (the *secondary*: whoever typed the code)
  resolve to another (the *primary*: whoever asked for it). A command of the secondary
  that is about the person (leads, history, settings, morning, files) runs as the
  primary (core.services.conversation picks the turn); what is about the group it was
  typed in (its board, `board on|off`, `share companies`, organiser settings, the link
  itself) runs as the secondary, in its own group.
- Linking moves the secondary's leads to the primary, numbered after the primary's, and
  remembers their old numbers. A lead's history is that of the lead, whoever logged it,
  so it comes along.
- What the person logs is recorded under the member and group it was typed in: each
  group's board counts the person's actions in that group, under its own member row,
  and never an action twice. Group posts (a referral chain) go to the group it was
  logged in, with that group's `share companies` choice; contact names never appear in
  them, and no group's board or post shows another group's companies or notes.
- One morning: the primary's morning is planned (the secondary's passes quietly) and is
  sent to the member `me deliver slack|discord` chose (the primary's, until changed).
  Its buttons work on that platform: pressing one runs as the member pressed, which
  resolves to the primary.
- Unlink splits them: the leads the secondary brought go back to it, under their old
  numbers; leads added while linked stay with the primary, which held them; each member
  keeps its events, points and settings, and the secondary's morning starts again.
- Removing the bot from one of the two groups splits the link first, and the member who
  stays keeps every lead of the person, so erasing a group erases no lead of a member
  still in another group.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from core.domain import commands as c
from core.domain import links
from core.domain.errors import DomainError
from core.domain.links import Link, LinkCode, Tries
from core.domain.members import Member
from core.domain.messages import Message, error
from core.domain.planning import refresh, schedule
from core.services.ports import UnitOfWork
from core.services.turn import Turn


def new_code() -> str:
    return "".join(secrets.choice(links.ALPHABET) for _ in range(links.CODE_LENGTH))


def link(turn: Turn, cmd: c.Link) -> Message:
    """`link`: a code (or what is linked); `link <code>`: link with the code's member."""
    uow, me, now = turn.uow, turn.member, turn.now
    assert me.id is not None
    existing = uow.links.of(me.id)
    if cmd.code is None:
        if existing is not None:
            return state(uow, existing, me)
        code = new_code()
        salt = secrets.token_hex(links.SALT_BYTES)
        expires = now + links.VALID_FOR
        uow.links.put_code(LinkCode(me.id, salt, links.digest(salt, code), expires))
        return links.code_made(code, turn.group.platform, now, expires)
    if existing is not None:
        return error(links.ALREADY_LINKED)
    tries = uow.links.tries(me.id)
    if tries.locked_until is not None and tries.locked_until > now:
        return links.locked(now, tries.locked_until)  # not even read: the wait holds
    typed = links.normalised(cmd.code)
    found = None
    if typed is not None:
        found = next((k for k in uow.links.live_codes(now) if links.matches(k, typed)), None)
    if found is None:
        wrong = tries.wrong + 1
        if wrong >= links.MAX_WRONG:
            until = now + links.WAIT
            uow.links.put_tries(Tries(me.id, 0, until))
            return links.locked(now, until)
        uow.links.put_tries(Tries(me.id, wrong))
        return links.wrong_code(links.MAX_WRONG - wrong)
    if found.member_id == me.id:
        return error(links.OWN_CODE)
    owner = uow.members.by_id(found.member_id, lock=True)
    assert owner is not None and owner.id is not None
    if uow.groups.by_id(owner.group_id).platform == turn.group.platform:
        return error(links.SAME_PLATFORM)
    if uow.links.of(owner.id) is not None:
        return error(links.OTHER_LINKED)
    numbers = join(uow, owner, me, now)
    uow.links.drop_code(owner.id)
    uow.links.put_tries(Tries(me.id))
    there = uow.groups.by_id(owner.group_id).platform
    return links.linked_now(turn.group.platform, there, owner.name, numbers, there)


def join(uow: UnitOfWork, primary: Member, secondary: Member, now: datetime) -> list[int]:
    """Link `secondary` to `primary`: its leads move over, numbered after the primary's.
    The new numbers, in the order of the old ones."""
    assert primary.id is not None and secondary.id is not None
    brought, numbers = [], []
    for lead in uow.leads.for_member(secondary.id):  # in number order
        assert lead.id is not None
        uow.links.move_lead(lead.id, primary.id, primary.next_lead_number)
        brought.append((lead.id, lead.number))
        numbers.append(primary.next_lead_number)
        primary.next_lead_number += 1
    # One person, one streak on both boards: the one kept most recently (the longer of
    # two kept the same day).
    best = max(primary.streak, secondary.streak, key=lambda s: (s.last or date.min, s.days))
    primary.streak = secondary.streak = best
    uow.links.add(Link(primary.id, secondary.id, primary.id, now, tuple(brought)))
    _recount(uow, primary)
    _recount(uow, secondary)
    return numbers


def split(uow: UnitOfWork, link_: Link, now: datetime, keeper: int | None = None) -> int:
    """Two members again: the leads the secondary brought go back to it under their old
    numbers, the rest stay with the primary (`keeper`: every lead goes to that one, when
    the other's group is being erased). How many leads moved."""
    primary = uow.members.by_id(link_.primary_id, lock=True)
    secondary = uow.members.by_id(link_.secondary_id, lock=True)
    assert primary is not None and secondary is not None and secondary.id is not None
    assert primary.id is not None
    moved = 0
    if keeper == secondary.id:
        for lead in uow.leads.for_member(primary.id):
            assert lead.id is not None
            back = dict(link_.brought).get(lead.id)
            number = back if back is not None else secondary.next_lead_number
            uow.links.move_lead(lead.id, secondary.id, number)
            if back is None:
                secondary.next_lead_number += 1
            moved += 1
    elif keeper is None:
        held = {lead.id for lead in uow.leads.for_member(primary.id)}
        for lead_id, number in link_.brought:
            if lead_id in held:
                uow.links.move_lead(lead_id, secondary.id, number)
                moved += 1
    if link_.brought:
        top = max(number for _, number in link_.brought)
        secondary.next_lead_number = max(secondary.next_lead_number, top + 1)
    uow.links.drop(link_)
    schedule(secondary, uow.groups.by_id(secondary.group_id), now)  # its own mornings again
    _recount(uow, primary)
    _recount(uow, secondary)
    return moved


def _recount(uow: UnitOfWork, member: Member) -> None:
    """What planning reads of the member (active leads, offers, due dates), after leads
    moved; then the member is saved."""
    assert member.id is not None
    own = uow.leads.of(member.id)
    leads = own.all()
    refresh(member, uow.groups.by_id(member.group_id), leads)
    for lead in leads:
        own.save(lead)
    uow.members.save(member)


def unlink(turn: Turn, cmd: c.Unlink) -> Message:
    uow, me = turn.uow, turn.member
    assert me.id is not None
    found = uow.links.of(me.id)
    if found is None:
        return error(links.NOT_LINKED)
    primary = uow.members.by_id(found.primary_id)
    secondary = uow.members.by_id(found.secondary_id)
    assert primary is not None and secondary is not None
    back = split(uow, found, turn.now)
    here = turn.group.platform
    platform = {m.id: uow.groups.by_id(m.group_id).platform for m in (primary, secondary)}
    there = platform[found.other(me.id)]
    return links.unlinked(
        here, there, back, platform[found.secondary_id], platform[found.primary_id]
    )


def state(uow: UnitOfWork, link_: Link, me: Member) -> Message:
    assert me.id is not None
    other = uow.members.by_id(link_.other(me.id))
    deliver = uow.members.by_id(link_.deliver_id)
    assert other is not None and deliver is not None
    return links.linked_state(
        uow.groups.by_id(me.group_id).platform,
        uow.groups.by_id(other.group_id).platform,
        other.name,
        uow.groups.by_id(deliver.group_id).platform,
        link_.linked_at,
    )


def deliver(turn: Turn, platform: str) -> Message:
    """`me deliver slack|discord`: the person's morning comes on that platform."""
    uow = turn.uow
    assert turn.member.id is not None
    found = uow.links.of(turn.member.id)
    if found is None:
        raise DomainError(links.NOT_LINKED_DELIVER)
    members = [uow.members.by_id(m) for m in (found.primary_id, found.secondary_id)]
    where = {uow.groups.by_id(m.group_id).platform: m for m in members if m is not None}
    chosen = where.get(platform)
    if chosen is None or chosen.id is None:
        raise DomainError(links.deliver_where(platform, (*where,)))  # type: ignore[arg-type]
    found.deliver_id = chosen.id
    uow.links.save(found)
    return links.delivers(platform)


def forget_refused(turn: Turn) -> None:
    """Forget-me is refused while linked: say to unlink first."""
    assert turn.member.id is not None
    if turn.uow.links.of(turn.member.id) is not None:
        raise DomainError(links.FORGET_LINKED)

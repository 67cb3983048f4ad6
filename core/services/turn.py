"""One command being handled: who asked, their group and member, and the steps every
handler shares (log an action, add a lead, post to the group, save)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.domain import group_posts, replies
from core.domain.calendar import BusinessCalendar
from core.domain.commands import Details
from core.domain.dates import When
from core.domain.errors import DomainError
from core.domain.group_posts import chain_celebration
from core.domain.leads import TOUCHES, Action, Event, Lead, Stage, apply, find, folded
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.planning import context, refresh
from core.domain.rules import Context, due_on
from core.domain.scoring import BOOKKEEPING
from core.domain.worklog import LogSettings, settings_of
from core.services.ports import Outgoing, UnitOfWork


@dataclass(frozen=True, slots=True)
class Identity:
    """Who typed the command, as the platform tells it.

    `is_admin` is the platform's own admin role (Slack admins and owners, Discord's
    Manage Server); `tz` the zone of the member's platform profile, used once, when the
    member is first seen.
    """

    platform: str
    workspace_id: str
    user_id: str
    name: str
    is_admin: bool = False
    tz: str | None = None


# The stages whose due date depends on the member's pending offer (offer leverage).
LEVERAGED = frozenset({Stage.TALKING, Stage.INTERVIEWED})


def _offer_at(lead: Lead) -> datetime | None:
    """When the lead's offer arrived, if it is a pending offer (what `offer_since` reads)."""
    return (lead.stage_since or lead.created_at) if lead.stage is Stage.OFFER else None


class Turn:
    """One command's turn: the caller's group, member, and the leads it reads.

    A command about one lead reads that lead (and its chain, or what it takes to find
    it), never the whole pipeline: its cost stays the same at 10 leads or 2,000. Only
    what lists the leads reads them all (`leads`). `save` writes the leads found by
    `lead`, added by `new_lead`, or, once read, all of `leads`; the others read (a
    chain, the leads referred on) are for reading.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        now: datetime,
        group: Group,
        member: Member,
        who: Identity,
        *,
        acting: tuple[Group, Member] | None = None,
        twin: Member | None = None,
    ) -> None:
        self.uow, self.now, self.group, self.member, self.who = uow, now, group, member, who
        # Who typed it, in which group: the member of a link (core.services.links) whose
        # commands run as `member`, its primary. What it logs is recorded, and posted,
        # there: each group's board counts what was done in that group.
        self.acting_group, self.acting = acting or (group, member)
        # The other member of the person, if linked: its board shows the person's streak.
        self.twin = acting[1] if acting is not None else twin
        assert member.id is not None
        # This member's leads only: a lead of anyone else can't be read, added or saved.
        self.own_leads = uow.leads.of(member.id)
        # Every lead read in this turn, one object each however it was read, so that a
        # change made through one read is what another read sees and what is saved.
        self._read: dict[int, Lead] = {}
        self._all: list[Lead] | None = None
        # The leads this turn may change, with what planning counted of them before it:
        # (active, when its pending offer arrived). A lead added now counted nothing.
        self._before: dict[int, tuple[bool, datetime | None]] = {}
        self._events: list[Event] | None = None

    @property
    def leads(self) -> list[Lead]:
        """Every lead of the member, in number order: for what lists or counts them all."""
        if self._all is None:
            self._all = self._known(self.own_leads.all())
        return self._all

    def _known(self, leads: list[Lead]) -> list[Lead]:
        """`leads` as just read, each replaced by the object this turn holds of it."""
        return [self._read.setdefault(lead.id, lead) for lead in leads if lead.id is not None]

    def _changing(self, lead: Lead) -> Lead:
        """`lead`, remembered as one this turn may change (and saves)."""
        assert lead.id is not None
        self._before.setdefault(lead.id, self._counted(lead))
        return lead

    @staticmethod
    def _counted(lead: Lead) -> tuple[bool, datetime | None]:
        """What planning counts of `lead`: whether it is active, when its offer came."""
        return lead.active, _offer_at(lead)

    @property
    def context(self) -> Context:
        return context(self.member, self.group)

    @property
    def today(self) -> date:
        return self.member.calendar(self.group).local_date(self.now)

    def lead(self, ref: str) -> Lead:
        """The lead `ref` names, as `find` finds it, from the few leads it may mean."""
        return self._changing(find(ref, self._candidates(ref)))

    def _candidates(self, ref: str) -> list[Lead]:
        """Leads among which `find(ref, ...)` picks what it would pick among them all:
        the one numbered (read as `find` reads a number), or those that may be named."""
        if self._all is not None:
            return self._all
        text = folded(ref)
        number = text.removeprefix("#")
        if number.isascii() and number.isdigit() and len(number) < 10:
            found = self.own_leads.numbered(int(number))
            return [] if found is None else self._known([found])
        return self._known(self.own_leads.named(text)) if text else []

    def leads_by_id(self, lead_ids: set[int]) -> list[Lead]:
        """The member's leads with these ids (another member's are never among them)."""
        found = (self._by_id(lead_id) for lead_id in sorted(lead_ids))
        return [lead for lead in found if lead is not None]

    def _by_id(self, lead_id: int) -> Lead | None:
        if lead_id in self._read:
            return self._read[lead_id]
        found = self.own_leads.get(lead_id)
        return None if found is None else self._known([found])[0]

    def chain(self, lead: Lead) -> list[Lead]:
        """The referral chain from its first lead down to `lead`: its ancestors, read one
        by one (a chain is a few leads long)."""
        ancestors: dict[int, Lead] = {}
        parent_id = lead.parent_id
        while parent_id is not None and parent_id != lead.id and parent_id not in ancestors:
            parent = self._by_id(parent_id)
            if parent is None:
                break
            ancestors[parent_id] = parent
            parent_id = parent.parent_id
        return group_posts.chain(lead, ancestors)  # which also refuses a chain that loops

    def referred_by(self, lead: Lead) -> list[Lead]:
        """The leads `lead` referred the member on to, in number order."""
        assert lead.id is not None
        return self._known(self.own_leads.referred_by(lead.id))

    def history(self, lead: Lead) -> list[Event]:
        """What was logged about `lead`, in the order it happened."""
        assert self.member.id is not None and lead.id is not None
        return self.uow.events.for_lead(self.member.id, lead.id)

    @property
    def log_settings(self) -> LogSettings:
        """The member's work-search log: their own, else their group's preset."""
        return settings_of(self.member.log_settings, self.group.log_preset)

    def preferences(self) -> replies.Preferences:
        """The member's own settings, as they are shown to them."""
        member = self.member
        cal = member.calendar(self.group)
        return replies.Preferences(
            morning=member.morning(self.group),
            tz=cal.tz.key,
            country=cal.country,
            paused=member.paused,
            shares=member.share_companies,
            listed=member.on_board,
        )

    def events(self) -> list[Event]:
        """The member's history, read once per turn (what this turn records is added)."""
        if self._events is None:
            assert self.member.id is not None
            self._events = self.uow.events.for_member(self.member.id)
        return self._events

    def moment(self, when: When | None, lead: Lead | None = None) -> datetime:
        """When an action the member dates (`on fri`) happened: that day, at this time of
        day, in their own calendar; refused in the future, over 30 days back, or before
        the last thing logged about the lead (its history stays in order)."""
        if when is None:
            return self.now
        cal = self.member.calendar(self.group)
        day = when.resolve(self.today)
        if day == self.today:
            return self.now
        at = cal.at(day, self.now.astimezone(cal.tz).time())
        if lead is None:
            return at
        touches = [e.at for e in self.history(lead) if e.action in TOUCHES]
        last = max(touches, default=None)
        if last is not None and day < cal.local_date(last):
            raise DomainError(replies.out_of_order(day, lead, cal.local_date(last), self.today))
        return at if last is None else max(at, last)

    def record(
        self,
        lead: Lead,
        action: Action,
        note: str = "",
        at: datetime | None = None,
        how: str | None = None,
    ) -> None:
        """Apply `action` to `lead` as of `at` (default now), and keep it in its history."""
        at = at or self.now
        apply(lead, action, at)
        assert lead.id is not None and self.acting.id is not None
        assert self.acting_group.id is not None
        logged_at = None if at == self.now else self.now
        event = Event(lead.id, action, at, lead.stage, note, logged_at=logged_at, how=how)
        self.uow.events.add(self.acting_group.id, self.acting.id, event)
        if self._events is not None:  # in the order of when things happened, as stored
            self._events.append(event)
            self._events.sort(key=lambda e: e.at)
        if action not in BOOKKEEPING:
            self.kept_streak(at)
            last = self.member.last_action_at
            self.member.last_action_at = at if last is None else max(last, at)

    def kept_streak(self, at: datetime) -> None:
        """Count what happened at `at` (logged now) for the member's streak."""
        cal = self.member.calendar(self.group)
        day = cal.local_date(at)
        streak = self.member.streak
        if at == self.now:
            self.member.streak = streak.logged(day, cal)
            return
        # The days are read only for a day at or before the streak's last, the one case
        # in which `dated` rebuilds the streak from them.
        rebuilt = streak.last is not None and day <= streak.last
        days = self._streak_days(cal) if rebuilt else set()
        self.member.streak = streak.dated(day, self.today, cal, days)

    def _streak_days(self, cal: BusinessCalendar) -> set[date]:
        """Every local day with an action that counted for the streak when logged (never
        one imported from a file)."""
        assert self.member.id is not None
        if self._events is not None:
            times = [
                (e.at, e.logged)
                for e in self._events
                if e.action not in BOOKKEEPING and not e.imported
            ]
        else:
            times = self.uow.events.times(self.member.id, set(Action) - BOOKKEEPING)
        days = set()
        for at, logged in times:
            day = cal.local_date(at)
            if cal.local_date(logged) <= cal.next_business_day(day):
                days.add(day)
        return days

    def post(self, key: str, message: Message | None) -> None:
        """Write a group-channel post about this member (if the group has a channel): in
        the group the command was typed in."""
        group, member = self.acting_group, self.acting
        if message is None or group.channel is None:
            return
        assert group.id is not None and member.id is not None
        self.uow.outbox.add(
            Outgoing(
                f"{key}:{member.id}",
                group.id,
                member.id,
                message,
                self.now,
                to_channel=True,
            ),
            self.now,
        )

    def celebrate(self, lead: Lead, action: Action) -> None:
        """Celebrate a referral chain that grew, or reached an interview or an offer."""
        message = chain_celebration(
            self.acting.name, self.chain(lead), action, self.acting.share_companies
        )
        self.post(f"chain:{lead.id}:{action.value}", message)

    def new_lead(
        self,
        contact: str,
        company: str,
        role: str | None = None,
        via: str | None = None,
        network: bool = False,
        parent: Lead | None = None,
        details: Details = (),
    ) -> Lead:
        assert self.member.id is not None
        lead = Lead(
            member_id=self.member.id,
            number=self.member.next_lead_number,
            contact=contact,
            company=company,
            role=role,
            via=via,
            network=network,
            parent_id=None if parent is None else parent.id,
            created_at=self.now,
            stage_since=self.now,
        )
        for name, value in details:
            setattr(lead, name, value)
        lead = self.own_leads.add(lead)
        assert lead.id is not None
        self.member.next_lead_number += 1
        self._read[lead.id] = lead
        self._before[lead.id] = (False, None)  # it counted for nothing before
        if self._all is not None:
            self._all.append(lead)
        self.record(lead, Action.ADDED)
        return lead

    def save(self) -> None:
        """Recompute what planning reads, then write the member and the leads changed."""
        if self._all is not None:  # the whole pipeline is at hand: recompute it all
            refresh(self.member, self.group, self._all)
            changed = self._all
        else:
            changed = self._refresh_changed()
        for lead in changed:
            self.own_leads.save(lead)  # only what changed in it is written
        self.uow.members.save(self.member)
        if self.twin is not None and self.twin.streak != self.member.streak:
            self.twin.streak = self.member.streak  # one person, one streak on both boards
            self.uow.members.save(self.twin)

    def _refresh_changed(self) -> list[Lead]:
        """What `refresh` would recompute, from the leads this turn changed alone: the
        member's count of active leads moves by theirs; their pending offers, if they
        changed, are read again with the others (a few); and the due dates are those of
        the leads changed and, if the member's offer moved, of the leads it leverages.
        The leads whose due date may have changed."""
        member = self.member
        changed = [self._read[lead_id] for lead_id in self._before]
        before = self._before.values()
        member.active_leads += sum(lead.active for lead in changed)
        member.active_leads -= sum(active for active, _ in before)
        if [offer for _, offer in before] != [_offer_at(lead) for lead in changed]:
            offers = self._known(self.own_leads.in_stages({Stage.OFFER}))  # as stored
            pending = {id(lead): _offer_at(lead) for lead in [*offers, *changed]}.values()
            offer_since = min((at for at in pending if at is not None), default=None)
            if offer_since != member.offer_since:
                member.offer_since = offer_since
                leveraged = self._known(self.own_leads.in_stages(LEVERAGED))
                changed += [lead for lead in leveraged if lead.id not in self._before]
        ctx = context(member, self.group)
        for lead in changed:
            lead.due_on = due_on(lead, ctx)
        # Counted now: a second save in this turn starts from here.
        self._before = {lead_id: self._counted(self._read[lead_id]) for lead_id in self._before}
        return changed

"""One command being handled: who asked, their group and member, and the steps every
handler shares (log an action, add a lead, post to the group, save)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.domain import replies
from core.domain.calendar import BusinessCalendar
from core.domain.commands import Details
from core.domain.dates import When
from core.domain.errors import DomainError
from core.domain.group_posts import chain, chain_celebration
from core.domain.leads import TOUCHES, Action, Event, Lead, apply, find
from core.domain.members import Group, Member
from core.domain.messages import Message
from core.domain.planning import context, refresh
from core.domain.rules import Context
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


class Turn:
    """One command's turn: the caller's group, member and (lazily) leads."""

    def __init__(
        self, uow: UnitOfWork, now: datetime, group: Group, member: Member, who: Identity
    ) -> None:
        self.uow, self.now, self.group, self.member, self.who = uow, now, group, member, who
        assert member.id is not None
        # This member's leads only: a lead of anyone else can't be read, added or saved.
        self.own_leads = uow.leads.of(member.id)
        self._leads: list[Lead] | None = None
        self._events: list[Event] | None = None

    @property
    def leads(self) -> list[Lead]:
        if self._leads is None:
            self._leads = self.own_leads.all()
        return self._leads

    @property
    def context(self) -> Context:
        return context(self.member, self.group)

    @property
    def today(self) -> date:
        return self.member.calendar(self.group).local_date(self.now)

    def lead(self, ref: str) -> Lead:
        return find(ref, self.leads)

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
        touches = [e.at for e in self.events() if e.lead_id == lead.id and e.action in TOUCHES]
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
        assert lead.id is not None and self.member.id is not None and self.group.id is not None
        logged_at = None if at == self.now else self.now
        event = Event(lead.id, action, at, lead.stage, note, logged_at=logged_at, how=how)
        self.uow.events.add(self.group.id, self.member.id, event)
        if self._events is not None:  # in the order of when things happened, as stored
            self._events.append(event)
            self._events.sort(key=lambda e: e.at)
        if action not in BOOKKEEPING:
            self.kept_streak(at)

    def kept_streak(self, at: datetime) -> None:
        """Count what happened at `at` (logged now) for the member's streak."""
        cal = self.member.calendar(self.group)
        day = cal.local_date(at)
        if at == self.now:
            self.member.streak = self.member.streak.logged(day, cal)
        else:
            self.member.streak = self.member.streak.dated(
                day, self.today, cal, self._streak_days(cal)
            )

    def _streak_days(self, cal: BusinessCalendar) -> set[date]:
        """Every local day with an action that counted for the streak when logged (never
        one imported from a file)."""
        days = set()
        for event in self.events():
            if event.action in BOOKKEEPING or event.imported:
                continue
            day = cal.local_date(event.at)
            if cal.local_date(event.logged) <= cal.next_business_day(day):
                days.add(day)
        return days

    def post(self, key: str, message: Message | None) -> None:
        """Write a group-channel post about this member (if the group has a channel)."""
        if message is None or self.group.channel is None:
            return
        assert self.group.id is not None and self.member.id is not None
        self.uow.outbox.add(
            Outgoing(
                f"{key}:{self.member.id}",
                self.group.id,
                self.member.id,
                message,
                self.now,
                to_channel=True,
            ),
            self.now,
        )

    def celebrate(self, lead: Lead, action: Action) -> None:
        """Celebrate a referral chain that grew, or reached an interview or an offer."""
        by_id = {x.id: x for x in self.leads if x.id is not None}
        message = chain_celebration(
            self.member.name, chain(lead, by_id), action, self.member.share_companies
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
        # Read the member's leads before the new one is stored: read after, they would
        # include it already, and the append below would count it twice.
        leads = self.leads
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
        self.member.next_lead_number += 1
        leads.append(lead)
        self.record(lead, Action.ADDED)
        return lead

    def save(self) -> None:
        """Recompute what planning reads, then write the member and their leads."""
        if self._leads is not None:
            refresh(self.member, self.group, self._leads)
            for lead in self._leads:
                self.own_leads.save(lead)
        self.uow.members.save(self.member)

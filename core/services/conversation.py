"""What adapters call: commands in, answers out, and the small reads their platforms ask for
(a Home tab, autocomplete, a button's pointer)."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time
from typing import Any

from core.domain import direct, parser, replies
from core.domain.calendar import country_of_zone, zone
from core.domain.commands import CalendarFeed, Command, ImportFile
from core.domain.dates import recent_days, upcoming_days
from core.domain.digest import section as digest_section
from core.domain.direct import Typed
from core.domain.errors import DomainError, NotAllowed, UsageError
from core.domain.members import Group, Member
from core.domain.messages import Button, Message, MessageKind, Section, error, failure
from core.domain.planning import schedule
from core.domain.text import clean
from core.services import calendars, home, reads
from core.services.groups import Groups, group_of, known
from core.services.handlers import for_the_person, handler, once_only, reads_only
from core.services.ports import Clock, Conflict, UnitOfWork
from core.services.turn import Identity, Turn

log = logging.getLogger(__name__)

MAX_DISPLAY_NAME = 128


class Conversation:
    """The use cases an adapter calls, over a unit of work and a clock.

    Every method is synchronous and does database work: an adapter on an event loop
    calls it in a worker thread (`await asyncio.to_thread(conversation.handle, ...)`).
    Of the groups' lifecycle it offers the one event a platform reports: the bot removed.
    """

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        groups: Groups,
        *,
        public_url: str | None = None,
    ) -> None:
        self._uow, self.clock, self._groups = uow, clock, groups
        # Handlers that need this process's settings, over the table's own.
        self._handlers: dict[type[Any], Callable[[Turn, Any], Message]] = {}
        if public_url is not None:
            self._handlers[CalendarFeed] = functools.partial(
                calendars.feed_link, public_url=public_url
            )

    def erase_group(self, platform: str, workspace_id: str) -> bool:
        """The bot was removed from a workspace or guild: `Groups.erase_group`."""
        return self._groups.erase_group(platform, workspace_id)

    def _enter(
        self, uow: UnitOfWork, who: Identity, create: bool = True, lock: bool = True
    ) -> tuple[Group, Member, bool]:
        """The caller's group and member (created if new), and whether they are new.

        `create` False: a caller with no member there is refused, and nothing is written.
        `lock` False: the member is read without its lock (for a command that changes
        nothing: it need not wait for another of theirs, and on PostgreSQL a lock taken
        makes even a read's commit wait for the disk)."""
        if not create:
            found, member = known(uow, who)
            if found is None or member is None:
                raise NotAllowed(replies.NOT_JOINED)
        group = group_of(uow, who.platform, who.workspace_id, self.clock.now())
        assert group.id is not None
        if group.suspended:
            # The platform just delivered this member's command: the bot is installed and
            # its token works again (a reinstall, a new token), so delivery resumes.
            group.suspended = False
            uow.groups.save(group)
            log.info("delivery resumes for group %s %s", who.platform, who.workspace_id)
        name = clean(who.name)[:MAX_DISPLAY_NAME]  # a display name is member text too
        member = uow.members.get(group.id, who.user_id, lock=lock)
        if member is None:
            member = Member(group.id, who.user_id, name)
            tz = _profile_zone(who.tz, group)
            if tz is not None:  # their own zone, and the holidays of its country
                member.tz, member.country = tz, country_of_zone(tz)
            schedule(member, group, self.clock.now())
            return group, uow.members.add(member), True
        if name and member.name != name:  # their platform name, kept current
            member.name = name
            uow.members.save(member)
        return group, member, False

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
            group, member, _ = self._enter(uow, who)
            member.tz, member.country, member.nudge_time = tz, country, nudge_time
            schedule(member, group, self.clock.now())
            uow.members.save(member)
            uow.commit()

    def note_organiser(self, who: Identity) -> None:
        """Remember an organiser (e.g. whoever installed the app): admin notices DM them."""
        with self._uow() as uow:
            _, member, _ = self._enter(uow, who)
            member.organiser = True
            uow.members.save(member)
            uow.commit()

    def remember_dm_channel(self, member_id: int, channel_id: str) -> None:
        """Store the DM channel the platform opened for a member, so it is opened once."""
        with self._uow() as uow:
            uow.members.set_dm_channel(member_id, channel_id)
            uow.commit()

    # -- commands --------------------------------------------------------------------

    def handle(
        self,
        who: Identity,
        command: str,
        text: str,
        *,
        once: str | None = None,
        create: bool = True,
    ) -> Message:
        """Run one slash command typed as text (`"/lead"`, `"emailed julie"`).

        Synchronous, and does database work: call it off the event loop. It never
        raises: every outcome, refusals and our own failures included, is a message.
        `once` (a button press's key) applies it at most once, whatever the repeats: a
        double press, the same press on two processes, a press after a restart.
        `create` False: only for someone who is a member of `who`'s group already (a DM,
        which carries no group of its own, creates none); anyone else is refused.
        """
        organiser = parser.preview(command, text).organiser
        return self._answer(who, organiser, lambda: parser.parse(command, text), once, create)

    def preview(self, command: str, text: str) -> parser.Preview:
        """What an adapter needs to know of a command before it runs it (whether it is for
        organisers, whether it names a channel), from its first words: no database."""
        return parser.preview(command, text)

    def run(
        self,
        who: Identity,
        command: str,
        subcommand: str,
        options: parser.Options,
        *,
        once: str | None = None,
        create: bool = True,
    ) -> Message:
        """Run one command given as typed options (Discord): no text round trip.

        `run(who, "lead", "emailed", {"lead": "julie", "note": None})`; nested
        subcommands as a path (`"group tz"`). Synchronous, never raises, like `handle`;
        `once` as for `handle` (e.g. a form submitted twice).
        """
        organiser = parser.preview(command, subcommand).organiser

        def build() -> Command:
            return parser.build(command, subcommand, options)

        return self._answer(who, organiser, build, once, create)

    def import_file(
        self,
        who: Identity,
        filename: str,
        data: bytes,
        *,
        size: int | None = None,
        create: bool = True,
    ) -> Message:
        """Preview the import of a file the member sent (a CSV): what it would add, kept
        for their `/followthrough import confirm`; nothing else is written. `size`: what
        the platform said the file holds, when it was too big to download (`data` then
        empty). Synchronous, never raises, like `handle`."""
        return self._answer(who, False, lambda: ImportFile(filename, data, size), None, create)

    def _answer(
        self,
        who: Identity,
        organiser: bool,
        build: Callable[[], Command],
        once: str | None = None,
        create: bool = True,
    ) -> Message:
        try:
            # Permissions before values: a member's typo in an organiser setting must
            # not be the way to learn what the setting accepts.
            if organiser and not who.is_admin:
                raise NotAllowed(replies.NOT_ORGANISER)
            command = build()
            try:
                return self._handle(who, command, once, create)
            except Conflict:
                # A concurrent command of the same member won a race (its first command,
                # a lead number): run this one again on top of what that one wrote.
                return self._handle(who, command, once, create)
        except DomainError as refusal:
            return error(str(refusal))
        except Exception:
            # A bug or a database outage: the transaction rolled back; the member gets an
            # answer with a reference, the operator a traceback under the same reference.
            reference = uuid.uuid4().hex[:8]
            log.exception("command failed [ref %s]: %s", reference, who.platform)
            return failure(replies.failed(reference))

    def _handle(
        self, who: Identity, command: Command, once: str | None = None, create: bool = True
    ) -> Message:
        with self._uow() as uow:
            # In the command's transaction: the key is kept only if the command is.
            keyed = once if once is not None and once_only(command) else None
            if keyed is not None and not uow.applied.first(keyed, self.clock.now()):
                return Message(MessageKind.REPLY, replies.ALREADY_DONE, repeat=True)
            group, member, new = self._enter(uow, who, create, lock=not reads_only(command))
            if member.unreachable:  # they just wrote to us: DMs may work again
                member.unreachable = False
                uow.members.save(member)
            turn = _turn(uow, self.clock.now(), group, member, who, command)
            try:
                run = self._handlers.get(type(command)) or handler(command)
                answer = run(turn, command)
            except DomainError as refusal:
                return error(str(refusal))  # leaving the block rolls back: nothing written
            uow.commit()
        if new:
            answer = _with_welcome(answer, member, group)
        return replace(answer, changed=new or not reads_only(command))

    # -- the bot's DM -----------------------------------------------------------------

    def direct(
        self,
        who: Identity,
        text: str,
        *,
        once: str | None = None,
        names: dict[str, str] | None = None,
    ) -> Message:
        """Answer words a member typed in the bot's DM (core.domain.direct): a command as
        if typed with its slash, a short reply to the morning's digest, or the short help.

        `who.workspace_id` is the group the platform vouches for (Slack: the installation
        the DM came through), or "" where it vouches for none (a Discord DM): then the
        member's one group on the platform, or the one they chose; a member of several who
        hasn't chosen is asked (buttons named by `names`, workspace id -> name). Nothing
        creates a group or a member. `once` as for `handle` (the message's own id).
        Synchronous, never raises, like `handle`."""
        try:
            heard = direct.read(text)
            if who.workspace_id and isinstance(heard, direct.Typed):
                # The platform vouches for the group: the command itself refuses anyone
                # who is not a member there (one transaction, as a slash command's).
                return self._typed(who, heard, once)
            groups, chosen = self.dm_groups(who.platform, who.user_id)
            if who.workspace_id:
                groups = [g for g in groups if g == who.workspace_id]
                chosen = who.workspace_id if groups else None
            if not groups:
                return error(replies.NOT_JOINED)
            if heard is None:
                return direct.short_help(text)
            workspace = groups[0] if len(groups) == 1 else chosen
            if workspace is None:
                labels = names or {}
                return direct.which_group([(g, labels.get(g) or g) for g in groups])
            here = replace(who, workspace_id=workspace)
            if isinstance(heard, direct.DigestReply):
                return _typed_again(self._digest_reply(here, heard.action, once))
            return self._typed(here, heard, once)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("DM failed [ref %s]: %s", reference, who.platform)
            return failure(replies.failed(reference))

    def _typed(self, who: Identity, heard: Typed, once: str | None) -> Message:
        """A command typed in the DM, run as its slash command in `who`'s group."""
        answer = self.handle(who, heard.command, heard.text, once=once, create=False)
        return _typed_again(answer)

    def _digest_reply(self, who: Identity, action: str, once: str | None) -> Message:
        """`done` (`replied`, `snooze`) after the digest: the button of that action on the
        one action still due this morning, pressed; with several, a button each to choose
        from; with none, what to type instead."""
        with self._uow() as uow:
            group, member = known(uow, who)
            if group is None or member is None:
                return error(replies.NOT_JOINED)
            due = reads.nudges_today(Turn(uow, self.clock.now(), group, member, who))
        matches = [
            (found, button)
            for found in map(digest_section, due)
            for button in found.buttons
            if button.action == action
        ]
        if not matches:
            return direct.nothing_to_answer(action)
        if len(matches) == 1:
            command, text = matches[0][1].parts
            return self.handle(who, command, text, once=once, create=False)
        return direct.which_action(
            action, [Section(found.text, buttons=(button,)) for found, button in matches]
        )

    def dm_groups(self, platform: str, user_id: str) -> tuple[list[str], str | None]:
        """The groups (workspace ids) on `platform` where `user_id` is a member, and the
        one they chose for their DM (None: none chosen, or not theirs any more). Reads."""
        with self._uow() as uow:
            groups = uow.members.workspaces_of(platform, user_id)
            if len(groups) < 2:
                return groups, None
            latest: tuple[datetime, str] | None = None
            for workspace in groups:
                group = uow.groups.get(platform, workspace)
                member = None
                if group is not None and group.id is not None:
                    member = uow.members.get(group.id, user_id, lock=False)
                at = None if member is None else member.dm_chosen_at
                if at is not None and (latest is None or at > latest[0]):
                    latest = (at, workspace)
        return groups, None if latest is None else latest[1]

    def choose_group(self, platform: str, user_id: str, workspace: str, name: str) -> Message:
        """A member of several groups chose `workspace` (named `name`) for their DM: kept
        until they choose another. A workspace that isn't one of theirs changes nothing.
        Synchronous, never raises."""
        try:
            with self._uow() as uow:
                group = uow.groups.get(platform, workspace)
                member = None
                if group is not None and group.id is not None:
                    member = uow.members.get(group.id, user_id)
                if member is None:
                    return error(replies.SAYINGS["not_yours"])
                member.dm_chosen_at = self.clock.now()
                uow.members.save(member)
                uow.commit()
            return direct.group_chosen(name)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("DM group choice failed [ref %s]: %s", reference, platform)
            return failure(replies.failed(reference))

    def home(self, who: Identity) -> Message:
        """A member's overview (Slack's App Home): today, pipeline, streak, settings.

        Reads only: someone the bot hasn't met yet gets the help instead."""
        try:
            with self._uow() as uow:
                group, member = known(uow, who)
                if group is None or member is None:
                    return home.stranger()
                primary = person(uow, member)
                if primary is not None:  # a link's secondary: the person's overview
                    acting = (group, member)
                    group, member = uow.groups.by_id(primary.group_id), primary
                    turn = Turn(uow, self.clock.now(), group, member, who, acting=acting)
                    return home.overview(turn)
                return home.overview(Turn(uow, self.clock.now(), group, member, who))
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("home failed [ref %s]: %s", reference, who.platform)
            return failure(replies.failed(reference))

    def workspaces(self, platform: str, user_id: str) -> list[str]:
        """The groups (their workspace ids) on `platform` where `user_id` is a member:
        where a DM from them, which carries no group, may act. Reads only."""
        with self._uow() as uow:
            return uow.members.workspaces_of(platform, user_id)

    def sent_button(
        self, platform: str, outbox_id: int, user_id: str, section: int, index: int
    ) -> tuple[str, Button] | None:
        """The workspace and the button `index` of section `section` of the DM written as
        outbox row `outbox_id`, if that DM was for `user_id` on `platform` (a press's
        pointer, checked against our own records); None otherwise. Reads only."""
        with self._uow() as uow:
            found = uow.outbox.direct(outbox_id)
        if found is None or found[0] != platform or found[2] != user_id:
            return None
        sections = found[3].sections
        if not 0 <= section < len(sections) or not 0 <= index < len(sections[section].buttons):
            return None
        return found[1], sections[section].buttons[index]

    def lead_choices(self, who: Identity, typed: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label, reference) of the member's leads matching `typed`, recent first, for
        autocomplete. Reads only: an unknown member has no leads."""
        with self._uow() as uow:
            _, member = known(uow, who)
            if member is None or member.id is None:
                return []
            member = person(uow, member) or member
            assert member.id is not None
            leads = uow.leads.for_member(member.id)
        return home.choices(leads, typed, limit)

    def day_choices(self, who: Identity, *, ahead: bool = False) -> list[tuple[str, str]]:
        """(label, value) of the last few days in the member's own calendar, for the
        autocomplete of a `when` option (`Today`, `Yesterday`, `Sat Nov 28`, ...); `ahead`:
        the next few, for a day to come (`Today`, `Tomorrow`, `Thu Dec 10`, ...)."""
        with self._uow() as uow:
            group, member = known(uow, who)
        if group is None:
            group = Group(who.platform, who.workspace_id)
        cal = member.calendar(group) if member is not None else group.calendar()
        today = cal.local_date(self.clock.now())
        return upcoming_days(today) if ahead else recent_days(today)

    def first_time(self, key: str) -> bool:
        """Record `key` (a platform event, a modal opened: what runs no command); False if
        it was recorded before, by this process or any other."""
        with self._uow() as uow:
            first = uow.applied.first(key, self.clock.now())
            uow.commit()
        return first

    def let_go(self, key: str) -> None:
        """Forget `key`, so that a retry of what failed after `first_time` applies again."""
        with self._uow() as uow:
            uow.applied.forget(key)
            uow.commit()


def _turn(
    uow: UnitOfWork, now: datetime, group: Group, member: Member, who: Identity, command: Command
) -> Turn:
    """The command's turn: as the member, or, for a member linked as secondary and a
    command about the person, as the link's primary (core.services.links)."""
    assert member.id is not None
    if not for_the_person(command):
        return Turn(uow, now, group, member, who)
    found = uow.links.of(member.id)
    if found is None:
        return Turn(uow, now, group, member, who)
    primary = found.primary_id == member.id
    # The primary is what a secondary's command changes: locked as its own member would
    # be. A primary's twin only follows its streak (a save writes only what changed).
    lock = not reads_only(command) and not primary
    other = uow.members.by_id(found.other(member.id), lock=lock)
    if other is None:
        return Turn(uow, now, group, member, who)
    if primary:
        return Turn(uow, now, group, member, who, twin=other)
    its_group = uow.groups.by_id(other.group_id)
    return Turn(uow, now, its_group, other, who, acting=(group, member))


def person(uow: UnitOfWork, member: Member) -> Member | None:
    """The primary member `member` resolves to, if it is a link's secondary; else None."""
    assert member.id is not None
    found = uow.links.of(member.id)
    if found is None or found.secondary_id != member.id:
        return None
    return uow.members.by_id(found.primary_id)


def _typed_again(answer: Message) -> Message:
    """A repeat of a DM's message says so as a typed message's repeat, not a press's."""
    if answer.repeat:
        return Message(MessageKind.REPLY, replies.SAYINGS["replayed"], repeat=True)
    return answer


def _profile_zone(tz: str | None, group: Group) -> str | None:
    """A platform profile's zone, if it is a real one that differs from the group's."""
    if not tz or tz == group.tz:
        return None
    try:
        return zone(tz).key
    except UsageError:
        return None


def _with_welcome(answer: Message, member: Member, group: Group) -> Message:
    cal = member.calendar(group)
    source = "from your profile" if member.tz else "the group's"
    welcome = replies.welcome(member.name, member.morning(group), cal.tz.key, cal.country, source)
    return replace(answer, sections=(*answer.sections, welcome))

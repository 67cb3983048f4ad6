"""Handlers of the organisers' settings: channel, morning, zone, holidays, log preset,
scoring."""

from __future__ import annotations

from core.domain import commands as c
from core.domain import replies
from core.domain.errors import NotAllowed
from core.domain.messages import Message
from core.domain.planning import refresh, schedule
from core.domain.scoring import points_with
from core.domain.worklog import preset
from core.services.turn import Turn


def organiser(turn: Turn) -> None:
    """Refuse a member who isn't one of the platform's admins; remember one who is."""
    if not turn.who.is_admin:
        raise NotAllowed(replies.NOT_ORGANISER)
    turn.member.organiser = True
    turn.uow.members.save(turn.member)


def points(turn: Turn, cmd: c.GroupPoints) -> Message:
    organiser(turn)
    turn.group.points = points_with(turn.group.points, cmd.action, cmd.points)
    turn.uow.groups.save(turn.group)
    return replies.points_changed(cmd.action, cmd.points)


def log_preset(turn: Turn, cmd: c.GroupLog) -> Message:
    """The work-search log preset of members who haven't set their own."""
    organiser(turn)
    turn.group.log_preset = cmd.preset
    turn.uow.groups.save(turn.group)
    found = None if cmd.preset is None else preset(cmd.preset)
    return replies.group_log(found)


def channel(turn: Turn, cmd: c.GroupChannel) -> Message:
    organiser(turn)
    turn.group.channel = cmd.channel
    return _changed(turn, "channel", cmd.channel)


def morning(turn: Turn, cmd: c.GroupMorning) -> Message:
    organiser(turn)
    turn.group.morning = cmd.morning
    turn.group.schedule_board(turn.now)
    return _changed(turn, "time", f"{cmd.morning:%H:%M}")


def zone(turn: Turn, cmd: c.GroupZone) -> Message:
    organiser(turn)
    turn.group.tz = cmd.tz
    turn.group.schedule_board(turn.now)
    return _changed(turn, "tz", cmd.tz, retally=True)


def country(turn: Turn, cmd: c.GroupCountry) -> Message:
    organiser(turn)
    turn.group.country = cmd.country
    return _changed(turn, "country", cmd.country, retally=True)


def playbook(turn: Turn, cmd: c.GroupPlaybook) -> Message:
    organiser(turn)
    turn.group.settings = turn.group.settings.with_value(cmd.name, cmd.value)
    return _changed(turn, cmd.name, str(cmd.value))


def _changed(turn: Turn, name: str, shown: str, *, retally: bool = False) -> Message:
    """Save the group, move every member's mornings and due dates with it, and say so.

    `retally`: the group's days moved (zone, holidays), and the days of everyone's
    points with them."""
    group = turn.group
    turn.uow.groups.save(group)
    _reschedule_group(turn)
    if retally:
        assert group.id is not None
        turn.uow.events.retally(group.id)
    return replies.group_changed(name, shown)


def _reschedule_group(turn: Turn) -> None:
    """Mornings and due dates of every member may have moved with the group's settings."""
    assert turn.group.id is not None
    for member in turn.uow.members.in_group(turn.group.id):
        assert member.id is not None
        schedule(member, turn.group, turn.now)
        theirs = turn.uow.leads.of(member.id)
        leads = theirs.all()
        refresh(member, turn.group, leads)
        for lead in leads:
            theirs.save(lead)
        turn.uow.members.save(member)

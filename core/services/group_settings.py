"""Handlers of the organisers' settings: channel, morning, zone, holidays, scoring."""

from __future__ import annotations

from core.domain import commands as c
from core.domain import replies
from core.domain.errors import NotAllowed
from core.domain.messages import Message
from core.domain.planning import refresh, schedule
from core.domain.scoring import points_with
from core.services.turn import Turn


def organiser(turn: Turn) -> None:
    """Refuse a member who isn't one of the platform's admins; remember one who is."""
    if not turn.who.is_admin:
        raise NotAllowed(replies.NOT_ORGANISER)
    turn.member.organiser = True
    turn.uow.members.save(turn.member)


def group_points(turn: Turn, cmd: c.GroupPoints) -> Message:
    organiser(turn)
    turn.group.points = points_with(turn.group.points, cmd.action, cmd.points)
    turn.uow.groups.save(turn.group)
    return replies.points_changed(cmd.action, cmd.points)


def group_setting(turn: Turn, cmd: c.GroupSetting) -> Message:
    organiser(turn)
    group = turn.group
    match cmd.name:
        case "channel":
            group.channel = cmd.value
        case "time":
            group.morning = c.parse_time(cmd.value, "group time")
            group.schedule_board(turn.now)
        case "tz":
            group.tz = cmd.value
            group.schedule_board(turn.now)
        case "country":
            group.country = cmd.value
        case name:
            group.settings = group.settings.with_value(name, int(cmd.value))
    turn.uow.groups.save(group)
    _reschedule_group(turn)
    if cmd.name in ("tz", "country"):  # the days of everyone's points move with them
        assert group.id is not None
        turn.uow.events.retally(group.id)
    return replies.group_changed(cmd.name, cmd.value)


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

"""Handlers of a member's own settings: mornings, pause, sharing, the board, forget-me."""

from __future__ import annotations

from core.domain import commands as c
from core.domain import replies
from core.domain.messages import Message, reply
from core.domain.planning import schedule
from core.services import links, worklog
from core.services.turn import Turn


def my_settings(turn: Turn, cmd: c.MySettings) -> Message:
    if cmd.deliver is not None:
        answer = links.deliver(turn, cmd.deliver)
        if cmd.nudge_time is None and cmd.tz is None and cmd.country is None and cmd.log is None:
            return answer
    if cmd.log is not None:
        if cmd.nudge_time is None and cmd.tz is None and cmd.country is None:
            return worklog.my_log(turn, cmd.log)
        worklog.my_log(turn, cmd.log)  # with other settings: the mornings' answer says it
    member = turn.member
    calendar = (member.tz, member.country)
    if cmd.nudge_time is not None:
        member.nudge_time = cmd.nudge_time
    if cmd.tz is not None:
        member.tz = cmd.tz
    if cmd.country is not None:
        member.country = cmd.country
    schedule(member, turn.group, turn.now)
    _ = turn.leads  # the calendar changed: every due date is recomputed on save
    turn.save()
    if (member.tz, member.country) != calendar:  # their points' days move with it
        assert member.id is not None and turn.group.id is not None
        turn.uow.events.retally(turn.group.id, member.id)
    cal = member.calendar(turn.group)
    assert member.next_morning_at is not None
    local = member.next_morning_at.astimezone(cal.tz)
    return replies.mornings(
        member.morning(turn.group), cal.tz.key, cal.country, local.date(), local.time()
    )


def pause(turn: Turn, cmd: c.Pause) -> Message:
    member = turn.member
    if not member.paused:
        member.paused, member.paused_on = True, turn.today
    turn.save()
    return reply(replies.PAUSED)


def resume(turn: Turn, cmd: c.Resume) -> Message:
    member = turn.member
    if member.paused and member.paused_on is not None:
        cal = member.calendar(turn.group)
        member.streak = member.streak.resumed(member.paused_on, turn.today, cal)
    member.paused, member.paused_on, member.graduated = False, None, False
    schedule(member, turn.group, turn.now)
    turn.save()
    return reply(replies.RESUMED)


def share(turn: Turn, cmd: c.ShareCompanies) -> Message:
    turn.member.share_companies = cmd.on
    turn.save()
    return replies.sharing(cmd.on)


def board(turn: Turn, cmd: c.Board) -> Message:
    turn.member.on_board = cmd.on
    turn.save()
    return replies.listed(cmd.on)


def forget_me(turn: Turn, cmd: c.ForgetMe) -> Message:
    """Erase the member, with `confirm`; without it, say exactly what would go."""
    member = turn.member
    assert member.id is not None
    links.forget_refused(turn)
    if not cmd.confirm:
        return replies.forget_preview(
            replies.Erasable(
                leads=len(turn.leads),
                history=len(turn.events()),
                pending=turn.uow.outbox.pending_for(member.id),
                settings=turn.preferences(),
            )
        )
    count = len(turn.leads)
    turn.uow.members.delete(member)
    return replies.forgotten(count)

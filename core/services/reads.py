"""Handlers that only read: one lead, today's actions, boards, export, help."""

from __future__ import annotations

from dataclasses import replace

from core.domain import commands as c
from core.domain import replies
from core.domain.catalog import HELP
from core.domain.digest import today_message
from core.domain.drafts import Nudge
from core.domain.export import export as export_files
from core.domain.messages import Message, MessageKind, reply
from core.domain.planning import nudges_for_day
from core.services import boards, worklog
from core.services.turn import Turn


def show(turn: Turn, cmd: c.Show) -> Message:
    lead = turn.lead(cmd.ref)
    family = [*turn.chain(lead), *turn.referred_by(lead)]  # the leads the answer names
    return replies.show(lead, family, turn.history(lead), turn.context, turn.today)


def nudges_today(turn: Turn) -> list[Nudge]:
    """What is due today, as the morning's planning finds it, without touching what
    planning remembers."""
    referrers = {lead.id: lead.contact for lead in turn.leads if lead.id is not None}
    return nudges_for_day(turn.member, turn.group, turn.leads, referrers, turn.today)


def today(turn: Turn, cmd: c.Today) -> Message:
    nudges = nudges_today(turn)
    return today_message(
        turn.member.name, turn.today, nudges, paused=turn.member.paused, log=worklog.behind(turn)
    )


def leaderboard(turn: Turn, cmd: c.Leaderboard) -> Message:
    board = boards.board(turn.uow, turn.group, cmd.period, turn.now)
    return replace(board, kind=MessageKind.REPLY)


def export(turn: Turn, cmd: c.Export) -> Message:
    cal = turn.member.calendar(turn.group)
    assert turn.member.id is not None
    activities = turn.uow.activities.for_member(turn.member.id)
    return export_files(turn.member.name, turn.leads, turn.events(), cal, turn.now, activities)


def help_(turn: Turn, cmd: c.Help) -> Message:
    return reply(HELP)

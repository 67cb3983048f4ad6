"""Which handler runs which command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.domain import commands as c
from core.domain.builder import writes
from core.domain.messages import Message
from core.services import (
    calendars,
    group_settings,
    imports,
    insights,
    interviews,
    leads,
    links,
    member_settings,
    reads,
    worklog,
)
from core.services.turn import Turn

HANDLERS: dict[type[Any], Callable[[Turn, Any], Message]] = {
    c.AddLead: leads.add,
    c.LogAction: leads.log,
    c.Interview: interviews.interview,
    # The feed's address needs the public URL: the Conversation passes its own (this
    # one, without, says feeds are off).
    c.CalendarFeed: calendars.feed_link,
    c.AddReferral: leads.referral,
    c.SetDetail: worklog.set_detail,
    c.LogActivity: worklog.activity,
    c.WorkLog: worklog.work_log,
    c.AddNote: leads.note,
    c.Snooze: leads.snooze,
    c.Drop: leads.drop,
    c.ListLeads: insights.list_leads,
    c.Stats: insights.stats,
    c.GroupReport: insights.group_report,
    c.Show: reads.show,
    c.Today: reads.today,
    c.Leaderboard: reads.leaderboard,
    c.Export: reads.export,
    c.Help: reads.help_,
    c.MySettings: member_settings.my_settings,
    c.Link: links.link,
    c.Unlink: links.unlink,
    c.Pause: member_settings.pause,
    c.Resume: member_settings.resume,
    c.ShareCompanies: member_settings.share,
    c.Board: member_settings.board,
    c.ForgetMe: member_settings.forget_me,
    c.Import: imports.act,
    c.GroupChannel: group_settings.channel,
    c.GroupMorning: group_settings.morning,
    c.GroupZone: group_settings.zone,
    c.GroupCountry: group_settings.country,
    c.GroupPlaybook: group_settings.playbook,
    c.GroupPoints: group_settings.points,
    c.GroupLog: group_settings.log_preset,
}
# Commands no row of the table builds: an adapter makes them of what the member sent.
SENT: dict[type[Any], Callable[[Turn, Any], Message]] = {c.ImportFile: imports.preview}


def handler(command: c.Command) -> Callable[[Turn, Any], Message]:
    """The handler of `command`: its row's, or that of what the member sent (a file)."""
    return HANDLERS.get(type(command)) or SENT[type(command)]


# What runs as the member in the group it was typed in, even when that member is linked
# to another (core.services.links): the group's own board, how the member appears in it,
# its organiser settings, the link itself. Everything else is about the person, and runs
# as the link's primary member.
IN_ITS_GROUP: tuple[type[Any], ...] = (
    c.Link,
    c.Unlink,
    c.Leaderboard,
    c.ShareCompanies,
    c.Board,
    c.Help,
    c.GroupChannel,
    c.GroupMorning,
    c.GroupZone,
    c.GroupCountry,
    c.GroupLog,
    c.GroupPlaybook,
    c.GroupPoints,
)


def for_the_person(command: c.Command) -> bool:
    """Whether `command` is about the person (their leads, history, settings, morning)
    rather than about the group it was typed in."""
    return not isinstance(command, IN_ITS_GROUP)


def reads_only(command: c.Command) -> bool:
    """Whether `command` changes nothing the member has (its row in the command table
    says it doesn't write; forget-me before its confirm; `import` alone). A file's
    preview changes nothing they have: it waits for their confirm."""
    return (
        not writes(type(command))
        or (isinstance(command, c.ForgetMe) and not command.confirm)
        or (isinstance(command, c.Import) and command.action is None)
    )


def once_only(command: c.Command) -> bool:
    """Whether a repeat of `command` (the same key) must not run it again: everything but
    a read, since a read run twice changes nothing, and its key would cost a write (on
    SQLite, the database's one write lock) for every read. An export is sent as a file,
    once."""
    return not reads_only(command) or isinstance(command, c.Export)

"""The words of replies to commands: lists, a lead's page, confirmations, the export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from core.domain import group_posts, worklog
from core.domain.catalog import HELP
from core.domain.dates import shown
from core.domain.leads import Event, Lead
from core.domain.messages import Attachment, Button, Message, Section, plural, reply
from core.domain.rules import Context, Rule, waiting_for
from core.domain.text import echo, typed

NEXT_STEP = {
    Rule.EMAIL_FOLLOW_UP: "a follow-up (Re:)",
    Rule.CALL_AFTER_FOLLOW_UP: "a call",
    Rule.POST_INTERVIEW_CHECK_IN: "a check-in",
    Rule.REJECTION_CALL: "the rejection call",
    Rule.REACH_REFERRAL: "reaching out",
    Rule.KEEP_IN_TOUCH: "keeping in touch",
    Rule.OFFER_LEVERAGE: "telling them about your offer",
    Rule.STILL_PURSUING: "asking whether you're still on it",
    Rule.INTERVIEW_DAY: "your interview",
    Rule.HOW_DID_IT_GO: "telling me how the interview went",
}


MAX_HISTORY = 25  # entries of a lead's history `/lead show` lists, the newest
MAX_NOTE_SHOWN = 200  # characters of each note it quotes


day = shown  # `Tue Mar 2`, with the year when it isn't today's


def next_nudge(lead: Lead, ctx: Context, today: date) -> str:
    due = waiting_for(lead, ctx)
    if due is None or lead.nudge_asked:
        return ""
    on = ctx.calendar.on_or_after(max(due.on, lead.snoozed_until or due.on))
    if on <= today:
        return f"due now: {NEXT_STEP[due.rule]}"
    return f"next: {NEXT_STEP[due.rule]} on {day(on, today)}"


def interview_time(at: datetime, today: date) -> str:
    """`Thu Dec 10 at 14:00`: an interview's local time, as replies and lists say it."""
    return f"{day(at.date(), today)} at {at:%H:%M}"


def line(lead: Lead, ctx: Context, today: date) -> str:
    parts = [f"{lead.label} · {lead.stage.value.replace('_', ' ')}"]
    if lead.network:
        parts.append("network")
    if lead.interview_at is not None and lead.active:
        local = lead.interview_at.astimezone(ctx.calendar.tz)
        parts.append(f"interview {interview_time(local, today)}")
        if local.date() < today:  # its day has passed: the digest asks how it went
            parts.append(f"how did it go? /lead interviewed {lead.ref}")
        return " · ".join(parts)
    hint = next_nudge(lead, ctx, today)
    if hint:
        parts.append(hint)
    return " · ".join(parts)


def logged(verb: str, lead: Lead, ctx: Context, today: date, on: date | None = None) -> Message:
    """`Logged: emailed #1 Julie at Acme on Fri Nov 27. Stage: emailed. I'll remind you ...`"""
    hint = next_nudge(lead, ctx, today)
    when = "" if on is None else f" on {day(on, today)}"
    text = f"Logged: {verb} {lead.label}{when}. Stage: {lead.stage.value.replace('_', ' ')}."
    return reply(f"{text} I'll remind you ({hint})." if hint else text)


def pipeline(leads: list[Lead], ctx: Context, today: date, include_closed: bool) -> Message:
    shown = [lead for lead in leads if include_closed or lead.active]
    if not shown:
        return reply("No leads yet. Add one: /lead add <contact> at <company>")
    title = "All your leads:" if include_closed else f"Your {plural(len(shown), 'active lead')}:"
    return reply(title + "\n" + "\n".join(line(lead, ctx, today) for lead in shown))


def show(lead: Lead, leads: list[Lead], events: list[Event], ctx: Context, today: date) -> Message:
    by_id = {other.id: other for other in leads if other.id is not None}
    head = line(lead, ctx, today)
    if lead.role or lead.via:
        head += "\n" + ", ".join(
            x
            for x in (lead.role and f"role: {typed(lead.role)}", lead.via and f"via {lead.via}")
            if x
        )
    if details(lead):
        head += "\n" + details(lead)
    sections = []
    chain = group_posts.chain(lead, by_id)
    children = [other for other in leads if other.parent_id == lead.id]
    if len(chain) > 1 or children:
        text = " -> ".join(f"{x.ref} {typed(x.company)} ({x.stage.value})" for x in chain)
        if children:
            text += "\nReferred on to: " + ", ".join(c.label for c in children)
        sections.append(Section("Referral chain: " + text))
    cal = ctx.calendar
    own = [e for e in events if e.lead_id == lead.id]
    history = [
        f"{day(cal.local_date(e.at), today)}: {e.action.value}"
        + (f" ({echo(e.note, MAX_NOTE_SHOWN)})" if e.note else "")
        + (
            f" · logged {day(cal.local_date(e.logged_at), today)}"
            if e.logged_at and cal.local_date(e.logged_at) != cal.local_date(e.at)
            else ""
        )
        for e in own[-MAX_HISTORY:]
    ]
    if len(own) > MAX_HISTORY:  # the newest are shown; the export has them all
        earlier = plural(len(own) - MAX_HISTORY, "earlier entry", "earlier entries")
        history.insert(0, f"({earlier}: /followthrough export has them all)")
    sections.append(Section("History:\n" + "\n".join(history or ["(nothing logged yet)"])))
    return reply(head, *sections)


def added(lead: Lead) -> Message:
    next_step = (
        "I'll remind you to keep in touch."
        if lead.network
        else f"Once you've written to them: /lead emailed {lead.ref}"
    )
    return reply(f"Added {lead.label}. {next_step}")


def referred(child: Lead, parent: Lead) -> Message:
    return reply(
        f"Referral logged: {child.label}, referred by {typed(parent.contact)} ({parent.ref})."
        " Warm introductions go cold quickly: reach out by tomorrow morning."
    )


def noted(lead: Lead) -> Message:
    return reply(f"Noted on {lead.label}.")


def snoozed(lead: Lead, until: date, today: date) -> Message:
    return reply(f"Snoozed {lead.label} until {day(until, today)}.")


def dropped(lead: Lead) -> Message:
    return reply(f"Dropped {lead.label}. It stays in your history (`/lead list all`).")


def mornings(morning: time, tz: str, country: str | None, next_at: date, at: time) -> Message:
    return reply(
        f"Your mornings: {morning:%H:%M} {tz}, holidays of {country or 'no country'}."
        f" Next digest: {day(next_at)} at {at:%H:%M} (if anything is due)."
    )


def welcome(name: str, morning: time, tz: str, country: str | None, source: str) -> Section:
    """Said once, with a member's first answer: whose calendar their mornings keep."""
    holidays = f"the public holidays of {country}" if country else "no public holidays"
    return Section(
        f"Welcome, {typed(name)}! Your morning digest comes at {morning:%H:%M} {tz}"
        f" ({source}), on business days with {holidays}.",
        "To change it: /followthrough me time 07:30 tz Europe/Berlin country DE",
    )


PAUSED = "Paused: no morning digests, and your streak is frozen, until you `/followthrough resume`."
RESUMED = "Welcome back: your morning digests start again."


def sharing(on: bool) -> Message:
    return reply(
        "Group posts may now name your companies (never your contacts)."
        if on
        else "Group posts won't name your companies."
    )


def listed(on: bool) -> Message:
    return reply(
        "You're on the leaderboard."
        if on
        else "You're off the leaderboard; your actions still count in the group's totals."
    )


@dataclass(frozen=True, slots=True)
class Preferences:
    """A member's own settings, as their overview and forget-me's preview list them."""

    morning: time
    tz: str
    country: str | None
    paused: bool
    shares: bool
    listed: bool

    def said(self) -> list[str]:
        return [
            f"mornings {self.morning:%H:%M} {self.tz}, holidays of {self.country or 'no country'}",
            f"digests {'paused' if self.paused else 'on'}",
            f"companies {'shared' if self.shares else 'private'}",
            f"leaderboard {'on' if self.listed else 'off'}",
        ]


@dataclass(frozen=True, slots=True)
class Erasable:
    """What `/followthrough forget-me confirm` would erase of a member in their group."""

    leads: int
    history: int  # logged actions, notes and snoozes (their points with them)
    pending: int  # messages to or about them not sent yet
    settings: Preferences


FORGET_CONFIRM = "/followthrough forget-me confirm"


def forget_preview(what: Erasable) -> Message:
    """What forget-me would erase, and the one way to go on: a button or `confirm`."""
    settings = ", ".join(what.settings.said())
    return reply(
        "This erases everything I keep about you in this group, for good. Nothing is"
        " erased until you confirm.",
        Section(
            "\n".join(
                (
                    f"· {plural(what.leads, 'lead')}",
                    f"· {plural(what.history, 'entry', 'entries')} in your leads' history, and"
                    " the points they earned",
                    f"· {plural(what.pending, 'pending message')} (to you, or about you to the"
                    " group channel)",
                    f"· your settings ({settings})",
                    "· your membership of this group: its leaderboards and totals forget you",
                )
            ),
            "To keep a copy first: /followthrough export. Posts already in the group channel"
            " stay there.",
            buttons=(Button("Erase everything", FORGET_CONFIRM, "forget"),),
        ),
        Section(f"To erase it all now, press the button or type `{FORGET_CONFIRM}`."),
    )


def forgotten(leads: int) -> Message:
    return reply(
        f"Done: your {plural(leads, 'lead')}, their history, every pending message, your"
        " settings and your place in this group are erased. If you type a command again,"
        " you start afresh."
    )


NOT_JOINED = (
    "You're not in a FollowThrough group yet, so nothing was saved. Use /lead where"
    " FollowThrough has been added (your group's server or workspace), e.g."
    " /lead add Julie at Acme; after that it works here too."
)
ALREADY_DONE = "Already done: that button was pressed before, and nothing was logged twice."
NOT_ORGANISER = (
    "Only the group's organisers (its admins) can change group settings; nothing changed."
)


def points_changed(action: str, points: int) -> Message:
    return reply(
        f"`{action}` now earns {plural(points, 'point')}. Boards are computed from the logged"
        " actions, so past weeks are re-scored the same way."
    )


def group_changed(name: str, value: str) -> Message:
    return reply(f"Group setting changed: {name} = {echo(value)}.")


def failed(reference: str) -> str:
    return (
        "Something went wrong on my side and nothing was changed. Please try again in a"
        f" minute; if it keeps happening, tell your organiser (reference {reference})."
    )


def out_of_order(day: date, lead: Lead, last: date, today: date) -> str:
    return (
        f"{shown(day, today)} is before the last action you logged on {lead.ref}"
        f" ({shown(last, today)}): its history stays in order. Log it without a date, or"
        " with a later one."
    )


def stranger() -> Message:
    """The overview (Slack's Home tab) of someone who hasn't used a command yet."""
    return reply("Welcome to FollowThrough. Add your first lead to begin.", Section(HELP))


@dataclass(frozen=True, slots=True)
class Standing:
    """What a member's overview says of them besides their leads."""

    streak: int
    points: int  # this week's
    settings: Preferences


def overview(today: date, actions: list[Section], pipeline_text: str, me: Standing) -> Message:
    settings = " · ".join(me.settings.said())
    settings = settings[0].upper() + settings[1:]
    return reply(
        f"Today ({shown(today)}): {plural(len(actions), 'action')}",
        *actions,
        Section(pipeline_text),
        Section(
            f"Streak: {plural(me.streak, 'business day')} · This week: {plural(me.points, 'point')}"
        ),
        Section(settings, "Change them: /followthrough me time 07:30 tz Europe/Berlin"),
    )


# What an adapter may need to say on its own (a press it can't run, a file it can't attach),
# so that no member-facing sentence lives in an adapter.
SAYINGS = {
    "broken": "Something went wrong on my side and nothing was changed. Please try again.",
    "updating": "This command is being updated; please try again in a minute.",
    "not_yours": "These buttons belong to someone else's digest.",
    "too_big": "Your files are larger than I can attach here; ask your organiser for them.",
    "shown_not": "Done, but I couldn't show it here: /lead show has it.",
    "unsure": (
        "Something went wrong on my side before I could answer. /lead list shows whether"
        " it was logged; if not, please try again."
    ),
    "more": "Show more",
    "more_gone": "I no longer have the rest of that answer. Please run the command again.",
    "by_dm": "Slack wouldn't let me show all of my answer where you asked, so here it is.",
    # Where a command or a press comes from a place that is no group of the member's:
    "not_added": (
        "FollowThrough hasn't been added here, so nothing was saved. Ask an organiser to"
        " add it to your server, then use /lead there (e.g. /lead add Julie at Acme)."
    ),
    "no_group": NOT_JOINED,
    "which_group": (
        "You're in FollowThrough in more than one server, so I can't tell which one this is"
        " for; nothing was changed. Use the command in that server."
    ),
    "replayed": "Already done: that command arrived before, and nothing was applied twice.",
    "installs_busy": (
        "Too many installs are under way right now; please try again in a few minutes."
    ),
}


# -- the work-search log --------------------------------------------------------------

MAX_LOG_ROWS_SHOWN = 15  # rows of a period the chat answer lists; the files hold all


def detail_set(lead: Lead, field: str, value: str | None) -> Message:
    name = {"job_ref": "reference"}.get(field, field)
    if value is None:
        return reply(f"Cleared the {name} of {lead.label}.")
    return reply(f"{lead.label}: {name} {typed(value)}.")


def details(lead: Lead) -> str:
    """`title: Engineering Manager · email: j@acme.com · ...` ("" if it has none)."""
    pairs = (
        ("title", lead.title),
        ("email", lead.email),
        ("phone", lead.phone),
        ("website", lead.website),
        ("address", lead.address),
        ("reference", lead.job_ref),
        ("posting", lead.url),
    )
    return " · ".join(f"{name}: {typed(value)}" for name, value in pairs if value)


def activity_logged(activity: worklog.Activity, on: date, today: date, tally: str) -> Message:
    parts = [activity.label]
    if activity.what:
        parts.append(typed(activity.what))
    if activity.where:
        parts.append(f"at {typed(activity.where)}")
    length = worklog.hours(activity.minutes)
    when = f" on {day(on, today)}" if on != today else ""
    text = f"Logged: {' '.join(parts)}{when}" + (f", {length} h." if length else ".")
    return reply(f"{text} Your work-search log: {tally}.")


def log_settings(settings: worklog.LogSettings, note: str = "") -> Message:
    """What the member's log now counts, and where its rules come from."""
    text = f"Your work-search log: {settings.rule}."
    found = None if settings.preset is None else worklog.preset(settings.preset)
    if found is not None:
        text += f"\nPreset {found.code}: {found.name} (source: {found.source})."
        if found.note:
            text += f" {found.note}"
    if settings.minimum is not None:
        text += "\nWhen you are behind near the end of a period, your morning digest says so."
    text += (
        "\nCheck your own claim letter: agencies change their rules, and yours may differ."
        " Never type your Social Security or claim number here: the printed log has a blank"
        " line for it."
    )
    text += f"\nSee it: /followthrough log{note}"
    return reply(text)


def _row_line(row: worklog.LogRow, today: date) -> str:
    what = " · ".join(
        typed(x) for x in (row.employer, row.position, row.contact) if x
    )  # member-typed
    line = f"{day(row.day, today)} · {row.type or row.kind}" + (f" · {what}" if what else "")
    if row.method:
        line += f" · {row.method}"
    if row.minutes:
        line += f" · {worklog.hours(row.minutes)} h"
    if row.logged is not None:
        line += f" · logged {day(row.logged, today)}"
    return line


def work_log(period: worklog.Period, today: date, attachments: tuple[Attachment, ...]) -> Message:
    """The chat answer to `/followthrough log`: the count against the minimum, the rows,
    and the PDF and CSV."""
    span = f"{day(period.start, today)} – {day(period.end, today)}"
    verdict = {True: " Minimum met.", False: " Minimum not met yet.", None: ""}[period.met]
    text = f"Work-search log, {span}: {period.tally}.{verdict}"
    if not period.rows:
        text += (
            "\nNothing logged in this period. Applications, emails, calls and interviews count,"
            " and so do activities: /lead activity fair|workshop|... "
        )
    lines = [_row_line(row, today) for row in period.rows[:MAX_LOG_ROWS_SHOWN]]
    if len(period.rows) > MAX_LOG_ROWS_SHOWN:
        lines.append(f"…and {len(period.rows) - MAX_LOG_ROWS_SHOWN} more: the files have them all")
    sections = (Section("\n".join(lines)),) if lines else ()
    return reply(
        text + "\nThe PDF prints on Letter or A4; the CSV is for typing into a state's website.",
        *sections,
        attachments=attachments,
    )


def group_log(found: worklog.Preset | None) -> Message:
    if found is None:
        return reply("Members' work-search logs start with no preset (no minimum).")
    return reply(
        f"New members' work-search logs start with preset {found.code}:"
        f" {found.name}, {found.settings.rule}. Members who set their own keep theirs;"
        " anyone can change theirs with /followthrough me log."
    )


# -- interviews to come, and the calendar feed ------------------------------------------


def interview_set(
    lead: Lead, at: datetime, tz: str, today: date, moved: bool, file: Attachment
) -> Message:
    """The answer to `/lead interview julie on thu 14:00`, with the event's .ics file."""
    with_whom = f" with {typed(lead.contact)}" if lead.contact else ""
    verb = "Moved" if moved else "Set"
    replaces = " (it replaces the one I sent before)" if moved else ""
    return reply(
        f"{verb}: interview{with_whom} at {typed(lead.company)} ({lead.ref}),"
        f" {interview_time(at, today)} ({tz}). I'll mention it that morning, and the"
        " morning after ask how it went.",
        Section(
            f"The attached file puts it in your calendar{replaces}. To have every interview"
            " and follow-up there by itself: /followthrough calendar"
        ),
        attachments=(file,),
    )


def interview_cancelled(lead: Lead, at: datetime, today: date, file: Attachment) -> Message:
    return reply(
        f"Called off: the interview at {typed(lead.company)} ({lead.ref}) of"
        f" {interview_time(at, today)}. The attached file takes it out of your calendar.",
        attachments=(file,),
    )


def no_interview(lead: Lead) -> str:
    return f"{lead.ref} has no interview set. To set one: /lead interview {lead.ref} on thu 14:00"


def interview_passed(at: datetime, today: date) -> str:
    return (
        f"{interview_time(at, today)} has passed: set the interview to come, or, if it took"
        " place, log it with /lead interviewed."
    )


FEED_RESET = "/followthrough calendar reset"
FEED_OFF = (
    "Calendar feeds aren't switched on for this bot: its operator sets FOLLOWTHROUGH_PUBLIC_URL"
    " (the bot's public HTTPS address). Meanwhile each /lead interview answer has a file for"
    " your calendar."
)


def calendar_feed(url: str, reset: bool) -> Message:
    """The member's new feed address, shown this once (only its fingerprint is kept)."""
    head = (
        "Your new calendar feed; the old address stopped working, so update your calendar"
        " app's subscription:"
        if reset
        else "Your private calendar feed:"
    )
    return reply(
        head,
        Section(
            "Subscribe to it in your calendar app (Google Calendar: Other calendars → From"
            " URL; Apple Calendar: File → New Calendar Subscription; Outlook: Add calendar →"
            " Subscribe from web). It holds your interviews to come and the follow-ups due in"
            " the next four weeks, and keeps itself up to date.",
            draft=url,
        ),
        Section(
            "Keep the address to yourself: whoever has it can read those dates. I keep only a"
            " fingerprint of it, so this is the one time I can show it; if it gets out, or you"
            f" lose it: {FEED_RESET}"
        ),
    )


def calendar_feed_exists() -> Message:
    return reply(
        "You have a calendar feed already. I keep only a fingerprint of its address, so I"
        " can't show it again.",
        Section(
            "Lost it, or shared it by mistake? A new address stops the old one at once.",
            buttons=(Button("Make a new address", FEED_RESET, "reset"),),
        ),
    )

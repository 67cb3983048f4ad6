"""The words of replies to commands: lists, a lead's page, confirmations, the export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from core.domain import group_posts
from core.domain.calendar import BusinessCalendar
from core.domain.leads import Event, Lead
from core.domain.messages import Attachment, Message, Section, plural, reply
from core.domain.rules import Context, Rule, waiting_for

NEXT_STEP = {
    Rule.EMAIL_FOLLOW_UP: "a follow-up (Re:)",
    Rule.CALL_AFTER_FOLLOW_UP: "a call",
    Rule.POST_INTERVIEW_CHECK_IN: "a check-in",
    Rule.REJECTION_CALL: "the rejection call",
    Rule.REACH_REFERRAL: "reaching out",
    Rule.KEEP_IN_TOUCH: "keeping in touch",
    Rule.OFFER_LEVERAGE: "telling them about your offer",
    Rule.STILL_PURSUING: "asking whether you're still on it",
}


def day(d: date) -> str:
    return f"{d:%a} {d:%b} {d.day}"


def next_nudge(lead: Lead, ctx: Context, today: date) -> str:
    due = waiting_for(lead, ctx)
    if due is None or lead.nudge_asked:
        return ""
    on = ctx.calendar.on_or_after(max(due.on, lead.snoozed_until or due.on))
    if on <= today:
        return f"due now: {NEXT_STEP[due.rule]}"
    return f"next: {NEXT_STEP[due.rule]} on {day(on)}"


def line(lead: Lead, ctx: Context, today: date) -> str:
    parts = [f"{lead.label} · {lead.stage.value.replace('_', ' ')}"]
    if lead.network:
        parts.append("network")
    hint = next_nudge(lead, ctx, today)
    if hint:
        parts.append(hint)
    return " · ".join(parts)


def logged(verb: str, lead: Lead, ctx: Context, today: date) -> Message:
    hint = next_nudge(lead, ctx, today)
    text = f"Logged: {verb} {lead.label}. Stage: {lead.stage.value.replace('_', ' ')}."
    return reply(f"{text} I'll remind you ({hint})." if hint else text)


def pipeline(leads: list[Lead], ctx: Context, today: date, include_closed: bool) -> Message:
    shown = [lead for lead in leads if include_closed or lead.active]
    if not shown:
        return reply("No leads yet. Add one: /lead add <contact> at <company>")
    title = "All your leads:" if include_closed else f"Your {len(shown)} active leads:"
    return reply(title + "\n" + "\n".join(line(lead, ctx, today) for lead in shown))


def show(lead: Lead, leads: list[Lead], events: list[Event], ctx: Context, today: date) -> Message:
    by_id = {other.id: other for other in leads if other.id is not None}
    head = line(lead, ctx, today)
    if lead.role or lead.via:
        head += "\n" + ", ".join(
            x for x in (lead.role and f"role: {lead.role}", lead.via and f"via {lead.via}") if x
        )
    sections = []
    chain = group_posts.chain(lead, by_id)
    children = [other for other in leads if other.parent_id == lead.id]
    if len(chain) > 1 or children:
        text = " -> ".join(f"{x.ref} {x.company} ({x.stage.value})" for x in chain)
        if children:
            text += "\nReferred on to: " + ", ".join(c.label for c in children)
        sections.append(Section("Referral chain: " + text))
    history = [
        f"{day(ctx.calendar.local_date(e.at))}: {e.action.value}"
        + (f" ({e.note})" if e.note else "")
        for e in events
        if e.lead_id == lead.id
    ]
    sections.append(Section("History:\n" + "\n".join(history or ["(nothing logged yet)"])))
    return reply(head, *sections)


def _iso(instant: datetime, cal: BusinessCalendar) -> str:
    return instant.astimezone(cal.tz).isoformat(timespec="minutes")


CSV_COLUMNS = ["date", "time", "lead", "contact", "company", "role", "action", "stage", "note"]


def export(
    member_name: str, leads: list[Lead], events: list[Event], cal: BusinessCalendar, now: datetime
) -> Message:
    """The member's whole search as JSON and CSV: every lead with its full history."""
    refs = {lead.id: lead.ref for lead in leads}
    history: dict[int | None, list[Event]] = {}
    for event in events:
        history.setdefault(event.lead_id, []).append(event)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    records = []
    for lead in leads:
        steps = []
        for e in history.get(lead.id, []):
            local = e.at.astimezone(cal.tz)
            steps.append(
                {
                    "at": _iso(e.at, cal),
                    "action": e.action.value,
                    "stage": e.stage_after.value,
                    "note": e.note,
                }
            )
            writer.writerow(
                [
                    f"{local:%Y-%m-%d}",
                    f"{local:%H:%M}",
                    lead.ref,
                    lead.contact,
                    lead.company,
                    lead.role or "",
                    e.action.value,
                    e.stage_after.value,
                    e.note,
                ]
            )
        records.append(
            {
                "lead": lead.ref,
                "contact": lead.contact,
                "company": lead.company,
                "role": lead.role,
                "via": lead.via,
                "network": lead.network,
                "stage": lead.stage.value,
                "referred_by": refs.get(lead.parent_id) if lead.parent_id else None,
                "added": _iso(lead.created_at, cal),
                "history": steps,
            }
        )
    document = {"member": member_name, "exported_at": _iso(now, cal), "leads": records}
    stamp = cal.local_date(now).isoformat()
    return reply(
        f"Your search so far: {plural(len(leads), 'lead')}, {plural(len(events), 'logged action')}."
        " The files hold every lead with its full history.",
        attachments=(
            Attachment(
                f"followthrough-{stamp}.json", json.dumps(document, indent=2), "application/json"
            ),
            Attachment(f"followthrough-{stamp}.csv", out.getvalue(), "text/csv"),
        ),
    )

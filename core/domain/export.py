"""A member's whole search as files: JSON and CSV, every lead with its full history."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from core.domain.calendar import BusinessCalendar
from core.domain.catalog import DETAILS
from core.domain.leads import Event, Lead
from core.domain.messages import Attachment, Message, plural, reply
from core.domain.worklog import Activity


def _iso(instant: datetime, cal: BusinessCalendar) -> str:
    return instant.astimezone(cal.tz).isoformat(timespec="minutes")


CSV_COLUMNS = [
    "date",
    "time",
    "lead",
    "contact",
    "company",
    "role",
    "action",
    "stage",
    "note",
    "logged",
]


def export(
    member_name: str,
    leads: list[Lead],
    events: list[Event],
    cal: BusinessCalendar,
    now: datetime,
    activities: list[Activity] | None = None,
) -> Message:
    """The member's whole search as JSON and CSV: every lead with its full history, and
    the activities that are not about one lead (job fairs, workshops...)."""
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
                    "logged_at": _iso(e.logged, cal),
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
                    _iso(e.logged, cal),
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
                **{name: getattr(lead, name) for name in DETAILS.values() if getattr(lead, name)},
                **({"interview": _iso(lead.interview_at, cal)} if lead.interview_at else {}),
                "history": steps,
            }
        )
    done = []
    for activity in activities or []:
        local = activity.at.astimezone(cal.tz)
        done.append(
            {
                "at": _iso(activity.at, cal),
                "logged_at": _iso(activity.logged, cal),
                "kind": activity.kind,
                "what": activity.what,
                "where": activity.where,
                "minutes": activity.minutes,
            }
        )
        where = f" at {activity.where}" if activity.where else ""
        writer.writerow(
            [
                f"{local:%Y-%m-%d}",
                f"{local:%H:%M}",
                "",
                "",
                "",
                "",
                f"activity:{activity.kind}",
                "",
                f"{activity.what}{where}".strip(),
                _iso(activity.logged, cal),
            ]
        )
    document = {
        "member": member_name,
        "exported_at": _iso(now, cal),
        "leads": records,
        "activities": done,
    }
    stamp = cal.local_date(now).isoformat()
    return reply(
        f"Your search so far: {plural(len(leads), 'lead')}, {plural(len(events), 'logged action')}"
        + (f", {plural(len(done), 'activity', 'activities')}." if done else ".")
        + " The files hold every lead with its full history.",
        attachments=(
            Attachment(
                f"followthrough-{stamp}.json", json.dumps(document, indent=2), "application/json"
            ),
            Attachment(f"followthrough-{stamp}.csv", out.getvalue(), "text/csv"),
        ),
    )

"""`/lead list`: a page of the member's leads that a filter picks (a stage, what is due,
all of them), with buttons to the pages before and after."""

from __future__ import annotations

from datetime import date

from core.domain.insights import (
    ACTIVE,
    ALL,
    DUE,
    Page,
    page_buttons,
    page_hint,
    stage_of,
)
from core.domain.leads import Lead
from core.domain.messages import Message, Section, plural, reply
from core.domain.replies import line
from core.domain.rules import Context
from core.domain.text import echo

LINE_NAME = 40  # characters of a contact's or company's name a list line quotes


def list_command(which: str) -> str:
    """The command that lists `which` (`/lead list due`), to which a page is added."""
    return "/lead list" if which == ACTIVE else f"/lead list {which}"


def _label(lead: Lead) -> str:
    if not lead.contact:
        return f"{lead.ref} {echo(lead.company, LINE_NAME)}"
    return f"{lead.ref} {echo(lead.contact, LINE_NAME)} at {echo(lead.company, LINE_NAME)}"


def list_line(lead: Lead, ctx: Context, today: date) -> str:
    """One lead in a list, its names cut short (`/lead show` has them whole): a page's
    worst case stays within one Discord message."""
    return _label(lead) + line(lead, ctx, today)[len(lead.label) :]


def _stage_name(which: str) -> str:
    stage = stage_of(which)
    assert stage is not None
    return stage.value.replace("_", " ")


def _title(which: str, total: int) -> str:
    if which == ACTIVE:
        return f"Your {plural(total, 'active lead')}"
    if which == ALL:
        return f"All your leads, {total} in all"
    if which == DUE:
        return f"Due now, {plural(total, 'lead')}"
    return f"Your {plural(total, 'lead')} at the {_stage_name(which)} stage"


def _none(which: str) -> str:
    if which in (ACTIVE, ALL):
        return "No leads yet. Add one: /lead add <contact> at <company>"
    if which == DUE:
        return "Nothing is due now. `/lead list` shows your pipeline."
    return f"None of your leads is in {_stage_name(which)} now. `/lead list all` shows them all."


def lead_page(which: str, leads: list[Lead], page: Page, ctx: Context, today: date) -> Message:
    """One page of the member's leads that `which` picks, with buttons to the others."""
    if page.total == 0:
        return reply(_none(which))
    head = _title(which, page.total)
    if page.count > 1:
        head += f" ({page.first}–{page.last})"
    lines = "\n".join(list_line(lead, ctx, today) for lead in leads)
    command = list_command(which)
    why = page_hint(page, command) if page.count > 1 else None
    return reply(head + ":", Section(lines, why, buttons=page_buttons(page, command)))

"""Every word a nudge says: what to do, why, and a ready draft. The one place for them.

Drafts are short, warm and never needy; none asks "what's the status?", except the
offer-leverage note, where (and only where) that question is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.domain.leads import Lead
from core.domain.messages import plural
from core.domain.rules import Rule
from core.domain.text import typed


@dataclass(frozen=True, slots=True)
class Nudge:
    """One action in a digest, fully worded."""

    rule: Rule
    lead: Lead | None
    what: str
    why: str
    draft: str | None


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What a draft may mention besides the lead itself."""

    member_name: str
    last_message_on: date | None = None
    referred_by: str | None = None  # the contact who made a referral


def _day(d: date | None) -> str:
    return "my last note" if d is None else f"my note of {d:%A, %B} {d.day}"


def _role(lead: Lead) -> str:
    return f"the {lead.role} role" if lead.role else f"opportunities at {lead.company}"


WHY = {
    Rule.EMAIL_FOLLOW_UP: "Silence is not a no: many people are simply slow on email.",
    Rule.CALL_AFTER_FOLLOW_UP: (
        "A call gets through where email doesn't; early, before the day's meetings start."
    ),
    Rule.POST_INTERVIEW_CHECK_IN: (
        "Quiet after an interview usually means holidays, budgets or a busy manager, not a no."
    ),
    Rule.REJECTION_CALL: (
        "An email after a rejection gets a vague answer or none; on the phone people often"
        " want to help."
    ),
    Rule.REACH_REFERRAL: "Warm introductions go cold quickly.",
    Rule.KEEP_IN_TOUCH: "Keep the relationship alive while there is no role to talk about.",
    Rule.PIPELINE: (
        "The search is a numbers game, and several live opportunities keep you from sending"
        " anxious emails to any one of them."
    ),
    Rule.OFFER_LEVERAGE: "Now, and only now, asking about their timeline is the right question.",
    Rule.STILL_PURSUING: (
        "Reminders about this lead went unanswered; rather than nag, I'm asking once."
    ),
}


def nudge(rule: Rule, lead: Lead, facts: DraftFacts) -> Nudge:
    """The worded nudge `rule` about `lead`."""
    name, company, me = lead.first_name, lead.company, facts.member_name
    # What the member reads quotes their own words, marked; the draft is text to copy.
    contact, at = typed(lead.contact), typed(company)
    draft: str | None
    ref = lead.ref
    match rule:
        case Rule.EMAIL_FOLLOW_UP:
            what = (
                f'Forward your email to {contact} ({at}) again: turn "Fw:" into "Re:" and add'
                " two sentences: a friendly reminder of your earlier note, and a request for a"
                " few minutes to talk."
            )
            draft = (
                f"Hi {name},\n\nA friendly reminder of {_day(facts.last_message_on)} below."
                f" Could we find a few minutes to talk about {_role(lead)} this week or next?"
                f"\n\nBest,\n{me}"
            )
        case Rule.CALL_AFTER_FOLLOW_UP:
            what = f"Call {contact} ({at}) before 9 a.m. their time."
            draft = (
                f"Hi {name}, this is {me}. I wrote to you about {_role(lead)} and wanted to"
                " catch you before your day fills up. Do you have two minutes now, or is there"
                " a better time to talk this week?"
            )
        case Rule.POST_INTERVIEW_CHECK_IN:
            what = (
                f"Send {contact} ({at}) a short check-in, forwarding your last correspondence:"
                " restate your strong interest, mention that other conversations are moving"
                " forward, and offer any further information that helps their decision."
                " Optionally, share a genuinely useful link or idea."
            )
            draft = (
                f"Hi {name},\n\nI enjoyed our conversation and I'm still very interested in"
                f" {_role(lead)}. Other conversations are moving forward on my side, and I'd"
                " be glad to send anything that would help your decision: references,"
                " examples of my work, or a short plan for the first months."
                f"\n\nBest,\n{me}"
            )
        case Rule.REJECTION_CALL:
            what = (
                f"Call (don't email) {contact} at {at}, ideally around 8:30 a.m.: be gracious"
                " and wish them well with the hire, ask for feedback on your interview, ask"
                " whether, now that they know your work, they could suggest anyone else in the"
                " organisation or elsewhere to talk to, and suggest keeping in touch."
            )
            draft = (
                f"Hi {name}, it's {me}. Thank you for letting me know, and I wish you the best"
                " with the hire. Could I ask what I could have done better in the interview?"
                " And now that you know my work, is there anyone else, in your organisation or"
                " elsewhere, you'd suggest I talk to? I'd like to keep in touch."
            )
        case Rule.REACH_REFERRAL:
            who = facts.referred_by or "a mutual contact"
            what = f"Contact {contact} at {at}, naming {typed(who)} who referred you."
            draft = (
                f"Hi {name},\n\n{who} suggested I get in touch with you. I'm exploring"
                f" {_role(lead)} and would value a few minutes of your advice. Would a short"
                f" call this week or next work for you?\n\nBest,\n{me}"
            )
        case Rule.KEEP_IN_TOUCH:
            what = f"Send {contact} ({at}) something truly of interest, or a short update."
            draft = (
                f"Hi {name},\n\nI came across this and thought of our conversation: [link or"
                " idea]. On my side, [one line of news]. I hope things are going well at"
                f" {company}.\n\nBest,\n{me}"
            )
        case Rule.OFFER_LEVERAGE:
            what = (
                f"Tell {contact} ({at}) that an offer has arrived, and ask about their"
                " timeline: only now is that the right question."
            )
            draft = (
                f"Hi {name},\n\nI've received an offer and need to answer it soon. {company}"
                " remains my first choice, so before I decide: what is your timeline, and is"
                " there anything I can send you to help?"
                f"\n\nBest,\n{me}"
            )
        case Rule.STILL_PURSUING:
            what = f"Are you still pursuing {contact} at {at}?"
            draft = None
        case Rule.PIPELINE:
            raise ValueError("the pipeline nudge is not about one lead; use pipeline_nudge()")
    return Nudge(rule, lead, f"{ref} {what}", WHY[rule], draft)


def pipeline_nudge(active: int, minimum: int) -> Nudge:
    return Nudge(
        Rule.PIPELINE,
        None,
        f"You have {plural(active, 'active lead')}; aim for at least {minimum}."
        " Add someone new with `/lead add <contact> at <company>` and reach out today.",
        WHY[Rule.PIPELINE],
        None,
    )

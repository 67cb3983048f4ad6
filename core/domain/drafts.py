"""Every word a nudge says: what to do, why, and a ready draft. The one place for them.

Drafts are short, warm and never needy; none asks "what's the status?", except the
offer-leverage note, where (and only where) that question is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
    day: date | None = None  # the day it is about, if not the morning's (an interview's)


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What a draft may mention besides the lead itself."""

    member_name: str
    last_message_on: date | None = None
    referred_by: str | None = None  # the contact who made a referral
    interview: datetime | None = None  # the interview to come, in the member's zone
    today: date | None = None  # the morning the nudge is for


def when(at: datetime, today: date | None) -> str:
    """`at 14:00 today`, `on Saturday, December 12 at 14:00`: an interview's time, said on
    the morning of `today`."""
    if at.date() == today:
        return f"at {at:%H:%M} today"
    return f"on {at:%A, %B} {at.day} at {at:%H:%M}"


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
    Rule.INTERVIEW_DAY: (
        "A short thank-you the same day keeps you in mind. Afterwards, log the interview:"
        " I'll time the check-in from it."
    ),
    Rule.HOW_DID_IT_GO: (
        "Logged, the interview starts the post-interview plan: I'll tell you when a"
        " check-in is due, and nothing before."
    ),
}


def nudge(rule: Rule, lead: Lead, facts: DraftFacts) -> Nudge:
    """The worded nudge `rule` about `lead`."""
    name, company, me = lead.first_name, lead.company, facts.member_name
    # What the member reads quotes their own words, marked; the draft is text to copy.
    contact, at = typed(lead.contact), typed(company)
    if not lead.contact.strip():  # an employer with no person yet (added `at Acme`)
        name, contact = "there", "the hiring manager"
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
            what = (
                f"Are you still pursuing {contact} at {at}?"
                if lead.contact.strip()
                else f"Are you still pursuing {at}?"
            )
            draft = None
        case Rule.INTERVIEW_DAY:
            moment = "" if facts.interview is None else " " + when(facts.interview, facts.today)
            what = f"{_with(lead)}{moment}. Good luck!"
            draft = (
                f"Hi {name},\n\nThank you for your time today. I enjoyed our conversation"
                f" about {_role(lead)}, and I'm even more interested than before. If anything"
                f" else would help, I'd be glad to send it.\n\nBest,\n{me}"
            )
        case Rule.HOW_DID_IT_GO:
            moment = "" if facts.interview is None else f" {when(facts.interview, None)}"
            dated = "" if facts.interview is None else f" on {facts.interview.date().isoformat()}"
            what = (
                f"How did your {_with(lead, 'interview')}{moment} go? If it"
                f" took place, log it: `/lead interviewed {ref}{dated}`. Moved:"
                f" `/lead interview {ref} on <day> <HH:MM>`; called off:"
                f" `/lead interview {ref} cancel`."
            )
            draft = None
        case Rule.PIPELINE:
            raise ValueError("the pipeline nudge is not about one lead; use pipeline_nudge()")
    about = rule in (Rule.INTERVIEW_DAY, Rule.HOW_DID_IT_GO) and facts.interview is not None
    day = facts.interview.date() if about and facts.interview is not None else None
    return Nudge(rule, lead, f"{ref} {what}", WHY[rule], draft, day)


def _with(lead: Lead, word: str = "Interview") -> str:
    """`Interview with Julie Martin at Acme`, or `Interview at Acme` (no contact yet)."""
    if not lead.contact:
        return f"{word} at {typed(lead.company)}"
    return f"{word} with {typed(lead.contact)} at {typed(lead.company)}"


def pipeline_nudge(active: int, minimum: int) -> Nudge:
    return Nudge(
        Rule.PIPELINE,
        None,
        f"You have {plural(active, 'active lead')}; aim for at least {minimum}."
        " Add someone new with `/lead add <contact> at <company>` and reach out today.",
        WHY[Rule.PIPELINE],
        None,
    )

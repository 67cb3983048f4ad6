"""Errors a member can act on; adapters show their text as the reply."""


class DomainError(Exception):
    """Base of every error whose message is meant for the member."""


class UsageError(DomainError):
    """A command that does not parse; the message is the usage of that command."""


class LeadNotFound(DomainError):
    """No lead matches the reference the member typed."""


class AmbiguousLead(DomainError):
    """More than one lead matches; the message lists the candidates."""


class NotAllowed(DomainError):
    """The member may not do this (for example an organiser setting)."""

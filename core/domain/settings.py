"""The playbook's numbers, which a group's organiser may change (PLAYBOOK.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from core.domain.errors import UsageError
from core.domain.text import echo

MAX_VALUE = 365  # a year: enough for any rhythm, and business-day loops stay short


@dataclass(frozen=True, slots=True)
class PlaybookSettings:
    email_follow_up_days: int = 3  # business days after an email, and after the Re:
    call_retry_days: int = 5  # business days after an unanswered call
    interview_silence_days: int = 14  # calendar days of silence after an interview
    keep_in_touch_days: int = 30  # calendar days without touching a network contact
    pipeline_minimum: int = 5  # fewer active leads than this gets the pipeline nudge
    pipeline_every_days: int = 7  # the pipeline nudge is sent at most once a week
    ignored_before_asking: int = 3  # ignored mornings before "still pursuing?"

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PlaybookSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in (data or {}).items() if k in known})

    def with_value(self, name: str, value: int) -> PlaybookSettings:
        if name not in self.names():
            raise UsageError(f"{echo(name, 40)} is not a playbook setting.")
        if not 1 <= value <= MAX_VALUE:
            raise UsageError(f"`{name}` must be a whole number from 1 to {MAX_VALUE}.")
        return replace(self, **{name: value})

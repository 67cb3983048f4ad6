"""Whose calendar feed a token opens: one indexed read of members by the token's
fingerprint."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.domain.members import Member
from core.storage import mapping
from core.storage.tables import MemberRow

_MEMBERS = mapping.table(MemberRow)
_OWNER = select(*(_MEMBERS.c[name] for name in mapping.MEMBER_FIELDS), _MEMBERS.c.id).where(
    _MEMBERS.c.calendar_digest == bindparam("digest")
)


class SqlCalendars:
    def __init__(self, session: Session) -> None:
        self._s = session

    def owner(self, fingerprint: str) -> Member | None:
        row = mapping.run(self._s, _OWNER, {"digest": fingerprint}).first()
        return None if row is None else mapping.member(row)

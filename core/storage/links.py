"""Links between members, link codes and wrong tries: core.domain.links, stored."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.domain.links import VALID_FOR, Link, LinkCode, Tries
from core.services.ports import Conflict
from core.storage import mapping
from core.storage.tables import LeadRow, LinkCodeRow, LinkRow, LinkTriesRow

_LINKS = mapping.table(LinkRow)
_CODES = mapping.table(LinkCodeRow)
_TRIES = mapping.table(LinkTriesRow)
_LEADS = mapping.table(LeadRow)
# Built once: every command about the person asks it (see repositories.py).
_LINK_OF = select(_LINKS).where(
    or_(_LINKS.c.secondary_id == bindparam("member_id"), _LINKS.c.primary_id == bindparam("m2"))
)


def _link(row: Any) -> Link:
    return Link(
        row.primary_id,
        row.secondary_id,
        row.deliver_id,
        row.linked_at,
        tuple((int(lead), int(number)) for lead, number in row.brought),
    )


class SqlLinks:
    def __init__(self, session: Session) -> None:
        self._s = session

    def put_code(self, code: LinkCode) -> None:
        # Expired codes go whenever anyone asks for one: nothing of them is kept.
        made = code.expires_at - VALID_FOR
        mapping.run(self._s, delete(_CODES).where(_CODES.c.expires_at <= made))
        self.drop_code(code.member_id)
        values = {
            "member_id": code.member_id,
            "salt": code.salt,
            "digest": code.digest,
            "expires_at": code.expires_at,
        }
        mapping.run(self._s, insert(_CODES), values)

    def live_codes(self, now: datetime) -> list[LinkCode]:
        query = select(_CODES).where(_CODES.c.expires_at > now).order_by(_CODES.c.member_id)
        return [
            LinkCode(r.member_id, r.salt, r.digest, r.expires_at)
            for r in mapping.run(self._s, query)
        ]

    def drop_code(self, member_id: int) -> None:
        mapping.run(self._s, delete(_CODES).where(_CODES.c.member_id == member_id))

    def tries(self, member_id: int) -> Tries:
        row = mapping.run(self._s, select(_TRIES).where(_TRIES.c.member_id == member_id)).first()
        if row is None:
            return Tries(member_id)
        return Tries(member_id, row.wrong, row.locked_until)

    def put_tries(self, tries: Tries) -> None:
        mapping.run(self._s, delete(_TRIES).where(_TRIES.c.member_id == tries.member_id))
        values = {
            "member_id": tries.member_id,
            "wrong": tries.wrong,
            "locked_until": tries.locked_until,
        }
        mapping.run(self._s, insert(_TRIES), values)

    def of(self, member_id: int) -> Link | None:
        row = mapping.run(self._s, _LINK_OF, {"member_id": member_id, "m2": member_id}).first()
        return None if row is None else _link(row)

    def among(self, member_ids: Collection[int]) -> list[Link]:
        found: list[Link] = []
        for chunk in mapping.chunks(list(member_ids)):
            query = select(_LINKS).where(
                or_(_LINKS.c.primary_id.in_(chunk), _LINKS.c.secondary_id.in_(chunk))
            )
            found += [_link(r) for r in mapping.run(self._s, query)]
        unique = {link.secondary_id: link for link in found}
        return [unique[k] for k in sorted(unique)]

    def add(self, link: Link) -> None:
        taken = select(_LINKS.c.secondary_id).where(
            or_(
                _LINKS.c.primary_id.in_((link.primary_id, link.secondary_id)),
                _LINKS.c.secondary_id.in_((link.primary_id, link.secondary_id)),
            )
        )
        if mapping.run(self._s, taken).first() is not None:
            raise Conflict("a member is linked already")
        values = {
            "secondary_id": link.secondary_id,
            "primary_id": link.primary_id,
            "deliver_id": link.deliver_id,
            "brought": [list(pair) for pair in link.brought],
            "linked_at": link.linked_at,
        }
        try:  # a race past the check above fails on the keys: the services' Conflict
            mapping.run(self._s, insert(_LINKS), values)
        except IntegrityError as error:
            raise Conflict(str(error.orig)) from error

    def save(self, link: Link) -> None:
        statement = (
            update(_LINKS)
            .where(_LINKS.c.secondary_id == link.secondary_id)
            .values(deliver_id=link.deliver_id)
        )
        mapping.run(self._s, statement)

    def drop(self, link: Link) -> None:
        mapping.run(self._s, delete(_LINKS).where(_LINKS.c.secondary_id == link.secondary_id))

    def move_lead(self, lead_id: int, member_id: int, number: int) -> None:
        taken = select(_LEADS.c.id).where(
            and_(
                _LEADS.c.member_id == member_id,
                _LEADS.c.number == number,
                _LEADS.c.id != lead_id,
            )
        )
        if mapping.run(self._s, taken).first() is not None:
            raise Conflict(f"lead #{number} of member {member_id} exists")
        statement = (
            update(_LEADS).where(_LEADS.c.id == lead_id).values(member_id=member_id, number=number)
        )
        mapping.run(self._s, statement)

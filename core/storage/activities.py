"""Activities that are not about one lead: a row each, read by member and time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.domain.worklog import Activity
from core.storage import mapping
from core.storage.tables import ActivityRow

_ACTIVITIES = mapping.table(ActivityRow)
_ADD = insert(_ACTIVITIES)


def activity(row: Any) -> Activity:
    return Activity(
        kind=row.kind,
        at=row.at,
        what=row.what,
        where=row.place,
        minutes=row.minutes,
        logged_at=row.logged_at,
        id=row.id,
    )


class SqlActivities:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, group_id: int, member_id: int, activity: Activity) -> Activity:
        values = {
            "group_id": group_id,
            "member_id": member_id,
            "kind": activity.kind,
            "what": activity.what,
            "place": activity.where,
            "minutes": activity.minutes,
            "at": activity.at,
            "logged_at": activity.logged_at,
        }
        result = mapping.run(self._s, _ADD, values)
        assert result.inserted_primary_key is not None
        return replace(activity, id=int(result.inserted_primary_key[0]))

    def for_member(
        self, member_id: int, first: datetime | None = None, until: datetime | None = None
    ) -> list[Activity]:
        query = select(_ACTIVITIES).where(_ACTIVITIES.c.member_id == member_id)
        if first is not None:
            query = query.where(_ACTIVITIES.c.at >= first)
        if until is not None:
            query = query.where(_ACTIVITIES.c.at < until)
        rows = mapping.run(self._s, query.order_by(_ACTIVITIES.c.at, _ACTIVITIES.c.id))
        return [activity(row) for row in rows]

    def between(
        self, member_ids: list[int], first: datetime, until: datetime
    ) -> dict[int, list[Activity]]:
        found: dict[int, list[Activity]] = {}
        for chunk in mapping.chunks(member_ids):
            query = (
                select(_ACTIVITIES)
                .where(_ACTIVITIES.c.member_id.in_(chunk))
                .where(_ACTIVITIES.c.at >= first, _ACTIVITIES.c.at < until)
                .order_by(_ACTIVITIES.c.at, _ACTIVITIES.c.id)
            )
            for row in mapping.run(self._s, query):
                found.setdefault(row.member_id, []).append(activity(row))
        return found

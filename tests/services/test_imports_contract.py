"""The storage of imports behaves the same in memory (testkit.storage), on SQLite and on
PostgreSQL (the cases of test_ports_contract.py, for what an import writes): a member's
one previewed import, and imported events that count for nothing, when written or
counted again."""

from __future__ import annotations

from datetime import date, timedelta

from core.domain.importer import PendingImport, Row, Table
from core.domain.leads import Action, Event, Stage
from core.domain.scoring import Tally
from tests.conftest import START
from tests.services.test_ports_contract import (
    HOUR,
    Uow,
    add_group,
    add_lead,
    add_member,
    counts_of,
    uow,
)

__all__ = ["uow"]  # the fixture, on the three storages

DAY = timedelta(days=1)


def table(*companies: str) -> Table:
    rows = tuple(
        Row(n, {"company": c, "applied": "2026-01-05"}) for n, c in enumerate(companies, 2)
    )
    columns = (("Company", "company"), ("Date applied", "applied"))
    return Table("search.csv", "sheet", columns, ("Contact Email",), ("Salary",), rows)


def test_a_member_has_one_pending_import_until_it_expires(uow: Uow) -> None:
    group = add_group(uow)
    ada, bea = add_member(uow, group, "U1"), add_member(uow, group, "U2")
    assert ada.id is not None and bea.id is not None
    with uow() as u:
        u.imports.put(PendingImport(ada.id, table("Acme"), START, START + DAY))
        u.imports.put(PendingImport(bea.id, table("Globex"), START, START + HOUR))
        u.commit()
    with uow() as u:
        found = u.imports.get(ada.id, START + HOUR)
        assert found == PendingImport(ada.id, table("Acme"), START, START + DAY)
        assert found.table == table("Acme")  # every row, as read
        assert u.imports.get(bea.id, START + HOUR) is None  # expired
        # A new preview replaces the member's last, and clears every expired one.
        u.imports.put(PendingImport(ada.id, table("Initech"), START + HOUR, START + DAY))
        u.commit()
    with uow() as u:
        found = u.imports.get(ada.id, START + 2 * HOUR)
        assert found is not None and found.table == table("Initech")
        assert u.imports.get(bea.id, START) is None  # gone, not only unread
        u.imports.drop(ada.id)
        u.imports.drop(bea.id)  # nothing there: no error
        assert u.imports.get(ada.id, START) is None
        u.rollback()
    with uow() as u:
        assert u.imports.get(ada.id, START) is not None  # the drop was rolled back


def test_a_pending_import_goes_with_its_member_and_their_group(uow: Uow) -> None:
    group, other = add_group(uow, "T1"), add_group(uow, "T2")
    ada, bea = add_member(uow, group, "U1"), add_member(uow, other, "U2")
    assert ada.id is not None and bea.id is not None
    with uow() as u:
        u.imports.put(PendingImport(ada.id, table("Acme"), START, START + DAY))
        u.imports.put(PendingImport(bea.id, table("Globex"), START, START + DAY))
        u.commit()
    with uow() as u:
        found = u.members.by_id(ada.id)
        assert found is not None
        u.members.delete(found)  # forget-me
        u.groups.delete(u.groups.by_id(other.id or 0))  # the bot removed
        u.commit()
    with uow() as u:
        assert u.imports.get(ada.id, START) is None
        assert u.imports.get(bea.id, START) is None


def test_imported_events_are_kept_as_imported_and_count_for_nothing(uow: Uow) -> None:
    group = add_group(uow)
    ada = add_member(uow, group, "U1")
    lead = add_lead(uow, ada, 1)
    assert ada.id is not None and lead.id is not None and group.id is not None
    monday = START
    imported = [
        Event(lead.id, Action.ADDED, monday, Stage.NEW, imported=True),
        Event(lead.id, Action.EMAILED, monday, Stage.EMAILED, imported=True),
        Event(lead.id, Action.REJECTED, monday, Stage.REJECTED, imported=True),
    ]
    with uow() as u:
        u.events.add_imported(group.id, ada.id, imported[:2])
        u.events.add(group.id, ada.id, imported[2])  # one at a time, too
        u.commit()
    with uow() as u:
        assert [(e.action, e.imported) for e in u.events.for_member(ada.id)] == [
            (Action.ADDED, True),
            (Action.EMAILED, True),
            (Action.REJECTED, True),
        ]
        assert u.events.tallies(group.id, date(2000, 1, 1)) == {}
        # Logged now, the same action on the same day counts: the imported one was no
        # count to be a duplicate of. The imported rejection still makes today's call
        # the rejection call, with its bonus.
        u.events.add(group.id, ada.id, Event(lead.id, Action.EMAILED, monday + HOUR, Stage.EMAILED))
        u.events.add(group.id, ada.id, Event(lead.id, Action.CALLED, monday + HOUR, Stage.CLOSED))
        u.commit()
    expected = {ada.id: Tally(counts_of(emailed=1, called=1), 1)}
    with uow() as u:
        assert u.events.tallies(group.id, date(2000, 1, 1)) == expected
        found = u.groups.by_id(group.id)
        found.tz = "Asia/Tokyo"
        u.groups.save(found)
        u.events.retally(group.id)  # counted again from the events: the same
        u.commit()
    with uow() as u:
        assert u.events.tallies(group.id, date(2000, 1, 1)) == expected

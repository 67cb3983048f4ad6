"""Fixtures of the storage tests: a group with two members, committed."""

from __future__ import annotations

import pytest

from core.domain.members import Group, Member
from core.storage.database import Database
from tests.storage.rows import add_group, add_member


@pytest.fixture
def two_members(db: Database) -> tuple[Group, Member, Member]:
    """A group with Ana and Ben, committed."""
    with db.uow() as uow:
        group = add_group(uow, channel="C-general")
        ana = add_member(uow, group, "U-ana")
        ben = add_member(uow, group, "U-ben")
        uow.commit()
    return group, ana, ben

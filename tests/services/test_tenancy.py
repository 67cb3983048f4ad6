"""What a DM or a button press may act on, read from our own records: a member's groups
on a platform, the buttons of the DM we sent them, and commands that create nobody."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.domain import links
from core.domain.replies import NOT_JOINED
from core.services import Identity
from core.services.app import FollowThrough
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import Base, MemberRow, OutboxRow
from testkit.storage import FakeStorage

ANA = Identity("discord", "G1", "U-ana", "Ana")
ANA_ELSEWHERE = Identity("discord", "G2", "U-ana", "Ana")
BEN = Identity("discord", "G2", "U-ben", "Ben")
THURSDAY_MORNING = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


def rows(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def test_a_command_that_may_create_nothing_refuses_a_stranger_and_writes_nothing(
    app: FollowThrough, db: Database
) -> None:
    for answer in (
        app.conversation.handle(ANA, "/lead", "add Julie at Acme", create=False),
        app.conversation.run(ANA, "lead", "list", {}, create=False),
    ):
        assert answer.text == NOT_JOINED
    assert set(rows(db).values()) == {0}
    app.conversation.handle(
        BEN, "/lead", "add Zed at Initech"
    )  # Ben's group exists; Ana isn't in it
    before = rows(db)
    assert app.conversation.handle(ANA_ELSEWHERE, "/lead", "list", create=False).text == NOT_JOINED
    assert rows(db) == before
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    assert "Julie" in app.conversation.handle(ANA, "/lead", "list", create=False).plain_text()


def test_a_members_groups_are_theirs_on_that_platform_only(app: FollowThrough) -> None:
    app.conversation.handle(ANA, "/lead", "list")
    app.conversation.handle(BEN, "/lead", "list")
    app.conversation.handle(Identity("slack", "T9", "U-ana", "Ana"), "/lead", "list")
    assert app.conversation.workspaces("discord", "U-ana") == ["G1"]
    app.conversation.handle(ANA_ELSEWHERE, "/lead", "list")
    assert app.conversation.workspaces("discord", "U-ana") == ["G1", "G2"]
    assert app.conversation.workspaces("discord", "U-nobody") == []


def test_a_sent_dms_buttons_are_its_recipients_alone(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    app.conversation.handle(ANA, "/lead", "add Julie at Acme")
    app.conversation.handle(ANA, "/lead", "emailed #1")
    app.conversation.handle(BEN, "/lead", "add Zed at Initech")
    clock.advance_to(THURSDAY_MORNING)
    app.planner.plan()
    with db.uow() as uow:
        ana = select(MemberRow.id).filter_by(external_id="U-ana").scalar_subquery()
        rows_ = uow.session.scalars(
            select(OutboxRow.id)
            .filter_by(kind="digest")
            .where(OutboxRow.member_id == ana)
            .order_by(OutboxRow.id)
        )
        row = list(rows_)[-1]  # Thursday's, with the follow-up due
    found = app.conversation.sent_button("discord", row, "U-ana", 0, 0)
    assert found is not None
    workspace, button = found
    assert workspace == "G1" and button.command.endswith("#1")
    assert app.conversation.sent_button("discord", row, "U-ben", 0, 0) is None  # not his
    assert app.conversation.sent_button("slack", row, "U-ana", 0, 0) is None  # not on that platform
    assert app.conversation.sent_button("discord", row, "U-ana", 0, 9) is None  # no such button
    assert app.conversation.sent_button("discord", row, "U-ana", 5, 0) is None  # no such section
    assert app.conversation.sent_button("discord", row + 1000, "U-ana", 0, 0) is None  # no such row


# -- links: a code is the only way two members become one --------------------------------

LINK_CODE = re.compile(r"/followthrough link ([A-Z0-9]{8})")
ANA_SLACK = Identity("slack", "T1", "U-ana", "Ana")
ANA_DISCORD = Identity("discord", "G1", "U-ana", "Ana")
forged_who = st.builds(
    Identity,
    platform=st.sampled_from(["slack", "discord"]),
    workspace_id=st.sampled_from(["T1", "G1", "G2", "T9"]),
    user_id=st.sampled_from(["U-ana", "U-ben", "730000000000000001", "1"]),
    name=st.just("Mallory"),
)
forged_text = st.one_of(
    st.text(alphabet=links.ALPHABET, min_size=8, max_size=8),  # the code's very form
    st.text(alphabet=links.ALPHABET.lower() + " -", min_size=1, max_size=12),
    st.text(min_size=1, max_size=40),
    st.integers(min_value=0, max_value=10**12).map(str),  # member ids, as they are stored
)


def where(who: Identity) -> tuple[str, str, str]:
    """Which member an identity is (its display name is not part of it)."""
    return who.platform, who.workspace_id, who.user_id


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(who=forged_who, text=forged_text, tries=st.integers(min_value=1, max_value=7))
def test_a_forged_code_links_nobody_and_shows_nothing(who: Identity, text: str, tries: int) -> None:
    storage = FakeStorage()
    app = FollowThrough(storage.uow, SimulatedClock(THURSDAY_MORNING))
    app.conversation.handle(ANA_SLACK, "/lead", "add Julie Secret at Acmeprivate")
    app.conversation.handle(ANA_SLACK, "/lead", "note julie salary expectations 90k")
    found = LINK_CODE.search(app.conversation.handle(ANA_SLACK, "/followthrough", "link").text)
    assert found is not None
    code = found.group(1)
    assume(links.normalised(text) != code)
    for _ in range(tries):
        answer = app.conversation.handle(who, "/followthrough", f"link {text}")
        shown = answer.plain_text()
        assert "Julie" not in shown and "Acmeprivate" not in shown and "90k" not in shown
    assert storage.tables.links == {}
    if where(who) != where(ANA_SLACK):
        pipeline = app.conversation.handle(who, "/lead", "list").plain_text()
        assert "Julie" not in pipeline
    # The wrong tries were the forger's own: Ana's code still links her own two members.
    linked = app.conversation.handle(ANA_DISCORD, "/followthrough", f"link {code}")
    if where(who) == where(ANA_DISCORD) and tries >= links.MAX_WRONG:
        assert "wait" in linked.text and storage.tables.links == {}
    else:
        assert linked.text.startswith("Linked")


def linked_morning() -> tuple[FollowThrough, FakeStorage, int]:
    """Ana linked (Slack first), her morning chosen on Discord and planned: the app, its
    storage and the digest's outbox row."""
    storage = FakeStorage()
    clock = SimulatedClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    app = FollowThrough(storage.uow, clock)
    app.conversation.handle(ANA_SLACK, "/lead", "add Julie Secret at Acmeprivate")
    app.conversation.handle(ANA_SLACK, "/lead", "emailed julie")
    found = LINK_CODE.search(app.conversation.handle(ANA_SLACK, "/followthrough", "link").text)
    assert found is not None
    app.conversation.handle(ANA_DISCORD, "/followthrough", f"link {found.group(1)}")
    app.conversation.handle(ANA_DISCORD, "/followthrough", "me deliver discord")
    clock.advance_to(THURSDAY_MORNING)
    app.planner.plan()
    [row] = [o.id for o in storage.tables.outbox.values() if o.key.endswith("2026-03-05")]
    return app, storage, row


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=forged_who,
    outbox_id=st.integers(min_value=-1, max_value=50),
    section=st.integers(min_value=-1, max_value=3),
)
def test_a_linked_persons_morning_opens_to_its_recipient_alone(
    who: Identity, outbox_id: int, section: int
) -> None:
    app, _, row = linked_morning()
    found = app.conversation.sent_button(who.platform, outbox_id, who.user_id, section, 0)
    recipient = (outbox_id, who.platform, who.user_id) == (row, "discord", ANA_DISCORD.user_id)
    if not recipient or section < 0:
        assert found is None
    elif section == 0:
        assert found is not None and "#1" in found[1].command


# -- what a member types in the bot's DM --------------------------------------------------

ANA_DM = Identity("discord", "", "U-ana", "Ana")  # a Discord DM vouches for no group


def test_a_dm_creates_nobody_and_acts_in_the_group_the_member_chose(
    app: FollowThrough, db: Database, clock: SimulatedClock
) -> None:
    assert app.conversation.direct(ANA_DM, "add Julie at Acme").text == NOT_JOINED
    assert set(rows(db).values()) == {0}
    app.conversation.handle(ANA, "/lead", "list")
    app.conversation.handle(ANA_ELSEWHERE, "/lead", "list")
    app.conversation.handle(BEN, "/lead", "list")
    before = rows(db)

    asked = app.conversation.direct(ANA_DM, "add Julie at Acme")
    assert [b.command for b in asked.sections[0].buttons] == ["G1", "G2"]
    assert rows(db) == before  # asking changes nothing

    # Ben's group is not Ana's to choose; hers is, and it is kept on her member row.
    assert app.conversation.choose_group("discord", "U-ana", "G9", "Nowhere").kind == "error"
    app.conversation.choose_group("discord", "U-ana", "G2", "Alumni")
    app.conversation.direct(ANA_DM, "add Julie at Acme", once="dm:1")
    app.conversation.direct(ANA_DM, "add Julie at Acme", once="dm:1")
    with db.uow() as uow:
        chosen = uow.session.scalars(
            select(MemberRow.group_id).where(MemberRow.dm_chosen_at.is_not(None))
        ).all()
    assert len(chosen) == 1
    assert "Julie" in app.conversation.handle(ANA_ELSEWHERE, "/lead", "list").plain_text()
    assert "Julie" not in app.conversation.handle(ANA, "/lead", "list").plain_text()
    assert app.conversation.dm_groups("discord", "U-ana") == (["G1", "G2"], "G2")


def test_a_page_buttons_value_is_only_a_page_of_the_pressers_own_leads(
    app: FollowThrough, db: Database
) -> None:
    for n in range(1, 13):
        app.conversation.handle(ANA, "/lead", f"add Secret{n} at Hidden{n}")
    app.conversation.handle(BEN, "/lead", "add Zed at Initech")
    listed = app.conversation.handle(ANA, "/lead", "list all")
    (button,) = [b for s in listed.sections for b in s.buttons]
    assert button.command == "/lead list all page 2"  # a page number, nothing of Ana's
    before = rows(db)
    for value in (button.command, "/lead list all page 1", "/lead list due page 99"):
        command, text = button.parts if value == button.command else value.split(" ", 1)
        seen = app.conversation.handle(BEN, command, text, once="press:forged", create=False)
        assert "Secret" not in seen.plain_text() and "Hidden" not in seen.plain_text()
    assert "Zed" in app.conversation.handle(BEN, "/lead", "list all page 2").plain_text()
    assert rows(db) == before  # a read: nothing written, not even the press's key

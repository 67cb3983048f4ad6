"""One person on Slack and Discord (core.services.links): a code made on one platform and
typed on the other links the two members; its rules at their boundaries (five wrong
tries, the wait, ten minutes, once, the other platform only); one set of leads, each
board its own, one morning where chosen; unlink gives each member what it had."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.domain import links
from core.domain.messages import Message, MessageKind
from core.services import FollowThrough, Identity
from core.services.ports import SimulatedClock
from core.storage.database import Database
from core.storage.tables import GroupRow, LinkRow, OutboxRow
from testkit.storage import FakeStorage

ANA_SLACK = Identity("slack", "T1", "U-ana", "Ana")
ANA_DISCORD = Identity("discord", "G1", "730000000000000001", "ana.d")
BEN_SLACK = Identity("slack", "T1", "U-ben", "Ben")
BEN_DISCORD = Identity("discord", "G1", "730000000000000002", "ben.d")
THURSDAY_MORNING = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
CODE = re.compile(r"/followthrough link ([A-Z0-9]{8})")


def say(app: FollowThrough, who: Identity, text: str, command: str = "/followthrough") -> Message:
    return app.conversation.handle(who, command, text)


def code_of(app: FollowThrough, who: Identity) -> str:
    answer = say(app, who, "link")
    found = CODE.search(answer.text)
    assert found is not None, answer.text
    return found.group(1)


def linked(app: FollowThrough) -> FollowThrough:
    """Ana's Slack member (Julie, emailed) and Discord member (Omar) linked, Slack first."""
    say(app, ANA_SLACK, "add Julie at Acme", "/lead")
    say(app, ANA_SLACK, "emailed julie", "/lead")
    say(app, ANA_DISCORD, "add Omar at Globex", "/lead")
    answer = say(app, ANA_DISCORD, f"link {code_of(app, ANA_SLACK)}")
    assert answer.kind is MessageKind.REPLY and answer.text.startswith("Linked"), answer.text
    return app


def test_a_code_from_slack_typed_on_discord_makes_one_person(app: FollowThrough) -> None:
    say(app, ANA_SLACK, "add Julie at Acme", "/lead")
    say(app, ANA_DISCORD, "add Omar at Globex", "/lead")
    made = say(app, ANA_SLACK, "link")
    assert made.kind is MessageKind.REPLY and "only you see this" in made.text
    assert "10 minutes" in made.text
    code = CODE.search(made.text)
    assert code is not None
    answer = say(app, ANA_DISCORD, f"link {code.group(1).lower()}")  # any case
    assert "one person on Discord and Slack" in answer.text
    assert "Your 1 lead from Discord joined the others as #2" in answer.text
    assert "morning comes on Slack" in answer.text
    for who in (ANA_SLACK, ANA_DISCORD):  # one set of leads, wherever asked
        pipeline = say(app, who, "list", "/lead").plain_text()
        assert "#1" in pipeline and "Julie" in pipeline and "#2" in pipeline and "Omar" in pipeline
    # A lead added on Slack is logged on Discord, and its history is one.
    say(app, ANA_DISCORD, "emailed julie", "/lead")
    assert "emailed" in say(app, ANA_SLACK, "show julie", "/lead").plain_text().lower()


def test_link_alone_shows_what_is_linked_on_either_side(app: FollowThrough) -> None:
    linked(app)
    for who, other in ((ANA_SLACK, "Discord"), (ANA_DISCORD, "Slack")):
        answer = say(app, who, "link")
        assert answer.text.startswith("You are linked") and other in answer.text
        assert CODE.search(answer.text) is None  # no new code for a linked member


def test_five_wrong_codes_then_a_wait_then_tries_again(
    app: FollowThrough, clock: SimulatedClock
) -> None:
    code = code_of(app, ANA_SLACK)
    wrong = "ABCD2345" if code != "ABCD2345" else "ABCD2346"
    for left in (4, 3, 2, 1):
        answer = say(app, ANA_DISCORD, f"link {wrong}")
        assert answer.kind is MessageKind.ERROR
        assert f"{left} {'try' if left == 1 else 'tries'} left" in answer.text
    fifth = say(app, ANA_DISCORD, "link not-a-code")  # a malformed one counts too
    assert fifth.kind is MessageKind.ERROR and "wait 15 minutes" in fifth.text
    # During the wait even the right code is not read, and the wait does not grow.
    clock.advance_to(clock.now() + timedelta(minutes=15) - timedelta(seconds=1))
    refused = say(app, ANA_DISCORD, f"link {code}")
    assert refused.kind is MessageKind.ERROR and "wait 1 minute" in refused.text
    clock.advance_to(clock.now() + timedelta(seconds=1))  # the wait is over
    assert "over 10 minutes old" in say(app, ANA_DISCORD, f"link {code}").text  # it expired
    fresh = code_of(app, ANA_SLACK)
    assert say(app, ANA_DISCORD, f"link {fresh}").text.startswith("Linked")


def test_wrong_tries_are_each_members_own(app: FollowThrough) -> None:
    code = code_of(app, ANA_SLACK)
    for _ in range(5):
        say(app, BEN_DISCORD, "link ZZZZZZZZ")
    assert say(app, ANA_DISCORD, f"link {code}").text.startswith("Linked")


def test_a_code_lives_ten_minutes(app: FollowThrough, clock: SimulatedClock) -> None:
    made = clock.now()
    code = code_of(app, ANA_SLACK)
    clock.advance_to(made + links.VALID_FOR)
    assert "over 10 minutes old" in say(app, ANA_DISCORD, f"link {code}").text
    code = code_of(app, ANA_SLACK)
    clock.advance_to(clock.now() + links.VALID_FOR - timedelta(seconds=1))
    assert say(app, ANA_DISCORD, f"link {code}").text.startswith("Linked")


def test_a_code_works_once_and_asking_again_replaces_it(app: FollowThrough) -> None:
    first = code_of(app, ANA_SLACK)
    second = code_of(app, ANA_SLACK)
    if first != second:
        assert say(app, ANA_DISCORD, f"link {first}").kind is MessageKind.ERROR
    assert say(app, ANA_DISCORD, f"link {second}").text.startswith("Linked")
    say(app, ANA_DISCORD, "unlink")
    answer = say(app, ANA_DISCORD, f"link {second}")
    assert answer.kind is MessageKind.ERROR and "was used" in answer.text


def test_a_code_from_the_same_platform_is_refused_and_stays_good(app: FollowThrough) -> None:
    code = code_of(app, ANA_SLACK)
    answer = say(app, BEN_SLACK, f"link {code}")
    assert answer.kind is MessageKind.ERROR and "made on this platform too" in answer.text
    own = say(app, ANA_SLACK, f"link {code}")
    assert own.kind is MessageKind.ERROR and "the code you made here" in own.text
    assert say(app, ANA_DISCORD, f"link {code}").text.startswith("Linked")


def test_linking_an_already_linked_member_is_explained(app: FollowThrough) -> None:
    stale = code_of(app, ANA_DISCORD)  # made before Ana's Discord member was linked
    linked(app)  # now it is: Discord's code is dropped only if used
    ben = say(app, BEN_SLACK, f"link {stale}")
    assert ben.kind is MessageKind.ERROR and ben.text == links.OTHER_LINKED
    again = say(app, ANA_DISCORD, f"link {code_of(app, BEN_SLACK)}")
    assert again.kind is MessageKind.ERROR and "unlink" in again.text and "first" in again.text


def test_each_board_counts_what_was_done_in_its_group_once(app: FollowThrough) -> None:
    linked(app)  # on Slack: added (1) and emailed (1); on Discord: added Omar (1)
    say(app, ANA_DISCORD, "emailed omar", "/lead")  # on Discord: 1
    say(app, ANA_DISCORD, "called julie", "/lead")  # on Discord: 3
    slack_board = say(app, ANA_SLACK, "week", "/leaderboard").plain_text()
    discord_board = say(app, ANA_DISCORD, "week", "/leaderboard").plain_text()
    assert "Ana: 2 points" in slack_board
    assert "ana.d: 5 points" in discord_board
    assert "Julie" not in slack_board + discord_board and "Acme" not in discord_board


def test_unlink_gives_each_member_what_it_had(app: FollowThrough) -> None:
    linked(app)
    say(app, ANA_DISCORD, "add Sam at Initech", "/lead")  # added while linked: #3
    answer = say(app, ANA_DISCORD, "unlink")
    assert answer.text.startswith("Unlinked") and "nothing was lost" in answer.text
    assert "The 1 lead Discord had when you linked went back there" in answer.text
    assert "leads added while linked stay on Slack" in answer.text
    discord = say(app, ANA_DISCORD, "list", "/lead").plain_text()
    slack = say(app, ANA_SLACK, "list", "/lead").plain_text()
    assert "#1" in discord and "Omar" in discord and "Julie" not in discord
    assert "Julie" in slack and "Sam" in slack and "Omar" not in slack
    # History went with the leads; the boards kept what each group saw.
    assert "added" in say(app, ANA_DISCORD, "show omar", "/lead").plain_text().lower()
    assert "ana.d: 2 points" in say(app, ANA_DISCORD, "week", "/leaderboard").plain_text()
    assert say(app, ANA_SLACK, "unlink").text == links.NOT_LINKED
    assert say(app, ANA_DISCORD, "add Lee at Umbrella", "/lead").kind is MessageKind.REPLY
    assert "#2" in say(app, ANA_DISCORD, "list", "/lead").plain_text()


def digests(storage: FakeStorage) -> list[tuple[int, int | None]]:
    """(group, member) of each digest to send (the mornings the clock jumped over are
    recorded as missed)."""
    return sorted(
        (o.group_id, o.member_id)
        for o in storage.tables.outbox.values()
        if o.message.kind is MessageKind.DIGEST and o.status == "pending"
    )


def members(storage: FakeStorage) -> dict[str, int]:
    return {
        f"{storage.tables.groups[m.group_id].platform}": m.id
        for m in storage.tables.members.values()
        if m.id is not None
    }


def test_one_morning_delivered_where_chosen(clock: SimulatedClock) -> None:
    storage = FakeStorage()
    app = linked(FollowThrough(storage.uow, clock))
    say(app, ANA_DISCORD, "emailed omar", "/lead")  # both follow-ups due Thursday
    ids = members(storage)
    clock.advance_to(THURSDAY_MORNING)
    app.planner.plan()
    [(_, to)] = digests(storage)
    assert to == ids["slack"]  # the primary's, by default
    [digest] = [o for o in storage.tables.outbox.values() if o.key.endswith("2026-03-05")]
    assert "Julie" in digest.message.plain_text() and "Omar" in digest.message.plain_text()
    answer = say(app, ANA_SLACK, "me deliver discord")
    assert answer.text == "Your morning now comes on Discord, once."
    clock.advance_to(THURSDAY_MORNING + timedelta(days=1))
    app.planner.plan()
    assert [to for _, to in digests(storage)] == sorted([ids["slack"], ids["discord"]])
    where = say(app, ANA_SLACK, "me deliver teams")
    assert where.kind is MessageKind.ERROR


def test_deliver_without_a_link_says_the_morning_comes_here(app: FollowThrough) -> None:
    answer = say(app, ANA_SLACK, "me deliver discord")
    assert answer.kind is MessageKind.ERROR and answer.text == links.NOT_LINKED_DELIVER


def test_forget_me_waits_for_unlink(app: FollowThrough) -> None:
    linked(app)
    for who in (ANA_SLACK, ANA_DISCORD):
        refused = say(app, who, "forget-me confirm")
        assert refused.kind is MessageKind.ERROR and "unlink" in refused.text
    assert "Julie" in say(app, ANA_DISCORD, "list", "/lead").plain_text()


def test_removing_the_bot_from_one_group_keeps_the_persons_leads_in_the_other(
    app: FollowThrough,
) -> None:
    linked(app)
    say(app, ANA_DISCORD, "add Sam at Initech", "/lead")
    assert app.conversation.erase_group("slack", "T1")
    pipeline = say(app, ANA_DISCORD, "list", "/lead").plain_text()
    assert "Julie" in pipeline and "Omar" in pipeline and "Sam" in pipeline
    assert say(app, ANA_DISCORD, "link").text.startswith("Your link code")


def test_the_code_is_kept_only_as_a_salted_hash(clock: SimulatedClock) -> None:
    storage = FakeStorage()
    app = FollowThrough(storage.uow, clock)
    code = code_of(app, ANA_SLACK)
    [stored] = storage.tables.link_codes.values()
    assert code not in repr(storage.tables.__dict__)
    assert stored.digest == links.digest(stored.salt, code) and len(stored.salt) == 32


def test_the_same_on_a_database(app: FollowThrough, db: Database, clock: SimulatedClock) -> None:
    """Linking, one morning where chosen, the boards and unlinking, on SQLite and
    PostgreSQL."""
    linked(app)
    say(app, ANA_DISCORD, "emailed omar", "/lead")
    say(app, ANA_SLACK, "me deliver discord")
    clock.advance_to(THURSDAY_MORNING)
    app.planner.plan()
    with db.uow() as uow:
        rows = uow.session.execute(
            select(GroupRow.platform, OutboxRow.key)
            .join(GroupRow, GroupRow.id == OutboxRow.group_id)
            .where(OutboxRow.kind == "digest", OutboxRow.status == "pending")
        ).all()
    assert [platform for platform, _ in rows] == ["discord"]
    assert "ana.d: 2 points" in say(app, ANA_DISCORD, "week", "/leaderboard").plain_text()
    assert "Ana: 2 points" in say(app, ANA_SLACK, "week", "/leaderboard").plain_text()
    history = say(app, ANA_DISCORD, "show julie", "/lead").plain_text().lower()
    assert "added" in history and "emailed" in history  # logged on Slack, read on Discord
    say(app, ANA_SLACK, "unlink")
    assert "Omar" in say(app, ANA_DISCORD, "list", "/lead").plain_text()
    assert "Omar" not in say(app, ANA_SLACK, "list", "/lead").plain_text()
    assert "emailed" in say(app, ANA_DISCORD, "show omar", "/lead").plain_text().lower()
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(LinkRow)) == 0


def test_the_persons_streak_shows_on_both_boards(app: FollowThrough, clock: SimulatedClock) -> None:
    linked(app)  # Monday: something logged on both platforms
    clock.advance_to(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    say(app, ANA_SLACK, "called julie", "/lead")  # Tuesday, on Slack only
    assert "streak 2 days" in say(app, ANA_DISCORD, "week", "/leaderboard").plain_text()
    clock.advance_to(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    say(app, ANA_DISCORD, "emailed omar", "/lead")  # Wednesday, on Discord only
    assert "streak 3 days" in say(app, ANA_SLACK, "week", "/leaderboard").plain_text()


def test_group_posts_stay_in_the_group_they_were_typed_in(clock: SimulatedClock) -> None:
    storage = FakeStorage()
    app = FollowThrough(storage.uow, clock)
    for organiser in (
        Identity("slack", "T1", "U-org", "Olga", is_admin=True),
        Identity("discord", "G1", "1", "olga.d", is_admin=True),
    ):
        say(app, organiser, "group channel #job-search")
    linked(app)
    say(app, ANA_SLACK, "share companies on")  # on Slack only
    say(app, ANA_DISCORD, "referral julie -> Sam Lee at Initech", "/lead")
    say(app, ANA_DISCORD, "show julie", "/lead")
    posts = [o for o in storage.tables.outbox.values() if o.to_channel]
    assert posts, "a grown chain is celebrated"
    groups = {g.id: g.platform for g in storage.tables.groups.values()}
    assert {groups[o.group_id] for o in posts} == {"discord"}
    for post in posts:
        text = post.message.plain_text()
        assert "ana.d" in text  # the name that group knows
        assert "Julie" not in text and "Sam" not in text  # contacts never
        assert "Acme" not in text and "Initech" not in text  # companies: not shared there
    ben = say(app, BEN_DISCORD, "list", "/lead").plain_text()
    assert "Julie" not in ben and "Sam" not in ben


def test_the_morning_goes_where_chosen_even_if_the_other_side_cannot_be_reached(
    clock: SimulatedClock,
) -> None:
    storage = FakeStorage()
    app = linked(FollowThrough(storage.uow, clock))
    say(app, ANA_SLACK, "me deliver discord")
    ids = members(storage)
    slack = storage.tables.members[ids["slack"]]
    storage.tables.members[ids["slack"]] = replace(slack, unreachable=True)  # left Slack
    clock.advance_to(THURSDAY_MORNING)
    app.planner.plan()
    assert [to for _, to in digests(storage)] == [ids["discord"]]
    assert storage.tables.members[ids["slack"]].unreachable  # as it was


def test_the_mornings_buttons_work_on_the_platform_it_came_to(clock: SimulatedClock) -> None:
    storage = FakeStorage()
    app = linked(FollowThrough(storage.uow, clock))  # Julie (from Slack) emailed Monday
    say(app, ANA_DISCORD, "me deliver discord")
    clock.advance_to(THURSDAY_MORNING)
    app.planner.plan()
    [row] = [o for o in storage.tables.outbox.values() if o.key.endswith("2026-03-05")]
    assert app.conversation.sent_button("slack", row.id, ANA_SLACK.user_id, 0, 0) is None
    found = app.conversation.sent_button("discord", row.id, ANA_DISCORD.user_id, 0, 0)
    assert found is not None
    workspace, button = found
    assert workspace == ANA_DISCORD.workspace_id and "#1" in button.command
    command, text = button.parts
    answer = app.conversation.handle(ANA_DISCORD, command, text, once=f"press:{row.id}:0:0")
    assert "Julie" in answer.plain_text()
    assert "followed up" in say(app, ANA_SLACK, "list", "/lead").plain_text().lower()

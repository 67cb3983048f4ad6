"""What a member types in their DM with the bot (bots.discord.direct): MESSAGE_CREATE
from the fake gateway to the real discord.py client, answered in the DM over REST."""

from __future__ import annotations

import re
from pathlib import Path

from core.domain.replies import NOT_JOINED
from testkit import discord_payloads as p
from testkit.discord import BOT_USER
from testkit.discord_harness import (
    GUILD,
    Harness,
    deliver,
    due_digest,
    eventually,
    stored,
    text_of,
    who,
)

ADA = 730000000000000101
BO = 730000000000000102
GUILD_B = "710000000000000077"


def lead_rows(h: Harness) -> list[tuple[str, str]]:
    from sqlalchemy import text

    with h.reader().connect() as connection:
        query = text("SELECT contact, stage FROM leads ORDER BY id")
        return [(contact, stage) for contact, stage in connection.execute(query)]


async def test_a_dm_over_the_gateway_is_read_and_answered_in_the_dm(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(ADA), "/lead", "list")
        await h.connect()

        typed = h.fake.typed(ADA, "add Julie Martin at Acme via email")
        assert await h.fake.deliver(typed) == 1  # the session asked for DM messages

        channel = int(typed["channel_id"])
        await eventually(lambda: len(h.bot_said(channel)) == 1)
        (answer,) = h.bot_said(channel)
        assert "Julie Martin" in text_of(answer)
        assert lead_rows(h) == [("Julie Martin", "new")]
        assert answer["allowed_mentions"] == {"parse": []}
        assert answer["nonce"] and len(answer["nonce"]) <= 25


async def test_a_servers_channel_is_never_read(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(ADA), "/lead", "list")
        await h.connect()
        said = h.fake.typed(ADA, "add Julie at Acme", guild_id=int(GUILD), channel_id=p.CHANNEL_ID)

        # The session identified without GUILD_MESSAGES or MESSAGE_CONTENT: not sent.
        assert await h.fake.deliver(said) == 0
        # Even handed to the client, a server's message is left alone.
        h.feed_message(said)
        await h.dm(ADA, "today")  # a DM after it is answered: the server's was skipped

        assert lead_rows(h) == []
        assert h.bot_said(p.CHANNEL_ID) == []


async def test_words_run_as_the_command_in_the_members_one_group(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(ADA), "/lead", "add Julie Martin at Acme via email")

        (answer,) = await h.dm(ADA, "emailed julie, no answer yet")

        assert "Julie Martin" in text_of(answer)
        assert lead_rows(h) == [("Julie Martin", "emailed")]
        (help_,) = await h.dm(ADA, "what now?")
        assert "I didn't understand" in text_of(help_)


async def test_bots_and_the_bot_itself_are_never_answered(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(ADA), "/lead", "list")
        other_bot = {**p.user(BO, "helper"), "bot": True}
        for message in (
            h.fake.typed(ADA, "add Julie at Acme", author=BOT_USER),  # our own answer
            h.fake.typed(ADA, "add Julie at Acme", author=other_bot),
            h.fake.typed(ADA, "add Julie at Acme", webhook_id="7300"),
            h.fake.typed(ADA, "add Julie at Acme", type=7),  # a system message
        ):
            h.feed_message(message)
        await h.dm(ADA, "list")  # answered: the ones before it were not
        channel = h.fake.dm_channels[ADA]
        assert len(h.bot_said(channel)) == 1
        assert lead_rows(h) == []


async def test_a_message_delivered_twice_is_applied_and_answered_once(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(ADA), "/lead", "list")
        await h.dm(ADA, "add Julie at Acme")
        channel = h.fake.dm_channels[ADA]
        again = h.fake.messages[channel][0]  # what Ada typed, sent again (a replay)
        assert again["author"]["id"] == str(ADA)

        h.feed_message(again)
        await h.dm(ADA, "list")

        assert lead_rows(h) == [("Julie", "new")]
        assert len(h.bot_said(channel)) == 2  # the add's answer, and the list's


async def test_someone_in_no_group_is_told_how_to_start_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        before = stored(h)
        (answer,) = await h.dm(ADA, "add Julie at Acme")
        assert text_of(answer) == NOT_JOINED
        after = stored(h)
        # Only the message's own key is kept; no group, member or lead.
        assert {k: v for k, v in after.items() if k != "applied_keys"} == {
            k: v for k, v in before.items() if k != "applied_keys"
        }


async def test_a_crowd_ping_typed_in_a_dm_is_not_echoed_as_a_ping(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(ADA), "/lead", "list")
        (answer,) = await h.dm(ADA, "add @everyone at <@&710000000000000001> Labs")
        shown = text_of(answer)
        # Shown as typed, but inert: no live crowd or role mention in it.
        assert not re.search(r"@(everyone|here)|<@&\d+>", shown)
        assert "everyone" in shown and "Labs" in shown
        assert answer["allowed_mentions"] == {"parse": []}


async def test_a_member_of_two_groups_chooses_by_button_and_it_is_kept(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.join(p.guild(int(GUILD_B)))
        h.app.conversation.handle(who(ADA), "/lead", "add Julie at Acme")
        h.app.conversation.handle(who(ADA, guild=GUILD_B), "/lead", "add Omar at Globex")

        (question,) = await h.dm(ADA, "add Zoe at Initech")

        ids = p.custom_ids(question)
        assert ids == [f"ft2:g:0:{GUILD}", f"ft2:g:0:{GUILD_B}"]
        labels = [c["label"] for row in question["components"] for c in row["components"]]
        assert labels == ["guild 1", "guild 77"]  # the servers' names
        assert [c for c, _ in lead_rows(h)] == ["Julie", "Omar"]  # nothing done yet

        channel = h.fake.dm_channels[ADA]
        press = p.press(ids[1], user_id=ADA, message=question, dm_channel=channel)
        await h.interact(press)
        shown = h.fake.originals[press["token"]]
        assert "guild 77" in text_of(shown)

        await h.dm(ADA, "add Zoe at Initech")
        with h.reader().connect() as connection:
            from sqlalchemy import text

            owner = connection.execute(
                text(
                    "SELECT g.external_id FROM leads l JOIN members m ON m.id = l.member_id"
                    " JOIN groups g ON g.id = m.group_id WHERE l.contact = 'Zoe'"
                )
            ).scalar_one()
        assert owner == GUILD_B

        # A restart remembers the choice.
        await h.restart()
        await h.dm(ADA, "add Yan at Hooli")
        assert [c for c, _ in lead_rows(h)] == ["Julie", "Omar", "Zoe", "Yan"]


async def test_a_forged_choice_of_someone_elses_group_changes_nothing(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.join(p.guild(int(GUILD_B)))
        h.app.conversation.handle(who(ADA), "/lead", "list")
        h.app.conversation.handle(who(ADA, guild="710000000000000099"), "/lead", "list")
        h.app.conversation.handle(who(BO, guild=GUILD_B), "/lead", "list")
        (question,) = await h.dm(ADA, "list")
        channel = h.fake.dm_channels[ADA]
        forged = p.forged(question, f"ft2:g:0:{GUILD_B}")

        press = p.press(f"ft2:g:0:{GUILD_B}", user_id=ADA, message=forged, dm_channel=channel)
        answer = await h.interact(press)

        assert "someone else" in text_of(answer)
        assert h.app.conversation.dm_groups("discord", str(ADA))[1] is None


async def test_done_after_a_digest_of_one_action_logs_it(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, ADA)
        assert await deliver(h) == 1

        (answer,) = await h.dm(ADA, "done")

        assert "followed up" in text_of(answer).lower()
        assert lead_rows(h) == [("Contact0 Person", "followed_up")]


async def test_done_after_a_digest_of_several_offers_a_button_each(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        due_digest(h, ADA, leads=2)
        assert await deliver(h) == 1

        (question,) = await h.dm(ADA, "replied")

        ids = p.custom_ids(question)
        assert ids == ["ft2:r:0:lead:replied #1", "ft2:r:1:lead:replied #2"]
        assert [stage for _, stage in lead_rows(h)] == ["emailed", "emailed"]
        channel = h.fake.dm_channels[ADA]
        press = p.press(ids[1], user_id=ADA, message=question, dm_channel=channel)
        await h.interact(press)
        assert [stage for _, stage in lead_rows(h)] == ["emailed", "talking"]

"""Which group a Discord interaction acts in comes only from what Discord vouches for
(the guild it came from, if the bot is in it) and from our own records (the DM a button
was on, the member's groups); a custom id is a pointer, checked, never a tenant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bots.discord import render
from core.services import SAYINGS
from testkit import discord_payloads as p
from testkit.discord_harness import (
    GUILD,
    Harness,
    deliver,
    rows_of,
    stored,
    text_of,
    who,
)

ADA = 730000000000000001
BO = 730000000000000002
CY = 730000000000000003
DEE = 730000000000000004
GUILD_B = "710000000000000077"
NOWHERE = 719999999999999999  # a guild the bot was never added to
SECRET = {ADA: "Quokka", BO: "Narwhal"}  # each one's lead's role: shown to its owner only


def lead(*parts: Any, **kwargs: Any) -> dict[str, Any]:
    return p.command("lead", *parts, **kwargs)


def dm_channel(h: Harness, user: int) -> int:
    """The member's DM channel with the bot (opened as Discord would for a DM command)."""
    return h.fake.dm_channels.setdefault(user, h.fake.new_id())


async def two_guilds(h: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ada in the test guild and Bo in guild B, each with a follow-up due and delivered:
    (Ada's digest DM, Bo's digest DM)."""
    h.join(p.guild(int(GUILD_B)))
    assert h.clock is not None
    ada, bo = who(ADA), who(BO, "Bo", guild=GUILD_B)
    h.app.conversation.handle(ada, "/lead", f"add Julie at Acme as {SECRET[ADA]}")
    h.app.conversation.handle(ada, "/lead", "emailed #1")
    h.app.conversation.handle(bo, "/lead", f"add Zed at Initech as {SECRET[BO]}")
    h.app.conversation.handle(bo, "/lead", "emailed #1")
    h.clock.advance_to(datetime(2026, 3, 5, 8, 1, tzinfo=UTC))  # type: ignore[attr-defined]
    h.app.planner.plan()
    assert await deliver(h) == 2
    return h.fake.dm(ADA)[0], h.fake.dm(BO)[0]


def history(h: Harness, member: Any) -> str:
    return h.app.conversation.handle(member, "/lead", "show #1").plain_text()


async def test_a_forged_custom_id_naming_another_guild_or_lead_changes_nothing(
    tmp_path: Path,
) -> None:
    async with Harness(tmp_path) as h:
        ada_dm, bo_dm = await two_guilds(h)
        before = stored(h)
        channel = h.fake.dm_channels[ADA]
        [bo_done, *_] = p.custom_ids(bo_dm)
        forged = [
            bo_done,  # Bo's digest row: not Ada's
            f"ft1:{GUILD_B}:{ADA}:0:lead:followedup #1",  # an old digest naming guild B
            f"ft1:{GUILD_B}:{BO}:0:lead:followedup #1",  # ... and Bo
            p.custom_ids(ada_dm)[0].rsplit(":", 1)[0] + ":7",  # no such button on hers
        ]
        for custom_id in forged:
            message = p.forged(ada_dm, custom_id)
            press = p.press(custom_id, user_id=ADA, message=message, dm_channel=channel)
            answer = await h.interact(press)
            assert answer["flags"] & 64
            assert text_of(answer) == SAYINGS["not_yours"], custom_id
        # Pressed in a guild, a custom id naming another guild is refused too.
        in_guild = p.press(
            f"ft1:{GUILD_B}:{ADA}:0:lead:followedup #1",
            user_id=ADA,
            message=p.forged({**ada_dm, "flags": 64}, f"ft1:{GUILD_B}:{ADA}:0:lead:followedup #1"),
            guild_id=int(GUILD),
        )
        assert text_of(await h.interact(in_guild)) == SAYINGS["not_yours"]
        assert stored(h) == before, "nothing stored, nothing changed"
        # A reply's button naming Bo's lead runs as Ada, in her group: no such lead.
        zed = "ft2:r:0:lead:followedup Zed"
        reply = p.press(zed, user_id=ADA, message=p.forged(ada_dm, zed), dm_channel=channel)
        refused = text_of(await h.interact(reply))
        assert "No lead matches" in refused and "Initech" not in refused
        assert SECRET[BO] not in refused
        assert h.app.conversation.workspaces("discord", str(ADA)) == [GUILD]
        assert "followedup" not in history(h, who(BO, "Bo", guild=GUILD_B))
        assert "followedup" not in history(h, who(ADA))
        # Her own button still works, in her group.
        mine = p.press(p.custom_ids(ada_dm)[0], user_id=ADA, message=ada_dm, dm_channel=channel)
        h.feed(mine)
        await h.fake.wait(lambda: "footer" in str(h.fake.originals.get(mine["token"])))
        assert "followedup" in history(h, who(ADA))


async def test_an_interaction_from_a_guild_the_bot_is_not_in_stores_nothing(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        before = stored(h)
        command = lead(
            "add", p.option("contact", "Julie"), p.option("company", "Acme"), guild_id=NOWHERE
        )
        answer = await h.interact(command)
        assert answer["flags"] & 64 and text_of(answer) == SAYINGS["not_added"]
        complete = lead(
            "emailed", p.option("lead", "ju", focused=True), autocomplete=True, guild_id=NOWHERE
        )
        await h.interact(complete)
        assert h.fake.callbacks[int(complete["id"])][0]["data"]["choices"] == []
        confirm = "ft2:r:0:followthrough:forget-me confirm"
        reply = h.fake._message(p.CHANNEL_ID, {"flags": 64})  # an ephemeral reply
        press = p.press(confirm, user_id=ADA, message=p.forged(reply, confirm), guild_id=NOWHERE)
        assert text_of(await h.interact(press)) == SAYINGS["not_added"]
        assert stored(h) == before


async def test_dm_commands_act_in_each_members_own_group_and_create_none(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.join(p.guild(int(GUILD_B)))
        before = stored(h)
        adds = {
            user: lead(
                "add",
                p.option("contact", name),
                p.option("company", "Acme"),
                user_id=user,
                guild_id=None,
                channel_id=dm_channel(h, user),
            )
            for user, name in ((ADA, "Julie"), (BO, "Zed"))
        }
        for payload in adds.values():  # neither is in a group yet
            assert text_of(await h.interact(payload)) == SAYINGS["no_group"]
        assert stored(h) == before
        # Each joins a different server, then uses the bot's DM.
        await h.interact(lead("list", user_id=ADA))
        await h.interact(lead("list", user_id=BO, guild_id=int(GUILD_B)))
        for user, name in ((ADA, "Julie"), (BO, "Zed")):
            payload = lead(
                "add",
                p.option("contact", name),
                p.option("company", "Acme"),
                user_id=user,
                guild_id=None,
                channel_id=dm_channel(h, user),
            )
            assert f"Added #1 {name}" in text_of(await h.interact(payload))
        assert "Julie" in history(h, who(ADA)) and "Zed" not in history(h, who(ADA))
        complete = lead(
            "emailed",
            p.option("lead", "", focused=True),
            autocomplete=True,
            user_id=ADA,
            guild_id=None,
            channel_id=dm_channel(h, ADA),
        )
        await h.interact(complete)  # her own leads, from her one group
        [choice] = h.fake.callbacks[int(complete["id"])][0]["data"]["choices"]
        assert "Julie" in choice["name"]
        bo = who(BO, "Bo", guild=GUILD_B)
        assert "Zed" in history(h, bo) and "Julie" not in history(h, bo)
        assert {row[2] for row in stored(h)["groups"]} == {GUILD, GUILD_B}  # no "" group
        # Someone in both servers is asked which one; nothing changes.
        await h.interact(lead("list", user_id=ADA, guild_id=int(GUILD_B)))
        before = stored(h)
        again = lead("list", user_id=ADA, guild_id=None, channel_id=dm_channel(h, ADA))
        assert text_of(await h.interact(again)) == SAYINGS["which_group"]
        assert stored(h) == before


async def test_a_reply_button_acts_for_the_presser_alone_in_a_dm_or_a_guild(tmp_path: Path) -> None:
    """A button on a reply (forget-me's confirmation) runs as whoever presses it: in a DM,
    in their one group; in a guild, in that guild. Nobody else's rows move."""

    async with Harness(tmp_path) as h:
        h.join(p.guild(int(GUILD_B)))
        h.app.conversation.handle(who(ADA), "/lead", f"add Julie at Acme as {SECRET[ADA]}")
        h.app.conversation.handle(who(CY, "Cy"), "/lead", "add Uma at Umbrella")
        h.app.conversation.handle(who(BO, "Bo", guild=GUILD_B), "/lead", "add Zed at Initech")
        refusals = {SAYINGS[k] for k in ("not_yours", "no_group", "which_group", "not_added")}
        confirm = "ft2:r:0:followthrough:forget-me confirm"
        reply = p.forged(h.fake._message(p.CHANNEL_ID, {"flags": 64}), confirm)
        theirs, cy = rows_of(h, GUILD_B), history(h, who(CY, "Cy"))
        in_dm = p.press(confirm, user_id=ADA, message=reply, dm_channel=dm_channel(h, ADA))
        assert text_of(await h.interact(in_dm)) not in refusals
        assert rows_of(h, GUILD_B) == theirs and history(h, who(CY, "Cy")) == cy
        in_guild = p.press(confirm, user_id=CY, message=reply, guild_id=int(GUILD))
        assert text_of(await h.interact(in_guild)) not in refusals
        assert rows_of(h, GUILD_B) == theirs
        before = stored(h)  # someone in no group: told so, and nothing is stored
        stranger = p.press(confirm, user_id=DEE, message=reply, dm_channel=dm_channel(h, DEE))
        assert text_of(await h.interact(stranger)) == SAYINGS["no_group"]
        assert stored(h) == before


async def test_the_command_tree_says_where_each_command_can_be_used(tmp_path: Path) -> None:
    async with Harness(tmp_path, sync=True) as h:
        by_name = {c["name"]: c for c in h.fake.commands}
        for command in by_name.values():
            assert command["integration_types"] == [0], command["name"]  # servers only
            admin = command["default_member_permissions"] is not None
            assert command["contexts"] == ([0] if admin else [0, 1]), command["name"]
        assert by_name["followthrough-group"]["contexts"] == [0]


# -- the tick after a press ------------------------------------------------------------------


async def test_a_press_on_a_message_at_the_embed_limit_stays_within_it(tmp_path: Path) -> None:
    async with Harness(tmp_path) as h:
        h.app.conversation.handle(who(ADA), "/lead", "add Julie at Acme")
        h.app.conversation.handle(who(ADA), "/lead", "emailed #1")
        h.clock.advance_to(datetime(2026, 3, 5, 8, 1, tzinfo=UTC))  # type: ignore[attr-defined]
        h.app.planner.plan()
        await deliver(h)
        [dm] = h.fake.dm(ADA)
        # The message as Discord holds it, filled to 6,000 characters of embeds, with
        # escapes and a mention where the tick's room must be cut.
        tail = "\\*" * 40 + " <@730000000000000001> " + "\\_" * 20
        first = "y" * (4096 - len(tail)) + tail
        second = "z" * (6000 - 4096 - 10)
        full = {
            **dm,
            "embeds": [
                {"type": "rich", "description": first},
                {"type": "rich", "description": second, "footer": {"text": "f" * 10}},
            ],
        }
        press = p.press(
            p.custom_ids(dm)[0],
            user_id=ADA,
            message=full,
            dm_channel=h.fake.dm_channels[ADA],
        )
        h.feed(press)
        await h.fake.wait(lambda: "footer" in str(h.fake.originals.get(press["token"])))
        edited = h.fake.originals[press["token"]]
        embeds = edited["embeds"]
        total = sum(
            len(e.get("description") or "") + len((e.get("footer") or {}).get("text", ""))
            for e in embeds
        )
        assert total <= 6000
        assert embeds[0]["footer"]["text"].startswith("✓ Logged")
        cut = embeds[0]["description"]
        assert cut.endswith("…") and len(cut) < len(first)
        head = cut[:-1]
        assert (len(head) - len(head.rstrip("\\"))) % 2 == 0, "an escape was split"
        assert head.count("<@") == head.count(">"), "a mention was split"


def test_a_cut_never_splits_an_escape_or_a_mention() -> None:
    text = "ab\\*cd <@730000000000000001> ef"
    mention = len("<@730000000000000001>")  # a limit below that must split it
    for limit in range(1, len(text) + 1):
        pieces = render.chunks(text, limit) if limit > mention else []
        for piece in (render.cut(text, limit), *pieces):
            assert len(piece) <= limit
            body = piece.removesuffix("…")
            assert (len(body) - len(body.rstrip("\\"))) % 2 == 0, (limit, piece)
            assert body.count("<@") == body.count(">"), (limit, piece)
    assert "".join(render.chunks(text, 9)) == text


# -- isolation, generated ---------------------------------------------------------------------

ACTORS = {ADA: (GUILD, GUILD_B, "Ada"), BO: (GUILD_B, GUILD, "Bo")}
THEIRS = {ADA: ("Zed", "Initech"), BO: ("Julie", "Acme")}  # the other guild's lead
STEPS = st.lists(
    st.tuples(
        st.sampled_from([ADA, BO]),
        st.sampled_from(["command", "press", "autocomplete"]),
        st.sampled_from(["guild", "dm"]),
        st.integers(min_value=0, max_value=5),  # which forged pointer or reference
        st.sampled_from(["emailed", "followedup", "show", "note", "snooze"]),
    ),
    min_size=1,
    max_size=3,
)


def test_generated_interactions_never_reach_the_other_guilds_rows(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    h = Harness(tmp_path)
    try:
        loop.run_until_complete(h.__aenter__())
        digests = dict(zip((ADA, BO), loop.run_until_complete(two_guilds(h)), strict=True))

        def payload(actor: int, kind: str, where: str, pick: int, verb: str) -> dict[str, Any]:
            own, other, _ = ACTORS[actor]
            enemy = BO if actor == ADA else ADA
            contact, company = THEIRS[actor]
            guild = None if where == "dm" else int(own)
            channel = dm_channel(h, actor) if guild is None else p.CHANNEL_ID
            ref = [contact, company, "#1", "#2", contact.lower(), f"{company} {contact}"][pick]
            if kind == "autocomplete":
                return lead(
                    verb if verb != "snooze" else "note",
                    p.option("lead", ref, focused=True),
                    autocomplete=True,
                    user_id=actor,
                    guild_id=guild,
                    channel_id=channel,
                )
            if kind == "command":
                options = [p.option("lead", ref)]
                if verb == "note":
                    options.append(p.option("text", "hello"))
                if verb == "snooze":
                    options.append(p.option("days", 2))
                return lead(verb, *options, user_id=actor, guild_id=guild, channel_id=channel)
            theirs = p.custom_ids(digests[enemy])
            custom_id = [
                theirs[pick % len(theirs)],  # the other member's stored DM
                f"ft1:{other}:{actor}:0:lead:{verb} {ref}",  # an old digest naming the other guild
                f"ft1:{other}:{enemy}:0:lead:{verb} {ref}",
                f"ft2:r:0:lead:{verb} {ref}",  # a reply's button naming their lead
                "ft2:s:999999:0:0:0",  # no such row
                "ft2:r:0:followthrough:forget-me confirm",
            ][pick]
            # Each press on a message of its own, as a client that edited the custom id.
            message = p.forged({**digests[actor], "id": str(p.new_id())}, custom_id)
            if guild is not None:
                message["flags"] = 64
            return p.press(
                custom_id, user_id=actor, message=message, dm_channel=channel, guild_id=guild
            )

        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(STEPS)
        def isolated(steps: list[tuple[int, str, str, int, str]]) -> None:
            async def play() -> None:
                for actor, kind, where, pick, verb in steps:
                    other = ACTORS[actor][1]
                    before = rows_of(h, other)
                    sent = payload(actor, kind, where, pick, verb)
                    answer = await h.interact(sent)
                    assert rows_of(h, other) == before, (kind, where, pick, verb)
                    seen = str(answer) + str(h.fake.callbacks.get(int(sent["id"])))
                    enemy = BO if actor == ADA else ADA
                    assert SECRET[enemy] not in seen, seen
                    assert other not in h.app.conversation.workspaces("discord", str(actor))

            loop.run_until_complete(asyncio.wait_for(play(), 30))

        isolated()
    finally:
        loop.run_until_complete(h.__aexit__(None, None, None))
        loop.close()

"""`/lead` with no text opens the add-lead modal; it validates with inline errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import text

from core.services import Message, Section
from testkit.slack import TEAM
from testkit.slack_harness import ADA, Harness, harness, listeners_done, wait_until

GUEST_HOME = "T0GUEST001"  # a Slack Connect member's own workspace, which never installed us


def submission(h: Harness, view: dict[str, Any], values: dict[str, str | None]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        name, kind = block["block_id"], block["element"]["type"]
        value = values.get(name)
        if kind == "plain_text_input":
            state[name] = {"value": {"type": kind, "value": value}}
        elif kind == "static_select":
            chosen = None if value is None else {"value": value}
            state[name] = {"value": {"type": kind, "selected_option": chosen}}
        else:
            picked = [] if value is None else [{"value": "yes"}]
            state[name] = {"value": {"type": kind, "selected_options": picked}}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": {"id": ADA, "name": "ada", "team_id": TEAM},
        "api_app_id": "A0APP00001",
        "trigger_id": "trigger-submit",
        "view": {
            **view,
            "id": "V0MODAL001",
            "team_id": TEAM,
            "state": {"values": state},
            "hash": "1.x",
        },
    }


async def opened_modal(h: Harness) -> dict[str, Any]:
    status, ack, _ = await h.command("")
    assert (status, ack) == (200, "")
    await wait_until(lambda: h.fake.calls_to("views.open"))
    (call,) = h.fake.calls_to("views.open")
    assert call.args["trigger_id"].startswith("trigger-")
    view: dict[str, Any] = call.args["view"]
    return view


async def test_lead_with_no_text_opens_the_modal_with_the_cores_fields(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        assert view["type"] == "modal"
        assert [b["block_id"] for b in view["blocks"]] == [
            "contact",
            "company",
            "role",
            "via",
            "network",
        ]
        optional = {b["block_id"]: b["optional"] for b in view["blocks"]}
        assert optional == {
            "contact": False,
            "company": False,
            "role": True,
            "via": True,
            "network": True,
        }


async def test_a_valid_submission_closes_the_modal_and_adds_the_lead(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(
            h, view, {"contact": "Julie Martin", "company": "Acme", "via": "email"}
        )
        status, body = await h.interact(payload)
        assert (status, body) == (200, "")
        await wait_until(lambda: h.fake.posts(h.fake.dm_channel(ADA)))
        (dm,) = h.fake.posts(h.fake.dm_channel(ADA))
        assert "Julie Martin" in dm["text"]
        assert "Acme" in await h.ask("list")


async def test_an_invalid_submission_answers_with_an_inline_error_and_adds_nothing(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(h, view, {"contact": "Julie", "company": "A" * 300})
        status, body = await h.interact(payload)
        assert status == 200
        answer = json.loads(body)
        assert answer["response_action"] == "errors"
        assert list(answer["errors"]) == ["company"]
        assert h.fake.posts() == []
        assert "Julie" not in await h.ask("list")


async def test_a_long_answer_to_a_submission_reaches_the_dm_in_full(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        core = h.server.slack.services
        real = core.run

        def long(*args: Any, **kwargs: Any) -> Message:  # the real answer, and more
            answer = real(*args, **kwargs)  # than 50 blocks
            extra = tuple(Section(f"line {n}") for n in range(60))
            return replace(answer, sections=(*answer.sections, *extra))

        core.run = long  # type: ignore[method-assign,assignment]
        try:
            view = await opened_modal(h)
            payload = submission(h, view, {"contact": "Julie Martin", "company": "Acme"})
            assert (await h.interact(payload))[0] == 200
            await wait_until(lambda: len(h.fake.posts(h.fake.dm_channel(ADA))) == 2)
        finally:
            del core.run
        first, second = h.fake.posts(h.fake.dm_channel(ADA))
        assert "Julie Martin" in json.dumps(first["blocks"])
        assert "line 59" in json.dumps(second["blocks"])
        assert len(first["blocks"]) + len(second["blocks"]) > 60


def leads_of(h: Harness) -> list[tuple[str, str, str]]:
    """(workspace, member, contact) of every lead in the database."""
    with h.services.database.engine.connect() as connection:
        query = text(
            "SELECT g.external_id, m.external_id, l.contact FROM leads l"
            " JOIN members m ON m.id = l.member_id JOIN groups g ON g.id = m.group_id"
        )
        return [(str(g), str(m), str(c)) for g, m, c in connection.execute(query)]


async def test_a_submission_from_a_member_of_another_workspace_is_filed_where_it_was_authorised(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(h, view, {"contact": "Julie Martin", "company": "Acme"})
        # Slack Connect: Ada's home workspace is another one; ours authorised this.
        payload["user"]["team_id"] = GUEST_HOME
        payload["view"]["team_id"] = GUEST_HOME
        assert (await h.interact(payload))[0] == 200
        await wait_until(lambda: h.fake.posts(h.fake.dm_channel(ADA)))
        assert leads_of(h) == [(TEAM, ADA, "Julie Martin")]
        assert not h.has_group(GUEST_HOME)
        assert "Julie Martin" in await h.ask("list")


async def test_a_submission_that_arrives_twice_adds_one_lead(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        view = await opened_modal(h)
        payload = submission(h, view, {"contact": "Julie Martin", "company": "Acme"})
        for _ in range(3):  # the same signed body, replayed within its 5 minutes
            assert await h.interact(payload) == (200, "")
        await wait_until(lambda: h.fake.posts(h.fake.dm_channel(ADA)))
        await listeners_done()
        assert leads_of(h) == [(TEAM, ADA, "Julie Martin")]
        assert len(h.fake.posts(h.fake.dm_channel(ADA))) == 1  # one confirmation

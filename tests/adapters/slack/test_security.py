"""Requests are verified before any listener runs; acks beat Slack's 3 s; member text
never pings a crowd."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bots.slack.commands import add_lead_view
from core.services import SAYINGS
from testkit.slack import APP_TOKEN, SIGNING_SECRET, TEAM, FakeSlack, UnsteadySlack
from testkit.slack_harness import (
    ADA,
    BEA,
    ORG,
    Harness,
    harness,
    listeners_done,
    wait_until,
)
from tests.adapters.slack.test_commands import submission
from tests.adapters.slack.test_oauth import OAUTH, install

CROWD = re.compile(r"<!(channel|here|everyone)|<!subteam")


def texts(value: Any) -> list[str]:
    """Every string under `value` (blocks, fallbacks)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


async def test_a_request_signed_299_seconds_ago_is_accepted(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        status, _, hook = await h.command("list", age=299)
        assert status == 200
        await h.answers(hook)


async def test_a_request_signed_301_seconds_ago_is_refused_and_reaches_no_listener(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        status, _, _hook = await h.command("add Julie at Acme", age=301)
        assert status == 401
        await _nothing_happened(h)


async def test_a_bad_signature_gets_401_and_reaches_no_listener(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        _, body = h.command_body("add Julie at Acme")
        status, _ = await h.post(body, secret="not-the-secret")
        assert status == 401
        await _nothing_happened(h)


async def _nothing_happened(h: Any) -> None:
    # Give a listener, had one started, the time to call Slack or write.
    await asyncio.sleep(0.3)
    assert h.fake.responses == []
    assert [c.method for c in h.fake.calls if c.method != "auth.test"] == []
    # Nothing stored: there is no group to erase.
    assert not h.has_group(TEAM)


async def test_the_ack_comes_in_time_while_slack_answers_slowly(tmp_path: Path) -> None:
    async with harness(tmp_path, fake=FakeSlack(delay=2.0)) as h:
        await h.ask("list")  # the first request pays auth.test once
        started = time.monotonic()
        # Bea's first command waits 2 s for her users.info: past the answer's 1 s in
        # the ack, well within Slack's 3 s.
        status, ack, hook = await h.command("add Julie at Acme", user=BEA)
        acked = time.monotonic() - started
        assert status == 200 and ack == ""
        assert acked < 2.0, f"acked after {acked:.2f}s"
        (answer,) = await h.answers(hook, timeout=10)
        assert "Julie" in answer["text"]


async def test_what_a_member_types_can_never_ping_a_crowd(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        # As Slack sends it with escaping on: mentions in brackets, & < > as entities.
        typed = "add <!here> Eve &lt;!channel&gt; at *Acme* &amp; <!everyone> <!subteam^S1|@devs>"
        status, _, hook = await h.command(typed)
        assert status == 200
        (answer,) = await h.answers(hook)
        said = texts(answer)
        assert said and not any(CROWD.search(text) for text in said), said
        assert not any("<@" in text for text in said)
        listed = await h.ask("list")
        shown = listed.replace("\u200b", "")  # zero-width spaces keep it inert
        assert "@here Eve" in shown and "&lt;!channel&gt;" in listed
        assert "\u200b*\u200bAcme\u200b*\u200b" in listed  # shown as typed, not bold


async def test_a_channel_mention_reaches_the_core_as_the_channel_id(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        answer = await h.ask(
            "group channel <#C0JOBS0001|job-search>", command="/followthrough", user=ORG
        )
        assert channel_of(h) == "C0JOBS0001", answer  # the id, not "#job-search"
        refused = await h.ask(
            "group channel <#C0JOBS0001|job-search>", command="/followthrough", user=ADA
        )
        assert refused != answer
        info = [c.args["user"] for c in h.fake.calls_to("users.info")]
        assert ORG in info and ADA in info


def channel_of(h: Harness) -> str | None:
    with h.services.database.engine.connect() as connection:
        query = text("SELECT channel FROM groups WHERE platform = 'slack'")
        return connection.execute(query).scalar_one_or_none()


async def test_an_organiser_command_reads_the_admin_flag_again_after_a_minute(
    tmp_path: Path,
) -> None:
    async with harness(tmp_path) as h:
        now = [1000.0]
        h.server.slack.people._clock = lambda: now[0]
        set_channel = "Group Channel <#C0JOBS0001|job-search>"  # as typed, any case
        await h.ask(set_channel, command="/followthrough", user=ORG)
        assert channel_of(h) == "C0JOBS0001"
        h.fake.users[ORG]["is_admin"] = False  # Olga is no longer a workspace admin
        now[0] += 61
        asked = len(h.fake.calls_to("users.info"))
        await h.ask("list", user=ORG)  # a member's command: her name is fresh enough
        assert len(h.fake.calls_to("users.info")) == asked
        refused = await h.ask(
            "group channel <#C0OTHER001|other>", command="/followthrough", user=ORG
        )
        assert len(h.fake.calls_to("users.info")) == asked + 1, "the admin flag re-read"
        assert channel_of(h) == "C0JOBS0001", refused


async def test_json_payloads_are_what_slack_would_accept(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        _, _, hook = await h.command("help")
        (answer,) = await h.answers(hook)
        assert len(answer["blocks"]) <= 50
        assert all(len(json.dumps(b)) < 3100 for b in answer["blocks"])


# -- malformed and unsigned bodies: 400 or 401, never a 500 ----------------------------------

PAYLOAD_NOT_AN_OBJECT = ["payload=not-json", "payload=%5B1%2C2%5D", "payload=%22x%22", "payload=5"]
MALFORMED: dict[str, tuple[bytes, str]] = {  # name -> (body, content type)
    **{
        body: (body.encode(), "application/x-www-form-urlencoded") for body in PAYLOAD_NOT_AN_OBJECT
    },
    "json array": (b"[]", "application/json"),
    "json string": (b'"x"', "application/json"),
    "broken json": (b'{"type": ', "application/json"),
    "not utf-8": (b"command=%2Flead&text=\xff\xfe\xfa", "application/x-www-form-urlencoded"),
}


async def _post_raw(h: Harness, body: bytes, headers: dict[str, str]) -> int:
    async with h.http.post(h.events_url, data=body, headers=headers) as response:
        return response.status


def _signed_bytes(body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Slack's headers for a body that may not be text (Slack signs the bytes)."""
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def _no_tracebacks(caplog: Any) -> None:
    failed = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert failed == [], [r.getMessage() for r in failed]


async def test_a_malformed_body_gets_400_when_signed_and_401_when_not_with_no_traceback(
    tmp_path: Path, caplog: Any
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with harness(tmp_path) as h:
            for name, (body, content_type) in MALFORMED.items():
                kind = {"Content-Type": content_type}
                signed = await _post_raw(h, body, {**kind, **_signed_bytes(body)})
                unsigned = await _post_raw(h, body, kind)
                forged = {**kind, **_signed_bytes(body), "X-Slack-Signature": "v0=" + "0" * 64}
                assert (signed, unsigned, await _post_raw(h, body, forged)) == (
                    400,
                    401,
                    401,
                ), name
            await _nothing_happened(h)
    _no_tracebacks(caplog)


async def test_a_timestamp_that_is_not_a_number_gets_401_with_no_traceback(
    tmp_path: Path, caplog: Any
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with harness(tmp_path) as h:
            _, body = h.command_body("add Julie at Acme")
            kind = {"Content-Type": "application/x-www-form-urlencoded"}
            for stamp in ("soon", "", "1e9", "-5", "１２３", "99999999999999999999999"):
                headers = {**kind, **_signed_bytes(body.encode(), stamp or "x")}
                headers["X-Slack-Request-Timestamp"] = stamp
                assert await _post_raw(h, body.encode(), headers) == 401, stamp
            # A signature that isn't ASCII (hmac.compare_digest would raise on it).
            headers = {**kind, **_signed_bytes(body.encode()), "X-Slack-Signature": "v0=é"}
            assert await _post_raw(h, body.encode(), headers) == 401
            await _nothing_happened(h)
    _no_tracebacks(caplog)


async def test_a_request_with_no_signature_at_all_gets_401(tmp_path: Path, caplog: Any) -> None:
    with caplog.at_level(logging.DEBUG):
        async with harness(tmp_path) as h:
            _, body = h.command_body("add Julie at Acme")
            kind = {"Content-Type": "application/x-www-form-urlencoded"}
            assert await _post_raw(h, body.encode(), kind) == 401
            stamp_only = {**kind, "X-Slack-Request-Timestamp": str(int(time.time()))}
            assert await _post_raw(h, body.encode(), stamp_only) == 401
            await _nothing_happened(h)
    _no_tracebacks(caplog)


def test_in_socket_mode_nothing_posted_over_http_is_taken_for_slack(tmp_path: Path) -> None:
    """Socket Mode has no signing secret: a request to /slack/events, however signed, is
    refused (Bolt would verify it against an empty secret and answer 500)."""

    async def scenario() -> None:
        async with harness(tmp_path, app_token=APP_TOKEN, signing_secret=None) as h:
            _, body = h.command_body("add Julie at Acme")
            kind = {"Content-Type": "application/x-www-form-urlencoded"}
            assert (
                await _post_raw(h, body.encode(), {**kind, **_signed_bytes(body.encode())}) == 401
            )
            await asyncio.sleep(0.3)  # a listener, had one started, would have written
            assert h.fake.responses == [] and not h.has_group(TEAM)


def lead_count(h: Harness) -> int:
    with h.services.database.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM leads")).scalar_one())


RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


async def test_a_slash_command_replayed_within_its_window_is_applied_once(tmp_path: Path) -> None:
    # Answers ride in the ack when ready within 2.5 s: a busy machine's too.
    async with harness(tmp_path, answer_in_ack=2.5) as h:
        hook, body = h.command_body("add Julie at Acme")
        status, first = await h.post(body)
        assert status == 200
        # The same signed body again, within its 5 minutes: replayed, and retried.
        replays = [await h.post(body), await h.post(body, headers=RETRY)]
        await listeners_done()
        assert lead_count(h) == 1
        for status, answer in replays:  # whoever replayed it hears so, in the ack
            assert status == 200
            assert json.loads(answer)["text"] == SAYINGS["replayed"]
        # Ada heard the first answer once, and nothing of the replays.
        heard = [json.loads(first)] if first else []
        heard += [answer for name, answer in h.fake.responses if name == hook]
        (answer,) = heard
        assert "Julie" in answer["text"]
        assert len(h.fake.calls_to("views.publish")) == 1  # her Home tab, redrawn once
        assert "Julie" in await h.ask("list")  # a new command is a new trigger_id


# -- users.info gone wrong: the command still works, by the request's name ----------------

USERS_INFO_GONE_WRONG: dict[str, Callable[[], web.Response] | float] = {
    "ok false": lambda: web.json_response({"ok": False, "error": "missing_scope"}),
    "500 in JSON": lambda: web.json_response({"ok": False, "error": "fatal_error"}, status=500),
    "500 not JSON": lambda: web.Response(status=500, text="<html>upstream error</html>"),
    "200 not JSON": lambda: web.Response(text="this is not json"),
    "JSON not an object": lambda: web.json_response([1, 2]),
    "no user": lambda: web.json_response({"ok": True}),
    "user not an object": lambda: web.json_response({"ok": True, "user": "Real Name"}),
    "user a list": lambda: web.json_response({"ok": True, "user": [["real_name", "Real"]]}),
    "ill-typed fields": lambda: web.json_response(
        {
            "ok": True,
            "user": {
                "profile": "Real Name",
                "real_name": 42,
                "name": ["Real Name"],
                "is_admin": "false",
                "tz": 3600,
            },
        }
    ),
    "no answer in time": 2.0,  # seconds the fake stalls; the bot waits 0.3
}


async def test_a_command_works_by_the_requests_name_whatever_users_info_answers(
    tmp_path: Path,
) -> None:
    fake = UnsteadySlack()
    async with harness(tmp_path, fake=fake) as h:
        h.server.slack.people.timeout = 0.3
        for number, (case, answer) in enumerate(USERS_INFO_GONE_WRONG.items(), 1):
            user = f"U0CASE{number:04d}"
            fake.add_user(user, "Real Name", admin=True)  # what users.info would say
            fake.users_info_answers.append(answer)
            said = await h.ask("add Julie Martin at Acme", user=user)
            assert fake.users_info_answers == [], case  # this command was given it
            # The welcome names the member as the request did (its user_name).
            assert f"Welcome, {user.lower()}!" in said, (case, said)
            # Not an organiser on an answer that never said so (asked again, unless
            # the last answer was a user object, ill-typed or not, and was kept).
            fake.users_info_answers.append(answer)
            refused = await h.ask(
                "group channel <#C0JOBS0001|jobs>", command="/followthrough", user=user
            )
            assert channel_of(h) is None, (case, refused)
            fake.users_info_answers.clear()
            assert "Julie Martin" in await h.ask("list", user=user), case


async def test_a_replayed_lead_command_opens_its_modal_once(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        _, body = h.command_body("")
        for headers in ({}, {}, RETRY):
            assert await h.post(body, headers=headers) == (200, "")
        await listeners_done()
        assert len(h.fake.calls_to("views.open")) == 1
        # Slack refuses a used trigger_id: the replays tried nothing to fail on.
        assert [name for name, _ in h.fake.responses] == []


async def test_an_event_delivered_twice_publishes_the_home_tab_once(tmp_path: Path) -> None:
    async with harness(tmp_path) as h:
        opened = {"type": "app_home_opened", "user": ADA, "tab": "home"}
        assert (await h.event(opened, event_id="Ev0HOME0001"))[0] == 200
        await wait_until(lambda: h.fake.calls_to("views.publish"))
        # Slack thought the ack late: the same event_id again, then once more.
        assert (await h.event(opened, event_id="Ev0HOME0001", retry=1))[0] == 200
        assert (await h.event(opened, event_id="Ev0HOME0001", retry=2))[0] == 200
        await listeners_done()
        (published,) = h.fake.calls_to("views.publish")
        assert published.args["user_id"] == ADA
        # Another visit is another event: published again.
        assert (await h.event(opened, event_id="Ev0HOME0002"))[0] == 200
        await wait_until(lambda: len(h.fake.calls_to("views.publish")) == 2)


# -- isolation: what one workspace sends never reaches another's rows ------------------


@dataclass(frozen=True)
class Side:
    """A workspace that installed the app, with one member and her lead in its group."""

    team: str
    token: str
    installer: str
    member: str
    contact: str  # words only this workspace's answers may ever show
    note: str


SIDES = (
    Side("T0ALPHA001", "xoxb-alpha", "U0INSTA001", ADA, "Alma Vance", "alpha-secret-note"),
    Side("T0BETA0001", "xoxb-beta", "U0INSTB001", BEA, "Zed Quill", "beta-secret-note"),
)
# Pointers a member can type or forge: lead numbers, and parts of the other side's names.
REFS = ["#1", "#2", "#3", "alma", "vance", "zed", "quill", "acme"]
TYPED = st.one_of(
    st.builds(
        "{} {}{}".format,
        st.sampled_from(["show", "emailed", "followedup", "replied", "note", "drop", "snooze"]),
        st.sampled_from(REFS),
        st.sampled_from(["", " 2", " called them"]),
    ).map(lambda text: ("/lead", text)),
    st.sampled_from(
        [
            ("/lead", "list all"),
            ("/lead", "today"),
            ("/lead", "add Carl Doe at Acme"),
            ("/leaderboard", "all"),
            ("/followthrough", "export"),
            ("/followthrough", "group tz Europe/Paris"),
        ]
    ),
)
PRESSED = st.builds(  # a button's value, as the digest makes them
    str.format,
    st.sampled_from(["/lead followedup {}", "/lead replied {}", "/lead snooze {} 2"]),
    st.sampled_from(REFS),
)
WHO = st.sampled_from([ADA, BEA, ORG])  # the other side's member ids too
OPS = st.one_of(
    st.tuples(st.just("command"), WHO, TYPED),
    st.tuples(st.just("press"), WHO, PRESSED),
    st.tuples(st.just("submit"), WHO, st.sampled_from(["Carl Doe", "Dana Roe"])),
)

ROWS = [  # everything stored about one workspace
    "SELECT g.* FROM groups g WHERE {g}",
    "SELECT m.* FROM members m JOIN groups g ON g.id = m.group_id WHERE {g}",
    "SELECT l.* FROM leads l JOIN members m ON m.id = l.member_id"
    " JOIN groups g ON g.id = m.group_id WHERE {g}",
    "SELECT e.* FROM events e JOIN groups g ON g.id = e.group_id WHERE {g}",
    "SELECT o.* FROM outbox o JOIN groups g ON g.id = o.group_id WHERE {g}",
    "SELECT s.* FROM span_tallies s JOIN groups g ON g.id = s.group_id WHERE {g}",
    "SELECT * FROM slack_bots WHERE team_id = :team",
]


def stored(h: Harness, team: str) -> list[list[tuple[Any, ...]]]:
    where = "g.platform = 'slack' AND g.external_id = :team"
    with h.services.database.engine.connect() as connection:
        return [
            sorted(
                tuple(row) for row in connection.execute(text(q.format(g=where)), {"team": team})
            )
            for q in ROWS
        ]


class Isolation:
    """Requests from `actor`'s workspace, their team and user fields forged towards the
    other one; what each run sent back to Slack, and the tokens it used."""

    def __init__(self, h: Harness) -> None:
        self.h, self.serial = h, 0

    async def setup(self) -> None:
        for n, side in enumerate(SIDES):
            self.h.fake.add_user(side.installer, f"Coach {n}", admin=True)
            await install(self.h, f"code-{n}", side.token, team=side.team, installer=side.installer)
            first = side.contact.split()[0].lower()
            await self.h.ask(f"add {side.contact} at Acme", user=side.member, team=side.team)
            await self.h.ask(f"note {first} {side.note}", user=side.member, team=side.team)
        await self.settled()  # their Home tabs redrawn: nothing of theirs comes later

    async def settled(self) -> None:
        """Every listener run so far has finished (a Home redraw after an answer too)."""
        await listeners_done()
        await self.h.server.slack.in_flight.drain(timeout=30)

    def where(self) -> str:
        self.serial += 1
        return f"{self.serial:06d}"

    async def send(self, actor: Side, victim: Side, op: tuple[str, str, Any]) -> tuple[int, str]:
        """One request; the ack's status and body."""
        kind, user, what = op
        h, serial = self.h, self.where()
        if kind == "command":
            command, typed = what
            _, body = h.command_body(typed, command=command, user=user, team=actor.team)
            return await h.post(body)
        person = {"id": user, "name": user.lower(), "team_id": victim.team}  # forged home
        if kind == "press":
            channel, ts = f"D0{serial}", f"1700000000.{serial}"
            payload: dict[str, Any] = {
                "type": "block_actions",
                "team": {"id": actor.team, "domain": "alpha"},
                "user": person,
                "api_app_id": "A0APP00001",
                "container": {"type": "message", "message_ts": ts, "channel_id": channel},
                "channel": {"id": channel, "name": "directmessage"},
                "message": {"ts": ts, "text": "", "blocks": []},
                "response_url": h.fake.response_url(h.hook()),
                "trigger_id": f"trigger-{serial}",
                "actions": [
                    {
                        "type": "button",
                        "action_id": "digest_done",
                        "block_id": f"lead-{serial}",
                        "value": what,  # naming a lead of the other side's, perhaps
                        "action_ts": "1700000000.1",
                    }
                ],
            }
        else:
            payload = submission(h, add_lead_view(), {"contact": what, "company": "Acme"})
            payload["team"] = {"id": actor.team, "domain": "alpha"}
            payload["user"] = person
            payload["trigger_id"] = f"trigger-{serial}"
            payload["view"].update(
                id=f"V{serial}",
                team_id=victim.team,
                private_metadata=json.dumps({"team": victim.team, "user": victim.member}),
            )
        return await h.interact(payload)

    async def attempt(self, actor: Side, ops: list[tuple[str, str, Any]]) -> None:
        victim = next(side for side in SIDES if side is not actor)
        h = self.h
        before = stored(h, victim.team)
        calls, responses, uploads = len(h.fake.calls), len(h.fake.responses), set(h.fake.uploads)
        acks = [await self.send(actor, victim, op) for op in ops]
        await self.settled()
        assert all(status == 200 for status, _ in acks), acks
        assert stored(h, victim.team) == before
        sent = [c.args for c in h.fake.calls[calls:]] + h.fake.responses[responses:]
        shown = json.dumps([acks, sent]) + "".join(
            h.fake.uploads[name].decode(errors="replace") for name in set(h.fake.uploads) - uploads
        )
        assert victim.contact not in shown and victim.note not in shown
        assert {c.token for c in h.fake.calls[calls:]} <= {actor.token}


def test_requests_from_one_workspace_never_read_or_change_anothers_rows(
    tmp_path: Path,
) -> None:
    # One server for every example: Hypothesis drives it on this loop between them.
    loop = asyncio.new_event_loop()
    running = harness(tmp_path, **OAUTH)
    h = loop.run_until_complete(running.__aenter__())
    try:
        isolation = Isolation(h)
        loop.run_until_complete(isolation.setup())

        @given(actor=st.sampled_from(SIDES), ops=st.lists(OPS, min_size=1, max_size=3))
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        )
        def isolated(actor: Side, ops: list[tuple[str, str, Any]]) -> None:
            loop.run_until_complete(isolation.attempt(actor, ops))

        isolated()
        # Each side still sees its own lead.
        for side in SIDES:
            listed = loop.run_until_complete(h.ask("list all", user=side.member, team=side.team))
            assert side.contact in listed
    finally:
        loop.run_until_complete(running.__aexit__(None, None, None))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

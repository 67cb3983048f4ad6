"""Failed sends on the real runtime: retried, given up on, reported, never silent."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bots.runtime.delivery import Platform
from bots.runtime.ratelimit import RateLimiter
from core.services import Delivery, Failure, Identity, SendError
from core.services.policy import MAX_ATTEMPTS
from testkit.kit import MINUTE, PLATFORM, Bot

TOKEN = "xoxb-1111-2222-SeCrEtToKeN"  # what a real messenger would hold; never to be logged
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def on(day: int, hour: int = 8, minute: int = 0) -> datetime:
    """An instant in the week of Monday 2 March 2026 (day 0 = Monday), UTC."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


ANA = Identity(PLATFORM, "T1", "U-ana", "Ana")
BEN = Identity(PLATFORM, "T1", "U-ben", "Ben")


def with_daily_digests(bot: Bot, workspace: str, *members: Identity, channel: bool = True) -> None:
    """A group whose members get a digest every business morning at 08:00 UTC.

    With no leads, the pipeline nudge is due; the organiser makes it daily instead of weekly.
    A group with a channel also gets its weekly board there on Monday at 08:00.
    """
    channel_id = f"C-{workspace}" if channel else None
    bot.app.groups.setup_group(PLATFORM, workspace, tz="UTC", channel=channel_id)
    for who in members:
        bot.app.conversation.join(who)
    # The last member organises: admin notices about the others reach them by DM.
    admin = Identity(PLATFORM, workspace, members[-1].user_id, members[-1].name, is_admin=True)
    answer = bot.app.conversation.handle(
        admin, "/followthrough", "group setting pipeline_every_days 1"
    )
    assert "pipeline_every_days = 1" in answer.plain_text()


def fails_for(
    user: str, error: Callable[[], BaseException]
) -> Callable[[Delivery], BaseException | None]:
    return lambda delivery: error() if delivery.user_id == user else None


# -- transient failures --------------------------------------------------------------------


def test_a_transient_failure_is_retried_with_backoff_then_given_up(bot: Bot) -> None:
    with_daily_digests(bot, "T1", ANA, BEN)
    bot.messenger.fail = fails_for("U-ana", lambda: SendError("timeout", Failure.TRANSIENT))

    bot.tick_at(on(0, 8))
    bot.tick_every(MINUTE, until=on(0, 9))

    tries = bot.messenger.tries_by("U-ana")
    assert len(tries) == MAX_ATTEMPTS == 5
    assert {t.key for t in tries} == {"digest:1:2026-03-02"}
    assert [t.attempts for t in tries] == [0, 1, 2, 3, 4]
    waits = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(tries)]
    assert waits == [60, 120, 240, 480]  # doubling backoff from a minute
    status = bot.app.outbox.status()
    assert status["failed"] == 1  # given up: not retried forever
    assert status["sent"] == 2  # Ben's digest was not held up (nor Monday's board)
    assert status["pending"] == status["claimed"] == 0
    assert bot.messenger.sent_to("U-ben", "digest")[0].local == on(0, 8)

    bot.tick_every(MINUTE, until=on(0, 10))
    assert len(bot.messenger.tries_by("U-ana")) == MAX_ATTEMPTS


def test_a_transient_failure_that_clears_is_delivered_once(bot: Bot) -> None:
    with_daily_digests(bot, "T1", ANA, BEN)
    failures = iter([True, True])

    def flaky(delivery: Delivery) -> BaseException | None:
        if delivery.user_id == "U-ana" and next(failures, False):
            return SendError("502 Bad Gateway", Failure.TRANSIENT)
        return None

    bot.messenger.fail = flaky
    bot.tick_at(on(0, 8))
    bot.tick_every(MINUTE, until=on(0, 8, 30))

    assert [t.at for t in bot.messenger.tries_by("U-ana")] == [on(0, 8), on(0, 8, 1), on(0, 8, 3)]
    assert [s.local for s in bot.messenger.sent_to("U-ana", "digest")] == [on(0, 8, 3)]
    assert bot.app.outbox.status() == {
        "pending": 0,
        "claimed": 0,
        "sent": 3,
        "failed": 0,
        "missed": 0,
    }


def test_a_transient_failure_with_retry_after_waits_that_long(bot: Bot) -> None:
    with_daily_digests(bot, "T1", ANA)
    failures = iter([True])
    bot.messenger.fail = lambda d: (
        SendError("503", Failure.TRANSIENT, retry_after=300)
        if d.user_id == "U-ana" and next(failures, False)
        else None
    )
    bot.tick_at(on(0, 8))
    bot.tick_every(MINUTE, until=on(0, 8, 30))
    assert [t.at for t in bot.messenger.tries_by("U-ana")] == [on(0, 8), on(0, 8, 5)]
    assert len(bot.messenger.sent_to("U-ana", "digest")) == 1


# -- unreachable members -------------------------------------------------------------------


class DMs:
    """Which members have closed their DMs (or left)."""

    def __init__(self) -> None:
        self.closed: set[str] = set()

    def __call__(self, delivery: Delivery) -> BaseException | None:
        if delivery.user_id in self.closed:
            return SendError("cannot_dm_user", Failure.UNREACHABLE)
        return None


# The notice says digests stop "until they use a command again": any command, reading ones
# included.
COMING_BACK = [
    pytest.param(("/lead", "list"), id="lead-list"),
    pytest.param(("/lead", "today"), id="lead-today"),
    pytest.param(("/followthrough", "help"), id="help"),
    pytest.param(("/lead", "add Julie Martin at Acme"), id="lead-add"),
]


@pytest.mark.parametrize("command", COMING_BACK)
def test_an_unreachable_member_stops_getting_digests_and_admins_are_told_once(
    bot: Bot, command: tuple[str, str]
) -> None:
    with_daily_digests(bot, "T1", ANA, BEN)
    dms = DMs()
    dms.closed.add("U-ana")
    bot.messenger.fail = dms

    # Monday's digests are planned at 08:00 and delivered at 09:30 (within the catch-up
    # window): Ana's fails.
    bot.clock.advance_to(on(0, 8))
    assert bot.app.planner.plan() == 3  # the two digests and the group's Monday board
    bot.tick_at(on(0, 9, 30))
    assert len(bot.messenger.tries_by("U-ana")) == 1

    notices = bot.messenger.sent_to("U-ben", "admin")
    assert len(notices) == 1
    assert "Ana" in notices[0].text
    status = bot.app.outbox.status()
    assert status["failed"] == 1
    assert status["sent"] == 1 + 1 + 1  # Ben's digest, the one notice, the board

    # No more digests are even tried for Ana; Ben's keep coming.
    bot.tick_at(on(1, 8))
    bot.tick_at(on(2, 8))
    bot.tick_at(on(3, 8))
    assert len(bot.messenger.tries_by("U-ana")) == 1
    assert [s.local.date() for s in bot.messenger.sent_to("U-ben", "digest")][-2:] == [
        on(2).date(),
        on(3).date(),
    ]
    assert len(bot.messenger.sent_to("U-ben", "admin")) == 1

    # Ana writes to the bot again: she is reachable, and Friday's digest reaches her.
    dms.closed.clear()
    assert bot.app.conversation.handle(ANA, *command).kind == "reply"
    bot.tick_at(on(3, 12))
    bot.tick_at(on(4, 8))
    assert [s.local for s in bot.messenger.sent_to("U-ana", "digest")] == [on(4, 8)]
    assert len(bot.messenger.sent_to("U-ben", "admin")) == 1


def test_a_member_unreachable_again_after_coming_back_is_reported_again(bot: Bot) -> None:
    """A second time DMs fail (after the member came back) the admins must hear of it too:
    otherwise that member's digests stop silently."""
    with_daily_digests(bot, "T1", ANA, BEN)
    dms = DMs()
    bot.messenger.fail = dms

    dms.closed.add("U-ana")
    bot.tick_at(on(0, 8))
    assert len(bot.messenger.sent_to("U-ben", "admin")) == 1

    dms.closed.clear()
    bot.app.conversation.handle(ANA, "/lead", "add Julie Martin at Acme")  # a command that writes
    bot.tick_at(on(1, 8))
    assert [s.local for s in bot.messenger.sent_to("U-ana", "digest")] == [on(1, 8)]

    dms.closed.add("U-ana")
    bot.tick_at(on(2, 8))
    assert bot.messenger.tries_by("U-ana")[-1].at == on(2, 8)  # tried, and failed
    assert len(bot.messenger.sent_to("U-ben", "admin")) == 2, (
        "the second time Ana became unreachable, no admin notice was sent"
    )


# -- fatal failures ------------------------------------------------------------------------


def test_a_fatal_failure_stops_that_groups_delivery_only_and_is_logged_without_secrets(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    cleo = Identity(PLATFORM, "T2", "U-cleo", "Cleo")
    with_daily_digests(bot, "T1", ANA, channel=False)
    with_daily_digests(bot, "T2", cleo, channel=False)
    bot.messenger.fail = lambda d: (
        SendError("invalid_auth", Failure.FATAL) if d.workspace_id == "T1" else None
    )

    with caplog.at_level(logging.INFO):
        bot.tick_at(on(0, 8))
        bot.tick_at(on(1, 8))
        bot.tick_at(on(2, 8))

    t1_tries = [t for t in bot.messenger.tries if t.workspace == "T1"]
    assert [t.key for t in t1_tries] == ["digest:1:2026-03-02"]  # nothing after the refusal
    assert [s.local for s in bot.messenger.sent_to("U-cleo", "digest")] == [
        on(0, 8),
        on(1, 8),
        on(2, 8),
    ]
    # T1's rows wait (unclaimed) for the group to be re-authorised; nobody claims them,
    # and a morning's digest past its catch-up window is recorded as missed, so that a
    # re-authorised group doesn't get a backlog of stale mornings at once.
    status = bot.app.outbox.status()
    assert status["pending"] == 1 and status["missed"] == 2
    assert status["claimed"] == 0 and status["failed"] == 0
    assert bot.app.outbox.claim("probe") == []

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "delivery stopped" in errors[0].getMessage()
    assert "T1" in errors[0].getMessage()
    assert "invalid_auth" in errors[0].getMessage()
    assert TOKEN not in caplog.text
    assert "Good morning" not in caplog.text  # nor any member's message


def test_a_fatal_failure_stops_the_rest_of_that_groups_claimed_batch_too(bot: Bot) -> None:
    """Once the platform refused a group's token, its other messages already claimed in the
    same batch are not tried either: each would be one more invalid request (Discord bans
    an IP after 10,000 in 10 minutes) and one more "delivery stopped" error in the log."""
    members = [Identity(PLATFORM, "T1", f"U{n}", f"Member {n}") for n in range(10)]
    with_daily_digests(bot, "T1", *members, channel=False)
    bot.messenger.fail = lambda d: SendError("invalid_auth", Failure.FATAL)
    bot.deliverer.senders = 1  # one at a time: the refusal is known before the next try

    bot.tick_at(on(0, 8))

    assert len(bot.messenger.tries) == 1
    assert bot.app.outbox.status()["pending"] == 10


def test_a_platform_this_process_does_not_serve_is_left_to_one_that_does(bot: Bot) -> None:
    dora = Identity("discord", "G1", "U-dora", "Dora")
    bot.app.groups.setup_group("discord", "G1", tz="UTC")
    bot.app.conversation.join(dora)
    with_daily_digests(bot, "T1", ANA)

    bot.tick_at(on(0, 8))

    assert len(bot.messenger.sent_to("U-ana", "digest")) == 1
    # Dora's first digest (a weekly pipeline nudge) waits, unclaimed, for a Discord
    # process; the group is not suspended for it.
    assert bot.app.outbox.status()["pending"] == 1
    (waiting,) = bot.app.outbox.claim("discord-worker", platforms=frozenset({"discord"}))
    assert waiting.user_id == "U-dora"


# -- unexpected exceptions ------------------------------------------------------------------


def test_an_unexpected_exception_in_send_does_not_kill_the_deliverer(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with_daily_digests(bot, "T1", ANA, BEN)
    failures = iter([True])

    def buggy(delivery: Delivery) -> BaseException | None:
        if delivery.user_id == "U-ana" and next(failures, False):
            return RuntimeError("adapter bug")
        return None

    bot.messenger.fail = buggy
    with caplog.at_level(logging.ERROR):
        sent = bot.tick_at(on(0, 8))  # no exception escapes
    assert sent == 2  # Ben's digest and the Monday board
    assert [s.user for s in bot.messenger.sent if s.kind == "digest"] == ["U-ben"]
    assert any(
        "unexpected send error" in r.getMessage() and r.exc_info is not None for r in caplog.records
    )

    bot.tick_every(MINUTE, until=on(0, 8, 5))
    assert [s.local for s in bot.messenger.sent_to("U-ana", "digest")] == [on(0, 8, 1)]
    assert bot.app.outbox.status()["sent"] == 3


async def test_an_unexpected_exception_in_route_does_not_kill_the_deliverer(bot: Bot) -> None:
    """`route()` is the messenger's code too (e.g. a DM-channel lookup): when it raises,
    the rest of the batch is still sent and the row is not left claimed."""
    with_daily_digests(bot, "T1", ANA, BEN)
    messenger = bot.messenger
    plain_route = messenger.route

    def route(delivery: Delivery) -> str:
        if delivery.user_id == "U-ana":
            raise KeyError("no DM channel cached for U-ana")
        return plain_route(delivery)

    messenger.route = route  # type: ignore[method-assign]
    bot.clock.advance_to(on(0, 8))
    bot.app.planner.plan()
    await bot.deliverer.drain()  # must not raise

    assert [s.user for s in messenger.sent if s.kind == "digest"] == ["U-ben"]
    assert bot.app.outbox.status()["claimed"] == 0  # recorded as a failed try, not held for a lease


# -- the delivery contract's edges ----------------------------------------------------------


def test_a_rate_limited_send_waits_without_using_up_an_attempt(bot: Bot) -> None:
    with_daily_digests(bot, "T1", ANA, channel=False)
    limited = iter(range(MAX_ATTEMPTS + 2))  # more 429s than attempts allowed

    def busy(delivery: Delivery) -> BaseException | None:
        if next(limited, None) is not None:
            return SendError("ratelimited", Failure.RATE_LIMITED, retry_after=60)
        return None

    async def wait(seconds: float) -> None:  # the route's wait passes on the bot's clock
        bot.clock.advance_to(bot.clock.now() + timedelta(seconds=seconds))

    limiter = RateLimiter(rate=1e9, clock=lambda: bot.clock.now().timestamp(), sleep=wait)
    bot.deliverer.platforms = {PLATFORM: Platform(bot.messenger, limiter)}
    bot.messenger.fail = busy
    bot.clock.advance_to(on(0, 8))
    bot.app.planner.plan()
    for _ in range(MAX_ATTEMPTS + 3):  # a minute's wait each time: back to the outbox
        bot.tick_at(bot.clock.now() + timedelta(minutes=2))
    assert len(bot.messenger.sent_to("U-ana", "digest")) == 1
    assert bot.app.outbox.status()["failed"] == 0


def test_a_digest_whose_delivery_was_down_past_the_catch_up_window_is_missed_not_sent(
    bot: Bot,
) -> None:
    with_daily_digests(bot, "T1", ANA, channel=False)
    bot.clock.advance_to(on(0, 8))
    assert bot.app.planner.plan() == 1  # planned on time...
    bot.tick_at(on(0, 11, 30))  # ...but nothing delivered until 11:30
    assert bot.messenger.sent_to("U-ana") == []
    assert bot.app.outbox.status()["missed"] == 1


def test_a_send_recorded_after_its_claim_was_lost_is_reported_not_overwritten(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with_daily_digests(bot, "T1", ANA, channel=False)
    bot.clock.advance_to(on(0, 8))
    bot.app.planner.plan()
    (mine,) = bot.app.outbox.claim("slow-worker", lease_seconds=60)
    bot.clock.advance_to(on(0, 8, 2))  # the lease ran out; another worker takes the row
    (theirs,) = bot.app.outbox.claim("fast-worker", lease_seconds=60)
    bot.app.outbox.sent(theirs, "m-1")
    with caplog.at_level(logging.WARNING):
        bot.app.outbox.sent(mine, "m-2")
        bot.app.outbox.failed(mine, SendError("late timeout"))
    assert "possibly duplicated" in caplog.text
    assert bot.app.outbox.status() == {
        "pending": 0,
        "claimed": 0,
        "sent": 1,
        "failed": 0,
        "missed": 0,
    }

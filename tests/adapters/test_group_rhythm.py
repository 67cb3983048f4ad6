"""Four weeks of a five-member group, played on the simulator: the group's rhythm.

Every number expected below was computed by hand from PLAYBOOK.md ("The group"), in
the ledger written next to each command: lead added 1, email 1, follow-up 2, call 3,
referral 5, interview 5, offer 10; +2 for a rejection call the same or the next
business day; the same action on the same lead the same day earns once; streaks are
consecutive business days (member's calendar) with an action, alive on the board's day
if the last one was that day or the business day before.

A referral is logged on the referring lead (referral 5) and creates the referred lead
(added 1): 6 points in all.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bots.console.simulator import Output, run
from core.services import Identity
from core.services.ports import SimulatedClock
from testkit import kit

# Group: New York, US holidays (Fri 3 July 2026 is Independence Day, observed).
# Priya lives in Berlin with German holidays (3 July is a working day there).
# Leo is off the board. Nobody is an admin.
SCRIPT = """\
group tz America/New_York country US
member Maya
member Sam
member Priya tz Europe/Berlin country DE time 07:30
member Leo
member Ana

# --- Week 1: Mon 29 June - Sun 5 July ------------------------------------------------
at 2026-06-29 09:00
Maya: /lead add Dana Reyes at Acme as Product Lead          # Maya +1
Maya: /lead emailed #1                                       # Maya +1
Sam: /lead add Bob Chen at Initech                          # Sam +1
Sam: /lead add Ines Ortiz at Umbrella                       # Sam +1
Sam: /lead emailed #1                                        # Sam +1
Sam: /lead emailed #2                                        # Sam +1
Sam: /lead emailed #1 oops, logged twice                     # Sam +0 (same lead, same day)
Priya: /lead add Jonas Weber at Siemens                     # Priya +1 (15:00 Berlin)
Priya: /lead emailed #1                                      # Priya +1
Leo: /followthrough board off
Leo: /lead add Karl Brandt at Hooli                         # Leo +1 (unlisted)
Leo: /lead emailed #1                                        # Leo +1
Ana: /lead add Eva Stone at Stark                           # Ana +1
Ana: /lead interviewed #1                                    # Ana +5

at 2026-06-30 10:00
Maya: /lead followedup #1                                    # Maya +2
Ana: /lead rejected #1                                       # Ana +0
Sam: /lead emailed #1 a second note the next day             # Sam +1 (another day)

at 2026-07-01 08:40
Ana: /lead called #1 rejection call, she'll keep me in mind  # Ana +3 +2 (next business day)
Maya: /lead called #1                                        # Maya +3
Priya: /lead followedup #1                                   # Priya +2

at 2026-07-02 11:00
Maya: /lead replied #1                                       # Maya +0
Maya: /lead interviewed #1                                   # Maya +5
Sam: /lead followedup #1                                     # Sam +2
Sam: /lead followedup #2                                     # Sam +2
Ana: /lead add Finn Wolf at Wayne                           # Ana +1

at 2026-07-03 10:00
Priya: /lead called #1                                       # Priya +3 (16:00 Berlin)

# Week 1: Maya 12 (Mon-Thu, streak 4; the US holiday doesn't break it), Ana 12 (Mon-Thu,
# streak 4), Sam 9 (Mon, Tue, Thu: streak 1), Priya 7 (Mon, Wed, Fri: streak 1),
# Leo 2 (unlisted). Ties: Ana and Maya share 1st, Sam is 3rd.
# Totals: emails 1+3+1+1 = 6, follow-ups 1+2+1 = 4, calls 3, interviews 2.

# --- Week 2: Mon 6 - Sun 12 July -----------------------------------------------------
at 2026-07-06 09:00
Maya: /lead rejected #1                                      # Maya +0
Sam: /lead called #1                                         # Sam +3

at 2026-07-07 08:45
Maya: /lead called #1 she liked my case study                # Maya +3 +2
Maya: /lead referral #1 -> Tom Becker at Acme Finance as Finance Lead  # Maya +5 +1
Priya: /lead replied #1                                      # Priya +0
Leo: /lead followedup #1                                     # Leo +2

at 2026-07-08 10:00
Maya: /lead emailed #2                                       # Maya +1
Sam: /lead called #2                                         # Sam +3
Priya: /lead interviewed #1                                  # Priya +5
Ana: /lead emailed #2                                        # Ana +1

at 2026-07-09 10:00
Maya: /lead followedup #2                                    # Maya +2
Sam: /lead replied #1                                        # Sam +0
Sam: /lead interviewed #1                                    # Sam +5
Ana: /lead followedup #2                                     # Ana +2

at 2026-07-10 10:00
Maya: /lead called #2                                        # Maya +3
Sam: /lead rejected #2                                       # Sam +0 (a Friday rejection)
Ana: /lead rejected #2                                       # Ana +0 (a Friday rejection)

# Week 2: Maya 17 (streak 5..9 across the holiday), Sam 11 (Mon; Wed-Fri: streak 3),
# Priya 5 (Tue-Wed, dead by Monday), Ana 3 (Wed-Fri: streak 3), Leo 2.
# Totals: emails 2, follow-ups 3, calls 4, referrals 1, interviews 2.

# --- Week 3: Mon 13 - Sun 19 July ----------------------------------------------------
at 2026-07-13 09:00
Ana: /lead called #2                                         # Ana +3 +2 (Fri -> Mon)
Maya: /lead replied #2                                       # Maya +0
Maya: /lead rejected #2 no budget this year                  # Maya +0

at 2026-07-14 08:35
Sam: /lead called #2                                         # Sam +3 (Fri -> Tue: no bonus)
Maya: /lead called #2 he knows people at Globex              # Maya +3 +2
Maya: /lead referral #2 -> Lena Park at Globex as VP Engineering  # Maya +5 +1
Maya: /lead emailed #3                                       # Maya +1

at 2026-07-15 10:00
Maya: /lead replied #3                                       # Maya +0
Priya: /lead add Anna Schmidt at SAP                        # Priya +1
Priya: /lead emailed #2                                      # Priya +1
Leo: /lead called #1                                         # Leo +3

at 2026-07-16 10:00
Maya: /lead interviewed #3                                   # Maya +5
Sam: /lead add Carla Diaz at Hooli                          # Sam +1
Sam: /lead emailed #3                                        # Sam +1

at 2026-07-17 10:00
Sam: /lead offer #1                                          # Sam +10 (no chain: no party)
Sam: /lead followedup #3                                     # Sam +2
Ana: /lead add Gus Hale at Cyberdyne                        # Ana +1

# Week 3: Maya 17 (Mon-Thu, dead by Monday), Sam 17 (Thu-Fri: streak 2), Ana 6 (Mon
# continued to 4, then Fri alone: streak 1), Priya 2, Leo 3.
# Totals: emails 3, follow-ups 1, calls 4, referrals 1, interviews 1, offers 1.

# --- Week 4: Mon 20 - Sun 26 July ----------------------------------------------------
at 2026-07-20 09:00
Sam: /followthrough group points called 4                    # refused: not an admin
Maya: /followthrough share companies on
Maya: /lead offer #3                                         # Maya +10
Priya: /lead followedup #2                                   # Priya +2
Ana: /lead emailed #3                                        # Ana +1

at 2026-07-21 10:00
Maya: /lead accepted #3                                      # Maya +0: graduation
Sam: /lead called #3                                         # Sam +3 (still 3: refused above)
Priya: /lead called #2                                       # Priya +3

at 2026-07-22 10:00
Priya: /lead replied #2                                      # Priya +0
Leo: /lead add Zed Quinn at Umbrella                        # Leo +1

at 2026-07-23 10:00
Priya: /lead interviewed #2                                  # Priya +5

at 2026-07-24 10:00
Priya: /lead add Max Muster at Bosch                        # Priya +1 (Mon-Fri: streak 5)

# Week 4 so far = all of week 4: Priya 11, Maya 10, Sam 3, Ana 1, Leo 1.
at 2026-07-24 17:00
Ana: /leaderboard
Ana: /leaderboard month
Ana: /leaderboard all

# Tuesday 28 July brings everyone's weekly pipeline nudge, but not Maya's: she graduated.
at 2026-07-29 09:00
"""


def play(script: str) -> list[Output]:
    outputs: list[Output] = []
    run(script.splitlines(), outputs.append)
    return outputs


@pytest.fixture(scope="module")
def out() -> list[dict[str, Any]]:
    return [json.loads(o.to_json()) for o in play(SCRIPT)]


def boards(out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in out if o["to"] == "#group" and o["kind"] == "leaderboard"]


WEEKLY_BOARDS = [
    (
        "2026-07-06T08:00:00-04:00",
        "Last week's board (Mon Jun 29 to Sun Jul 5):\n"
        "1. Ana: 12 points, streak 4 days\n"
        "1. Maya: 12 points, streak 4 days\n"
        "3. Sam: 9 points, streak 1 day\n"
        "4. Priya: 7 points, streak 1 day\n"
        "\n"
        "Together: 6 emails · 4 follow-ups · 3 calls · 0 referrals · 2 interviews · 0 offers.\n"
        "\n"
        # The picture's words (a transcript shows no picture), by the group's days.
        "The group's week, Mon Jun 29 to Sun Jul 5: 15 actions.\n"
        "By day: Mon 6 · Tue 2 · Wed 3 · Thu 3 · Fri 1 · Sat 0 · Sun 0.\n"
        "By kind: 6 emails · 4 follow-ups · 3 calls · 2 interviews.\n"
        "No referral chain grew.",
    ),
    (
        "2026-07-13T08:00:00-04:00",
        "Last week's board (Mon Jul 6 to Sun Jul 12):\n"
        "1. Maya: 17 points, streak 9 days\n"
        "2. Sam: 11 points, streak 3 days\n"
        "3. Priya: 5 points\n"
        "4. Ana: 3 points, streak 3 days\n"
        "\n"
        "Together: 2 emails · 3 follow-ups · 4 calls · 1 referral · 2 interviews · 0 offers.\n"
        "\n"
        "The group's week, Mon Jul 6 to Sun Jul 12: 12 actions.\n"
        "By day: Mon 1 · Tue 3 · Wed 4 · Thu 3 · Fri 1 · Sat 0 · Sun 0.\n"
        "By kind: 2 emails · 3 follow-ups · 4 calls · 1 referral · 2 interviews.\n"
        "1 referral chain grew.",
    ),
    (
        "2026-07-20T08:00:00-04:00",
        "Last week's board (Mon Jul 13 to Sun Jul 19):\n"
        "1. Maya: 17 points\n"
        "1. Sam: 17 points, streak 2 days\n"
        "3. Ana: 6 points, streak 1 day\n"
        "4. Priya: 2 points\n"
        "\n"
        "Together: 3 emails · 1 follow-up · 4 calls · 1 referral · 1 interview · 1 offer.\n"
        "\n"
        # Maya's second referral grows the chain of week 2 again.
        "The group's week, Mon Jul 13 to Sun Jul 19: 11 actions.\n"
        "By day: Mon 1 · Tue 4 · Wed 2 · Thu 2 · Fri 2 · Sat 0 · Sun 0.\n"
        "By kind: 3 emails · 1 follow-up · 4 calls · 1 referral · 1 interview · 1 offer.\n"
        "1 referral chain grew.",
    ),
    (
        "2026-07-27T08:00:00-04:00",
        "Last week's board (Mon Jul 20 to Sun Jul 26):\n"
        "1. Priya: 11 points, streak 5 days\n"
        "2. Maya: 10 points\n"
        "3. Sam: 3 points\n"
        "4. Ana: 1 point\n"
        "\n"
        "Together: 1 email · 1 follow-up · 2 calls · 0 referrals · 1 interview · 1 offer.\n"
        "\n"
        "The group's week, Mon Jul 20 to Sun Jul 26: 6 actions.\n"
        "By day: Mon 3 · Tue 2 · Wed 0 · Thu 1 · Fri 0 · Sat 0 · Sun 0.\n"
        "By kind: 1 email · 1 follow-up · 2 calls · 1 interview · 1 offer.\n"
        "No referral chain grew.",
    ),
]


def test_one_board_is_posted_each_monday_at_the_groups_morning(out: list[dict[str, Any]]) -> None:
    assert [o["at"] for o in boards(out)] == [at for at, _ in WEEKLY_BOARDS]


@pytest.mark.parametrize("week", range(4), ids=[f"week {w + 1}" for w in range(4)])
def test_each_weekly_board_matches_the_hand_computed_one(
    out: list[dict[str, Any]], week: int
) -> None:
    posted = boards(out)
    assert len(posted) == 4
    assert posted[week]["text"] == WEEKLY_BOARDS[week][1]


def test_a_member_off_the_board_is_never_listed_but_counts_in_the_totals(
    out: list[dict[str, Any]],
) -> None:
    for board in boards(out):
        assert "Leo" not in board["text"]
    # Week 1: Leo's email is the 6th (Maya 1, Sam 3, Priya 1); week 2: his follow-up is
    # the 3rd (Leo, Maya, Ana); week 3: his call is the 4th (Ana, Sam, Maya, Leo).
    assert "6 emails" in boards(out)[0]["text"]
    assert "3 follow-ups" in boards(out)[1]["text"]
    assert "4 calls" in boards(out)[2]["text"]
    assert next(o["text"] for o in out if o["to"] == "Leo" and o["kind"] == "reply") == (
        "You're off the leaderboard; your actions still count in the group's totals."
    )


CELEBRATIONS = [
    (
        "2026-07-07T08:45:00-04:00",
        "Maya's referral chain grew! company 1 (no) -> company 2: REFERRAL, 2nd try",
    ),
    (
        "2026-07-14T08:35:00-04:00",
        "Maya's referral chain grew! company 1 (no) -> company 2 (no) -> company 3:"
        " REFERRAL, 3rd try",
    ),
    (
        "2026-07-16T10:00:00-04:00",
        "Maya got an interview through a referral chain! company 1 (no) -> company 2 (no)"
        " -> company 3: INTERVIEW, 3rd try",
    ),
    # Maya turned `share companies on` that morning: from now on her companies show.
    (
        "2026-07-20T09:00:00-04:00",
        "Maya got an offer through a referral chain! Acme (no) -> Acme Finance (no)"
        " -> Globex: OFFER, 3rd try",
    ),
    # 3 leads; follow-ups 30 June and 9 July; calls 1, 7, 10 and 14 July; one chain.
    (
        "2026-07-21T10:00:00-04:00",
        "Maya accepted an offer! The search behind it: 3 leads, 2 follow-ups, 4 calls,"
        " 1 referral chain. Congratulations, Maya: no more morning digests, and a"
        " permanent place on the all-time board.",
    ),
]


def test_every_celebration_matches_the_hand_written_one(out: list[dict[str, Any]]) -> None:
    celebrations = [o for o in out if o["kind"] == "celebration"]
    assert all(o["to"] == "#group" for o in celebrations)
    assert [(o["at"], o["text"]) for o in celebrations] == CELEBRATIONS


def test_nothing_else_reaches_the_group_channel(out: list[dict[str, Any]]) -> None:
    assert {o["kind"] for o in out if o["to"] == "#group"} == {"leaderboard", "celebration"}
    assert sum(o["to"] == "#group" for o in out) == len(WEEKLY_BOARDS) + len(CELEBRATIONS)


def leaderboard_replies(out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        o
        for o in out
        if o["to"] == "Ana" and o["kind"] == "reply" and o["at"] == "2026-07-24T17:00:00-04:00"
    ]


def test_leaderboard_on_demand_shows_this_week_so_far(out: list[dict[str, Any]]) -> None:
    assert leaderboard_replies(out)[0]["text"] == (
        "This week's board (since Mon Jul 20):\n"
        "1. Priya: 11 points, streak 5 days\n"
        "2. Maya: 10 points\n"
        "3. Sam: 3 points\n"
        "4. Ana: 1 point\n"
        "\n"
        "Together: 1 email · 1 follow-up · 2 calls · 0 referrals · 1 interview · 1 offer."
    )


def test_leaderboard_month_counts_from_the_first_of_the_month(out: list[dict[str, Any]]) -> None:
    # From Wed 1 July: Maya 3+0+5 (week 1) +17+17+10 = 52; Sam 4+11+17+3 = 35;
    # Priya 2+3 +5+2+11 = 23; Ana (3+2: Tuesday's rejection is still seen) +1 +3+6+1 = 16.
    # Emails 0+2+3+1, follow-ups 3+3+1+1, calls 3+4+4+2, referrals 2,
    # interviews 1+2+1+1, offers 2.
    assert leaderboard_replies(out)[1]["text"] == (
        "Board for July 2026:\n"
        "1. Maya: 52 points\n"
        "2. Sam: 35 points\n"
        "3. Priya: 23 points, streak 5 days\n"
        "4. Ana: 16 points\n"
        "\n"
        "Together: 6 emails · 8 follow-ups · 13 calls · 2 referrals · 5 interviews · 2 offers."
    )


def test_leaderboard_all_sums_every_week(out: list[dict[str, Any]]) -> None:
    # Maya 12+17+17+10, Sam 9+11+17+3, Priya 7+5+2+11, Ana 12+3+6+1; Leo 8, unlisted.
    assert leaderboard_replies(out)[2]["text"] == (
        "All-time board:\n"
        "1. Maya: 56 points\n"
        "2. Sam: 40 points\n"
        "3. Priya: 25 points, streak 5 days\n"
        "4. Ana: 22 points\n"
        "\n"
        "Together: 12 emails · 9 follow-ups · 13 calls · 2 referrals · 6 interviews · 2 offers."
    )


def test_group_points_are_for_admins_only_and_a_refusal_changes_nothing(
    out: list[dict[str, Any]],
) -> None:
    refusal = [o for o in out if o["to"] == "Sam" and o["at"] == "2026-07-20T09:00:00-04:00"]
    assert [o["text"] for o in refusal if o["kind"] == "error"] == [
        "Only the group's organisers (its admins) can change group settings; nothing changed."
    ]
    # Sam's one call of week 4 still earns 3, not 4.
    assert "3. Sam: 3 points" in boards(out)[3]["text"]


def test_an_accepted_offer_stops_the_members_digests(out: list[dict[str, Any]]) -> None:
    digests = [o for o in out if o["kind"] == "digest"]
    maya = [o["at"] for o in digests if o["to"] == "Maya"]
    assert maya, "Maya had mornings while she searched"
    assert max(maya) < "2026-07-21T10:00:00-04:00", "no digest after she accepted"
    # Everyone else still searching gets Tuesday 28 July's weekly pipeline nudge, as
    # Maya did a week earlier (21 July): she alone gets nothing.
    tuesday = {o["to"] for o in digests if o["at"].startswith("2026-07-28")}
    assert tuesday == {"Sam", "Priya", "Leo", "Ana"}


def test_board_and_celebration_lines_are_json_with_the_documented_fields(
    out: list[dict[str, Any]],
) -> None:
    for line in out:
        assert set(line) == {"at", "to", "kind", "rules", "text"}
        if line["to"] == "#group":
            assert line["rules"] == []


def test_an_on_demand_board_counts_what_was_just_logged() -> None:
    """`/leaderboard` right after a log, at the same simulated instant: the board is
    "so far", so the lead just added (1 point) is on it."""
    script = (
        "group tz America/New_York country US\nmember Ana\nat 2026-07-06 09:00\n"
        "Ana: /lead add Eva Stone at Stark\nAna: /leaderboard\n"
    )
    text = play(script)[-1].message.plain_text()
    assert text.startswith("This week's board (since Mon Jul 6):\n1. Ana: 1 point"), (
        "BUG core/services/boards.py board(): the window is [start of the period, now) and"
        " SqlEvents.in_group reads `at < end`, so an action logged at the clock's current"
        " instant (the simulator's clock stands still between commands) is left out of"
        f" `/leaderboard`: got {text!r}"
    )


def test_an_admins_new_points_rescore_past_weeks_too() -> None:
    """Through the services, with an admin (the simulator has none): `called 4` makes every
    call, past ones included, worth 4; the rejection call still gets its +2."""
    clock = SimulatedClock(datetime(2026, 7, 6, 13, 0, tzinfo=UTC))  # Mon 09:00 New York
    with kit.services("sqlite://", clock) as services:
        app = services.app
        app.groups.setup_group("sim", "g", tz="America/New_York", country="US", channel="group")
        admin = Identity("sim", "g", "U-admin", "Olga", is_admin=True)
        ana = Identity("sim", "g", "U-ana", "Ana")
        app.conversation.handle(ana, "/lead", "add Eva Stone at Stark")  # 1
        app.conversation.handle(ana, "/lead", "rejected #1")
        clock.advance_to(clock.now() + timedelta(days=1))  # Tuesday: the rejection call
        app.conversation.handle(ana, "/lead", "called #1")  # 3 + 2
        app.conversation.handle(ana, "/lead", "add Finn Wolf at Wayne")  # 1
        app.conversation.handle(ana, "/lead", "called #2")  # 3
        clock.advance_to(clock.now() + timedelta(hours=1))
        board = app.conversation.handle(ana, "/leaderboard", "all").plain_text()
        assert board.startswith("All-time board:\n1. Ana: 10")
        refused = app.conversation.handle(ana, "/followthrough", "group points called 4")
        assert refused.kind == "error"
        assert "Only the group's organisers (its admins) can change" in refused.plain_text()
        answer = app.conversation.handle(admin, "/followthrough", "group points called 4")
        assert answer.plain_text().startswith("`called` now earns 4 points.")
        clock.advance_to(clock.now() + timedelta(minutes=1))
        board = app.conversation.handle(ana, "/leaderboard", "all").plain_text()
        assert board.startswith("All-time board:\n1. Ana: 12")
        assert "Olga" not in board  # a member, 0 points

"""What the group channel sees: boards, referral chains, celebrations, and privacy.

PLAYBOOK.md, "The group": group posts name the member and the stages; company names
appear only if the member has opted in, contact names never.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime

import pytest

from bots.console.simulator import Output, run
from core.domain.group_posts import (
    BoardRow,
    ChainError,
    chain,
    chain_celebration,
    chain_text,
    check_link,
    graduation,
    leaderboard,
    ordinal,
    ranked,
)
from core.domain.leads import Action, Lead, Stage
from core.domain.text import plain

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def lead(
    id: int,
    parent: int | None = None,
    stage: Stage = Stage.NEW,
    contact: str = "",
    company: str = "",
) -> Lead:
    return Lead(
        member_id=1,
        number=id,
        contact=contact or f"Contact {id}",
        company=company or f"Org {id}",
        created_at=T0,
        parent_id=parent,
        stage=stage,
        id=id,
    )


def by_id(*leads: Lead) -> dict[int, Lead]:
    return {x.id: x for x in leads if x.id is not None}


# -- ranking and the board -----------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    rows = [
        BoardRow("Cleo", 5, 0),
        BoardRow("Ben", 9, 2),
        BoardRow("Ana", 9, 0),
        BoardRow("Dev", 3, 1),
    ]
    assert [(rank, row.name, row.points) for rank, row in ranked(rows)] == [
        (1, "Ana", 9),
        (1, "Ben", 9),
        (3, "Cleo", 5),
        (4, "Dev", 3),
    ]


def test_a_tie_below_the_top_shares_its_rank_too() -> None:
    rows = [BoardRow(n, p, 0) for n, p in [("A", 10), ("B", 7), ("C", 7), ("D", 7), ("E", 1)]]
    assert [rank for rank, _ in ranked(rows)] == [1, 2, 2, 2, 5]


def test_members_off_the_board_and_without_points_are_not_listed() -> None:
    rows = [
        BoardRow("Ana", 4, 0),
        BoardRow("Eve", 12, 3, listed=False),  # `board off`: the best score, but unlisted
        BoardRow("Zed", 0, 0),
    ]
    assert [(rank, row.name) for rank, row in ranked(rows)] == [(1, "Ana")]


def test_the_board_lists_ranks_points_and_streaks_and_the_totals_of_everyone() -> None:
    rows = [
        BoardRow("Cleo", 1, 1),
        BoardRow("Ben", 9, 2),
        BoardRow("Ana", 9, 0),
        BoardRow("Eve", 12, 3, listed=False),
        BoardRow("Zed", 0, 4),
    ]
    # Eve's calls and offer are in the totals the service passes in: they stay there.
    totals = Counter({Action.EMAILED: 3, Action.FOLLOWED_UP: 1, Action.CALLED: 2, Action.OFFER: 1})
    message = leaderboard("Last week's board (Mon Mar 2 to Sun Mar 8)", rows, totals)
    assert message.kind == "leaderboard"
    assert plain(message.text) == (
        "Last week's board (Mon Mar 2 to Sun Mar 8):\n"
        "1. Ana: 9 points\n"
        "1. Ben: 9 points, streak 2 days\n"
        "3. Cleo: 1 point, streak 1 day"
    )
    assert [plain(s.text) for s in message.sections] == [
        "Together: 3 emails · 1 follow-up · 2 calls · 0 referrals · 0 interviews · 1 offer."
    ]
    assert "Eve" not in message.plain_text()
    assert "Zed" not in message.plain_text()


def test_a_board_of_only_unlisted_scorers_says_so_and_keeps_the_totals() -> None:
    message = leaderboard(
        "Board", [BoardRow("Eve", 6, 0, listed=False)], Counter({Action.CALLED: 2})
    )
    assert plain(message.text) == "Board:\n(everyone active this time is off the board)"
    assert "2 calls" in message.sections[0].text


@pytest.mark.parametrize("rows", [[], [BoardRow("Ana", 0, 0), BoardRow("Ben", 0, 0, listed=False)]])
def test_a_quiet_week_gets_a_short_encouragement_not_an_empty_table(rows: list[BoardRow]) -> None:
    message = leaderboard("Last week's board", rows, Counter())
    assert message.kind == "leaderboard"
    assert message.text.startswith("Last week's board: a quiet one.")
    assert "one email today starts a streak" in message.text
    assert message.sections == ()
    assert not re.search(r"^\d+\. ", message.text, re.MULTILINE)
    assert "Together" not in message.plain_text()


# -- chains -------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_a_chain_is_the_path_from_the_first_lead_to_the_newest(depth: int) -> None:
    leads = [lead(i, parent=i - 1 if i > 1 else None) for i in range(1, depth + 1)]
    side = lead(99, parent=1)  # another branch from the same first lead
    found = chain(leads[-1], by_id(*leads, side))
    assert [x.id for x in found] == list(range(1, depth + 1))
    assert [x.id for x in chain(side, by_id(*leads, side))] == [1, 99]


def test_a_chain_starts_where_an_erased_parent_was() -> None:
    orphan = lead(3, parent=2)
    assert [x.id for x in chain(orphan, by_id(lead(1), orphan))] == [3]


def test_a_cycle_in_parent_ids_raises_chain_error() -> None:
    a, b, c = lead(1, parent=3), lead(2, parent=1), lead(3, parent=2)
    with pytest.raises(ChainError, match="loops back"):
        chain(c, by_id(a, b, c))
    me = lead(4, parent=4)
    with pytest.raises(ChainError):
        chain(me, by_id(me))


def test_check_link_refuses_a_link_that_would_make_a_loop() -> None:
    a, b, c = lead(1), lead(2, parent=1), lead(3, parent=2)
    leads = by_id(a, b, c)
    with pytest.raises(ChainError, match="no loops"):
        check_link(a, c, leads)  # a referred through c, which came through a
    with pytest.raises(ChainError):
        check_link(b, b, leads)  # a lead referring itself
    check_link(lead(4), c, leads)  # a new lead below the newest: fine
    check_link(c, a, leads)  # already a descendant, no loop: fine
    unsaved = Lead(1, 9, "New Person", "New Co", T0)
    check_link(unsaved, c, leads)  # not in the database yet: cannot be an ancestor


def test_chain_text_reads_like_the_playbooks_example_when_companies_are_shared() -> None:
    path = [
        lead(1, stage=Stage.CLOSED, contact="Dana Reyes", company="Acme"),
        lead(2, 1, Stage.REJECTED, contact="Tom Becker", company="Acme Finance"),
        lead(3, 2, Stage.OFFER, contact="Lena Park", company="Globex"),
    ]
    assert plain(chain_text(path, "OFFER", shared=True)) == (
        "Acme (no) -> Acme Finance (no) -> Globex: OFFER, 3rd try"
    )
    assert plain(chain_text(path, "OFFER", shared=False)) == (
        "company 1 (no) -> company 2 (no) -> company 3: OFFER, 3rd try"
    )


def test_links_still_open_show_their_stage() -> None:
    path = [lead(1, stage=Stage.TALKING, company="Acme"), lead(2, 1, company="Initech")]
    assert plain(chain_text(path, "REFERRAL", shared=True)) == (
        "Acme (talking) -> Initech: REFERRAL, 2nd try"
    )
    path = [lead(1, stage=Stage.FOLLOWED_UP, company="Acme"), lead(2, 1, company="Initech")]
    assert plain(chain_text(path, "REFERRAL", shared=True)).startswith("Acme (followed up) -> ")


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
    ],
)
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


def playbook_chain(last_stage: Stage) -> list[Lead]:
    return [
        lead(1, stage=Stage.CLOSED, contact="Dana Reyes", company="Acme"),
        lead(2, 1, Stage.CLOSED, contact="Tom Becker", company="Acme Finance"),
        lead(3, 2, last_stage, contact="Lena Park", company="Globex"),
    ]


@pytest.mark.parametrize(
    ("action", "stage", "text"),
    [
        (
            Action.REFERRAL,
            Stage.NEW,
            "Maya's referral chain grew! Acme (no) -> Acme Finance (no) -> Globex: REFERRAL,"
            " 3rd try",
        ),
        (
            Action.INTERVIEWED,
            Stage.INTERVIEWED,
            "Maya got an interview through a referral chain! Acme (no) -> Acme Finance (no)"
            " -> Globex: INTERVIEW, 3rd try",
        ),
        (
            Action.OFFER,
            Stage.OFFER,
            "Maya got an offer through a referral chain! Acme (no) -> Acme Finance (no)"
            " -> Globex: OFFER, 3rd try",
        ),
    ],
)
def test_a_chain_that_grows_or_reaches_an_interview_or_offer_is_celebrated(
    action: Action, stage: Stage, text: str
) -> None:
    message = chain_celebration("Maya", playbook_chain(stage), action, shared=True)
    assert message is not None
    assert message.kind == "celebration"
    assert plain(message.text) == text


def test_a_single_lead_is_no_chain_to_celebrate() -> None:
    only = [lead(1, stage=Stage.OFFER, company="Acme")]
    for action in (Action.REFERRAL, Action.INTERVIEWED, Action.OFFER):
        assert chain_celebration("Maya", only, action, shared=True) is None


@pytest.mark.parametrize(
    "action",
    [a for a in Action if a not in (Action.REFERRAL, Action.INTERVIEWED, Action.OFFER)],
)
def test_other_actions_on_a_chain_are_not_celebrated(action: Action) -> None:
    assert chain_celebration("Maya", playbook_chain(Stage.TALKING), action, shared=True) is None


def test_graduation_tells_the_whole_search_without_naming_anyone_else() -> None:
    leads = [*playbook_chain(Stage.CLOSED), lead(4, contact="Bob Chen", company="Initech")]
    counts = Counter({Action.FOLLOWED_UP: 3, Action.CALLED: 1, Action.EMAILED: 7})
    message = graduation("Maya", leads, counts)
    assert message.kind == "celebration"
    assert plain(message.text) == (
        "Maya accepted an offer! The search behind it: 4 leads, 3 follow-ups, 1 call,"
        " 1 referral chain. Congratulations, Maya: no more morning digests, and a permanent"
        " place on the all-time board."
    )


# -- privacy ------------------------------------------------------------------------------

CONSONANTS = "bcdfghjklmnpqrstvwxz"
TRICKY = [
    "Dana Reyes",
    "O'Brien",
    "José Núñez",
    "Zoë Ångström",
    "李雷",
    "Mary-Jane Watson-Parker",
    "Acme Finance",
    "Globex Corporation",
    "Initech LLC",
]


def unique_name(rng: random.Random, used: set[str]) -> str:
    """A name no template word can contain (vowel-less, capitalised), never reused."""
    while True:
        words = [
            "".join(rng.choice(CONSONANTS) for _ in range(rng.randint(5, 9))).capitalize()
            for _ in range(rng.randint(1, 3))
        ]
        name = " ".join(words)
        if name not in used and all(name not in other and other not in name for other in used):
            used.add(name)
            return name


def random_search(rng: random.Random) -> tuple[list[Lead], set[str], set[str]]:
    """A member's leads (random tree of referrals, random stages), their contacts, companies."""
    used: set[str] = set()
    count = rng.randint(1, 8)
    leads: list[Lead] = []
    for i in range(1, count + 1):
        parent = rng.choice([None, *range(1, i)]) if i > 1 else None
        tricky = rng.random() < 0.2
        contact = rng.choice(TRICKY[:6]) if tricky else unique_name(rng, used)
        company = rng.choice(TRICKY[6:]) if tricky else unique_name(rng, used)
        leads.append(lead(i, parent, rng.choice(list(Stage)), contact, company))
    return leads, {x.contact for x in leads}, {x.company for x in leads}


def words_of(names: set[str]) -> set[str]:
    """The names and each of their words (a first name alone is still a contact's name)."""
    return names | {w for n in names for w in re.split(r"[\s-]+", n) if len(w) > 3}


def leaked(text: str, secrets: set[str]) -> set[str]:
    return {s for s in words_of(secrets) if s in text}


MEMBERS = ["Maya", "Sam", "Priya", "Ana", "Leo"]


@pytest.mark.parametrize("seed", range(40))
def test_no_contact_and_no_unshared_company_appears_in_any_group_post(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        leads, contacts, companies = random_search(rng)
        member = rng.choice(MEMBERS)
        leads_by_id = by_id(*leads)
        posts: list[tuple[str, bool]] = []
        for newest in leads:
            path = chain(newest, leads_by_id)
            for action in Action:
                for shared in (False, True):
                    message = chain_celebration(member, path, action, shared)
                    if message is not None:
                        posts.append((message.plain_text(), shared))
                        if shared:
                            assert path[-1].company in message.text
        counts = Counter({a: rng.randint(0, 20) for a in Action})
        posts.append((graduation(member, leads, counts).plain_text(), False))
        rows = [
            BoardRow(m, rng.randint(0, 30), rng.randint(0, 9), rng.random() < 0.8) for m in MEMBERS
        ]
        posts.append((leaderboard("Last week's board", rows, counts).plain_text(), False))
        for text, shared in posts:
            assert not leaked(text, contacts), (text, contacts)
            if not shared:
                assert not leaked(text, companies - contacts), (text, companies)


# -- privacy, end to end through the simulator --------------------------------------------

CONTACTS = ["Dana", "Reyes", "Tom", "Becker", "Lena", "Park", "Bob", "Chen"]
COMPANIES = ["Acme", "Acme Finance", "Globex", "Initech"]


def referral_chain_script(share: bool) -> str:
    return f"""\
group tz America/New_York country US
member Maya
member Sam
at 2026-03-02 09:00
{"Maya: /followthrough share companies on" if share else ""}
Maya: /lead add Dana Reyes at Acme as Product Lead via intro
Maya: /lead interviewed #1 final round with the team
Sam: /lead add Bob Chen at Initech
Sam: /lead emailed #1
at 2026-03-03 16:30
Maya: /lead rejected #1 they went with Dana's internal candidate
at 2026-03-04 08:40
Maya: /lead called #1 she suggested Tom
Maya: /lead referral #1 -> Tom Becker at Acme Finance as Finance Systems Lead
at 2026-03-05 10:00
Maya: /lead emailed #2 mentioned Dana Reyes
Maya: /lead replied #2
Maya: /lead rejected #2
at 2026-03-06 08:35
Maya: /lead called #2 Tom Becker introduced me to Lena
Maya: /lead referral #2 -> Lena Park at Globex as VP Engineering
Maya: /lead emailed #3
at 2026-03-09 09:00
Maya: /lead interviewed #3
at 2026-03-11 15:00
Maya: /lead offer #3 from Lena Park at Globex
Maya: /lead accepted #3
at 2026-03-16 09:00
"""


def group_posts(share: bool) -> list[Output]:
    outputs: list[Output] = []
    run(referral_chain_script(share).splitlines(), outputs.append)
    return [o for o in outputs if o.to == "#group"]


def contains_word(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text) is not None


@pytest.mark.parametrize("share", [False, True])
def test_group_posts_never_name_contacts(share: bool) -> None:
    posts = group_posts(share)
    kinds = Counter(o.message.kind for o in posts)
    # Two referrals, an interview and an offer in the chain, the graduation, two boards.
    assert kinds == Counter({"celebration": 5, "leaderboard": 2})
    for post in posts:
        text = post.message.plain_text()
        for name in CONTACTS:
            assert not contains_word(text, name), (name, text)


def test_group_posts_name_no_company_unless_the_member_shares_them() -> None:
    for post in group_posts(share=False):
        text = post.message.plain_text()
        for company in COMPANIES:
            assert not contains_word(text, company), (company, text)
    offer = [
        plain(o.message.text) for o in group_posts(share=False) if "got an offer" in o.message.text
    ]
    assert offer == [
        "Maya got an offer through a referral chain!"
        " company 1 (no) -> company 2 (no) -> company 3: OFFER, 3rd try"
    ]


def test_shared_companies_appear_in_the_chain_but_contacts_still_never() -> None:
    texts = [
        plain(o.message.text) for o in group_posts(share=True) if o.message.kind == "celebration"
    ]
    assert texts[:4] == [
        "Maya's referral chain grew! Acme (no) -> Acme Finance: REFERRAL, 2nd try",
        "Maya's referral chain grew! Acme (no) -> Acme Finance (no) -> Globex: REFERRAL, 3rd try",
        "Maya got an interview through a referral chain! Acme (no) -> Acme Finance (no)"
        " -> Globex: INTERVIEW, 3rd try",
        "Maya got an offer through a referral chain! Acme (no) -> Acme Finance (no)"
        " -> Globex: OFFER, 3rd try",
    ]
    assert texts[4].startswith("Maya accepted an offer!")
    # Sam never shared: his company is nowhere, whatever Maya chose.
    assert not any(contains_word(t, "Initech") for t in texts)

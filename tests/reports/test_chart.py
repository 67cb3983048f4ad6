"""The week's picture as a member's chat shows it: a real PNG of a size a preview takes,
whose drawn words and numbers are the week's (read back from the figure drawn), in
colours that stay apart for colour-blind readers, the same bytes from any thread."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.text import Text
from PIL import Image

from core.domain.leads import Action
from core.domain.weekly import KINDS, Week, alt_text
from core.reports import chart
from core.reports.week_sample import samples
from testkit.processes import importing_this_checkout, outside

MONDAY = date(2026, 3, 2)
PNG = b"\x89PNG\r\n\x1a\n"
# The Okabe-Ito colours (less yellow): distinct for the common colour-vision deficiencies.
OKABE_ITO = {"#0072b2", "#56b4e9", "#e69f00", "#009e73", "#cc79a7", "#d55e00"}


def week(*days: dict[Action, int], chains: int = 0, whose: str = "The group's") -> Week:
    counts = {MONDAY + timedelta(days=n): Counter(day) for n, day in enumerate(days) if day}
    return Week(MONDAY, counts, chains, whose)


BUSY = week(
    {Action.EMAILED: 14, Action.CALLED: 5, Action.REFERRAL: 1},
    {Action.EMAILED: 17, Action.FOLLOWED_UP: 9, Action.INTERVIEWED: 2},
    {},
    {Action.OFFER: 1, Action.CALLED: 2},
    chains=3,
)


def texts(week: Week) -> list[str]:
    drawn = chart.figure(week)
    return [t.get_text() for t in drawn.findobj(Text) if t.get_text() and t.get_visible()]


def test_the_picture_is_a_png_a_chat_preview_takes() -> None:
    data = chart.png(BUSY)

    assert data.startswith(PNG)
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert Image.open(io.BytesIO(data)).size == (960, 540)  # 16:9, as chats frame it
    assert 10_000 < len(data) < 200_000


def test_the_picture_shows_the_weeks_numbers_and_the_days_totals() -> None:
    shown = texts(BUSY)

    assert "The group's week, Mon Mar 2 to Sun Mar 8" in shown
    # Each bar's total on it (Monday, Tuesday, Thursday), then the week's actions and
    # the chains that grew, large.
    assert [t for t in shown if t.isdigit()] == ["20", "28", "3", "51", "3"]
    assert {"Mon 2", "Tue 3", "Wed 4", "Thu 5", "Fri 6", "Sat 7", "Sun 8"} <= set(shown)
    assert {"emails", "follow-ups", "calls", "referrals", "interviews", "offers"} <= set(shown)


def bars(week: Week) -> dict[str, list[tuple[float, float]]]:
    """Per kind drawn, each of its boxes as (the middle of its day, its height)."""
    drawn = chart.figure(week)
    found = {}
    for artist in drawn.artists:
        if isinstance(artist, PolyCollection) and artist.get_label() in KINDS.values():
            boxes = [path.vertices for path in artist.get_paths()]
            found[artist.get_label()] = [
                ((b[:, 0].min() + b[:, 0].max()) / 2, b[:, 1].max() - b[:, 1].min()) for b in boxes
            ]
            assert to_hex(artist.get_facecolor()[0]) in OKABE_ITO
    return found


def test_each_bar_stacks_the_days_counts_by_kind_in_colour_blind_safe_colours() -> None:
    drawn = bars(BUSY)

    assert list(drawn) == ["email", "follow-up", "call", "referral", "interview", "offer"]
    assert [len(boxes) for boxes in drawn.values()] == [2, 1, 2, 1, 1, 1]
    per_day: dict[float, float] = {}
    for boxes in drawn.values():
        for middle, height in boxes:
            per_day[round(middle, 4)] = per_day.get(round(middle, 4), 0) + height
    monday, tuesday, thursday = sorted(per_day)
    unit = per_day[monday] / 20  # the height of one action
    assert per_day[tuesday] == pytest.approx(28 * unit)
    assert per_day[thursday] == pytest.approx(3 * unit)
    colours = {to_hex(c) for c in chart.COLOURS.values()}
    assert colours == OKABE_ITO


def test_an_empty_week_draws_a_picture_that_says_nothing_is_logged_yet() -> None:
    empty = Week(MONDAY, whose="Your")

    shown = texts(empty)

    assert "No actions logged yet" in shown
    assert "Your week, Mon Mar 2 to Sun Mar 8" in shown
    assert chart.png(empty).startswith(PNG)
    assert bars(empty) == {}


def test_the_picture_holds_no_word_but_its_own() -> None:
    # A week holds no name to draw: every word drawn is one of the picture's own.
    allowed = {
        "The group's week, Mon Mar 2 to Sun Mar 8",
        chart.SUBTITLE,
        "actions",
        "referral chains\ngrew",
        *(f"{(MONDAY + timedelta(days=n)):%a} {n + 2}" for n in range(7)),
        *("emails", "follow-ups", "calls", "referrals", "interviews", "offers"),
    }

    for text in texts(BUSY):
        assert text in allowed or text.isdigit(), text


def test_the_attachment_carries_the_alt_text_and_the_words_of_its_week() -> None:
    picture = chart.attachment(BUSY)

    assert picture.filename == "group-week-2026-03-02.png"
    assert picture.media_type == "image/png"
    assert picture.alt == (
        "Bar chart of the group's week, Mon Mar 2 to Sun Mar 8: 51 actions, most on"
        " Tuesday (28); 3 referral chains grew."
    )
    assert picture.fallback is not None and picture.fallback.startswith(
        "The group's week, Mon Mar 2 to Sun Mar 8: 51 actions."
    )


def test_the_same_week_drawn_in_threads_at_once_gives_the_same_bytes() -> None:
    weeks = list(samples().values())
    alone = [chart.png(w) for w in weeks]
    drawn: dict[int, bytes] = {}

    def draw(i: int) -> None:
        drawn[i] = chart.png(weeks[i % len(weeks)])

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [drawn[i] for i in range(6)] == [alone[i % len(weeks)] for i in range(6)]


def test_the_services_load_no_plotting_library_until_a_picture_is_drawn() -> None:
    probe = (
        "import sys, core.services, core.reports.chart, bots.bootstrap;"
        "print('matplotlib' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=outside(),
        env=importing_this_checkout(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )

    assert found.stdout.strip() == "False"


def test_a_big_groups_week_is_written_with_separators_and_stays_inside_the_picture() -> None:
    big = week(
        *(
            {Action.EMAILED: 2_000 + n * 100, Action.CALLED: 700, Action.REFERRAL: 90}
            for n in range(7)
        ),
        chains=570,
    )
    drawn = chart.figure(big)
    drawn.canvas.draw()
    renderer = drawn.canvas.get_renderer()  # type: ignore[attr-defined]

    shown = [t for t in drawn.findobj(Text) if t.get_text() and t.get_visible()]

    assert "21,630" in [t.get_text() for t in shown]
    for text in shown:
        box = text.get_window_extent(renderer)
        inside = box.x0 >= 0 and box.y0 >= 0 and box.x1 <= 960 and box.y1 <= 540
        assert inside, text.get_text()
    assert alt_text(big).endswith(
        "21,630 actions, most on Sunday (3,390); 570 referral chains grew."
    )

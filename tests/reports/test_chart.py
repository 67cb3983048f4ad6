"""The week's picture as a member's chat shows it: a real PNG of a size a preview takes,
whose drawn words and numbers are the week's (read back from the figure drawn), in
colours that stay apart for colour-blind readers, the same bytes from any thread."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from core.domain.leads import Action
from core.domain.weekly import Week
from core.reports import chart
from core.reports.week_sample import samples

ROOT = Path(__file__).resolve().parents[2]
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
    assert "51" in shown and "3" in shown  # the week's actions, the chains that grew
    # Each bar's total written on it: Monday, Tuesday, Thursday (Wednesday had none).
    assert [t.get_text() for t in chart.figure(BUSY).axes[0].texts] == ["20", "28", "3"]
    assert {"Mon 2", "Tue 3", "Wed 4", "Thu 5", "Fri 6", "Sat 7", "Sun 8"} <= set(shown)
    # The legend names only the kinds the week has, in the board's words.
    assert {"emails", "follow-ups", "calls", "referrals", "interviews", "offers"} <= set(shown)


def test_each_bar_stacks_the_days_counts_by_kind_in_colour_blind_safe_colours() -> None:
    drawn = chart.figure(BUSY)
    bars = [p for p in drawn.axes[0].patches if isinstance(p, Rectangle) and p.get_height() > 0]

    per_day: Counter[int] = Counter()
    for bar in bars:
        per_day[round(bar.get_x() + bar.get_width() / 2)] += round(bar.get_height())
    assert per_day == {0: 20, 1: 28, 3: 3}
    colours = {to_hex(bar.get_facecolor()) for bar in bars}
    assert colours <= OKABE_ITO
    assert len(colours) == 6  # one per kind present


def test_an_empty_week_draws_a_picture_that_says_nothing_is_logged_yet() -> None:
    empty = Week(MONDAY, whose="Your")

    shown = texts(empty)

    assert "No actions logged yet" in shown
    assert "Your week, Mon Mar 2 to Sun Mar 8" in shown
    assert chart.png(empty).startswith(PNG)
    assert not [p for p in chart.figure(empty).axes[0].patches if p.get_height() > 0]


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
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert found.stdout.strip() == "False"

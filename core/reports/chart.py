"""The week at a glance as a PNG: actions per day stacked by kind, and beside them the
week's total and the referral chains that grew (core.domain.weekly has the figures and
their words).

Drawn for a chat preview (Slack and Discord show it about 400 to 550 pixels wide): large
type in DejaVu Sans (vendored beside this module, as the work-search log's PDF uses it),
the Okabe-Ito colours, which stay apart for every common colour-vision deficiency, and
each bar's total written on it, so no number depends on telling colours apart.

matplotlib is imported on the first picture, not with this module: a process that never
draws (the console, a start-up, the demo) never loads it. Each picture is its own
`Figure` on its own Agg canvas, without pyplot's global state, so pictures may be drawn
in several threads at once.
"""

from __future__ import annotations

import io
import threading
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.domain.leads import Action
from core.domain.messages import Attachment
from core.domain.weekly import KINDS, Week, alt_text, fallback

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

FONTS = Path(__file__).with_name("fonts")
MEDIA_TYPE = "image/png"
WIDTH, HEIGHT, DPI = 8.0, 4.5, 120  # inches: 960 x 540 pixels, 16:9 as chats frame it
# Okabe & Ito (2008), "Color Universal Design": no yellow, which white swallows.
COLOURS: dict[Action, str] = {
    Action.EMAILED: "#0072B2",  # blue
    Action.FOLLOWED_UP: "#56B4E9",  # sky blue
    Action.CALLED: "#E69F00",  # orange
    Action.REFERRAL: "#009E73",  # bluish green
    Action.INTERVIEWED: "#CC79A7",  # reddish purple
    Action.OFFER: "#D55E00",  # vermilion
}
INK, QUIET, GRID, PAPER = "#1F2328", "#59636E", "#D8DEE4", "#FFFFFF"
SUBTITLE = "Actions logged each day, by kind"
_FONT_LOCK = threading.Lock()


@cache
def _fonts() -> tuple[FontProperties, FontProperties]:
    """DejaVu Sans and DejaVu Sans Bold, from the files beside this module."""
    from matplotlib.font_manager import FontProperties

    return (
        FontProperties(fname=FONTS / "DejaVuSans.ttf"),
        FontProperties(fname=FONTS / "DejaVuSans-Bold.ttf"),
    )


def _font(bold: bool = False, size: float = 11) -> FontProperties:
    with _FONT_LOCK:  # the cache's first call, from two threads at once
        regular, heavy = _fonts()
    font = (heavy if bold else regular).copy()
    font.set_size(size)
    return font


def figure(week: Week) -> Figure:
    """The week's picture as a matplotlib Figure on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawn = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=PAPER)
    FigureCanvasAgg(drawn)
    grid = drawn.add_gridspec(
        1, 2, width_ratios=(4.2, 1), left=0.07, right=0.97, top=0.79, bottom=0.18, wspace=0.08
    )
    bars, side = drawn.add_subplot(grid[0, 0]), drawn.add_subplot(grid[0, 1])
    drawn.text(0.07, 0.925, week.title, fontproperties=_font(True, 18), color=INK)
    drawn.text(0.07, 0.85, SUBTITLE, fontproperties=_font(size=13), color=QUIET)
    _bars(bars, week)
    _side(side, week)
    return drawn


def png(week: Week) -> bytes:
    """The week's picture as PNG bytes."""
    out = io.BytesIO()
    # No creation time or version in the file: the same week gives the same bytes.
    figure(week).savefig(out, format="png", facecolor=PAPER, metadata={"Software": None})
    return out.getvalue()


def _bars(ax: Any, week: Week) -> None:
    days = week.days
    x = list(range(len(days)))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GRID)
    ax.set_xticks(x, [_day_label(day) for day in days])
    for label in ax.get_xticklabels():
        label.set_fontproperties(_font(size=13))
        label.set_color(INK)
    ax.tick_params(axis="x", length=0, pad=6)
    ax.tick_params(axis="y", length=0, labelleft=False)
    ax.set_xlim(-0.6, len(days) - 0.4)
    most = max(week.day_total(day) for day in days)
    if not week.total:
        ax.set_ylim(0, 1)
        ax.text(
            0.5,
            0.55,
            "No actions logged yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontproperties=_font(True, 18),
            color=QUIET,
        )
        ax.text(
            0.5,
            0.38,
            "One email or call starts the week's first bar.",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontproperties=_font(size=12),
            color=QUIET,
        )
        return
    ax.set_ylim(0, most * 1.18)
    ax.yaxis.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    bottom = [0] * len(days)
    shown = []
    for kind, label in KINDS.items():
        heights = [week.on(day, kind) for day in days]
        if not any(heights):
            continue
        ax.bar(x, heights, 0.68, bottom=bottom, color=COLOURS[kind], label=label + "s")
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        shown.append(kind)
    for i, total in enumerate(bottom):
        if total:
            ax.text(
                i,
                total + most * 0.025,
                str(total),
                ha="center",
                va="bottom",
                fontproperties=_font(True, 13),
                color=INK,
            )
    legend = ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.11),
        ncol=len(shown),
        frameon=False,
        prop=_font(size=12),
        handlelength=1.0,
        handleheight=1.0,
        columnspacing=1.2,
        handletextpad=0.4,
        reverse=False,
    )
    for text in legend.get_texts():
        text.set_color(INK)


def _side(ax: Any, week: Week) -> None:
    """The week's two numbers, large: actions, and referral chains that grew."""
    ax.set_axis_off()
    figures = (
        (str(week.total), "actions" if week.total != 1 else "action", 0.80),
        (
            str(week.chains),
            "referral chains\ngrew" if week.chains != 1 else "referral chain\ngrew",
            0.34,
        ),
    )
    for number, words, y in figures:
        ax.text(
            0.5,
            y,
            number,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontproperties=_font(True, 34),
            color=INK,
        )
        ax.text(
            0.5,
            y - 0.12,
            words,
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontproperties=_font(size=12.5),
            color=QUIET,
            linespacing=1.2,
        )
    ax.axhline(0.56, 0.15, 0.85, color=GRID, linewidth=1)


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day}"


def attachment(week: Week, stem: str = "group-week") -> Attachment:
    """The picture as a message's file (`group-week-2026-03-02.png`), with its alt text
    and its words in full."""
    return Attachment(
        f"{stem}-{week.first.isoformat()}.png",
        png(week),
        MEDIA_TYPE,
        alt=alt_text(week),
        fallback=fallback(week),
    )

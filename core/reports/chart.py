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
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.domain.leads import Action
from core.domain.messages import Attachment
from core.domain.weekly import DAYS, KINDS, Week, alt_text, fallback

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


# Where things go, in figure fractions: the bars' box, the side's column.
LEFT, RIGHT, BOTTOM, TOP = 0.07, 0.79, 0.2, 0.79
SIDE = 0.885  # the centre of the side column
SIDE_ROOM = 0.17  # its width
BAR_WIDTH = 0.68  # of a day's slot
PNG_COMPRESSION = 3  # zlib's level: a tenth larger than the default 6, in half the time


def figure(week: Week) -> Figure:
    """The week's picture as a matplotlib Figure on its own Agg canvas.

    Drawn from a few plain artists placed in figure fractions (a collection of bars per
    kind, one of grid lines, texts), without Axes, ticks or a legend: those lay out
    dozens of artists each and took most of a picture's time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawn = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=PAPER)
    FigureCanvasAgg(drawn)
    drawn.text(LEFT, 0.925, week.title, fontproperties=_font(True, 18), color=INK)
    drawn.text(LEFT, 0.85, SUBTITLE, fontproperties=_font(size=13), color=QUIET)
    _bars(drawn, week)
    _side(drawn, week)
    return drawn


def png(week: Week) -> bytes:
    """The week's picture as PNG bytes: RGB (a picture has no transparency to keep), and
    nothing in the file but the picture, so that the same week gives the same bytes."""
    from PIL import Image

    drawn = figure(week)
    canvas = drawn.canvas
    canvas.draw()
    rgba = canvas.buffer_rgba()  # type: ignore[attr-defined]
    image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", compress_level=PNG_COMPRESSION)
    return out.getvalue()


class _Place:
    """Figure fractions of a day's slot (x: 0 to 6) and a count (y: 0 to `top`)."""

    def __init__(self, top: float) -> None:
        self.top = top

    def x(self, slot: float) -> float:
        return LEFT + (slot + 0.6) / (DAYS + 0.2) * (RIGHT - LEFT)

    def y(self, count: float) -> float:
        return BOTTOM + count / self.top * (TOP - BOTTOM)


def _centred(drawn: Figure, x: float, y: float, text: str, **style: Any) -> None:
    drawn.text(x, y, text, ha="center", **style)


def _bars(drawn: Figure, week: Week) -> None:
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.ticker import MaxNLocator

    days = week.days
    most = max(week.day_total(day) for day in days)
    at = _Place(most * 1.18 if most else 1)
    lines = [[(LEFT, BOTTOM), (RIGHT, BOTTOM)]]
    for i, day in enumerate(days):
        label = f"{day:%a} {day.day}"
        _centred(
            drawn, at.x(i), BOTTOM - 0.03, label, va="top", fontproperties=_font(size=13), color=INK
        )
    if not most:
        middle = (LEFT + RIGHT) / 2
        _centred(
            drawn,
            middle,
            0.55,
            "No actions logged yet",
            va="center",
            fontproperties=_font(True, 18),
            color=QUIET,
        )
        _centred(
            drawn,
            middle,
            0.45,
            "One email or call starts the week's first bar.",
            va="center",
            fontproperties=_font(size=12),
            color=QUIET,
        )
    else:
        levels = MaxNLocator(nbins=5, integer=True).tick_values(0, most)
        lines += [[(LEFT, at.y(v)), (RIGHT, at.y(v))] for v in levels if 0 < v <= at.top]
    drawn.add_artist(
        LineCollection(lines, colors=GRID, linewidths=0.9, transform=drawn.transFigure, zorder=0)
    )
    if not most:
        return
    bottom = [0] * DAYS
    shown: list[Action] = []
    half = BAR_WIDTH / 2
    for kind in KINDS:
        heights = [week.on(day, kind) for day in days]
        if not any(heights):
            continue
        boxes = [
            [
                (at.x(i - half), at.y(b)),
                (at.x(i + half), at.y(b)),
                (at.x(i + half), at.y(b + h)),
                (at.x(i - half), at.y(b + h)),
            ]
            for i, (b, h) in enumerate(zip(bottom, heights, strict=True))
            if h
        ]
        bars = PolyCollection(
            boxes,
            facecolors=COLOURS[kind],
            edgecolors="none",
            transform=drawn.transFigure,
            label=KINDS[kind],
        )
        drawn.add_artist(bars)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        shown.append(kind)
    for i, total in enumerate(bottom):
        if total:
            _centred(
                drawn,
                at.x(i),
                at.y(total + most * 0.025),
                f"{total:,}",
                va="bottom",
                fontproperties=_font(True, 13),
                color=INK,
            )
    _legend(drawn, shown)


def _width(text: str, size: float, bold: bool = False) -> float:
    """The width of `text` in DejaVu Sans at `size` points, in figure fractions."""
    from matplotlib.font_manager import get_font  # one per font file and thread

    font = get_font(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))
    font.set_size(size, DPI)
    font.set_text(text)
    return float(font.get_width_height()[0]) / 64 / (WIDTH * DPI)


def _fitting(text: str, size: float, room: float) -> float:
    """`size`, or less if bold `text` would be wider than `room` at it (a group's week of
    tens of thousands of actions in the side column)."""
    return min(size, size * room / _width(text, size, bold=True))


def _legend(drawn: Figure, kinds: list[Action]) -> None:
    """A swatch and the plural of each kind shown, in one row centred under the bars,
    each entry as wide as its words."""
    from matplotlib.collections import PolyCollection

    size, y, swatch, gap, between = 12, 0.07, 0.02, 0.008, 0.03
    height = swatch * WIDTH / HEIGHT  # a square
    labels = [KINDS[kind] + "s" for kind in kinds]
    widths = [swatch + gap + _width(label, size) for label in labels]
    # Centred under the bars, or from their left edge if it is wider than they are.
    x = max(LEFT, (LEFT + RIGHT) / 2 - (sum(widths) + between * (len(widths) - 1)) / 2)
    swatches = []
    for label, width in zip(labels, widths, strict=True):
        low, high = y - height / 2, y + height / 2
        swatches.append([(x, low), (x + swatch, low), (x + swatch, high), (x, high)])
        drawn.text(
            x + swatch + gap, y, label, va="center", fontproperties=_font(size=size), color=INK
        )
        x += width + between
    colours = [COLOURS[kind] for kind in kinds]
    drawn.add_artist(
        PolyCollection(swatches, facecolors=colours, edgecolors="none", transform=drawn.transFigure)
    )


def _side(drawn: Figure, week: Week) -> None:
    """The week's two numbers, large: actions, and referral chains that grew."""
    from matplotlib.collections import LineCollection

    figures = (
        (week.total, "actions" if week.total != 1 else "action", 0.66),
        (
            week.chains,
            "referral chains\ngrew" if week.chains != 1 else "referral chain\ngrew",
            0.38,
        ),
    )
    for number, words, y in figures:
        _centred(
            drawn,
            SIDE,
            y,
            f"{number:,}",
            va="center",
            fontproperties=_font(True, _fitting(f"{number:,}", 34, SIDE_ROOM)),
            color=INK,
        )
        _centred(
            drawn,
            SIDE,
            y - 0.07,
            words,
            va="top",
            fontproperties=_font(size=12.5),
            color=QUIET,
            linespacing=1.2,
        )
    line = LineCollection(
        [[(SIDE - 0.06, 0.52), (SIDE + 0.06, 0.52)]],
        colors=GRID,
        linewidths=1,
        transform=drawn.transFigure,
    )
    drawn.add_artist(line)


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

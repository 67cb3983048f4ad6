"""The work-search log as a printable PDF and as CSV: every field an agency asks for
(WORK-SEARCH.md, "What one export must hold"), in whatever script a member's data is in.

The PDF embeds DejaVu Sans (shipped beside this module, with its licence), which draws
Latin, Greek, Cyrillic, Hebrew and Arabic; fpdf2 shapes Arabic and lays out right-to-left
text through HarfBuzz. Chinese, Japanese and Korean need a font of their own: one found on
the machine through fontconfig is loaded only when a log needs it. A character that no
loaded font can draw (an emoji, CJK without such a font) is printed as MARKER, and every
page says what the marker means: the CSV keeps every character.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from core.domain.worklog import FIELDS, LogRow, Period, WorkLog, row_values

FONTS = Path(__file__).with_name("fonts")
FAMILY, FALLBACK = "dejavu", "fallback"

MARKER = "\u25af"  # ▯, in DejaVu Sans
MARKER_NOTE = f"{MARKER} marks a character this PDF's font can't draw; the CSV file has it whole."
NO_ROWS = "No activities logged in this period."
CLAIM_LINE = "Claim / ID number: " + "_" * 32  # filled in by hand: never stored

# Pages are landscape, and everything is drawn in a box of the part of the page that A4
# (297 x 210 mm) and Letter (279.4 x 215.9 mm) share, less margins, centred: one log
# breaks into the same lines and pages on either paper and prints whole on both.
BOX_WIDTH = 279.4 - 2 * 12
BOX_HEIGHT = 210.0 - 2 * 12
PAGE_FOOTER = 9.0  # mm at the bottom of the box for the page's own footer

TEXT_PT, SMALL_PT = 7.5, 6.5
LINE = 3.4  # mm per line of TEXT_PT

# The table's columns: heading, relative width and the field of FIELDS it shows. The day
# an activity was logged stands under the day it happened, in the date's column, so a
# reader sees at once what was entered late.
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("Date", 23, "date"),
    ("Kind", 17, "kind"),
    ("Employer", 26, "employer"),
    ("Position / ref / URL", 32, "position"),
    ("Contact, title", 24, "contact"),
    ("Verify at", 35, "verify"),
    ("Method", 15, "method"),
    ("Type", 17, "type"),
    ("Result", 15, "result"),
    ("Hours", 11.5, "hours"),
    ("Lead", 10, "lead"),
    ("Note", 29.5, "note"),
)

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not strftime: locale-free


# -- fonts ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Face:
    """A font file, and which face of it when it is a collection (.ttc)."""

    path: Path
    index: int = 0


REGULAR = Face(FONTS / "DejaVuSans.ttf")
BOLD = Face(FONTS / "DejaVuSans-Bold.ttf")


@cache
def glyphs(face: Face) -> frozenset[int]:
    """The code points `face` can draw (its cmap)."""
    font = TTFont(face.path, lazy=True, fontNumber=face.index)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@cache
def cjk_font() -> Face | None:
    """A font on this machine that draws Chinese, Japanese or Korean (Noto Sans CJK, for
    one), as fontconfig finds it; None where there is none or no fontconfig."""
    if shutil.which("fc-match") is None:
        return None
    for lang in ("ja", "zh-cn", "ko"):
        # fc-match always answers with its best font, CJK or not: the cmap decides.
        try:
            found = subprocess.run(
                ["fc-match", "--format", "%{file}\t%{index}", f"sans-serif:lang={lang}"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        file, _, index = found.partition("\t")
        path = Path(file)
        if path.suffix.lower() not in (".ttf", ".otf", ".ttc") or not path.is_file():
            continue
        face = Face(path, int(index or 0))
        if {0x4E00, 0xAC00} & glyphs(face):  # 一 or 가
            return face
    return None


def _drawn(char: str) -> bool:
    """Whether `char` has a shape that a missing glyph would leave out."""
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf")


@dataclass(slots=True)
class Ink:
    """What the loaded fonts can draw, in regular and in bold; `marked` records whether
    any text needed the marker."""

    regular: Set[int]
    bold: Set[int]
    marked: bool = field(default=False)

    def text(self, text: str, *, bold: bool = False) -> str:
        """`text` as the fonts can draw it: each character no font has becomes MARKER.

        A mark that only adjusts the character before it (a variation selector, a skin
        tone, a combining accent) joins that character's marker instead of adding its
        own; format characters without a glyph (a zero-width joiner) have no shape to
        lose and are left out, as are control characters; a space the font lacks (a tab,
        an ideographic space) becomes a plain one."""
        have = self.bold if bold else self.regular
        out: list[str] = []
        for char in text.replace("\r\n", "\n"):
            if char == "\n" or ord(char) in have:
                out.append(char)
            elif char.isspace():
                out.append(" ")
            elif _drawn(char) and not (out and out[-1] == MARKER and _modifier(char)):
                out.append(MARKER)
                self.marked = True
        return "".join(out)


def _modifier(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Me", "Sk") or 0x1F3FB <= ord(char) <= 0x1F3FF


def _missing(texts: Iterable[str], have: Set[int]) -> set[int]:
    return {ord(c) for text in texts for c in text if _drawn(c) and ord(c) not in have}


# -- the PDF ----------------------------------------------------------------------------


def _day(day: date) -> str:
    return f"{DAYS[day.weekday()]} {day.isoformat()}"


# The longest a cell prints: a row must fit on a page (fpdf2 refuses a taller one), and a
# note of a thousand characters would. A longer value ends in "…"; the CSV has it whole.
MAX_CELL = 160


def _cells(row: LogRow) -> list[str]:
    values = {name: _cut(value) for name, value in row_values(row).items()}
    if values["logged"]:
        values["date"] += f"\nlogged {values['logged']}"
    return [values[name] for _, _, name in COLUMNS]


CUT_NOTE = " A cell ending in “…” is cut short here; the CSV file has it whole."


def _was_cut(row: LogRow) -> bool:
    return any(len(value) > MAX_CELL for value in row_values(row).values())


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1].rstrip() + "…"


def _needs_shaping(text: str) -> bool:
    """Whether `text` has right-to-left letters (Hebrew, Arabic: laid out and joined by
    HarfBuzz) or combining marks (placed on their letter by HarfBuzz)."""
    return any(
        unicodedata.bidirectional(c) in ("R", "AL", "AN") or unicodedata.category(c) in ("Mn", "Me")
        for c in text
    )


def _text_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The text of a call to FPDF.cell or FPDF.multi_cell: `text=` or the third argument."""
    return str(kwargs["text"] if "text" in kwargs else args[2] if len(args) > 2 else "")


class _Document(FPDF):
    """Landscape pages on `paper`, the box centred, with a footer on every page.

    Text is shaped only where it needs it: fpdf2 shapes a line again for each character
    it adds while breaking lines, which made a 60-row log four times slower to lay out
    (2 s instead of 0.5 s) with every cell shaped, for the same result in Latin text."""

    def __init__(self, paper: str, footer: str, marked: bool) -> None:
        super().__init__(orientation="landscape", unit="mm", format=paper)
        self.footer_text = footer
        self.marked = marked
        # The period being printed and the page it starts on: a page it continues on
        # says which period it is, for a sheet that comes loose.
        self.period: tuple[str, int] | None = None
        left, top = (self.w - BOX_WIDTH) / 2, (self.h - BOX_HEIGHT) / 2
        self.set_margins(left, top, left)
        self.set_auto_page_break(True, margin=self.h - top - BOX_HEIGHT + PAGE_FOOTER)

    def shape_for(self, text: str) -> None:
        # Left to right as a whole: the form is in English; a Hebrew or Arabic name in it
        # is still laid out right to left.
        self.set_text_shaping(_needs_shaping(text), direction="ltr")

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        self.shape_for(_text_of(args, kwargs))
        return super().multi_cell(*args, **kwargs)

    def cell(self, *args: Any, **kwargs: Any) -> Any:
        self.shape_for(_text_of(args, kwargs))
        return super().cell(*args, **kwargs)

    def header(self) -> None:
        if self.period is not None and self.page_no() > self.period[1]:
            self.set_font(FAMILY, "", SMALL_PT)
            self.set_text_color(90)
            self.cell(0, 3, f"{self.period[0]} (continued)", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(self.h - self.b_margin + 2)
        self.set_font(FAMILY, "", SMALL_PT)
        self.set_text_color(90)
        self.cell(BOX_WIDTH * 0.8, 3, self.footer_text)
        self.cell(BOX_WIDTH * 0.2, 3, f"Page {self.page_no()} of {{nb}}", align="R")
        if self.marked:
            self.set_xy(self.l_margin, self.get_y() + 3)
            self.cell(BOX_WIDTH, 3, MARKER_NOTE)
        self.set_text_color(0)


def _verdict(period: Period) -> str:
    return {True: "minimum met", False: "minimum not met", None: "no minimum set"}[period.met]


def _days_check(period: Period) -> str:
    minimum = period.settings.minimum
    if minimum is None:
        return f"Different days: {period.days}."
    verdict = "met" if period.days >= minimum else "not met"
    return f"Different days: {period.days} of {minimum} needed, {verdict}."


def _lines(doc: _Document, text: str, *, size: float = 8.5, bold: bool = False) -> None:
    """`text` from the left margin, wrapped, in DejaVu at `size` points."""
    doc.set_font(FAMILY, "B" if bold else "", size)
    doc.set_x(doc.l_margin)
    doc.multi_cell(0, size * 0.53, text, new_x="LMARGIN", new_y="NEXT")


def _period(doc: _Document, ink: Ink, log: WorkLog, period: Period) -> None:
    # The heading stays with the table's first rows: a page needs room for both.
    if doc.get_y() + 40 > doc.page_break_trigger:
        doc.add_page()
    dates = f"{_day(period.start)} to {_day(period.end)}"
    doc.period = (ink.text(f"Work-search log of {log.member}, {dates}"), doc.page_no())
    _lines(doc, ink.text(f"Work-search log: {log.member}", bold=True), size=11, bold=True)
    _lines(doc, f"Period: {dates} · rules: {period.settings.rule}")
    doc.ln(1.5)
    _lines(doc, CLAIM_LINE)
    doc.ln(2)
    doc.set_font(FAMILY, "", TEXT_PT)
    if period.rows:
        with doc.table(
            width=doc.epw,
            col_widths=[width for _, width, _ in COLUMNS],
            text_align="LEFT",
            v_align="TOP",
            line_height=LINE,
            padding=(0.8, 1),
            headings_style=FontFace(emphasis="BOLD", fill_color=220),
            cell_fill_color=244,
            cell_fill_mode="EVEN_ROWS",
        ) as table:
            table.row([heading for heading, _, _ in COLUMNS])
            for row in period.rows:
                table.row([ink.text(cell) for cell in _cells(row)])
    else:
        _lines(doc, NO_ROWS)
    doc.ln(2)
    _lines(doc, f"Total: {period.tally}: {_verdict(period)}.", bold=True)
    if period.needs_days:
        _lines(doc, _days_check(period))
    _lines(
        doc,
        f"Produced {log.produced.isoformat()}. A date followed by “logged” is an activity "
        "entered in the log on that later day."
        + (CUT_NOTE if any(_was_cut(row) for row in period.rows) else ""),
    )
    doc.period = None
    doc.ln(7)


def pdf(log: WorkLog, fallbacks: Sequence[Face] | None = None) -> bytes:
    """The log as a PDF on `log.paper`: one table per period, every field of every row.

    `fallbacks` are fonts for characters DejaVu Sans lacks; None looks for a CJK font on
    the machine (cjk_font), and only when the log has a character DejaVu can't draw."""
    texts = [log.member] + [v for p in log.periods for r in p.rows for v in row_values(r).values()]
    regular, bold = glyphs(REGULAR), glyphs(BOLD)
    missing = _missing(texts, regular & bold)
    if fallbacks is None:
        found = cjk_font() if missing else None
        fallbacks = [found] if found else []
    # Only a font that draws something missing is loaded: a CJK font is megabytes.
    loaded = [face for face in fallbacks if missing & glyphs(face)]
    extra = frozenset().union(*(glyphs(face) for face in loaded))
    ink = Ink(regular | extra, bold | extra)
    # Cleaned up front, so that every page's footer knows whether the marker is used.
    ink.text(" ".join(texts))
    ink.text(log.member, bold=True)

    doc = _Document(
        log.paper,
        ink.text(f"Work-search log of {log.member}, produced {log.produced.isoformat()}"),
        ink.marked,
    )
    doc.set_title(f"Work-search log: {log.member}")
    doc.set_creator("FollowThrough")
    doc.set_lang("en")
    doc.add_font(FAMILY, "", REGULAR.path)
    doc.add_font(FAMILY, "B", BOLD.path)
    for number, face in enumerate(loaded):
        doc.add_font(f"{FALLBACK}{number}", "", face.path, collection_font_number=face.index)
    if loaded:
        doc.set_fallback_fonts([f"{FALLBACK}{n}" for n in range(len(loaded))], exact_match=False)
    doc.add_page()
    for period in log.periods:
        _period(doc, ink, log, period)
    return bytes(doc.output())


# -- the CSV ----------------------------------------------------------------------------

CSV_COLUMNS = (*FIELDS, "period_start", "period_end")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """`value`, with an apostrophe in front when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(log: WorkLog) -> str:
    """The log as CSV: a header row (FIELDS, then period_start and period_end), then one
    line per activity across the periods, in their order.

    Guarded against spreadsheet formula injection (OWASP, "CSV Injection"): a cell that
    starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe, so that
    a note typed as `=HYPERLINK(...)` or a phone number written `+1 555 0100` is shown as
    text by Excel, LibreOffice and Google Sheets instead of being run. The apostrophe is
    visible in the cell; everything after it is the member's own text.

    A str: encode it as UTF-8 with a byte-order mark ("utf-8-sig") for Excel to read
    names in other scripts.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for period in log.periods:
        span = [period.start.isoformat(), period.end.isoformat()]
        for row in period.rows:
            values = row_values(row)
            writer.writerow([safe_cell(values[name]) for name in FIELDS] + span)
    return out.getvalue()

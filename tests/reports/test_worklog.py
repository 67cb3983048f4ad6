"""The work-search log as a member hands it in: a real PDF, read back as a PDF reader
would (pypdf), and a CSV read back by csv.reader. Nothing is mocked.

Text read back from a PDF is compared on letters and digits only (`letters`): a reader
breaks a wrapped cell into lines and may move a comma around a right-to-left name, and
Arabic comes back in its joined letter forms, which compatibility normalisation (NFKC)
folds back into plain letters. Hebrew and Arabic words are looked for one by one, in
either order of their letters: the order a reader extracts right-to-left text in is its
own choice, not the PDF's.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from pypdf import PdfReader

from core.domain.worklog import FIELDS, PRESETS, LogRow, LogSettings, Period, WorkLog, row_values
from core.reports import sample, worklog
from core.reports.worklog import CLAIM_LINE, MARKER, MARKER_NOTE, NO_ROWS, csv_text, pdf

MONDAY = date(2025, 3, 3)
NEW_YORK = PRESETS["US-NY"].settings  # 3 activities a week, on different days
NAMES = (
    "Julie Martin",
    "Gaßner",
    "Дмитрий Иванов",
    "שרה כהן",
    "محمد علي",
    "田中太郎",
    "emoji 🎉",
)
DRAWN = NAMES[:5]  # what DejaVu Sans draws
UNDRAWN = {"田中太郎": MARKER * 4, "emoji 🎉": f"emoji {MARKER}"}


def row(n: int, contact: str = "", **changes: object) -> LogRow:
    values: dict[str, object] = {
        "day": MONDAY + timedelta(days=n % 5),
        "kind": "employer contact",
        "employer": f"Employer{n} Ltd",
        "position": f"Analyst {n} · REF-{n:04} · https://jobs.example.com/{n}",
        "contact": contact or f"Person {n}, recruiter",
        "verify": f"hr{n}@example.com · 555 01{n:02}",
        "method": "online",
        "type": "application",
        "result": "waiting",
        "minutes": 30 + n,
        "note": f"Note {n}, sent the portfolio",
        "lead": f"#{n}",
    }
    values.update(changes)
    return LogRow(**values)  # type: ignore[arg-type]


def week(rows: tuple[LogRow, ...], settings: LogSettings = NEW_YORK, weeks: int = 0) -> Period:
    start = MONDAY + timedelta(weeks=weeks)
    return Period(start, start + timedelta(days=6), rows, settings)


def log(*periods: Period, paper: str = "A4") -> WorkLog:
    return WorkLog("Amélie Durand", periods, produced=date(2025, 3, 12), paper=paper)


def pages(document: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(document)).pages]


def letters(text: str) -> str:
    """Letters and digits only, compatibility-normalised (see the module's docstring)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def shown(value: str, text: str) -> bool:
    """Whether `value` is in the extracted `text`, on a letters basis."""
    found = letters(text)
    if right_to_left(value):
        words = [letters(word) for word in value.split()]
        return all(word in found or word[::-1] in found for word in words)
    return letters(value) in found


def test_every_field_of_every_row_is_printed_whatever_its_script() -> None:
    rows = tuple(row(n, name) for n, name in enumerate(NAMES))

    text = "\n".join(pages(pdf(log(week(rows)), fallbacks=())))

    for printed in rows:
        for name, value in row_values(printed).items():
            if value and value not in UNDRAWN:
                assert shown(value, text), (name, value)
    for name in DRAWN:
        assert shown(name, text), name
    # Letters of each script are really there, not `?` or boxes.
    assert "Gaßner" in text and "Дмитрий" in text
    assert {"ש", "ר", "ה", "כ", "ן"} <= set(text)
    assert {"م", "ح", "د", "ع", "ل", "ي"} <= set(unicodedata.normalize("NFKC", text))


def test_a_character_no_font_draws_is_a_visible_marker_that_the_page_explains() -> None:
    rows = tuple(row(n, name) for n, name in enumerate(NAMES))

    text = pages(pdf(log(week(rows)), fallbacks=()))[0]

    for marked in UNDRAWN.values():
        assert marked in text
    assert MARKER_NOTE in text
    assert "?" not in text.replace("https://", "")


def test_an_emoji_with_its_modifiers_is_one_marker_and_a_joiner_leaves_no_gap() -> None:
    ink = worklog.Ink(worklog.glyphs(worklog.REGULAR), worklog.glyphs(worklog.BOLD))

    assert ink.text("ok 👍🏽 done") == f"ok {MARKER} done"
    assert ink.text("a\tb\x07c") == "a bc"
    assert ink.text("Zoë, 2nd line\nend") == "Zoë, 2nd line\nend"
    assert ink.marked


def test_a_log_the_font_draws_whole_has_no_marker_note() -> None:
    rows = tuple(row(n, name) for n, name in enumerate(DRAWN))

    text = pages(pdf(log(week(rows)), fallbacks=()))[0]

    assert MARKER not in text and MARKER_NOTE not in text


def square_font(path: Path, chars: str) -> None:
    """A TrueType font that draws each of `chars` as a square: a stand-in for a CJK font."""
    names = [".notdef", *(f"uni{ord(c):04X}" for c in chars)]
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 800))
    pen.lineTo((900, 800))
    pen.lineTo((900, 0))
    pen.closePath()
    square = pen.glyph()
    font = FontBuilder(1000, isTTF=True)
    font.setupGlyphOrder(names)
    font.setupCharacterMap({ord(c): f"uni{ord(c):04X}" for c in chars})
    font.setupGlyf(dict.fromkeys(names, square))
    font.setupHorizontalMetrics({name: (1000, 100) for name in names})
    font.setupHorizontalHeader(ascent=880, descent=-120)
    font.setupNameTable({"familyName": "Square CJK", "styleName": "Regular"})
    font.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    font.setupPost()
    font.save(str(path))


@pytest.fixture
def machine_with_a_cjk_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """fontconfig knows one font, which draws 一 and 田中太郎."""
    if shutil.which("fc-match") is None:
        pytest.skip("no fontconfig on this machine")
    (tmp_path / "fonts").mkdir()
    square_font(tmp_path / "fonts" / "square.ttf", "一田中太郎")
    config = tmp_path / "fonts.conf"
    config.write_text(
        f"<fontconfig><dir>{tmp_path / 'fonts'}</dir>"
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    worklog.cjk_font.cache_clear()
    yield tmp_path / "fonts" / "square.ttf"
    worklog.cjk_font.cache_clear()


def test_a_cjk_font_on_the_machine_draws_cjk_names(machine_with_a_cjk_font: Path) -> None:
    assert worklog.cjk_font() == worklog.Face(machine_with_a_cjk_font)

    text = pages(pdf(log(week((row(1, "田中太郎"),)))))[0]

    # pypdf puts a NUL before each character of a font it reads as two bytes a character.
    assert "田中太郎" in text.replace("\x00", "")
    assert "Employer1 Ltd" in text
    assert MARKER_NOTE not in text


def test_a_log_dejavu_draws_whole_embeds_no_other_font(machine_with_a_cjk_font: Path) -> None:
    document = pdf(log(week((row(1, "Дмитрий Иванов"),))))

    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(document)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVu" in font for font in fonts), fonts


def test_each_period_has_the_members_name_its_dates_and_a_blank_claim_line() -> None:
    document = pdf(log(week((row(1),)), week((row(2),), weeks=1)))

    text = pages(document)[0]

    assert text.count("Work-search log: Amélie Durand") == 2
    assert "Period: Mon 2025-03-03 to Sun 2025-03-09" in text
    assert "Period: Mon 2025-03-10 to Sun 2025-03-16" in text
    assert text.count(CLAIM_LINE) == 2
    assert re.search(r"Claim / ID number: _{20,}", text)


def test_each_period_ends_with_its_tally_against_the_minimum_and_the_day_produced() -> None:
    short = week((row(0), row(5)))  # twice on Monday: 2 activities on 1 day
    met = week((row(0), row(1), row(2)), weeks=1)
    free = week((row(0),), LogSettings(), weeks=2)
    hours = week((row(0, minutes=600),), PRESETS["UK"].settings, weeks=3)

    text = "\n".join(pages(pdf(log(short, met, free, hours))))

    assert "Total: 2 of 3 activities, on 1 different day: minimum not met." in text
    assert "Different days: 1 of 3 needed, not met." in text
    assert "Total: 3 of 3 activities, on 3 different days: minimum met." in text
    assert "Different days: 3 of 3 needed, met." in text
    assert "Total: 1 activity: no minimum set." in text
    assert "Total: 10 of 35 hours: minimum not met." in text
    assert text.count("Different days:") == 2  # only where the rule asks for them
    assert text.count("Produced 2025-03-12.") == 4


def test_a_period_without_activities_says_so() -> None:
    text = pages(pdf(log(week(()))))[0]

    assert NO_ROWS in text
    assert "Total: 0 of 3 activities, on 0 different days: minimum not met." in text
    assert "Position / ref / URL" not in text


def test_an_activity_logged_later_shows_both_days() -> None:
    late = row(2, logged=MONDAY + timedelta(days=4))

    text = pages(pdf(log(week((late,)))))[0]

    assert "20250305logged20250307" in letters(text)


def test_the_table_shows_every_field_of_the_log() -> None:
    shown_fields = [name for _, _, name in worklog.COLUMNS] + ["logged"]  # beside the date

    assert sorted(shown_fields) == sorted(FIELDS)


@pytest.mark.parametrize(("paper", "size"), [("A4", (841.89, 595.28)), ("Letter", (792.0, 612.0))])
def test_each_paper_gets_its_own_page_size_in_landscape(
    paper: str, size: tuple[float, float]
) -> None:
    reader = PdfReader(io.BytesIO(pdf(log(week((row(1),)), paper=paper))))

    box = reader.pages[0].mediabox

    assert (round(float(box.width), 2), round(float(box.height), 2)) == size


def text_positions(document: bytes) -> list[tuple[float, float, float, float, str]]:
    """(x, y, page width, page height, text) of every piece of text, in points."""
    found = []
    for page in PdfReader(io.BytesIO(document)).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)

        def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            if text.strip():
                found.append((cm[4] + tm[4], cm[5] + tm[5], width, height, text))  # noqa: B023

        page.extract_text(visitor_text=visit)
    return found


def test_the_same_log_prints_whole_on_a4_and_on_letter() -> None:
    periods = (week(tuple(row(n, NAMES[n % 5]) for n in range(40))),)
    a4, letter = pdf(log(*periods, paper="A4")), pdf(log(*periods, paper="Letter"))

    # Same pages, same lines: the layout lives in the part both papers share.
    assert pages(a4) == pages(letter)
    mm = 72 / 25.4
    for x, y, width, height, text in text_positions(a4) + text_positions(letter):
        left, bottom = (width - worklog.BOX_WIDTH * mm) / 2, (height - worklog.BOX_HEIGHT * mm) / 2
        assert left - 0.5 <= x < width - left, (x, text)
        assert bottom <= y <= height - bottom, (y, text)
        # and at least 10 mm from every edge of either paper
        assert min(x, y, height - y) >= 10 * mm, (x, y, text)


def test_a_long_log_continues_across_pages_with_the_column_headings_repeated() -> None:
    rows = tuple(row(n, NAMES[n % 3]) for n in range(200))

    texts = pages(pdf(log(week(rows))))

    assert len(texts) >= 5
    for number, text in enumerate(texts, start=1):
        if number > 1:
            assert text.startswith(
                "Work-search log of Amélie Durand, Mon 2025-03-03 to Sun 2025-03-09 (continued)"
            )
        if "#" in text:  # a page with rows, not one with the period's footer alone
            assert "Date Kind Employer Position / ref / URL" in text, number
        assert f"Page {number} of {len(texts)}" in text
    leads = Counter(re.findall(r"#\d+", "\n".join(texts)))
    assert leads == Counter(f"#{n}" for n in range(200)), "a row is lost or printed twice"
    assert "Total: 200 of 3 activities" in texts[-1]


def test_the_sample_command_writes_the_readme_picture_s_log(tmp_path: Path) -> None:
    out = tmp_path / "log.pdf"

    assert sample.main([str(out), "--paper", "Letter"]) == 0

    reader = PdfReader(out)
    assert float(reader.pages[0].mediabox.width) == 792.0
    assert "Work-search log: Amélie Durand" in reader.pages[0].extract_text()


# -- CSV ------------------------------------------------------------------------------


def test_the_csv_has_one_line_per_activity_with_its_period_and_every_character() -> None:
    first = week(tuple(row(n, name) for n, name in enumerate(NAMES)))
    second = week((row(9, note='said "call me", then\nleft a message'),), weeks=1)

    lines = list(csv.reader(io.StringIO(csv_text(log(first, second, week((), weeks=2))))))

    assert lines[0] == [*FIELDS, "period_start", "period_end"]
    assert len(lines) == 1 + len(NAMES) + 1
    for line, printed in zip(lines[1:], first.rows, strict=False):
        assert line == [*row_values(printed).values(), "2025-03-03", "2025-03-09"]
    assert [line[FIELDS.index("contact")] for line in lines[1:8]] == list(NAMES)
    assert lines[-1][FIELDS.index("note")] == 'said "call me", then\nleft a message'
    assert lines[-1][-2:] == ["2025-03-10", "2025-03-16"]


@pytest.mark.parametrize(
    "typed",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1 555 0100",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(
    typed: str,
) -> None:
    text = csv_text(log(week((row(1, employer=typed, note=typed, verify=typed),))))

    line = list(csv.reader(io.StringIO(text)))[1]

    for name in ("employer", "verify", "note"):
        assert line[FIELDS.index(name)] == "'" + typed


def test_ordinary_cells_are_left_as_typed() -> None:
    text = csv_text(log(week((row(1, note="a = b, c - d @ e"),))))

    line = list(csv.reader(io.StringIO(text)))[1]

    assert line[FIELDS.index("note")] == "a = b, c - d @ e"
    assert line[FIELDS.index("date")] == "2025-03-04"


def test_a_cell_too_long_for_a_page_is_cut_and_the_page_says_so() -> None:
    week = sample.sample().periods[0]
    long = replace(week.rows[0], note="Thanks for the call today, " * 60)
    log = replace(sample.sample(), periods=(replace(week, rows=(long,)),))
    text = " ".join(pages(pdf(log, ())))
    assert "cut short here; the CSV file has it whole" in " ".join(text.split())
    assert ("Thanks for the call today, " * 60).strip() in csv_text(log)

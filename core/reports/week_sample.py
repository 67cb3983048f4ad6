"""Draws the sample pictures of a week that docs/weekly-picture.png shows:

python -m core.reports.week_sample OUT_FOLDER

It writes weekly-picture.png (a group of forty's busy week), my-week.png (one member's) and
empty-week.png (a week with nothing logged yet).
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from core.domain.leads import Action
from core.domain.weekly import Week
from core.reports.chart import png

MONDAY = date(2026, 3, 2)
KINDS = (
    Action.EMAILED,
    Action.FOLLOWED_UP,
    Action.CALLED,
    Action.REFERRAL,
    Action.INTERVIEWED,
    Action.OFFER,
)
# Per day, Monday first: emails, follow-ups, calls, referrals, interviews, offers.
GROUP = (
    (14, 6, 5, 1, 1, 0),
    (17, 9, 8, 2, 2, 0),
    (12, 7, 6, 1, 2, 1),
    (10, 8, 4, 0, 3, 0),
    (8, 5, 3, 1, 1, 0),
    (2, 0, 0, 0, 0, 0),
    (1, 1, 0, 0, 0, 0),
)
MEMBER = ((2, 1, 1, 0, 0, 0), (1, 0, 2, 1, 0, 0), (0, 2, 0, 0, 1, 0), (1, 0, 0, 0, 0, 0))


def week(rows: tuple[tuple[int, ...], ...], chains: int, whose: str) -> Week:
    counts = {
        MONDAY + timedelta(days=n): Counter(dict(zip(KINDS, row, strict=True)))
        for n, row in enumerate(rows)
    }
    return Week(MONDAY, {d: +c for d, c in counts.items()}, chains, whose)


def samples() -> dict[str, Week]:
    return {
        "weekly-picture.png": week(GROUP, 4, "The group's"),
        "my-week.png": week(MEMBER, 1, "Your"),
        "empty-week.png": Week(MONDAY),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write the pictures into")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, sample in samples().items():
        (args.out / name).write_bytes(png(sample))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

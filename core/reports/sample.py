"""Writes the sample work-search log that docs/worklog-sample.png shows:

python -m core.reports.sample OUT.pdf [--paper A4|Letter]
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from core.domain.worklog import PRESETS, LogRow, Period, WorkLog
from core.reports.worklog import pdf

MONDAY = date(2025, 3, 3)


def sample(paper: str = "A4") -> WorkLog:
    """Two weeks of a member on New York's rule: names in five scripts, an entry logged
    two days late, a week met and one that is not."""
    day = [MONDAY + timedelta(days=n) for n in range(14)]
    contact = "employer contact"
    first = (
        LogRow(
            day[0],
            contact,
            "Gaßner & Söhne GmbH",
            "Backend developer · REF-4471 · https://jobs.gassner.example/4471",
            "Дмитрий Иванов, Head of Engineering",
            "jobs@gassner.example · +49 30 1234567",
            "online",
            "application",
            "waiting",
            lead="#12",
        ),
        LogRow(
            day[1],
            contact,
            "Kohen Labs",
            "Data analyst",
            "שרה כהן, recruiter",
            "sara@kohen.example",
            "email",
            "inquiry",
            "replied",
            lead="#14",
        ),
        LogRow(
            day[2],
            contact,
            "Al Noor Logistics",
            "Operations lead",
            "محمد علي, hiring manager",
            "+971 4 555 0100",
            "phone",
            "follow-up",
            "interview",
            logged=day[4],
            note="Called back after the fair; interview on Thursday",
            lead="#9",
        ),
        LogRow(
            day[3],
            "job fair",
            "City career centre",
            "Spring tech fair",
            method="in person",
            type="job fair",
            minutes=150,
        ),
        LogRow(
            day[4],
            contact,
            "田中商事 (Tanaka Trading)",
            "QA engineer",
            "田中太郎",
            "https://tanaka.example/careers",
            "online",
            "application",
            "waiting",
            note="Applied through the site 🎉",
            lead="#15",
        ),
    )
    second = (
        LogRow(
            day[8],
            contact,
            "Crème Brûlée Café",
            "Shift manager",
            "Julie Martin, owner",
            "12 rue Exemple, Montréal",
            "in person",
            "application",
            "waiting",
            lead="#16",
        ),
    )
    rule = PRESETS["US-NY"].settings
    return WorkLog(
        member="Amélie Durand",
        periods=(
            Period(day[0], day[6], first, rule),
            Period(day[7], day[13], second, rule),
        ),
        produced=day[10],
        paper=paper,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the PDF")
    parser.add_argument("--paper", choices=("A4", "Letter"), default="A4")
    args = parser.parse_args(argv)
    args.out.write_bytes(pdf(sample(args.paper)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

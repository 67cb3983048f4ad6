"""When something happened, as a member says it: `on fri`, `yesterday`, `3 days ago`,
`on 2026-11-27`, `on 27 nov`. Parsed without knowing today; resolved in the member's
own calendar, where its bounds are checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from core.domain.errors import UsageError
from core.domain.text import echo

MAX_DAYS_BACK = 30
MAX_DAYS_AHEAD = 366  # how far ahead something to come (an interview) may be set

WEEKDAYS = {
    **dict.fromkeys(("mon", "monday"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday"), 1),
    **dict.fromkeys(("wed", "weds", "wednesday"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday"), 3),
    **dict.fromkeys(("fri", "friday"), 4),
    **dict.fromkeys(("sat", "saturday"), 5),
    **dict.fromkeys(("sun", "sunday"), 6),
}
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
RELATIVE = {"today": 0, "yesterday": 1, "tomorrow": -1}
# The words a day is named with, in full: what a slip of the keyboard is measured against.
DAY_WORDS = (
    *(name for name in WEEKDAYS if len(name) > 4),
    *(name for name in MONTHS if len(name) > 4),
    *RELATIVE,
)
HINT = "Say when: `on fri`, `yesterday`, `3 days ago`, `on 2026-11-27` or `on 27 nov`."
AHEAD_HINT = "Say when: `today`, `tomorrow`, `on thu`, `on 2026-12-10` or `on 10 dec`."


@dataclass(frozen=True, slots=True)
class When:
    """A day relative to the member's today: `days_ago`, a `weekday`, or a calendar date
    (`year` None: the latest such date that isn't in the future)."""

    days_ago: int | None = None
    weekday: int | None = None
    month: int | None = None
    day: int | None = None
    year: int | None = None

    def resolve(self, today: date, back: int | None = MAX_DAYS_BACK) -> date:
        """The day meant, checked: not in the future, at most `back` days back (None:
        any past day, for reading what was logged)."""
        if self.days_ago is not None:
            if back is not None and self.days_ago > back:
                raise UsageError(f"{self.days_ago} days ago is more than {back}; {_reach(back)}")
            meant = today - timedelta(days=self.days_ago)
        elif self.weekday is not None:
            # The most recent such day before today: on a Friday, `on fri` is a week ago.
            meant = today - timedelta(days=(today.weekday() - self.weekday - 1) % 7 + 1)
        else:
            assert self.month is not None and self.day is not None
            meant = self._calendar_date(today)
        if meant > today:
            future = "log it once it has happened" if back == MAX_DAYS_BACK else "it hasn't come"
            raise UsageError(f"{_day(meant)} is in the future: {future}.")
        if back is not None and (today - meant).days > back:
            raise UsageError(f"{_day(meant)} is more than {back} days ago; {_reach(back)}")
        return meant

    def ahead(self, today: date, limit: int = MAX_DAYS_AHEAD) -> date:
        """The day meant for something to come (an interview), checked: today or later,
        at most `limit` days ahead. A weekday is the next one after today (on a Thursday,
        `on thu` is a week ahead: `today` is today); a date without a year the next such
        date from today on."""
        if self.days_ago is not None:
            meant = today - timedelta(days=self.days_ago)
        elif self.weekday is not None:
            meant = today + timedelta(days=(self.weekday - today.weekday() - 1) % 7 + 1)
        else:
            meant = self._calendar_date(today, ahead=True)
        if meant < today:
            raise UsageError(f"{_day(meant)} has passed: give a day to come. {AHEAD_HINT}")
        if (meant - today).days > limit:
            raise UsageError(f"{_day(meant)} is more than a year ahead. {AHEAD_HINT}")
        return meant

    def _calendar_date(self, today: date, ahead: bool = False) -> date:
        """The date meant; without a year, the latest one not after `today` (or, `ahead`,
        the first one not before it)."""
        assert self.month is not None and self.day is not None
        if self.year is not None:
            years = [self.year]
        else:
            years = [today.year, today.year + 1] if ahead else [today.year, today.year - 1]
        for year in years:
            try:
                meant = date(year, self.month, self.day)
            except ValueError:
                continue
            if self.year is not None or (meant >= today if ahead else meant <= today):
                return meant
        raise UsageError(f"There is no such date. {AHEAD_HINT if ahead else HINT}")


NUMBERS = dict(
    zip(
        ("a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
        (1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        strict=True,
    )
)
PUNCTUATION = ".,;:!?"


def _reach(back: int) -> str:
    """What a refusal of a day too far back says."""
    if back == MAX_DAYS_BACK:
        return "I can only date actions in the last month."
    return f"I can only go {back} days back."


def _day(d: date) -> str:
    return f"{d:%a %b} {d.day} {d.year}"


def shown(d: date, today: date | None = None) -> str:
    """`Tue Mar 2`; with the year when it isn't `today`'s (`Tue Mar 2 2027`)."""
    text = f"{d:%a} {d:%b} {d.day}"
    return text if today is None or d.year == today.year else f"{text} {d.year}"


def _number(word: str) -> int | None:
    """A count: ASCII digits (`3`, `1000`: bounds are checked on resolving) or a word."""
    if word.isascii() and word.isdigit() and len(word) <= 6:
        return int(word)
    return NUMBERS.get(word)


def _calendar(words: list[str]) -> tuple[When, int] | None:
    """`2026-11-27`, `27 nov`, `nov 27`: the date and how many words it took."""
    first = words[0]
    parts = first.split("-")
    if len(parts) == 3 and all(_number(p) is not None for p in parts) and len(parts[0]) == 4:
        year, month, day = (int(p) for p in parts)
        if not 1 <= month <= 12:
            raise UsageError(f"{echo(first, 12)} is not a date. {HINT}")
        return When(month=month, day=day, year=year), 1
    if len(words) >= 2:
        for day_word, month_word in ((words[0], words[1]), (words[1], words[0])):
            number, named = _number(day_word), MONTHS.get(month_word)
            if number is not None and named is not None and 1 <= number <= 31:
                return When(month=named, day=number), 2
    return None


def take(words: list[str]) -> tuple[When | None, list[str]]:
    """A date phrase at the start of `words` (lowercase), and the words after it.

    `yesterday`, `today`, `tomorrow` (refused on resolving: it is in the future), `last
    friday` and `N days ago` (or weeks) stand alone or after `on`; `on` must otherwise
    start a weekday or a calendar date; a comma or full stop may close the phrase. A
    word after `on` that is a try at a day but not one (`on fir`, `on 31 feb`) is a
    UsageError; any other word after `on` starts a note (`on the phone`), and the words
    come back untouched.
    """
    bare = [word.rstrip(PUNCTUATION) for word in words[:5]]
    if not bare:
        return None, words
    relative = _relative(bare)
    if relative is not None:
        when, used = relative
        return when, words[used:]
    if bare[0] != "on" or len(bare) < 2:
        return None, words
    relative = _relative(bare[1:])
    if relative is not None:  # `on yesterday`, `on last fri`
        when, used = relative
        return when, words[1 + used :]
    if bare[1] in WEEKDAYS:
        return When(weekday=WEEKDAYS[bare[1]]), words[2:]
    if not _datelike(bare[1]):
        return None, words  # `on the shortlist...` starts a note, not a date
    found = _calendar(bare[1:])
    if found is None:
        raise UsageError(f"{echo(bare[1], 20)} is not a day I understand. {HINT}")
    when, used = found
    return when, words[1 + used :]


def _relative(bare: list[str]) -> tuple[When, int] | None:
    """`today`, `yesterday`, `tomorrow`, `last fri`, `3 days ago`: the day and how many
    words it took."""
    head = bare[0]
    if head in RELATIVE:
        return When(days_ago=RELATIVE[head]), 1
    if head == "last" and len(bare) >= 2 and bare[1] in WEEKDAYS:
        return When(weekday=WEEKDAYS[bare[1]]), 2
    count = _number(head)
    if count is not None and len(bare) >= 3 and bare[2] == "ago":
        unit = {"day": 1, "days": 1, "week": 7, "weeks": 7}.get(bare[1])
        if unit is not None:
            return When(days_ago=count * unit), 3
    return None


def _datelike(word: str) -> bool:
    """Whether `word`, after `on`, is meant as a day: a weekday or month (or the start of
    one's name: `thur`, `sept`), a number, a relative day, or one of those mistyped
    (`fir`, `firday`, `tomorow`, `wendsday`). Such a word is read as a date or refused,
    never taken for the start of a note; `on the phone`, `on linkedin` are notes."""
    if word in WEEKDAYS or word in MONTHS or any(char.isdigit() for char in word):
        return True
    if not word.isalpha() or not 3 <= len(word) <= 12:
        return False
    for name in DAY_WORDS:
        if len(word) >= 4 and name.startswith(word):
            return True
        if _slips(word, name) <= (2 if len(name) >= 8 else 1 if len(name) >= 5 else 0):
            return True
    # A three-letter weekday with two letters swapped (`fir`, `mno`, `teu`); other slips
    # of three letters are words of their own (`the`).
    return any(_swapped(word, short) for short in WEEKDAYS if len(short) == 3)


def _swapped(word: str, name: str) -> bool:
    """Whether `word` is `name` with two neighbouring letters swapped."""
    return sorted(word) == sorted(name) and _slips(word, name) == 1


def _slips(word: str, name: str) -> int:
    """How many typing slips (a letter wrong, missing or extra; two neighbours swapped)
    turn `word` into `name`: the optimal string alignment distance."""
    previous: list[int] = []
    row = list(range(len(name) + 1))
    for i, a in enumerate(word, 1):
        earlier, previous, row = previous, row, [i] + [0] * len(name)
        for j, b in enumerate(name, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == name[j - 2] and word[i - 2] == b:
                row[j] = min(row[j], earlier[j - 2] + 1)
    return row[-1]


def parse_when(text: str) -> When:
    """A whole date phrase (Discord's `when` option), or a UsageError."""
    words = text.lower().split()
    when, rest = take(words)
    if when is None:  # `fri`, `2026-11-27`: the option needs no `on`
        when, rest = take(["on", *words])
    if when is None or rest:
        raise UsageError(f"{echo(text, 30)} is not a day I understand. {HINT}")
    return when


def upcoming_days(today: date, count: int = 14) -> list[tuple[str, str]]:
    """(label, value) of the next few days, for autocomplete: `Today`, `Tomorrow`, `Thu Dec 10`."""
    choices = [("Today", "today"), ("Tomorrow", "tomorrow")]
    for ahead in range(2, count):
        day = today + timedelta(days=ahead)
        choices.append((f"{day:%a %b} {day.day}", day.isoformat()))
    return choices


def parse_clock(text: str) -> time | None:
    """A time of day as people write it: `14:00`, `9:30`, `2pm`, `2:30 pm`, `12am`;
    None if `text` is none of those."""
    word = text.lower().replace(" ", "").replace(".", "")
    half = next((h for h in ("am", "pm") if word.endswith(h)), None)
    if half is not None:
        word = word[: -len(half)]
    hours, sep, minutes = word.partition(":")
    if not (hours.isascii() and hours.isdigit() and len(hours) <= 2):
        return None
    if sep and not (minutes.isascii() and minutes.isdigit() and len(minutes) == 2):
        return None
    if not sep and half is None:
        return None  # `14` alone is a number, not a time
    hour, minute = int(hours), int(minutes or 0)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def recent_days(today: date, count: int = 7) -> list[tuple[str, str]]:
    """(label, value) of the last few days, for autocomplete: `Today`, `Yesterday`, `Fri Nov 27`."""
    choices = [("Today", "today"), ("Yesterday", "yesterday")]
    for back in range(2, count):
        day = today - timedelta(days=back)
        choices.append((f"{day:%a %b} {day.day}", day.isoformat()))
    return choices

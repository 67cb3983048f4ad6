"""Link codes (core.domain.links): what a typed code is read as, how it is kept, and the
numbers of its rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.domain import links
from core.domain.links import LinkCode

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("0O1IL") & set(links.ALPHABET)
    assert len(set(links.ALPHABET)) == len(links.ALPHABET) == 31
    # About 40 bits: five tries per 15 minutes leave no guessing.
    assert len(links.ALPHABET) ** links.CODE_LENGTH > 2**39


def test_a_typed_code_is_read_in_any_case_with_or_without_its_dash() -> None:
    for typed in ("ABCD2345", "abcd2345", "ABCD-2345", "abcd 2345", " abcd-2345 "):
        assert links.normalised(typed) == "ABCD2345"


def test_what_cannot_be_a_code_is_read_as_none() -> None:
    for typed in ("ABCD234", "ABCD23456", "ABCD2340", "ABCDO345", "ABCD234I", "", "ÄBCD2345"):
        assert links.normalised(typed) is None


def test_a_code_is_shown_in_two_halves() -> None:
    assert links.shown("ABCD2345") == "ABCD-2345"


def test_a_code_is_kept_as_a_salted_hash_that_only_it_matches() -> None:
    salt = "00" * links.SALT_BYTES
    stored = LinkCode(1, salt, links.digest(salt, "ABCD2345"), NOW)
    assert links.matches(stored, "ABCD2345")
    assert not links.matches(stored, "ABCD2346")
    other = LinkCode(1, "11" * links.SALT_BYTES, links.digest("11" * 16, "ABCD2345"), NOW)
    assert other.digest != stored.digest  # the same code under another salt


def test_minutes_are_rounded_up_and_never_zero() -> None:
    assert links.minutes_until(NOW + timedelta(minutes=15), NOW) == 15
    assert links.minutes_until(NOW + timedelta(seconds=61), NOW) == 2
    assert links.minutes_until(NOW + timedelta(seconds=1), NOW) == 1
    assert links.minutes_until(NOW, NOW) == 1


def test_the_rules_numbers() -> None:
    assert timedelta(minutes=10) == links.VALID_FOR
    assert links.MAX_WRONG == 5 and timedelta(minutes=15) == links.WAIT
    assert "1 try left" in links.wrong_code(1).text
    assert "4 tries left" in links.wrong_code(4).text

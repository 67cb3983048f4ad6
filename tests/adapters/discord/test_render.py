"""Neutral messages as Discord message parts (bots.discord.render): within Discord's limits,
member text escaped, and long text spread over messages and embeds instead of cut."""

from __future__ import annotations

from bots.discord import render
from bots.discord.views import view
from core.domain.text import typed
from core.services import Button, Message, MessageKind, Section


def test_a_long_digest_stays_within_discords_limits() -> None:
    buttons = (
        Button("Done", "/lead followedup #12", "done"),
        Button("They replied", "/lead replied #12", "replied"),
        Button("Snooze 2 days", "/lead snooze #12 2", "snooze"),
    )
    sections = tuple(
        Section(f"#{n} " + "x" * 900, "why " * 100, "draft line\n" * 300, buttons)
        for n in range(12)
    )
    message = Message(MessageKind.DIGEST, "y" * 5000, sections)
    parts = render.parts(message)
    assert len(parts) > 1
    for part in parts:
        assert len(part.content or "") <= 2000
        assert len(part.embeds) <= 10 and part.size() <= 6000
        assert all(len(e.description or "") <= 4096 for e in part.embeds)
        assert len(part.rows) <= 5
        built = view(part, 41)
        assert (built is not None) == bool(part.rows)
        for item in built.children if built else ():
            assert len(item.custom_id or "") <= 100  # type: ignore[attr-defined]
    assert sum(len(part.embeds) for part in parts) == 12
    # The long text is spread over messages, not cut.
    assert "".join(part.content or "" for part in parts) == "y" * 5000
    assert all("```" in e.description for part in parts for e in part.embeds)  # type: ignore[operator]


def test_member_text_is_escaped_in_linear_time_and_drafts_cannot_break_their_fence() -> None:
    hostile = "[](" * 700  # escape_markdown's link pattern backtracks on this
    section = Section(typed(hostile) * 30, None, "Hi ````` [x](http://e.x) @everyone")
    (piece,) = render.embeds(section)[-1:]
    description = piece.description or ""
    assert description.count("```") == 2  # the draft's own fence, opened and closed
    assert "](" not in render.escape(hostile)


def test_a_long_history_spills_into_further_embeds_instead_of_being_cut() -> None:
    history = Section(
        "History:\n" + "\n".join(f"Mon Mar {n}: note " + "n" * 150 for n in range(60))
    )
    pieces = render.embeds(history)
    assert len(pieces) == 3 and all(len(e.description or "") <= 4096 for e in pieces)
    assert "Mon Mar 59" in (pieces[-1].description or "")

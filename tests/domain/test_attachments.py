"""Attachments (core.domain.messages.Attachment): text or bytes, counted in bytes, and
stored as JSON (the outbox's payload) without a byte changing."""

from __future__ import annotations

import json

import pytest

from core.domain.messages import Attachment, Message, MessageKind, reply

PDF = b"%PDF-1.7\n\x00\xff\xfe" + bytes(range(256))


def stored(message: Message) -> Message:
    """`message` as the outbox keeps it and reads it back."""
    return Message.from_dict(json.loads(json.dumps(message.to_dict())))


def test_a_binary_file_survives_json_byte_for_byte() -> None:
    message = reply("Your log.", attachments=(Attachment("log.pdf", PDF, "application/pdf"),))
    (back,) = stored(message).attachments
    assert back.content == PDF and back == message.attachments[0]


def test_bytes_are_stored_as_marked_base64_and_text_as_it_is() -> None:
    text = Attachment("a.csv", "lead\nZoë\n", "text/csv")
    binary = Attachment("log.pdf", b"\x00\xff", "application/pdf")
    assert text.to_dict() == {
        "filename": "a.csv",
        "content": "lead\nZoë\n",
        "media_type": "text/csv",
    }
    assert binary.to_dict()["encoding"] == "base64" and binary.to_dict()["content"] == "AP8="
    assert stored(reply("x", attachments=(text,))).attachments == (text,)


def test_a_payload_stored_before_bytes_still_loads_as_text() -> None:
    old = {
        "kind": "reply",
        "text": "x",
        "attachments": [{"filename": "a.csv", "content": "AP8=", "media_type": "text/csv"}],
    }
    assert Message.from_dict(old).attachments == (Attachment("a.csv", "AP8=", "text/csv"),)


def test_an_unknown_encoding_is_refused_rather_than_sent_as_text() -> None:
    with pytest.raises(ValueError, match="unknown encoding 'base85'"):
        Attachment.from_dict(
            {"filename": "a", "content": "x", "media_type": "a/b", "encoding": "base85"}
        )


def test_size_counts_bytes_not_characters() -> None:
    assert Attachment("a.csv", "Zoë", "text/csv").size == 4
    assert Attachment("a.csv", "Zoë", "text/csv").data == "Zoë".encode()
    assert Attachment("log.pdf", PDF, "application/pdf").size == len(PDF)


def test_plain_text_names_a_binary_file() -> None:
    message = reply("Your log.", attachments=(Attachment("log.pdf", PDF, "application/pdf"),))
    assert message.plain_text().endswith("[attached: log.pdf]")


def test_a_pictures_alt_text_and_words_are_stored_with_it_and_stand_in_for_it_in_text() -> None:
    picture = Attachment(
        "group-week.png", b"\x89PNG\r\n", "image/png", alt="Bar chart.", fallback="3 actions."
    )
    message = Message(MessageKind.LEADERBOARD, "Last week's board", attachments=(picture,))

    (back,) = stored(message).attachments

    assert back == picture and back.alt == "Bar chart." and back.fallback == "3 actions."
    assert message.plain_text() == "Last week's board\n\n3 actions."
    plain = Attachment("log.pdf", PDF, "application/pdf")
    assert "alt" not in plain.to_dict() and "fallback" not in plain.to_dict()

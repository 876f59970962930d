"""extract_submission: the only place that reads Telegram message shapes."""

from __future__ import annotations

from typing import Any

from telegram import Message

from handlers.extract import extract_submission, forward_info, nothing_to_check, user_language
from tests.fakebot import updates


def msg(update: dict[str, Any]) -> Message:
    """A PTB Message from a fake update, without a bot (nothing is sent)."""
    message = Message.de_json(update["message"], None)
    assert message is not None
    return message


def test_a_text_becomes_a_text_submission_without_a_file() -> None:
    sub = extract_submission(msg(updates.text_message("hola")), lang="es", country="ES")
    assert (sub.kind, sub.text, sub.file, sub.lang, sub.country) == (
        "text",
        "hola",
        None,
        "es",
        "ES",
    )


def test_a_voice_note_carries_its_file_reference_and_duration() -> None:
    update = updates.voice_message("F1", "U1", duration=12, file_size=3000)
    sub = extract_submission(msg(update), lang="en", country=None)
    assert sub.kind == "voice"
    assert sub.file is not None
    assert (sub.file.file_id, sub.file.file_unique_id, sub.file.size) == ("F1", "U1", 3000)
    assert sub.file.duration == 12.0


def test_an_audio_document_is_media_to_listen_to() -> None:
    update = updates.document_message("F2", "U2", file_name="a.mp3", mime_type="audio/mpeg")
    sub = extract_submission(msg(update), lang="es", country=None)
    assert sub.kind == "document"
    assert sub.file is not None


def test_a_captioned_pdf_is_read_by_its_caption_and_carries_no_file() -> None:
    update = updates.document_message(
        "F3", "U3", file_name="factura.pdf", mime_type="application/pdf", caption="Pague ya"
    )
    sub = extract_submission(msg(update), lang="es", country=None)
    assert (sub.kind, sub.text, sub.file) == ("document", "Pague ya", None)
    assert nothing_to_check(sub) is None  # checked as text, in private chats and groups alike


def test_a_pdf_without_caption_is_something_ojo_cannot_check() -> None:
    update = updates.document_message("F4", "U4", file_name="x.pdf", mime_type="application/pdf")
    sub = extract_submission(msg(update), lang="es", country=None)
    assert (sub.kind, sub.file) == ("other", None)
    assert nothing_to_check(sub) == "unsupported"


def test_a_photo_is_a_file_to_read_and_an_empty_text_gets_its_own_answer() -> None:
    photo = extract_submission(msg(updates.photo_message("P", "PU")), lang="es", country=None)
    assert photo.kind == "photo"
    assert photo.file is not None and photo.file.file_unique_id == "PU"
    assert nothing_to_check(photo) is None  # read by OCR, caption or not
    blank = extract_submission(msg(updates.text_message("   ")), lang="es", country=None)
    assert nothing_to_check(blank) == "empty"


def test_a_screenshot_sent_as_a_file_is_read_too() -> None:
    update = updates.document_message("D5", "U5", file_name="shot.png", mime_type="image/png")
    sub = extract_submission(msg(update), lang="es", country=None)
    assert sub.kind == "document"
    assert sub.file is not None and sub.file.mime_type == "image/png"


def test_a_forward_from_a_hidden_user_keeps_the_name_and_date() -> None:
    update = updates.forwarded_message("hola", updates.origin_hidden_user("Banco"))
    info = forward_info(msg(update))
    assert info is not None
    assert (info.origin, info.name) == ("hidden_user", "Banco")


def test_the_answer_language_is_the_choice_else_telegrams_else_spanish() -> None:
    assert user_language(None, "en") == "en"
    assert user_language(None, None) == "es"

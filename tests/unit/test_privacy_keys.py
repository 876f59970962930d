"""bot.privacy owns every key: users by keyed hash, content by digest or Telegram file id."""

from __future__ import annotations

from bot import privacy
from bot.analysis.submission import FileRef, Submission


def test_texts_differing_only_in_case_accents_and_spacing_share_a_key() -> None:
    assert privacy.text_key("Pague  YA") == privacy.text_key("pague ya")
    assert privacy.text_key("hola").startswith("text:")
    assert "hola" not in privacy.text_key("hola")  # a digest, never the words


def test_a_submission_is_keyed_by_its_file_else_by_its_text() -> None:
    voice = Submission("voice", text="caption", file=FileRef("F", "U"))
    assert voice.content_key == privacy.file_key("U") == "file:U"
    text = Submission("text", text="hola")
    assert text.content_key == privacy.text_key("hola")


def test_seen_ids_are_cut_to_the_column_and_recognised() -> None:
    long = "x" * 200
    assert len(privacy.seen_id(long)) == privacy.ITEM_ID_CHARS
    assert privacy.is_seen(privacy.seen_id("abc"))
    assert privacy.seen_file(privacy.seen_id("abc")) == "abc"
    assert not privacy.is_seen(privacy.moderator_item_id(7))


def test_fingerprint_keys_round_trip() -> None:
    key = privacy.fingerprint_key("hoax-1")
    assert key == "fp:hoax-1"
    assert privacy.fingerprint_item(key) == "hoax-1"


def test_a_warning_key_is_its_handle_key() -> None:
    content = privacy.text_key("hola")
    handle = privacy.short(content)
    assert len(handle) == privacy.HANDLE_CHARS
    assert privacy.warning_key(content) == privacy.handle_key(handle)


def test_false_alarm_alert_keys_fit_their_column() -> None:
    assert len(privacy.false_alarm_alert_key("file:" + "y" * 300)) == privacy.ALERT_KEY_CHARS


def test_user_hashes_depend_on_the_secret_and_hide_the_id() -> None:
    a, b = privacy.user_hash("s1", 42), privacy.user_hash("s2", 42)
    assert a != b
    assert "42" not in a
    assert privacy.user_hash("s1", 42) == a

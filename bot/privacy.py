"""Every key Ojo stores things under: users by keyed hash, content by digest or Telegram id.

No other module builds a key by hand: what a key contains (and what it must never contain)
is decided here, in one place a reviewer can read.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.matching.normalize import normalize

SEEN_PREFIX = "seen-"  # fingerprint items of notes forwarded to Ojo (not curated audio)
ITEM_ID_CHARS = 80  # the audio_items.id column
ALERT_KEY_CHARS = 128  # the sightings.content_key column
HANDLE_CHARS = 16  # short(): small enough for callback data and deep links


def user_hash(secret: str, user_id: int) -> str:
    """An HMAC of a Telegram user id (reports, votes and sightings store only this)."""
    return hmac.new(secret.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()[:40]


def chat_hash(secret: str, chat_id: int) -> str:
    """An HMAC of a chat id."""
    return hmac.new(secret.encode(), f"chat:{chat_id}".encode(), hashlib.sha256).hexdigest()[:40]


def text_key(text: str) -> str:
    """The content key of a text: equal for texts that differ only in case, accents, spacing."""
    digest = hashlib.sha256(normalize(text).text.encode()).hexdigest()
    return f"text:{digest[:40]}"


def file_key(file_unique_id: str) -> str:
    """The content key of a Telegram file (same for every forward of the same file)."""
    return f"file:{file_unique_id}"


def content_key(file_unique_id: str | None, text: str | None) -> str:
    """The content key of an item: its file when it has one, else its text."""
    if file_unique_id is not None:
        return file_key(file_unique_id)
    return text_key(text or "")


def short(content_key: str) -> str:
    """A 16-character handle of a content key, small enough for callback data."""
    return hashlib.sha256(content_key.encode()).hexdigest()[:HANDLE_CHARS]


def seen_id(file_unique_id: str) -> str:
    """The fingerprint item id of a note forwarded to Ojo (cut to the column's width)."""
    return f"{SEEN_PREFIX}{file_unique_id}"[:ITEM_ID_CHARS]


def is_seen(item_id: str) -> bool:
    """Whether a fingerprint item is a forwarded note rather than curated audio."""
    return item_id.startswith(SEEN_PREFIX)


def seen_file(item_id: str) -> str:
    """The file_unique_id a seen item was made from (the inverse of seen_id, uncut ids)."""
    return item_id.removeprefix(SEEN_PREFIX)


def fingerprint_key(item_id: str) -> str:
    """The content key of one recording in any encoding: cache entries and trend sightings."""
    return f"fp:{item_id}"


def fingerprint_item(key: str) -> str:
    """The fingerprint item id inside a fingerprint_key."""
    return key.removeprefix("fp:")


def warning_key(content_key: str) -> str:
    """The verdict-cache key under which a group warning's verdict waits for "Details"."""
    return f"warn:{short(content_key)}"


def handle_key(handle: str) -> str:
    """The key behind a handle (`/start v_<handle>`, or a `#handle` in callback data)."""
    return f"warn:{handle}"


def false_alarm_alert_key(content_key: str) -> str:
    """The sightings key that remembers moderators heard about a false alarm already."""
    return f"fa:{content_key}"[:ALERT_KEY_CHARS]


def moderator_item_id(report_id: int) -> str:
    """The fingerprint item id of a recording a moderator made a pattern from."""
    return f"mod-r{report_id}"


def moderator_image_id(report_id: int) -> str:
    """The known-image item id of a picture a moderator attached to a pattern."""
    return f"mod-img-r{report_id}"

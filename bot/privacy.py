"""Keyed hashes: users are never stored by id where a hash will do; content by its digest."""

from __future__ import annotations

import hashlib
import hmac

from bot.matching.normalize import normalize


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


def short(content_key: str) -> str:
    """A 16-character handle of a content key, small enough for callback data."""
    return hashlib.sha256(content_key.encode()).hexdigest()[:16]

"""Console access: one-time login links, signed session cookies and CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.storage.models import SettingKV

LINK_MINUTES = 10  # a login link is a credential sent over Telegram: short-lived
USED_PREFIX = "console.used."  # settings_kv rows of spent links (shared by every replica)
COOKIE = "ojo_console"
Problem = Literal["forged", "expired", "used"]


@dataclass(frozen=True, slots=True)
class Signed:
    """A verified link or session: whose it is, until when, and its random id."""

    user_id: int
    expires: datetime
    nonce: str


def key_of(settings: Settings) -> bytes:
    """The signing key: OJO_CONSOLE_SECRET, else derived from the bot token and hash secret."""
    if settings.console_secret is not None:
        return settings.console_secret.get_secret_value().encode()
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    # The token is the one secret every deployment has; the hash secret keeps test bots apart.
    material = f"ojo-console\0{token}\0{settings.hash_secret.get_secret_value()}"
    return hashlib.sha256(material.encode()).digest()


def _sign(key: bytes, purpose: str, body: str) -> str:
    mac = hmac.new(key, f"{purpose}\0{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")


def _encode(key: bytes, purpose: str, user_id: int, expires: datetime) -> str:
    body = f"{user_id}.{int(expires.timestamp())}.{secrets.token_hex(12)}"
    return f"{body}.{_sign(key, purpose, body)}"


def _decode(key: bytes, purpose: str, token: str, now: datetime) -> Signed | Problem:
    body, _, mac = token.rpartition(".")
    parts = body.split(".")
    if len(parts) != 3 or not hmac.compare_digest(mac, _sign(key, purpose, body)):
        return "forged"
    uid, exp, nonce = parts
    try:
        signed = Signed(int(uid), datetime.fromtimestamp(int(exp), UTC), nonce)
    except ValueError:
        return "forged"
    return "expired" if signed.expires <= now else signed


def login_token(settings: Settings, user_id: int, now: datetime | None = None) -> str:
    """A signed one-time login token for a moderator, valid for LINK_MINUTES."""
    expires = (now or datetime.now(UTC)) + timedelta(minutes=LINK_MINUTES)
    return _encode(key_of(settings), "login", user_id, expires)


def login_link(settings: Settings, user_id: int, now: datetime | None = None) -> str:
    """The URL a moderator opens to sign in to the console."""
    return f"{settings.console_url}/login?t={login_token(settings, user_id, now)}"


def check_login(settings: Settings, token: str, now: datetime | None = None) -> Signed | Problem:
    """The login token's claim, or why it is refused (spent links are checked by `spend`)."""
    return _decode(key_of(settings), "login", token, now or datetime.now(UTC))


async def spend(
    db: async_sessionmaker[AsyncSession], signed: Signed, now: datetime | None = None
) -> bool:
    """Mark a login link used; False if it was used before (by any replica)."""
    now = now or datetime.now(UTC)
    async with db() as session:
        try:
            async with session.begin():
                # A spent link only needs remembering until it would have expired anyway.
                await session.execute(
                    delete(SettingKV).where(
                        SettingKV.key.startswith(USED_PREFIX),
                        SettingKV.updated_at < now - timedelta(minutes=LINK_MINUTES + 1),
                    )
                )
                row = {"key": f"{USED_PREFIX}{signed.nonce}", "value": "1", "updated_at": now}
                await session.execute(insert(SettingKV).values(row))
        except IntegrityError:  # the primary key says: spent already
            return False
    return True


async def was_spent(db: async_sessionmaker[AsyncSession], signed: Signed) -> bool:
    """Whether a login link was used already (to explain it before the sign-in button)."""
    async with db() as session:
        return await session.get(SettingKV, f"{USED_PREFIX}{signed.nonce}") is not None


def session_cookie(settings: Settings, user_id: int, now: datetime | None = None) -> str:
    """A signed session value for a moderator, valid for OJO_CONSOLE_SESSION_HOURS."""
    expires = (now or datetime.now(UTC)) + timedelta(hours=settings.console_session_hours)
    return _encode(key_of(settings), "session", user_id, expires)


def check_session(settings: Settings, value: str, now: datetime | None = None) -> Signed | None:
    """The session a cookie carries, or None when it is missing, forged or expired."""
    got = _decode(key_of(settings), "session", value, now or datetime.now(UTC))
    return got if isinstance(got, Signed) else None


def csrf_token(settings: Settings, session: Signed) -> str:
    """The CSRF token of a session: every state-changing form carries it."""
    return _sign(key_of(settings), "csrf", session.nonce)


def csrf_ok(settings: Settings, session: Signed, given: str) -> bool:
    """Whether a submitted CSRF token belongs to this session."""
    return bool(given) and hmac.compare_digest(given, csrf_token(settings, session))

"""Small helpers every handler module shares: preferences, replies, limits."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update, User

from bot.deps import Deps
from handlers.extract import user_language


@dataclass(frozen=True, slots=True)
class Prefs:
    """The language and country to answer a user with."""

    lang: str
    country: str | None


def forget_cached_prefs(deps: Deps, user_id: int) -> None:
    """Drop a user's cached preferences (after /language, /country or /forget)."""
    deps.prefs.forget(user_id)


async def prefs_for(deps: Deps, user: User | None) -> Prefs:
    """Stored preferences, else Telegram's language_code and OJO_DEFAULT_COUNTRY."""
    stored = await deps.prefs.get(user.id) if user is not None else None
    lang = user_language(user, stored.language if stored else None)
    country = (stored.country if stored else None) or deps.settings.default_country
    return Prefs(lang, country)


async def reply_html(message: Message, text: str, **kwargs: object) -> Message:
    """Reply with Telegram HTML, quoting the user's message, without link previews."""
    return await message.reply_text(
        text,
        do_quote=True,
        **kwargs,  # type: ignore[arg-type]
    )


async def over_limit(deps: Deps, update: Update, lang: str) -> bool:
    """Answer politely and return True when the user exceeded the per-minute limit."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return False
    wait = await deps.limiter.hit(f"user:{user.id}")
    if wait is None:
        return False
    await reply_html(message, deps.messages.t(lang, "rate_limited", seconds=int(wait) + 1))
    return True

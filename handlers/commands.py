"""/start, /help, /privacy, /language, /country, /forget, /about."""

from __future__ import annotations

from collections.abc import Callable

from telegram import BotCommand, InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes

from bot import __version__
from bot.deps import Deps
from bot.keyboards import country_keyboard, language_keyboard
from bot.storage.users import UserRepo
from handlers.common import forget_cached_prefs, prefs_for, reply_html

COMMANDS = ("start", "help", "privacy", "language", "country", "forget", "about")


async def set_commands(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Register the command menu in Spanish (default) and English."""
    t = deps.messages.t
    for lang in ("es", "en"):
        commands = [BotCommand(c, t(lang, f"commands.{c}")) for c in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=None if lang == "es" else lang)


class Commands:
    """Handlers for the user commands."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def _text(self, update: Update, key: str, **params: object) -> None:
        message = update.effective_message
        if message is None:
            return
        prefs = await prefs_for(self.deps, update.effective_user)
        await reply_html(message, self.deps.messages.t(prefs.lang, key, **params))

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """What Ojo does and what to forward."""
        await self._text(update, "start")

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """How to use it."""
        await self._text(update, "help")

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """What is stored and for how long."""
        s = self.deps.settings
        await self._text(update, "privacy", days=s.report_retention_days, ttl=s.cache_ttl_hours)

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Version, content version, pattern count."""
        engines = self.deps.analyzer.engines
        await self._text(
            update,
            "about",
            version=__version__,
            content=self.deps.analyzer.pack_version,
            patterns=engines.engine.pattern_count,
        )

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Offer Spanish or English."""
        await self._ask(update, "language.ask", lambda _lang: language_keyboard())

    async def country(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Offer the countries with reporting channels."""
        await self._ask(
            update, "country.ask", lambda lang: country_keyboard(self.deps.messages, lang)
        )

    async def _ask(
        self, update: Update, key: str, keyboard: Callable[[str], InlineKeyboardMarkup]
    ) -> None:
        """A question in the user's language with an inline picker."""
        message = update.effective_message
        if message is None:
            return
        prefs = await prefs_for(self.deps, update.effective_user)
        await reply_html(
            message, self.deps.messages.t(prefs.lang, key), reply_markup=keyboard(prefs.lang)
        )

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Delete everything tied to this user and say what was deleted."""
        user = update.effective_user
        message = update.effective_message
        if user is None or message is None:
            return
        prefs = await prefs_for(self.deps, user)
        async with self.deps.db() as session, session.begin():
            counts = await UserRepo(session).forget_user(user.id, self.deps.user_hash(user.id))
        forget_cached_prefs(self.deps, user.id)
        await reply_html(
            message,
            self.deps.messages.t(
                prefs.lang,
                "forget.done",
                total=counts.total,
                users=counts.users,
                reports=counts.reports,
                false_alarms=counts.false_alarms,
                sightings=counts.sightings,
            ),
        )

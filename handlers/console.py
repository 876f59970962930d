"""/console: a moderator gets a one-time login link to the web console."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.deps import Deps
from bot.render import esc
from bot.web.console.auth import login_link
from bot.web.console.site import text
from handlers.common import prefs_for, reply_html


class ConsoleHandlers:
    """Thin: check the role, sign a link, reply."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def console(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/console in a private chat: a signed, single-use link valid for 10 minutes."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        lang = (await prefs_for(self.deps, user)).lang
        if await self.deps.moderation.role_of(user.id) is None:
            await reply_html(message, esc(text(lang, "bot.denied")))
            return
        link = login_link(self.deps.settings, user.id)
        # reply_html sends without a link preview: Telegram's fetcher never sees the link.
        await reply_html(message, esc(text(lang, "bot.link", link=link)))


def register_console(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Register /console (private chats only: the link is a credential)."""
    app.add_handler(
        CommandHandler("console", ConsoleHandlers(deps).console, filters=filters.ChatType.PRIVATE)
    )

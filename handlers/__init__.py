"""Every Telegram handler, registered in one place (order matters; see comments)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.deps import Deps
from handlers.callbacks import Buttons
from handlers.commands import Commands
from handlers.errors import ErrorHandler
from handlers.private import PrivateChat


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Register handlers: commands first, then buttons, then the catch-all private messages."""
    private = filters.ChatType.PRIVATE
    commands = Commands(deps)
    for name in ("start", "help", "privacy", "language", "country", "forget", "about"):
        app.add_handler(CommandHandler(name, getattr(commands, name), filters=private))
    buttons = Buttons(deps)
    app.add_handler(CallbackQueryHandler(buttons.on_verdict_button, pattern=r"^v:"))
    app.add_handler(CallbackQueryHandler(buttons.on_language, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(buttons.on_country, pattern=r"^country:"))
    # Group handlers and moderation go here, before the private catch-all (groups feature).
    # Last: every other private message (text, forwards, media, stickers, polls, ...).
    chat = PrivateChat(deps)
    app.add_handler(MessageHandler(private & ~filters.COMMAND, chat.on_message))
    app.add_handler(MessageHandler(private & filters.COMMAND, commands.help))  # unknown commands
    app.add_error_handler(ErrorHandler(deps))

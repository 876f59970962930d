"""Every Telegram handler, registered in one place (order matters; see comments)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.deps import Deps
from handlers.callbacks import Buttons
from handlers.commands import Commands
from handlers.console import register_console
from handlers.errors import ErrorHandler
from handlers.groups import register_groups
from handlers.moderation import register_moderation
from handlers.private import PrivateChat


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Register handlers: commands first, then buttons, then the catch-all private messages."""
    # Groups first: its /start v_<handle> deep link (Details of a group warning) must win over
    # the plain /start below. Its group-chat watcher runs in its own handler group.
    register_groups(app, deps)
    private = filters.ChatType.PRIVATE
    commands = Commands(deps)
    for name in ("start", "help", "privacy", "language", "country", "forget", "about"):
        app.add_handler(CommandHandler(name, getattr(commands, name), filters=private))
    buttons = Buttons(deps)
    app.add_handler(CallbackQueryHandler(buttons.on_verdict_button, pattern=r"^v:"))
    app.add_handler(CallbackQueryHandler(buttons.on_language, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(buttons.on_country, pattern=r"^country:"))
    # Group handlers and moderation go here, before the private catch-all (groups feature).
    # Moderation: /report in groups, moderator commands (before the private unknown-command
    # fallback below) and the mod: buttons.
    register_moderation(app, deps)
    register_console(app, deps)  # /console: a one-time login link for moderators
    # Last: every other private message (text, forwards, media, stickers, polls, ...).
    chat = PrivateChat(deps)
    app.add_handler(MessageHandler(private & ~filters.COMMAND, chat.on_message))
    app.add_handler(MessageHandler(private & filters.COMMAND, commands.help))  # unknown commands
    app.add_error_handler(ErrorHandler(deps))

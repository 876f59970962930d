"""Every Telegram handler, registered in this one list (order matters; see the comments)."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.deps import Deps
from handlers.callbacks import Buttons
from handlers.commands import COMMANDS, Commands
from handlers.console import register_console
from handlers.errors import ErrorHandler
from handlers.group_settings import GroupSettingsHandlers
from handlers.groups import DEEP_LINK, Groups
from handlers.private import PrivateChat
from handlers.review_buttons import ReviewButtons

# Watching groups is passive: it runs in its own handler group, so group commands and the
# other features in group 0 (moderation, /settings) still get every update they match.
WATCH_GROUP = 1


def register(app: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Register every handler; PTB tries them in this order and stops at the first match."""
    private, in_groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    groups = Groups(deps, deps.groups)
    group_settings = GroupSettingsHandlers(deps, deps.groups)
    commands = Commands(deps)
    buttons = Buttons(deps)
    moderation = ReviewButtons(deps)
    chat = PrivateChat(deps)
    # The /start v_<handle> deep link (Details of a group warning) must win over plain /start.
    deep_link = private & filters.Regex(DEEP_LINK)
    app.add_handler(CommandHandler("start", groups.on_details, filters=deep_link))
    # Groups: membership changes, /settings and the buttons of warnings and settings.
    app.add_handler(ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(ChatMemberHandler(groups.on_chat_member, ChatMemberHandler.CHAT_MEMBER))
    app.add_handler(CommandHandler("settings", group_settings.settings, filters=in_groups))
    app.add_handler(CallbackQueryHandler(group_settings.on_settings_button, pattern=r"^gs:"))
    app.add_handler(CallbackQueryHandler(groups.on_not_scam, pattern=r"^g:fa:"))
    # The user commands, private chats only (the same list as the command menu, COMMANDS).
    user_commands = {
        "start": commands.start,
        "help": commands.help,
        "privacy": commands.privacy,
        "language": commands.language,
        "country": commands.country,
        "forget": commands.forget,
        "about": commands.about,
    }
    assert tuple(user_commands) == COMMANDS  # noqa: S101 - the menu and the handlers agree
    for name, callback in user_commands.items():
        app.add_handler(CommandHandler(name, callback, filters=private))
    # The buttons under a verdict and the language / country pickers.
    app.add_handler(CallbackQueryHandler(buttons.on_verdict_button, pattern=r"^v:"))
    app.add_handler(CallbackQueryHandler(buttons.on_language, pattern=r"^lang:"))
    app.add_handler(CallbackQueryHandler(buttons.on_country, pattern=r"^country:"))
    # /report in groups (any member), then the moderator commands, which must come before the
    # private unknown-command fallback below; moderators also work in the moderators' chat.
    app.add_handler(CommandHandler("report", moderation.report, filters=in_groups))
    where: filters.BaseFilter = private
    if deps.settings.moderator_chat is not None:
        where = where | filters.Chat(deps.settings.moderator_chat)
    moderator_commands = {
        "review": moderation.review,
        "patterns": moderation.patterns,
        "stats": moderation.stats,
        "mod": moderation.mod,
        "draft": moderation.draft,
        "attach": moderation.attach,
    }
    for name, callback in moderator_commands.items():
        app.add_handler(CommandHandler(name, callback, filters=where))
    app.add_handler(CallbackQueryHandler(moderation.on_button, pattern=r"^mod:"))
    register_console(app, deps)  # /console: a one-time login link to the web console
    # Last in group 0: every other private message (text, forwards, media, stickers, ...),
    # then unknown commands get the help text.
    app.add_handler(MessageHandler(private & ~filters.COMMAND, chat.on_message))
    app.add_handler(MessageHandler(private & filters.COMMAND, commands.help))
    # Group messages, watched in their own handler group (see WATCH_GROUP).
    watched = in_groups & filters.UpdateType.MESSAGE & ~filters.COMMAND
    app.add_handler(MessageHandler(watched, groups.on_message), group=WATCH_GROUP)
    app.add_error_handler(ErrorHandler(deps))

"""What Ojo says in groups: the short warning, the greeting, the /settings menu (HTML)."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.groups.policy import MUTE_HOURS, Right, group_language, one_tip
from bot.i18n import Messages
from bot.keyboards import COUNTRIES, FLAGS, callback_data, fits
from bot.privacy import short
from bot.render import esc
from bot.storage.groups import GroupSettings
from bot.storage.models import WATCHABLE_KINDS
from bot.verdict import Verdict

LANGUAGES = {"es": "🇪🇸 Español", "en": "🇬🇧 English"}


def details_url(bot_username: str, content_key: str) -> str:
    """The deep link that opens the full verdict in a private chat with the bot."""
    return f"https://t.me/{bot_username}?start=v_{short(content_key)}"


def not_scam_data(content_key: str) -> str:
    """Callback data of "Not a scam": the content key itself, or its handle when too long."""
    if fits("g", "fa", content_key):
        return callback_data("g", "fa", content_key)
    return callback_data("g", "fa", f"#{short(content_key)}")


def warning_text(messages: Messages, lang: str, verdict: Verdict) -> str:
    """One line with the scam type, one line with one tip: short, because groups mute chatter."""
    t = messages.t
    level = "scam" if verdict.level == "scam" else "suspicious"
    best = verdict.matches[0] if verdict.matches else None
    if best is not None and best.title:
        head = t(lang, f"group.warn.{level}", title=esc(best.title))
    else:
        head = t(lang, f"group.warn.{level}_untitled")
    tip = one_tip(verdict) or t(lang, "tips.none")
    return f"{head}\n{t(lang, 'group.warn.tip', tip=esc(tip))}"


def warning_keyboard(
    messages: Messages, lang: str, bot_username: str, content_key: str, count: int
) -> InlineKeyboardMarkup:
    """Details (a deep link to the private chat) and Not a scam (with the votes so far)."""
    t = messages.t
    label = (
        t(lang, "group.button.not_scam_count", count=count)
        if count
        else t(lang, "group.button.not_scam")
    )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "group.button.details"), url=details_url(bot_username, content_key)
                ),
                InlineKeyboardButton(label, callback_data=not_scam_data(content_key)),
            ]
        ]
    )


def greeting(messages: Messages, lang: str, missing: tuple[Right, ...]) -> str:
    """The one-time hello: what Ojo watches, what it needs, and what is still missing."""
    t = messages.t
    read = "group.greet.read_missing" if "read" in missing else "group.greet.read_ok"
    delete = "group.greet.delete_missing" if "delete" in missing else "group.greet.delete_ok"
    return "\n\n".join(
        (
            t(lang, "group.greet.hello"),
            f"{t(lang, 'group.greet.needs')}\n{t(lang, read)}\n{t(lang, delete)}",
            t(lang, "group.greet.settings"),
        )
    )


def settings_text(messages: Messages, group: GroupSettings, default_country: str | None) -> str:
    """The current settings, one per line."""
    lang = group_language(group)
    t = messages.t
    kinds = ", ".join(t(lang, f"group.kind.{k}").lower() for k in group.watch_kinds)
    country = group.country or default_country
    if group.bot_can_delete:
        delete = t(lang, "group.settings.yes" if group.delete_scams else "group.settings.no")
    else:
        delete = t(lang, "group.settings.delete_unavailable")
    muted = group.muted_until
    state = (
        t(lang, "group.settings.muted", until=_when(muted))
        if muted is not None and muted > datetime.now(muted.tzinfo)
        else t(lang, "group.settings.active")
    )
    lines = [
        t(lang, "group.settings.title"),
        t(lang, "group.settings.sensitivity", value=t(lang, f"group.sens.{group.sensitivity}")),
        t(lang, "group.settings.kinds", value=kinds or t(lang, "group.settings.kinds_none")),
        t(lang, "group.settings.scope_all" if group.watch_all else "group.settings.scope_fwd"),
        t(lang, "group.settings.language", value=LANGUAGES[lang]),
        t(lang, "group.settings.country", value=country or t(lang, "group.settings.no_country")),
        t(lang, "group.settings.delete", value=delete),
        state,
    ]
    return "\n".join(lines)


def _when(moment: datetime) -> str:
    return moment.strftime("%d/%m %H:%M UTC")


def _tick(on: bool, label: str) -> str:
    return f"✅ {label}" if on else label


def settings_keyboard(
    messages: Messages, group: GroupSettings, default_country: str | None
) -> InlineKeyboardMarkup:
    """Sensitivity, kinds, scope, language, country, deletion (if possible), mute, done."""
    lang = group_language(group)
    t = messages.t

    def button(label: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=callback_data("gs", data))

    sens = [
        button(_tick(group.sensitivity == s, t(lang, f"group.button.sens_{s}")), f"sens:{s}")
        for s in ("scam", "suspicious")
    ]
    kinds = [
        button(_tick(k in group.watch_kinds, t(lang, f"group.kind.{k}")), f"kind:{k}")
        for k in WATCHABLE_KINDS
    ]
    scope = [
        button(_tick(not group.watch_all, t(lang, "group.button.scope_fwd")), "all:0"),
        button(_tick(group.watch_all, t(lang, "group.button.scope_all")), "all:1"),
    ]
    langs = [button(_tick(lang == code, name), f"lang:{code}") for code, name in LANGUAGES.items()]
    country = group.country or default_country or t(lang, "country.other")
    rows = [sens, kinds[:4], kinds[4:], scope, langs]
    rows.append([button(t(lang, "group.button.country", country=country), "menu:country")])
    if group.bot_can_delete:
        on = not group.delete_scams
        key = "group.button.delete_off" if group.delete_scams else "group.button.delete_on"
        rows.append([button(t(lang, key), f"del:{int(on)}")])
    mute = [button(t(lang, "group.button.mute", hours=h), f"mute:{h}") for h in MUTE_HOURS]
    rows.append([*mute, button(t(lang, "group.button.unmute"), "mute:0")])
    rows.append([button(t(lang, "group.button.done"), "menu:close")])
    return InlineKeyboardMarkup(rows)


def country_keyboard(messages: Messages, group: GroupSettings) -> InlineKeyboardMarkup:
    """The countries with reporting channels, "other", and back to the menu."""
    lang = group_language(group)
    buttons = [
        InlineKeyboardButton(
            _tick(group.country == c, f"{FLAGS[c]} {c}"), callback_data=f"gs:ctry:{c}"
        )
        for c in COUNTRIES
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [
            InlineKeyboardButton(messages.t(lang, "country.other"), callback_data="gs:ctry:none"),
            InlineKeyboardButton(
                messages.t(lang, "group.button.back"), callback_data="gs:menu:main"
            ),
        ]
    )
    return InlineKeyboardMarkup(rows)

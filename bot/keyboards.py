"""Inline keyboards; callback data stays under Telegram's 64-byte limit."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Messages

COUNTRIES = ("ES", "MX", "CO", "AR", "PA", "PE", "CL", "US", "GB")
FLAGS = {
    "ES": "🇪🇸",
    "MX": "🇲🇽",
    "CO": "🇨🇴",
    "AR": "🇦🇷",
    "PA": "🇵🇦",
    "PE": "🇵🇪",
    "CL": "🇨🇱",
    "US": "🇺🇸",
    "GB": "🇬🇧",
}


def verdict_keyboard(messages: Messages, lang: str, handle: str) -> InlineKeyboardMarkup:
    """How to check / Report / False alarm, all pointing at the same content handle."""
    t = messages.t
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(lang, "button.tips"), callback_data=f"v:tips:{handle}")],
            [
                InlineKeyboardButton(t(lang, "button.report"), callback_data=f"v:rep:{handle}"),
                InlineKeyboardButton(
                    t(lang, "button.false_alarm"), callback_data=f"v:fa:{handle}"
                ),
            ],
        ]
    )


def consent_keyboard(messages: Messages, lang: str, handle: str) -> InlineKeyboardMarkup:
    """Explicit consent before a report stores anything."""
    t = messages.t
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, "button.report_yes"), callback_data=f"v:repok:{handle}"
                ),
                InlineKeyboardButton(t(lang, "button.cancel"), callback_data=f"v:repno:{handle}"),
            ]
        ]
    )


def language_keyboard() -> InlineKeyboardMarkup:
    """Spanish or English."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🇪🇸 Español", callback_data="lang:es"),
                InlineKeyboardButton("🇬🇧 English", callback_data="lang:en"),
            ]
        ]
    )


def country_keyboard(messages: Messages, lang: str) -> InlineKeyboardMarkup:
    """The countries Ojo has reporting channels for, three per row, plus "other"."""
    buttons = [
        InlineKeyboardButton(f"{FLAGS[c]} {c}", callback_data=f"country:{c}") for c in COUNTRIES
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [InlineKeyboardButton(messages.t(lang, "country.other"), callback_data="country:none")]
    )
    return InlineKeyboardMarkup(rows)

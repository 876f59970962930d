"""Inline keyboards; callback data stays under Telegram's 64-byte limit."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Messages

MAX_CALLBACK_DATA = 64  # bytes: Telegram refuses longer data (BUTTON_DATA_INVALID)
_SAFE = re.compile(r"^[A-Za-z0-9_#.:=-]+$")


def callback_data(*parts: str | int) -> str:
    """Button data made only of our own ids: safe characters, at most 64 bytes.

    Raises ValueError otherwise, so text or a payload from a user can never reach a button.
    """
    data = ":".join(str(p) for p in parts)
    if len(data.encode()) > MAX_CALLBACK_DATA or not _SAFE.match(data):
        raise ValueError(f"callback data {data[:80]!r} is not ours or longer than 64 bytes")
    return data


def fits(*parts: str | int) -> bool:
    """Whether these parts make valid callback data."""
    try:
        callback_data(*parts)
    except ValueError:
        return False
    return True


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
            [
                InlineKeyboardButton(
                    t(lang, "button.tips"), callback_data=callback_data("v", "tips", handle)
                )
            ],
            [
                InlineKeyboardButton(
                    t(lang, "button.report"), callback_data=callback_data("v", "rep", handle)
                ),
                InlineKeyboardButton(
                    t(lang, "button.false_alarm"), callback_data=callback_data("v", "fa", handle)
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
                    t(lang, "button.report_yes"), callback_data=callback_data("v", "repok", handle)
                ),
                InlineKeyboardButton(
                    t(lang, "button.cancel"), callback_data=callback_data("v", "repno", handle)
                ),
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
        InlineKeyboardButton(f"{FLAGS[c]} {c}", callback_data=callback_data("country", c))
        for c in COUNTRIES
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [InlineKeyboardButton(messages.t(lang, "country.other"), callback_data="country:none")]
    )
    return InlineKeyboardMarkup(rows)

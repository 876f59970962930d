"""Inline buttons: How to check, Report (with consent), False alarm, language, country."""

from __future__ import annotations

import logging
import time

from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot.analysis.submission import Submission
from bot.deps import Deps
from bot.keyboards import COUNTRIES, consent_keyboard
from bot.privacy import short
from bot.render import esc
from bot.storage.false_alarms import FalseAlarmRepo
from bot.storage.users import UserRepo
from handlers.common import Prefs, forget_cached_prefs, prefs_for, reply_html
from handlers.extract import extract_submission

logger = logging.getLogger(__name__)


class Buttons:
    """Callback-query handlers."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def on_verdict_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """v:tips / v:rep / v:repok / v:repno / v:fa on a verdict about the replied-to message."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        action = query.data.split(":")[1]
        prefs = await prefs_for(self.deps, query.from_user)
        t = self.deps.messages.t
        original = _original(query)
        if action == "repno":
            await query.answer()
            await _edit(query, t(prefs.lang, "report.cancelled"))
            return
        if original is None:
            await query.answer(t(prefs.lang, "report.gone"), show_alert=True)
            return
        sub = extract_submission(original, lang=prefs.lang, country=prefs.country)
        if action == "tips":
            await query.answer()
            await self._all_tips(query, original, sub, prefs)
        elif action == "rep":
            await query.answer()
            days = self.deps.settings.report_retention_days
            await reply_html(
                original,
                t(prefs.lang, "report.consent", days=days),
                # The handle is ours, made from the message itself, never the pressed data.
                reply_markup=consent_keyboard(
                    self.deps.messages, prefs.lang, short(sub.content_key)
                ),
            )
        elif action == "repok":
            report_id = await self._store_report(query, sub)
            await query.answer()
            await _edit(query, t(prefs.lang, "report.done", id=report_id))
        elif action == "fa":
            voter = self.deps.user_hash(query.from_user.id)
            async with self.deps.db() as session, session.begin():
                fresh = await FalseAlarmRepo(session).add_vote(sub.content_key, None, voter)
            await query.answer(t(prefs.lang, "false_alarm.done" if fresh else "false_alarm.again"))
        else:  # a forged or outdated action: answered, nothing done
            await query.answer()

    async def _all_tips(
        self, query: CallbackQuery, original: Message, sub: Submission, prefs: Prefs
    ) -> None:
        t = self.deps.messages.t
        verdict = await self.deps.checks.again(sub)
        tips = verdict.tips if verdict else ()
        lines = [f"• {esc(tip.text)}" for tip in tips] or [t(prefs.lang, "tips.none")]
        await reply_html(original, t(prefs.lang, "tips.all") + "\n" + "\n".join(lines))

    async def _store_report(self, query: CallbackQuery, sub: Submission) -> int:
        verdict = await self.deps.checks.again(sub)
        return await self.deps.reports.report(
            query.get_bot(), sub, verdict, reporter_hash=self.deps.user_hash(query.from_user.id)
        )

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """lang:es / lang:en."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        lang = query.data.split(":", 1)[1]
        if lang not in ("es", "en"):
            await query.answer()
            return
        async with self.deps.db() as session, session.begin():
            await UserRepo(session).set_language(query.from_user.id, lang)
        forget_cached_prefs(self.deps, query.from_user.id)
        await query.answer()
        await _edit(query, self.deps.messages.t(lang, "language.set"))

    async def on_country(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """country:XX or country:none."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        code = query.data.split(":", 1)[1]
        if code != "none" and code not in COUNTRIES:  # forged: only our own buttons count
            await query.answer()
            return
        country = None if code == "none" else code
        async with self.deps.db() as session, session.begin():
            await UserRepo(session).set_country(query.from_user.id, country)
        forget_cached_prefs(self.deps, query.from_user.id)
        prefs = await prefs_for(self.deps, query.from_user)
        await query.answer()
        key = "country.cleared" if country is None else "country.set"
        await _edit(query, self.deps.messages.t(prefs.lang, key, country=country or ""))


def _original(query: CallbackQuery) -> Message | None:
    """The user's message the button's message replies to (Telegram includes it)."""
    msg = query.message
    if isinstance(msg, Message) and msg.reply_to_message is not None:
        return msg.reply_to_message
    return None


async def _edit(query: CallbackQuery, text: str) -> None:
    """Replace the button message's text (and drop its keyboard)."""
    started = time.perf_counter()
    await query.edit_message_text(text)
    logger.debug("edited in %.1f ms", (time.perf_counter() - started) * 1000)

"""The mod: buttons of report cards, drafts and trend alerts (the review flow)."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.moderation import cards, live
from bot.moderation.review import Outcome
from bot.storage.reports import ReportStatus
from handlers.common import prefs_for, reply_html
from handlers.moderation import ModerationHandlers, Who


class ReviewButtons(ModerationHandlers):
    """Button handlers of the review flow, sharing the moderators' command helpers."""

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """mod:<action>:<report>[:<pattern>] buttons of report cards, drafts and alerts."""
        query = update.callback_query
        if query is None or query.data is None or not isinstance(query.message, Message):
            return
        who = await self._who(query.from_user)
        if who is None:
            lang = (await prefs_for(self.deps, query.from_user)).lang
            await query.answer(self.t(lang, "mod.denied"), show_alert=True)
            return
        parts = query.data.split(":", 3)
        action = parts[1] if len(parts) > 1 else ""
        if len(parts) < 3 or not parts[2].isdigit():
            await query.answer()
            return
        rid = int(parts[2])
        message, bot = query.message, context.bot
        report = await self.flow.report(rid)
        if report is None:
            await query.answer(self.t(who.lang, "mod.report.gone"), show_alert=True)
            return
        await query.answer()
        if action == "open":
            await self._send_card(message, who, report)
        elif action == "skip":
            following = await self.flow.next_open(after_id=rid)
            if following is None:
                await _edit(query, self.t(who.lang, "mod.queue.empty"))
            else:
                await self._send_card(message, who, following)
        elif report.status != "new":
            await _edit(
                query, self.t(who.lang, "mod.report.resolved", id=rid, status=report.status)
            )
        elif action == "new":
            report = await self.flow.prepare(bot, report)
            text, markup = cards.draft_card(
                self.deps.messages, who.lang, await self.flow.draft(report)
            )
            await _edit(query, text, markup)
        elif action == "mk":
            outcome = await self.flow.create(bot, rid, who.user_id)
            await self._after(query, message, who, outcome)
        elif action == "att":
            overrides = (await live.load_overrides(self.deps.db))[1]
            ids = self.flow.suggestions(report, overrides)
            text, markup = cards.attach_card(self.deps.messages, who.lang, rid, ids)
            await _edit(query, text, markup)
        elif action == "to" and len(parts) == 4:
            report = await self.flow.prepare(bot, report)
            outcome = await self.flow.attach(bot, rid, parts[3], who.user_id)
            await self._after(query, message, who, outcome)
        elif action in ("legit", "rej"):
            resolution: ReportStatus = "legit" if action == "legit" else "rejected"
            await self.flow.resolve(rid, resolution, who.user_id)
            text = self.t(who.lang, f"mod.resolved.{resolution}", id=rid)
            flagging = await self.flow.still_flagging(report) if resolution == "legit" else []
            if flagging:
                listed = ", ".join(f"<code>{p}</code>" for p in flagging)
                text += "\n" + self.t(who.lang, "mod.resolved.still_flagged", patterns=listed)
            await _edit(query, text)
            await self._next(message, who, rid)

    async def _after(
        self, query: CallbackQuery, message: Message, who: Who, outcome: Outcome
    ) -> None:
        text = cards.outcome_text(self.deps.messages, who.lang, outcome)
        if outcome.ok:
            await _edit(query, text)
            await self._next(message, who, None)
        else:  # keep the draft card so the moderator can edit it and try again
            await reply_html(message, text)


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace a card; an unchanged card (a double tap) is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise

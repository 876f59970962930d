"""Moderation: /report in groups, the moderator commands and the mod: review buttons."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Message, Update, User
from telegram.ext import ContextTypes

from bot.analysis.submission import MEDIA_KINDS
from bot.deps import Deps
from bot.moderation import cards
from bot.moderation.admin import Change, ModeratorAdmin, PatternAdmin
from bot.moderation.drafts import edit_draft
from bot.moderation.review import Review
from bot.storage.patterns import PatternStatus
from bot.storage.reports import ReportRecord, ReportRepo
from bot.storage.stats import StatsRepo
from handlers.common import over_limit, prefs_for, reply_html
from handlers.extract import extract_submission

logger = logging.getLogger(__name__)
STATS_DAYS = 7


@dataclass(frozen=True, slots=True)
class Who:
    """The moderator acting, their role and language."""

    user_id: int
    role: str
    lang: str


class ModerationHandlers:
    """Thin handlers: check the role, call the review/admin services, render a card."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.flow = Review(deps)
        self.patterns_admin = PatternAdmin(deps)
        self.moderators = ModeratorAdmin(deps)

    def t(self, lang: str, key: str, **params: object) -> str:
        """A catalog string."""
        return self.deps.messages.t(lang, key, **params)

    async def _who(self, user: User | None) -> Who | None:
        if user is None:
            return None
        role = await self.deps.moderation.role_of(user.id)
        lang = (await prefs_for(self.deps, user)).lang
        return None if role is None else Who(user.id, role, lang)

    async def _command(self, update: Update, *, owner: bool = False) -> tuple[Message, Who] | None:
        """The message and moderator behind a command; refuse everyone else politely."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return None
        who = await self._who(user)
        if who is None or (owner and who.role != "owner"):
            lang = (await prefs_for(self.deps, user)).lang
            await reply_html(message, self.t(lang, "mod.owners_only" if who else "mod.denied"))
            return None
        return message, who

    # ----- /report in groups (any member) -----

    async def report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/report as a reply in a group: store the replied-to message for moderators."""
        message, user, chat = (
            update.effective_message,
            update.effective_user,
            update.effective_chat,
        )
        if message is None or user is None or chat is None:
            return
        prefs = await prefs_for(self.deps, user)
        if await over_limit(self.deps, update, prefs.lang):
            return
        target = message.reply_to_message
        sub = None
        if target is not None and not (target.from_user and target.from_user.id == context.bot.id):
            sub = extract_submission(
                target, lang=prefs.lang, country=prefs.country, chat_type=chat.type
            )
        if sub is None or not ((sub.text and sub.text.strip()) or sub.file):
            await reply_html(message, self.t(prefs.lang, "mod.report.usage"))
            return
        assert target is not None  # noqa: S101 - sub is only set with a target
        report_id = await self.deps.reports.report(
            context.bot,
            sub,
            await self.deps.checks.again(sub),
            reporter_hash=self.deps.user_hash(user.id),
            group_chat_id=chat.id,
        )
        days = self.deps.settings.report_retention_days
        await reply_html(message, self.t(prefs.lang, "mod.report.done", id=report_id, days=days))

    # ----- moderator commands -----

    async def review(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/review: the oldest open report, with the review buttons."""
        got = await self._command(update)
        if got is None:
            return
        message, who = got
        report = await self.flow.next_open()
        if report is None:
            await reply_html(message, self.t(who.lang, "mod.queue.empty"))
            return
        await self._send_card(message, who, report)

    async def patterns(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/patterns [list | show ID | disable ID | enable ID | rollback ID VERSION]."""
        got = await self._command(update)
        if got is None:
            return
        message, who = got
        args = context.args or []
        action = args[0].lower() if args else "list"
        admin = self.patterns_admin
        if action == "list":
            rows = await admin.rows(who.lang)
            await reply_html(message, cards.patterns_list(self.deps.messages, who.lang, rows))
        elif action == "show" and len(args) == 2:
            shown = await admin.show(args[1])
            if shown is None:
                await reply_html(message, self.t(who.lang, "mod.patterns.unknown"))
                return
            pattern, record, history = shown
            origin = record.origin if record else "preset"
            text = cards.pattern_detail(self.deps.messages, who.lang, pattern, origin, history)
            await reply_html(message, text)
        elif action in ("disable", "enable") and len(args) == 2:
            status: PatternStatus = "disabled" if action == "disable" else "active"
            change = await admin.set_status(args[1], status, who.user_id)
            await self._change_reply(message, who, args[1], change)
        elif action == "rollback" and len(args) == 3 and args[2].isdigit():
            change = await admin.rollback(args[1], int(args[2]), who.user_id)
            await self._change_reply(message, who, args[1], change)
        else:
            await reply_html(message, self.t(who.lang, "mod.patterns.help"))

    async def _change_reply(
        self, message: Message, who: Who, pattern_id: str, change: Change
    ) -> None:
        if change.refusals:
            text = cards.refusal_text(self.deps.messages, who.lang, pattern_id, change.refusals)
        elif change.problem:
            text = self.t(who.lang, change.problem)
        else:
            text = self.t(who.lang, "mod.patterns.changed", id=pattern_id, version=change.version)
        await reply_html(message, text)

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/stats [days]: checks per day, verdicts by level, top patterns, unknown reports."""
        got = await self._command(update)
        if got is None:
            return
        message, who = got
        args = context.args or []
        days = (
            int(args[0]) if args and args[0].isdigit() and 0 < int(args[0]) <= 90 else STATS_DAYS
        )
        await self.deps.stats.flush()  # counters are buffered in memory for a few seconds
        async with self.deps.db() as session:
            stats = StatsRepo(session)
            per_day = await stats.per_day(days)
            top = await stats.top_patterns(days, 5)
            unknown = await stats.top_reported_unknown(5)
            reports = await ReportRepo(session).count_by_status()
        text = cards.stats_text(self.deps.messages, who.lang, days, per_day, top, unknown, reports)
        await reply_html(message, text)

    async def mod(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/mod add ID | remove ID | list (owners only)."""
        got = await self._command(update, owner=True)
        if got is None:
            return
        message, who = got
        args = context.args or []
        if args[:1] == ["list"] or not args:
            rows = await self.moderators.list()
            owners = ", ".join(f"<code>{i}</code>" for i in self.deps.settings.moderators) or "—"
            listed = ", ".join(f"<code>{r.user_id}</code> ({r.role})" for r in rows) or "—"
            await reply_html(message, self.t(who.lang, "mod.mod.list", owners=owners, mods=listed))
        elif len(args) == 2 and args[0] in ("add", "remove") and args[1].lstrip("-").isdigit():
            target = int(args[1])
            if args[0] == "add":
                await self.moderators.add(target, who.user_id)
                await reply_html(message, self.t(who.lang, "mod.mod.added", id=target))
            else:
                removed = await self.moderators.remove(target, who.user_id)
                key = "mod.mod.removed" if removed else "mod.mod.not_found"
                await reply_html(message, self.t(who.lang, key, id=target))
        else:
            await reply_html(message, self.t(who.lang, "mod.mod.usage"))

    async def draft(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/draft REPORT FIELD VALUE: edit a pattern draft (title, category, phrases, ...)."""
        got = await self._command(update)
        if got is None:
            return
        message, who = got
        args = context.args or []
        if len(args) < 3 or not args[0].isdigit():
            await reply_html(message, self.t(who.lang, "mod.draft.usage"))
            return
        report = await self.flow.report(int(args[0]))
        if report is None:
            await reply_html(message, self.t(who.lang, "mod.report.gone"))
            return
        draft = await self.flow.draft(report)
        error = edit_draft(draft, args[1].lower(), " ".join(args[2:]))
        if error is not None:
            await reply_html(message, self.t(who.lang, error))
            return
        await self.flow.save_draft(draft)
        text, markup = cards.draft_card(self.deps.messages, who.lang, draft)
        await reply_html(message, text, reply_markup=markup)

    async def attach(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/attach REPORT PATTERN: add a report's fingerprint and phrases to a pattern."""
        got = await self._command(update)
        if got is None:
            return
        message, who = got
        args = context.args or []
        if len(args) != 2 or not args[0].isdigit():
            await reply_html(message, self.t(who.lang, "mod.attach.usage"))
            return
        outcome = await self.flow.attach(message.get_bot(), int(args[0]), args[1], who.user_id)
        await reply_html(message, cards.outcome_text(self.deps.messages, who.lang, outcome))
        if outcome.ok:
            await self._next(message, who, None)

    async def _next(self, message: Message, who: Who, after: int | None) -> None:
        """Walk on: the next open report, or say the queue is empty."""
        following = await self.flow.next_open(after)
        if following is None and after is not None:
            following = await self.flow.next_open()
        if following is None:
            await message.get_bot().send_message(
                message.chat_id, self.t(who.lang, "mod.queue.empty")
            )
            return
        await self._send_card(message, who, following)

    async def _send_card(self, message: Message, who: Who, report: ReportRecord) -> None:
        """Send a report card; a voice report is transcribed first (once)."""
        bot = message.get_bot()
        status = None
        if not report.transcript and report.kind in MEDIA_KINDS and report.file_id:
            status = await bot.send_message(message.chat_id, self.t(who.lang, "mod.listening"))
            report = await self.flow.prepare(bot, report)
        elif not report.transcript and report.kind == "photo" and report.file_id:
            report = await self.flow.prepare(bot, report)  # OCR: ~0.1 s, no "listening" note
        text, markup = cards.report_card(self.deps.messages, who.lang, report)
        if status is not None:
            await status.edit_text(text, reply_markup=markup)
        else:
            await bot.send_message(message.chat_id, text, reply_markup=markup)

"""Moderator-facing texts and keyboards (HTML-escaped; strings from the message catalogs)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.models import Pattern
from bot.i18n import Messages
from bot.keyboards import callback_data, fits
from bot.moderation.admin import PatternRow
from bot.moderation.review import Outcome
from bot.moderation.safety import Refusal
from bot.moderation.service import TREND_REPORTER, preview
from bot.moderation.store import Draft
from bot.render import esc
from bot.storage.patterns import PatternVersionRecord
from bot.storage.reports import ReportRecord
from bot.storage.stats import DayStat, PatternCount, ReportedItem

MAX_LINES = 40  # list lines per message
MAX_CHARS = 3800  # Telegram caps a message at 4096 characters; leave room for markup
LEVEL_ICONS = {"scam": "🚨", "suspicious": "⚠️", "no_match": "🔎"}
Card = tuple[str, InlineKeyboardMarkup | None]


def fit(lines: Sequence[str], tail: Sequence[str] = ()) -> str:
    """Join lines, dropping middle ones (marked "…") so the message stays under the limit."""
    budget = MAX_CHARS - sum(len(t) + 1 for t in tail)
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) > budget:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join([*kept, *tail])


def _button(messages: Messages, lang: str, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(messages.t(lang, key), callback_data=callback_data(data))


def report_card(messages: Messages, lang: str, report: ReportRecord) -> Card:
    """A report with the four review decisions and a skip button."""
    t = messages.t
    verdict = json.loads(report.verdict_json or "{}")
    level = verdict.get("verdict") or "no_match"
    matched = ", ".join(esc(m.get("pattern_id", "")) for m in verdict.get("matches", [])[:3])
    reporter = t(
        lang, "mod.card.trend" if report.reporter_hash == TREND_REPORTER else "mod.card.user"
    )
    text = t(
        lang,
        "mod.card.report",
        id=report.id,
        kind=esc(report.kind),
        source=t(lang, f"mod.source.{report.source}"),
        reporter=reporter,
        date=report.created_at.strftime("%Y-%m-%d %H:%M"),
        verdict=f"{LEVEL_ICONS.get(level, '')} {t(lang, f'mod.level.{level}')}",
        matches=matched or "—",
        content=esc(preview(report, t(lang, "mod.no_transcript"))),
    )
    rid = report.id
    markup = InlineKeyboardMarkup(
        [
            [
                _button(messages, lang, "mod.button.new", f"mod:new:{rid}"),
                _button(messages, lang, "mod.button.attach", f"mod:att:{rid}"),
            ],
            [
                _button(messages, lang, "mod.button.legit", f"mod:legit:{rid}"),
                _button(messages, lang, "mod.button.reject", f"mod:rej:{rid}"),
            ],
            [_button(messages, lang, "mod.button.skip", f"mod:skip:{rid}")],
        ]
    )
    return text, markup


def draft_card(messages: Messages, lang: str, draft: Draft) -> Card:
    """A pattern draft the moderator confirms (or edits with /draft first)."""
    t = messages.t
    lines = [f"• «{esc(p)}» ({w:.2f})" for p, w in draft.phrases.items()]
    lines += [f"• <code>{esc(r)}</code> ({w:.2f})" for r, w in draft.regexes]
    text = t(
        lang,
        "mod.draft.card",
        id=draft.report_id,
        pattern=esc(draft.pattern_id),
        title=esc(draft.title),
        category=esc(draft.category),
        severity=esc(draft.severity),
        language=draft.lang,
        rules="\n".join(lines) or t(lang, "mod.draft.no_rules"),
    )
    rid = draft.report_id
    markup = InlineKeyboardMarkup(
        [
            [
                _button(messages, lang, "mod.button.create", f"mod:mk:{rid}"),
                _button(messages, lang, "mod.button.back", f"mod:open:{rid}"),
            ]
        ]
    )
    return text, markup


def attach_card(messages: Messages, lang: str, report_id: int, suggestions: Sequence[str]) -> Card:
    """Which pattern to attach a report to: suggested ones as buttons, any via /attach."""
    rows = []
    for pattern_id in suggestions:
        if fits("mod", "to", report_id, pattern_id):  # longer ids: /attach still works
            data = callback_data("mod", "to", report_id, pattern_id)
            rows.append([InlineKeyboardButton(pattern_id, callback_data=data)])
    rows.append([_button(messages, lang, "mod.button.back", f"mod:open:{report_id}")])
    text = messages.t(lang, "mod.attach.ask", id=report_id)
    return text, InlineKeyboardMarkup(rows)


def refusal_text(
    messages: Messages, lang: str, pattern_id: str, refusals: Sequence[Refusal]
) -> str:
    """Why a pattern was not made live: which message it would flag, with what evidence."""
    t = messages.t
    lines = [t(lang, "mod.refused", pattern=esc(pattern_id))]
    for r in refusals:
        quoted = esc(r.text if len(r.text) <= 160 else r.text[:159] + "…")
        if r.kind == "corpus":
            evidence = ", ".join(f"«{esc(e)}»" for e in r.evidence)
            line = t(
                lang,
                "mod.refused.corpus",
                where=esc(r.where),
                text=quoted,
                score=f"{r.score:.2f}",
                evidence=evidence,
            )
        else:
            key = "mod.refused.example" if r.kind == "example" else "mod.refused.rule"
            line = t(lang, key, where=esc(r.where), text=quoted, problem=esc(r.problem))
        lines.append(line)
    return "\n".join(lines)


def outcome_text(messages: Messages, lang: str, outcome: Outcome) -> str:
    """What a create/attach did: live (with or without a fingerprint), refused, or impossible."""
    if outcome.refusals:
        return refusal_text(messages, lang, outcome.pattern_id or "?", outcome.refusals)
    if outcome.problem:
        return messages.t(lang, outcome.problem, id=outcome.pattern_id or "")
    key = "mod.created.fingerprint" if outcome.fingerprint else "mod.created"
    if outcome.picture:
        key = "mod.created.picture"
    return messages.t(lang, key, id=outcome.pattern_id, version=outcome.version)


def patterns_list(messages: Messages, lang: str, rows: Sequence[PatternRow]) -> str:
    """Every pattern, one line each."""
    t = messages.t
    lines = [t(lang, "mod.patterns.title", count=len(rows))]
    for r in rows[:MAX_LINES]:
        version = f" · v{r.version}" if r.version is not None else ""
        lines.append(
            f"• <code>{esc(r.id)}</code> — {esc(r.title)} · {t(lang, f'mod.origin.{r.origin}')}"
            f" · {t(lang, f'mod.status.{r.status}')}{version}"
        )
    if len(rows) > MAX_LINES:
        lines.append(t(lang, "mod.patterns.more", count=len(rows) - MAX_LINES))
    return fit(lines, [t(lang, "mod.patterns.help")])


def pattern_detail(
    messages: Messages,
    lang: str,
    pattern: Pattern,
    origin: str,
    history: Sequence[PatternVersionRecord],
) -> str:
    """One pattern: its rules and its version history."""
    t = messages.t
    lines = [
        t(
            lang,
            "mod.patterns.show",
            id=esc(pattern.id),
            title=esc(pattern.title.get(lang)),
            category=esc(pattern.category),
            severity=esc(pattern.severity),
            status=t(lang, f"mod.status.{pattern.status}"),
            origin=t(lang, f"mod.origin.{origin}"),
        )
    ]
    for phrase_lang, phrases in pattern.match.phrases.items():
        for phrase, weight in list(phrases.items())[:MAX_LINES]:
            lines.append(f"• {phrase_lang}: «{esc(phrase)}» ({weight:.2f})")
    lines += [
        f"• regex <code>{esc(r.pattern)}</code> ({r.weight:.2f})" for r in pattern.match.regexes
    ]
    tail = []
    if history:  # the history matters most when rolling back: it is never cut
        tail.append(t(lang, "mod.patterns.history"))
        for v in history[-10:]:
            note = f" — {esc(v.note)}" if v.note else ""
            tail.append(
                f"• v{v.version} {v.at:%Y-%m-%d %H:%M} {esc(v.actor)} "
                f"({t(lang, f'mod.status.{v.status}')}){note}"
            )
    return fit(lines, tail)


def stats_text(
    messages: Messages,
    lang: str,
    days: int,
    per_day: Sequence[DayStat],
    top: Sequence[PatternCount],
    unknown: Sequence[ReportedItem],
    reports: dict[str, int],
) -> str:
    """Checks per day, verdicts by level, top patterns, most reported unknown items."""
    t = messages.t
    by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    levels: dict[str, int] = defaultdict(int)
    for s in per_day:
        by_day[s.day.isoformat()][s.level] += s.count
        levels[s.level] += s.count

    def split(counts: dict[str, int]) -> str:
        return " · ".join(f"{LEVEL_ICONS[lv]} {counts.get(lv, 0)}" for lv in LEVEL_ICONS)

    lines = [t(lang, "mod.stats.title", days=days), t(lang, "mod.stats.per_day")]
    for day, counts in sorted(by_day.items()):
        lines.append(f"• {day}: {sum(counts.values())} ({split(counts)})")
    if not by_day:
        lines.append("• —")
    lines.append(t(lang, "mod.stats.levels", levels=split(levels)))
    lines.append(t(lang, "mod.stats.top"))
    lines += [f"• <code>{esc(p.pattern_id)}</code> — {p.count}" for p in top] or ["• —"]
    lines.append(t(lang, "mod.stats.unknown"))
    lines += [
        t(lang, "mod.stats.unknown_item", id=u.report_id, kind=esc(u.kind), count=u.count)
        for u in unknown
    ] or ["• —"]
    lines.append(t(lang, "mod.stats.reports", **{k: reports.get(k, 0) for k in reports}))
    return fit(lines)

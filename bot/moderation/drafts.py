"""Pattern drafts: proposed from a report, edited by /draft, turned into a Pattern."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import re2

from bot.analysis.submission import MEDIA_KINDS
from bot.content.models import CATEGORIES, Localized, Pattern
from bot.matching.normalize import normalize
from bot.moderation.proposals import MIN_HITS, Proposal
from bot.moderation.store import Draft
from bot.storage.reports import ReportRecord

DEFAULT_WEIGHT = 0.5
MAX_TITLE = 120
SEVERITIES = ("low", "medium", "high")
ID_SHAPE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FIELDS = ("title", "category", "severity", "id", "add", "drop", "regex")


def slug(text: str, words: int = 4) -> str:
    """A pattern-id-shaped slug of the first words of `text`."""
    parts = re.sub(r"[^a-z0-9 ]", " ", normalize(text).text).split()
    return "-".join(parts[:words]) or "pattern"


def propose_draft(
    report: ReportRecord, proposals: Sequence[Proposal], *, lang: str, nearest: Pattern | None
) -> Draft:
    """A first draft: proposed phrases, defaults from the nearest pattern (else a chain hoax)."""
    first = proposals[0].phrase if proposals else (report.text or report.transcript or "")
    if nearest is not None:
        title = f"{nearest.title.get(lang)} ({'variante' if lang == 'es' else 'variant'})"
        category, severity, tips = nearest.category, nearest.severity, list(nearest.tips)
    else:
        title = f"«{first}…»" if first else f"#{report.id}"
        # Unknown voice notes that people report are mostly chain hoaxes.
        category = "hoax" if report.kind in MEDIA_KINDS else "impersonation"
        severity, tips = "medium", []
    return Draft(
        report_id=report.id,
        pattern_id=f"{slug(first)}-r{report.id}"[:80].strip("-"),
        title=title[:MAX_TITLE],
        category=category,
        severity=severity,
        lang=lang if lang in ("es", "en") else "es",
        phrases={p.phrase: p.weight for p in proposals},
        tips=tips,
    )


def edit_draft(draft: Draft, field: str, value: str) -> str | None:
    """Apply one `/draft <report> <field> <value>` edit in place; return an error key or None."""
    value = value.strip()
    if field not in FIELDS or not value:
        return "mod.draft.usage"
    if field == "title":
        draft.title = value[:MAX_TITLE]
    elif field == "category":
        if value not in CATEGORIES:
            return "mod.draft.bad_category"
        draft.category = value
    elif field == "severity":
        if value not in SEVERITIES:
            return "mod.draft.bad_severity"
        draft.severity = value
    elif field == "id":
        if not ID_SHAPE.match(value) or len(value) > 80:
            return "mod.draft.bad_id"
        draft.pattern_id = value
    elif field == "add":
        phrase, weight = _phrase_and_weight(value)
        if phrase is None:
            return "mod.draft.bad_weight"
        draft.phrases[phrase] = weight
    elif field == "drop":
        key = normalize(value).text
        if key not in draft.phrases and value not in draft.phrases:
            return "mod.draft.no_such_phrase"
        draft.phrases.pop(key, None)
        draft.phrases.pop(value, None)
    else:
        regex, weight = _phrase_and_weight(value)
        if regex is None:
            return "mod.draft.bad_weight"
        try:
            re2.compile(regex)  # RE2 only: linear time, no catastrophic backtracking
        except re2.error:
            return "mod.draft.bad_regex"
        draft.regexes.append((regex, weight))
    return None


def pattern_from_draft(draft: Draft, example: str, summary: Localized) -> Pattern:
    """The Pattern a draft describes (raises pydantic's ValidationError when it is not one)."""
    rules = len(draft.phrases) + len(draft.regexes)
    body: dict[str, Any] = {
        "id": draft.pattern_id,
        "category": draft.category,
        "severity": draft.severity,
        "status": "active",
        "title": {"es": draft.title, "en": draft.title},
        "summary": summary.model_dump(),
        "match": {
            "phrases": {draft.lang: dict(draft.phrases)} if draft.phrases else {},
            "regexes": [{"pattern": r, "weight": w} for r, w in draft.regexes],
            # One stray phrase must not flag a message on its own.
            "min_hits": MIN_HITS if rules >= MIN_HITS else 1,
        },
        "tips": list(draft.tips),
        "sources": [f"report #{draft.report_id}"],
        "examples": {"match": {draft.lang: [example]}} if example else {},
    }
    return Pattern.model_validate(body)


def with_phrases(
    pattern: Pattern, proposals: Sequence[Proposal], lang: str, example: str
) -> Pattern:
    """A copy of `pattern` with more phrases in `lang` and the report as one more example."""
    body = pattern.model_dump(mode="json")
    lang = lang if lang in ("es", "en") else "es"
    phrases = body["match"]["phrases"].setdefault(lang, {})
    for p in proposals:
        phrases.setdefault(p.phrase, p.weight)
    if example:
        examples = body["examples"]["match"].setdefault(lang, [])
        if example not in examples:
            examples.append(example)
    return Pattern.model_validate(body)


def _phrase_and_weight(value: str) -> tuple[str | None, float]:
    """'some words 0.6' -> ('some words', 0.6); without a number the default weight."""
    head, _, tail = value.rpartition(" ")
    try:
        weight = float(tail)
    except ValueError:
        return value, DEFAULT_WEIGHT
    if not 0 < weight <= 1 or not head.strip():
        return None, DEFAULT_WEIGHT
    return head.strip(), weight

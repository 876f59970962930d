"""Pattern and draft forms: one text line per phrase ("phrase = weight"), to and from models."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bot.content.models import LANGS, Pattern
from bot.moderation.drafts import DEFAULT_WEIGHT
from bot.moderation.store import Draft

WEIGHTED = re.compile(r"^(?P<rule>.*\S)\s+=\s*(?P<weight>[0-9]*\.?[0-9]+)\s*$")
EXPECT = re.compile(r"^\[(?P<expect>suspicious|scam|no_match)\]\s*(?P<text>.+)$")
Form = Mapping[str, Any]


class FormError(ValueError):
    """A form that does not describe a valid pattern; the message says where."""


def weighted_lines(raw: str) -> list[tuple[str, float]]:
    """'some words = 0.6' per line (no weight: the default); blank lines skipped."""
    out = []
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        found = WEIGHTED.match(line)
        out.append((found["rule"], float(found["weight"])) if found else (line, DEFAULT_WEIGHT))
    return out


def weighted_text(rules: Mapping[str, float] | list[tuple[str, float]]) -> str:
    """The inverse of `weighted_lines`."""
    items = rules.items() if isinstance(rules, Mapping) else rules
    return "\n".join(f"{rule} = {weight:g}" for rule, weight in items)


def lines(raw: str) -> list[str]:
    """Non-blank stripped lines."""
    return [s for line in raw.splitlines() if (s := line.strip())]


def _example_lines(raw: str) -> list[Any]:
    out: list[Any] = []
    for line in lines(raw):
        found = EXPECT.match(line)
        out.append({"text": found["text"], "expect": found["expect"]} if found else line)
    return out


def _example_text(items: list[Any]) -> str:
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif item.expect != "scam":
            out.append(f"[{item.expect}] {item.text}")
        else:
            out.append(item.text)
    return "\n".join(out)


def pattern_fields(p: Pattern) -> dict[str, str]:
    """The editor's field values of a pattern."""
    m = p.match
    out = {
        "title_es": p.title.es,
        "title_en": p.title.en,
        "category": p.category,
        "severity": p.severity,
        "regexes": "\n".join(f"{r.pattern} = {r.weight:g}" for r in m.regexes),
        "domains": "\n".join(m.domains),
        "phones": "\n".join(m.phones),
        "min_hits": str(m.min_hits),
    }
    for lang in LANGS:
        out[f"phrases_{lang}"] = weighted_text(m.phrases.get(lang, {}))  # type: ignore[call-overload]
        out[f"examples_match_{lang}"] = _example_text(getattr(p.examples.match, lang))
        out[f"examples_no_match_{lang}"] = _example_text(getattr(p.examples.no_match, lang))
    return out


def pattern_from_form(current: Pattern, form: Form) -> Pattern:
    """`current` with the editor's fields applied (raises FormError when it is not valid)."""
    body = current.model_dump(mode="json")

    def get(name: str) -> str:
        return str(form.get(name, ""))

    body["title"] = {"es": get("title_es").strip(), "en": get("title_en").strip()}
    body["category"] = get("category")
    body["severity"] = get("severity")
    match = body["match"]
    phrases = {lang: dict(weighted_lines(get(f"phrases_{lang}"))) for lang in LANGS}
    match["phrases"] = {lang: p for lang, p in phrases.items() if p}
    langs = {r.pattern: r.lang for r in current.match.regexes}  # a kept regex keeps its lang
    match["regexes"] = [
        {"pattern": r, "weight": w, "lang": langs.get(r)}
        for r, w in weighted_lines(get("regexes"))
    ]
    match["domains"] = lines(get("domains"))
    match["phones"] = lines(get("phones"))
    if get("min_hits").strip().isdigit():
        match["min_hits"] = int(get("min_hits"))
    for kind in ("match", "no_match"):
        for lang in LANGS:
            body["examples"][kind][lang] = _example_lines(get(f"examples_{kind}_{lang}"))
    return validated(body)


def validated(body: dict[str, Any]) -> Pattern:
    """A Pattern from a dict, with pydantic's first complaint as a FormError."""
    try:
        return Pattern.model_validate(body)
    except ValidationError as exc:
        raise FormError(first_error(exc)) from exc


def first_error(exc: ValidationError) -> str:
    """Pydantic's first complaint, with where it is."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def draft_fields(draft: Draft) -> dict[str, str]:
    """The draft form's field values."""
    return {
        "pattern_id": draft.pattern_id,
        "title": draft.title,
        "category": draft.category,
        "severity": draft.severity,
        "lang": draft.lang,
        "phrases": weighted_text(draft.phrases),
        "regexes": weighted_text(draft.regexes),
    }


def apply_draft(draft: Draft, form: Form) -> Draft:
    """The draft with the form's edits (validated later, by `pattern_from_draft`)."""

    def get(name: str, default: str) -> str:
        return str(form.get(name, default)).strip()

    draft.pattern_id = get("pattern_id", draft.pattern_id)
    draft.title = get("title", draft.title)[:120]
    draft.category = get("category", draft.category)
    draft.severity = get("severity", draft.severity)
    lang = get("lang", draft.lang)
    draft.lang = lang if lang in LANGS else draft.lang
    draft.phrases = dict(weighted_lines(str(form.get("phrases", ""))))
    draft.regexes = weighted_lines(str(form.get("regexes", "")))
    return draft

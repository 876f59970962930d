"""The console's pure parts: pattern forms round-trip, charts escape what they draw."""

from __future__ import annotations

import pytest

from bot.content.loader import DEFAULT_CONTENT_DIR, load_pack
from bot.content.models import Pattern
from bot.web.console import charts
from bot.web.console.forms import (
    FormError,
    pattern_fields,
    pattern_from_form,
    weighted_lines,
)


def test_weighted_lines_read_a_weight_after_an_equals_sign_or_use_the_default() -> None:
    assert weighted_lines("hola mamá = 0.6\n\n  número nuevo  \n(a|b) = 1") == [
        ("hola mamá", 0.6),
        ("número nuevo", 0.5),
        ("(a|b)", 1.0),
    ]


def _stripped(pattern: Pattern) -> Pattern:
    """The pattern without spaces around phrases (one line of a form cannot keep them)."""
    body = pattern.model_dump(mode="json")
    phrases = body["match"]["phrases"]
    for lang, rules in phrases.items():
        phrases[lang] = {k.strip(): w for k, w in rules.items()}
    return Pattern.model_validate(body)


def test_every_shipped_pattern_survives_the_editor_unchanged() -> None:
    for pattern in load_pack(DEFAULT_CONTENT_DIR).patterns:
        edited = pattern_from_form(pattern, pattern_fields(pattern))
        assert edited == _stripped(pattern), pattern.id


def test_an_invalid_edit_says_which_field_is_wrong() -> None:
    pattern = load_pack(DEFAULT_CONTENT_DIR).patterns[0]
    fields = {**pattern_fields(pattern), "phrases_es": "hola = 7"}
    with pytest.raises(FormError, match=r"match\.phrases\.es"):
        pattern_from_form(pattern, fields)


def test_charts_are_svg_with_an_accessible_title_and_escaped_labels() -> None:
    svg = charts.stacked_columns(
        "Checks <per> day",
        ["2026-01-01", "2026-01-02"],
        {"scam": [1, 0], "no_match": [2, 3]},
        {"scam": "<b>scam</b>"},
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "&lt;per&gt;" in svg and "&lt;b&gt;scam" in svg and "<b>" not in svg
    bars = charts.bars("Top", [("<script>", 3), ("b", 1)])
    assert "<script>" not in bars and bars.count("<rect") == 2

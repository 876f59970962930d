"""Drafts: proposed from a report with sensible defaults, edited safely, turned into Patterns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.content.loader import load_pack
from bot.content.models import Localized, Pattern
from bot.moderation.drafts import edit_draft, pattern_from_draft, propose_draft, with_phrases
from bot.moderation.proposals import MIN_HITS, Proposal
from bot.moderation.store import Draft
from bot.storage.reports import ReportRecord

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SUMMARY = Localized(es="Creado por moderadores.", en="Made by moderators.")
PROPOSALS = (Proposal("cumple de lucia", 0.5), Proposal("habra tarta y pinata", 0.6))


def _report(kind: str = "voice", **fields: object) -> ReportRecord:
    values: dict[str, object] = {
        "id": 12,
        "reporter_hash": "abc",
        "source": "private",
        "chat_hash": None,
        "kind": kind,
        "text": None,
        "transcript": "el cumple de Lucía, habrá tarta y piñata",
        "file_id": "F",
        "file_unique_id": "U",
        "audio_item_id": None,
        "verdict_json": "{}",
        "status": "new",
        "consent_at": NOW,
        "created_at": NOW,
        "expires_at": NOW,
        "resolved_by": None,
        "resolved_at": None,
        "resolution": None,
    }
    values.update(fields)
    return ReportRecord(**values)  # type: ignore[arg-type]


def test_an_unknown_voice_note_defaults_to_a_chain_hoax_titled_by_its_words() -> None:
    draft = propose_draft(_report(), PROPOSALS, lang="es", nearest=None)
    assert draft.category == "hoax"
    assert draft.severity == "medium"
    assert draft.pattern_id == "cumple-de-lucia-r12"
    assert "cumple de lucia" in draft.title
    assert draft.phrases == {"cumple de lucia": 0.5, "habra tarta y pinata": 0.6}


def test_defaults_come_from_the_nearest_pattern_when_there_is_one() -> None:
    nearest = load_pack().pattern("family-new-number")
    assert nearest is not None
    draft = propose_draft(_report("text"), PROPOSALS, lang="es", nearest=nearest)
    assert draft.category == nearest.category
    assert draft.severity == nearest.severity
    assert draft.tips == list(nearest.tips)
    assert draft.title.startswith(nearest.title.es)


def test_a_draft_becomes_a_pattern_needing_two_hits_with_the_report_as_example() -> None:
    draft = propose_draft(_report(), PROPOSALS, lang="es", nearest=None)
    pattern = pattern_from_draft(draft, "el cumple de Lucía, habrá tarta y piñata", SUMMARY)
    assert pattern.id == "cumple-de-lucia-r12"
    assert pattern.match.min_hits == MIN_HITS
    assert pattern.match.phrases["es"]["habra tarta y pinata"] == 0.6
    assert pattern.examples.match.es == ["el cumple de Lucía, habrá tarta y piñata"]
    assert pattern.sources == ["report #12"]
    assert Pattern.model_validate_json(pattern.model_dump_json()) == pattern


def test_a_draft_without_rules_is_not_a_pattern() -> None:
    draft = Draft(12, "empty-r12", "Vacío", "hoax", "medium", "es")
    with pytest.raises(ValidationError):
        pattern_from_draft(draft, "algo", SUMMARY)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("category", "aliens", "mod.draft.bad_category"),
        ("severity", "extreme", "mod.draft.bad_severity"),
        ("id", "Not An Id", "mod.draft.bad_id"),
        ("add", "frase rara 1.5", "mod.draft.bad_weight"),
        ("drop", "no existe", "mod.draft.no_such_phrase"),
        ("regex", r"(a)\1", "mod.draft.bad_regex"),
        ("colour", "red", "mod.draft.usage"),
    ],
)
def test_bad_edits_are_refused_with_a_reason(field: str, value: str, error: str) -> None:
    draft = propose_draft(_report(), PROPOSALS, lang="es", nearest=None)
    assert edit_draft(draft, field, value) == error


def test_good_edits_change_the_draft() -> None:
    draft = propose_draft(_report(), PROPOSALS, lang="es", nearest=None)
    assert edit_draft(draft, "title", "Bulo del cumpleaños") is None
    assert edit_draft(draft, "category", "impersonation") is None
    assert edit_draft(draft, "id", "bulo-cumple") is None
    assert edit_draft(draft, "add", "perro toby 0.7") is None
    assert edit_draft(draft, "drop", "cumple de Lucía") is None
    assert edit_draft(draft, "regex", r"tarta\s+y\s+pi[nñ]ata 0.4") is None
    assert (draft.title, draft.category, draft.pattern_id) == (
        "Bulo del cumpleaños",
        "impersonation",
        "bulo-cumple",
    )
    assert draft.phrases == {"habra tarta y pinata": 0.6, "perro toby": 0.7}
    assert draft.regexes == [(r"tarta\s+y\s+pi[nñ]ata", 0.4)]
    assert Draft.from_json(draft.to_json()) == draft


def test_attaching_adds_new_phrases_and_the_example_but_keeps_the_old_ones() -> None:
    preset = load_pack().pattern("family-new-number")
    assert preset is not None
    merged = with_phrases(preset, PROPOSALS, "es", "el cumple de Lucía")
    assert set(preset.match.phrases["es"]) < set(merged.match.phrases["es"])
    assert merged.match.phrases["es"]["habra tarta y pinata"] == 0.6
    assert "el cumple de Lucía" in merged.examples.match.es
    assert merged.id == preset.id

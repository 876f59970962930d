"""Moderator cards stay within Telegram's limits and never echo message text as markup."""

from __future__ import annotations

from bot.i18n import default_messages
from bot.moderation.admin import PatternRow
from bot.moderation.cards import MAX_CHARS, attach_card, patterns_list, refusal_text
from bot.moderation.safety import Refusal


def test_a_refusal_quotes_the_legit_message_and_its_evidence_escaped() -> None:
    refusal = Refusal(
        "corpus",
        "corpus family",
        "Cena el <b>sábado</b> & postre",
        score=0.9,
        evidence=("sábado",),
    )
    text = refusal_text(default_messages(), "es", "mod-x", [refusal])
    assert "<code>mod-x</code>" in text
    assert "corpus family: «Cena el &lt;b&gt;sábado&lt;/b&gt; &amp; postre»" in text
    assert "(0.90) por «sábado»" in text


def test_a_long_pattern_list_is_cut_below_telegrams_limit_keeping_the_help_line() -> None:
    rows = [PatternRow(f"pattern-{i}", "preset", "active", None, "t" * 150) for i in range(39)]
    text = patterns_list(default_messages(), "en", rows)
    assert len(text) <= MAX_CHARS
    assert "…" in text
    assert text.endswith("<code>rollback ID VERSION</code>")


def test_attach_buttons_whose_data_would_exceed_64_bytes_are_left_out() -> None:
    long_id = "a-" * 30 + "z"
    _, markup = attach_card(default_messages(), "es", 123456, ["short-id", long_id])
    assert markup is not None
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert data == ["mod:to:123456:short-id", "mod:open:123456"]
    assert all(len(str(d).encode()) <= 64 for d in data)

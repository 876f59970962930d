"""What Telegram says about a forward becomes signals (features for the scorer, not verdicts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.analysis.signals import forward_signals
from bot.analysis.submission import ForwardInfo
from bot.content.loader import load_pack

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def test_a_forward_from_a_hidden_account_is_a_signal() -> None:
    config = load_pack().engine
    fwd = ForwardInfo(origin="hidden_user", date=NOW - timedelta(hours=1), name="Pepe")
    assert [s.id for s in forward_signals(fwd, config, now=NOW)] == ["forward_hidden"]


def test_an_old_forward_from_a_visible_user_is_only_old() -> None:
    config = load_pack().engine
    fwd = ForwardInfo(origin="user", date=NOW - timedelta(days=400), name="Ana")
    assert [s.id for s in forward_signals(fwd, config, now=NOW)] == ["old_forward"]


def test_a_fresh_forward_from_a_visible_user_says_nothing() -> None:
    config = load_pack().engine
    fwd = ForwardInfo(origin="user", date=NOW - timedelta(hours=2), name="Ana")
    assert forward_signals(fwd, config, now=NOW) == []

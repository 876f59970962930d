"""Signals from what Telegram says about the forward itself (not from the words)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.analysis.submission import ForwardInfo
from bot.content.models import EngineConfig
from bot.matching.types import SignalHit


def forward_signals(
    forward: ForwardInfo | None, config: EngineConfig, now: datetime | None = None
) -> list[SignalHit]:
    """`old_forward` for a recycled message, `forward_hidden` when the sender hid their
    account, `known_scam_source` for a listed origin: facts for the scorer, never verdicts."""
    if forward is None:
        return []
    now = now or datetime.now(UTC)
    out: list[SignalHit] = []
    age = now - forward.date
    if age > timedelta(days=config.old_forward_days):
        out.append(SignalHit("old_forward", (forward.date.date().isoformat(),)))
    if forward.origin == "hidden_user":
        out.append(SignalHit("forward_hidden", (forward.name or "",)))
    known = {s.lower().lstrip("@") for s in config.known_scam_sources}
    ids = {str(forward.chat_id)} if forward.chat_id is not None else set()
    if (forward.username and forward.username.lower() in known) or ids & known:
        out.append(SignalHit("known_scam_source", (forward.username or str(forward.chat_id),)))
    return out

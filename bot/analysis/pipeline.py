"""The analysis pipeline for text: Submission text -> Verdict (media lives in media_check)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from bot.analysis.engines import EngineHolder
from bot.analysis.signals import forward_signals
from bot.analysis.submission import ForwardInfo
from bot.matching.types import Via
from bot.verdict import Verdict, VerdictMatch, compose


class Analyzer:
    """Turns texts (and, via media_check, transcripts) into verdicts."""

    def __init__(self, engines: EngineHolder) -> None:
        self.engines = engines

    @property
    def pack_version(self) -> str:
        """Content version + pattern revision: part of every cache key."""
        return f"{self.engines.pack.version}.{self.engines.revision}"

    def check_text(
        self,
        text: str,
        *,
        kind: str = "text",
        via: Via = "text",
        lang: str | None = None,
        country: str | None = None,
        forward: ForwardInfo | None = None,
        transcript: str | None = None,
        extra: Sequence[VerdictMatch] = (),
        notes: Sequence[str] = (),
        started: float | None = None,
    ) -> Verdict:
        """Analyse a text (or a transcript) and compose the verdict."""
        t0 = started if started is not None else time.perf_counter()
        pack = self.engines.pack
        result = self.engines.engine.analyze(
            text, via=via, extra_signals=forward_signals(forward, pack.engine)
        )
        return compose(
            pack,
            result,
            kind=kind,
            lang=lang,
            country=country,
            transcript=transcript,
            extra=extra,
            notes=notes,
            elapsed_ms=(time.perf_counter() - t0) * 1000,
        )

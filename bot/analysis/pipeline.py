"""The analysis pipeline for text: Submission text -> Verdict (media lives in media_check)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.analysis.engines import EngineHolder
from bot.analysis.signals import forward_signals
from bot.analysis.submission import ForwardInfo
from bot.matching.types import Via
from bot.verdict import Verdict, VerdictMatch, compose

T = TypeVar("T")
INLINE_BUDGET_MS = 5.0  # analyses cheaper than this on average run on the event loop
INLINE_MAX_CHARS = 2_000  # longer texts always go to the analyzer thread


class Analyzer:
    """Turns texts (and, via media_check, transcripts) into verdicts."""

    def __init__(self, engines: EngineHolder) -> None:
        self.engines = engines
        # One thread for every text analysis: the encoder is CPU-bound and toggles BLAS
        # threads on each call (threadpoolctl), which thrashes when callers run in parallel.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyzer")
        self._recent_ms = 0.0

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking analysis function on the analyzer's own thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def check_text_async(self, text: str, **kwargs: Any) -> Verdict:
        """check_text inline while analyses are cheap, else on the analyzer's thread.

        A thread costs more than it saves for a 2-3 ms analysis: the GIL is handed back and
        forth with the event loop (measured: 101 vs 130 text updates/s). When the recent
        average exceeds INLINE_BUDGET_MS (huge pattern sets, long texts) the loop is spared.
        """
        if self._recent_ms <= INLINE_BUDGET_MS and len(text) <= INLINE_MAX_CHARS:
            started = time.perf_counter()
            verdict = self.check_text(text, **kwargs)
            self._note((time.perf_counter() - started) * 1000)
            return verdict
        verdict = await self.run(self.check_text, text, **kwargs)
        self._note(verdict.elapsed_ms)
        return verdict

    def _note(self, elapsed_ms: float) -> None:
        # Exponential moving average: a few slow analyses move work off the loop quickly.
        self._recent_ms = 0.8 * self._recent_ms + 0.2 * elapsed_ms

    def close(self) -> None:
        """Stop the analyzer thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)

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
        engine = self.engines.engine
        result = engine.analyze(text, via=via, extra_signals=forward_signals(forward, pack.engine))
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
            patterns=engine.by_id,
        )

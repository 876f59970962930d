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


class Analyzer:
    """Turns texts (and, via media_check, transcripts) into verdicts."""

    def __init__(self, engines: EngineHolder) -> None:
        self.engines = engines
        # One thread for every text analysis: the encoder is CPU-bound and toggles BLAS
        # threads on each call (threadpoolctl), which thrashes when callers run in parallel.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyzer")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking analysis function on the analyzer's own thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def check_text_async(self, text: str, **kwargs: Any) -> Verdict:
        """check_text off the event loop, on the analyzer's thread."""
        return await self.run(self.check_text, text, **kwargs)

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

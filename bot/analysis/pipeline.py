"""The analysis pipeline for text: Submission text -> Verdict (media lives in media_check)."""

from __future__ import annotations

import asyncio
import contextlib
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
BATCH_MAX = 32  # texts analysed per trip to the analyzer thread (their embeddings in one call)


class Analyzer:
    """Turns texts (and, via media_check, transcripts) into verdicts."""

    def __init__(self, engines: EngineHolder) -> None:
        self.engines = engines
        # One thread for every text analysis: the encoder is CPU-bound and toggles BLAS
        # threads on each call (threadpoolctl), which thrashes when callers run in parallel.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyzer")
        self._recent_ms = 0.0
        self._waiting: list[tuple[str, dict[str, Any], asyncio.Future[Verdict]]] = []
        self._batcher: asyncio.Task[None] | None = None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking analysis function on the analyzer's own thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def check_text_async(self, text: str, **kwargs: Any) -> Verdict:
        """check_text inline while analyses are cheap, else batched on the analyzer's thread.

        A thread costs more than it saves for a 1-3 ms analysis: the GIL is handed back and
        forth with the event loop (measured: 101 vs 130 text updates/s). When the recent
        average CPU cost exceeds INLINE_BUDGET_MS (the sentence encoder, huge pattern sets,
        long texts) the loop is spared, and texts waiting meanwhile go together: their
        embeddings are one matrix product (bench/bench_bot.py). One text's CPU time, not wall
        time, decides: a thread's wall time grows with GIL waits under load, which kept every
        text on the single thread for good once one slow text sent them there.
        """
        if self._recent_ms <= INLINE_BUDGET_MS and len(text) <= INLINE_MAX_CHARS:
            started = time.thread_time()
            verdict = self.check_text(text, **kwargs)
            self._note((time.thread_time() - started) * 1000)
            return verdict
        future: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
        self._waiting.append((text, kwargs, future))
        if self._batcher is None:
            self._batcher = asyncio.create_task(self._drain(), name="ojo-analyzer-batch")
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        """Hand the waiting texts to the analyzer thread, BATCH_MAX at a time."""
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:BATCH_MAX], self._waiting[BATCH_MAX:]
                items = [(text, kwargs) for text, kwargs, _ in batch]
                results = await self.run(self._check_many, items)
                for (_, _, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, Verdict):
                        future.set_result(result)
                    else:
                        future.set_exception(result)
        finally:
            self._batcher = None

    def _check_many(self, items: list[tuple[str, dict[str, Any]]]) -> list[Verdict | Exception]:
        """Analyse several texts (on the analyzer thread), embedding them in one call."""
        started = time.thread_time()
        encoder = self.engines.encoder
        short = [text for text, _ in items if len(text) <= INLINE_MAX_CHARS]
        results: list[Verdict | Exception] = []
        with encoder.prefetched(short) if encoder is not None else contextlib.nullcontext():
            for text, kwargs in items:
                try:
                    results.append(self.check_text(text, **kwargs))
                except Exception as exc:  # that text's caller gets it, the batch goes on
                    results.append(exc)
        if len(items) == 1:  # a batch's cost per text would understate one text's own
            self._note((time.thread_time() - started) * 1000)
        return results

    def _note(self, cpu_ms: float) -> None:
        # Exponential moving average: a few slow analyses move work off the loop quickly.
        self._recent_ms = 0.8 * self._recent_ms + 0.2 * cpu_ms

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

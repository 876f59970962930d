"""Benchmark the audio fingerprint: robustness, false matches, lookup latency at scale, speed.

    .venv/bin/python bench/bench_fingerprint.py [--quick] [--seed N] [--keep-db DIR]

(a) Robustness. Distinct clips are synthesised at run time: espeak-ng voice notes (random voices
    and variants in 9 languages, speeds, pitches, texts of random pseudo-words, so that no two
    clips share a sentence) when espeak-ng is installed, plus music-like tone sequences. All are
    indexed. Altered copies of ~30 of them (Opus 12 kbit/s, MP3 32 kbit/s, pink noise at 10 dB
    SNR, telephone band, 12 dB quieter, 2 s trimmed, a 6 s excerpt, and the clip buried in 2-3
    minutes of unknown audio) must find their own clip at the right offset (+-0.5 s). Every
    distinct clip is also queried against all the others (leave-one-out) and long recordings
    of unknown audio are queried: any hit there is a false match.
(b) Lookup latency through FingerprintStore on SQLite and PostgreSQL (OJO_TEST_POSTGRES_URL)
    holding 1k / 10k / 100k (--sizes) synthetic items of 20-40 s worth of landmarks each,
    with hashes drawn from the (f1, f2-f1, dt) marginals measured on the clips of (a)
    ("speech-like") and, in the full run, uniformly. The real clips are stored among them;
    queries are their first 30 s and altered copies (Opus 12 kbit/s, 6 s excerpts).
(c) landmarks() time per 30 s clip.

Lookup latency alone, on indexes kept for re-measuring (built once, then --reuse; PostgreSQL gets
its own database per size, ojo_fp_speech_like_<items>, on the server of OJO_TEST_POSTGRES_URL):

    python -m bench.bench_fingerprint --lookup-only --items 100k --backend postgres,sqlite \
        --keep-db /work/fp-db --reuse          # add --build-only to build without timing

--row-budget N overrides ROW_BUDGET (at 100k items, a budget of 800 reads the same share of a
query's hashes as 8,000 would at 1M: rows per hash grow with the index).

The full run takes ~20 min on an idle host (most of it bulk-loading); --quick ~30 s. Results of
the full run on 2026-11-26 (2 shared cores, load average 4-6 from other jobs, so latencies are
pessimistic). It ran with MIN_ALIGNED 25; the counts are the same at today's 22, since every
true match had >= 26 and no wrong item over 9:

  (a) 240 clips, 37.8 landmarks/s. Altered copies matched: 240/240 (100 %), offsets within 0.5 s.
      Weakest true matches, aligned min / p5: excerpt-6s 26 / 37, opus-12k 45 / 52, noise-10db
      113 / 130, embedded (2-3 min of other audio around it) 221 / 249, ratio min 0.036.
      Wrong items: 62,185 best offsets, aligned max 9 (p99.9 5), ratio max 0.026. False matches 0.
  (b) before the integer keys, row counts and row budget (schema 0001, 2026-11-26):
      speech-like 1k / 10k / 100k items: p99 32 / 54 / 203 ms, SQLite 44 MB / 441 MB / 4406 MB.
      Schema 0002 (2026-12-02, `--lookup-only --kinds speech-like`, 39 real 30 s clips stored
      among the synthetic items, 20 altered copies; other jobs sharing the 2 cores):
      SQLite      1k 44 MB p99 43 ms; 10k 371 MB p99 26 ms; 100k 3609 MB p99 22 ms warm
                  (p50 15 ms; the first pass over a cold page cache: p99 210 ms)
      PostgreSQL  1k 148 MB p99 98 ms; 10k 1104 MB p99 90 ms; 100k 9628 MB p99 53 ms (p50 33)
      Two-statement lookups with aggregated columns (2026-12-03, same schema, load average 7-10
      on the 2 cores from four other jobs, so pessimistic; 113,152,690 rows):
      PostgreSQL  100k 9628 MB p50 44.7 ms p99 75.4 ms (batched 30.7 ms per clip), hashes read
                  38.4 %, own clip 39/39, altered 20/20, wrong hits 0
      SQLite      100k 3608 MB p50 53.7 ms p99 119.1 ms (batched 41.4 ms), same counts as above
      Rerun at load average ~3 (same command, --reuse): PostgreSQL p50 28.8 ms p99 57.0 ms
      (batched 21.2), SQLite p50 26.2 ms p99 57.2 ms (batched 15.0); same counts.
      The same 39 queries, old store (main) and new one alternating, twice each, minutes apart:
      PostgreSQL  p50 42 / 46 -> 28 / 27 ms, p99 228 / 129 -> 63 / 69 ms
      SQLite      p50 35 / 19 -> 23 / 19 ms, p99 75 / 54 -> 60 / 22 ms
      1M items (1.13 billion rows) was not built: the loader ran at 90-180k rows/s on the loaded
      host (SQLite executemany ~90k/s, PostgreSQL binary COPY ~180k/s), i.e. 2-3.5 h for 1M, and
      PostgreSQL would need ~96 GB (the disk had 78 GB free). At 1M the row budget still caps a
      lookup at 8,000 rows (latency about as at 100k), but it then reads ~10 % of a query's
      hashes: measured as its equivalent (--row-budget 800 at 100k) own clip 39/39, altered
      copies 4/20. Reading every hash instead (77,614 rows for a 30 s clip at 100k) took
      p50 409 ms here (116 ms of it in PostgreSQL's index scan).
  (c) landmarks() per 30 s clip: median 33 ms, p90 65 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.analysis import fingerprint as fp
from bot.analysis.media import SAMPLE_RATE, decode_audio

SR = SAMPLE_RATE
VOICES = ["es", "es-419", "en-us", "en-gb", "pt-br", "it", "fr-fr", "de", "ca"]
VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+m7", "+f1", "+f2", "+f3", "+f4", "+f5", "+klatt"]
ONSETS = ["", "b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ch", "tr", "pl"]
NUCLEI = ["a", "e", "i", "o", "u", "ia", "ue", "ai"]
CODAS = ["", "", "", "n", "s", "r", "l"]
KINDS = [
    "opus-12k",
    "mp3-32k",
    "noise-10db",
    "telephone",
    "quieter-12db",
    "trim-2s",
    "excerpt-6s",
    "embedded",
]


# --- (a) clips -----------------------------------------------------------------------------------


def speech_clip(rng: np.random.Generator, workdir: Path, n: int) -> np.ndarray:
    """One espeak-ng voice note of random pseudo-words, decoded like any upload."""
    words = []
    for _ in range(int(rng.integers(45, 95))):
        syllables = int(rng.integers(1, 5))
        word = "".join(
            str(rng.choice(ONSETS)) + str(rng.choice(NUCLEI)) + str(rng.choice(CODAS))
            for _ in range(syllables)
        )
        words.append(word + (str(rng.choice([",", ".", "?"])) if rng.random() < 0.1 else ""))
    voice = str(rng.choice(VOICES)) + str(rng.choice(VARIANTS))
    wav = workdir / f"clip{n}.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(int(rng.integers(130, 200))),
         "-p", str(int(rng.integers(25, 75))), "-w", str(wav), " ".join(words)],
        check=True, capture_output=True,
    )  # fmt: skip
    samples = decode_audio(wav.read_bytes()).samples
    wav.unlink()
    return samples


def tone_clip(rng: np.random.Generator) -> np.ndarray:
    """A music-like clip: notes of a random scale with harmonics, envelopes and drum hits."""
    seconds = float(rng.uniform(15, 40))
    out = np.zeros(int(seconds * SR), dtype=np.float32)
    root = float(rng.uniform(110, 330))
    scale = root * 2 ** (np.array([0, 2, 3, 5, 7, 8, 10, 12, 14, 15]) / 12)
    pos = 0
    while pos < out.size:
        dur = int(SR * float(rng.choice([0.125, 0.25, 0.25, 0.5, 0.75])) * rng.uniform(0.9, 1.1))
        t = np.arange(min(dur, out.size - pos)) / SR
        env = np.minimum(1.0, t / 0.01) * np.exp(-t * rng.uniform(2, 8))
        for freq in rng.choice(scale, size=int(rng.integers(1, 4)), replace=False):
            for harmonic in range(1, 5):
                out[pos : pos + t.size] += (
                    0.2
                    / harmonic
                    * env
                    * np.sin(2 * np.pi * freq * harmonic * t + rng.uniform(0, 6))
                ).astype(np.float32)
        if rng.random() < 0.3:
            hit = rng.standard_normal(min(800, t.size)) * np.exp(
                -np.arange(min(800, t.size)) / 150
            )
            out[pos : pos + hit.size] += (0.3 * hit).astype(np.float32)
        pos += dur
    return (0.5 * out / max(1e-6, float(np.abs(out).max()))).astype(np.float32)


def make_clips(n: int, rng: np.random.Generator, speech: bool) -> list[np.ndarray]:
    """n distinct clips: 80 % espeak-ng speech (if available), the rest tone sequences."""
    n_speech = int(n * 0.8) if speech else 0
    seeds = rng.integers(0, 2**32, size=n)
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        spoken = list(
            pool.map(
                lambda i: speech_clip(np.random.default_rng(seeds[i]), Path(tmp), i),
                range(n_speech),
            )
        )
    tones = [tone_clip(np.random.default_rng(seeds[i])) for i in range(n_speech, n)]
    return spoken + tones


# --- (a) alterations -----------------------------------------------------------------------------


def encode(samples: np.ndarray, codec: str, bit_rate: int, container: str) -> bytes:
    """Encode 16 kHz mono float samples with PyAV (the bench needs no ffmpeg binary)."""
    rate = 48_000 if codec == "libopus" else 44_100
    up = signal.resample_poly(samples, rate // 100, SR // 100).astype(np.float32)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.bit_rate = bit_rate
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(up[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        ctx = stream.codec_context
        resampler = av.AudioResampler(
            format=ctx.format, layout="mono", rate=rate, frame_size=ctx.frame_size or 1152
        )
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(chunk):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def alter(
    clip: np.ndarray, kind: str, rng: np.random.Generator, filler: list[np.ndarray]
) -> tuple[np.ndarray, float]:
    """Return an altered copy of `clip` and where in the clip the copy starts (seconds)."""
    if kind == "opus-12k":
        return decode_audio(encode(clip, "libopus", 12_000, "ogg")).samples, 0.0
    if kind == "mp3-32k":
        return decode_audio(encode(clip, "libmp3lame", 32_000, "mp3")).samples, 0.0
    if kind == "noise-10db":
        noise = signal.lfilter([1.0], [1.0, -0.95], rng.standard_normal(clip.size))
        noise *= np.sqrt(np.mean(clip**2) / np.mean(noise**2) / 10.0)
        return (clip + noise).astype(np.float32), 0.0
    if kind == "telephone":
        sos = signal.butter(6, [300, 3400], btype="band", fs=SR, output="sos")
        narrow = signal.resample_poly(signal.sosfilt(sos, clip), 1, 2)
        return signal.resample_poly(narrow, 2, 1).astype(np.float32), 0.0
    if kind == "quieter-12db":
        return (clip * 10 ** (-12 / 20)).astype(np.float32), 0.0
    if kind == "trim-2s":
        return clip[2 * SR :], 2.0
    if kind == "excerpt-6s":
        start = clip.size // 2 - 3 * SR
        return clip[start : start + 6 * SR], start / SR
    if kind == "embedded":
        # The known clip somewhere inside a long recording of unknown audio.
        before = np.concatenate([filler[int(i)] for i in rng.choice(len(filler), 3)])
        after = np.concatenate([filler[int(i)] for i in rng.choice(len(filler), 2)])
        return np.concatenate([before, clip, after]), -before.size / SR
    raise ValueError(kind)


@contextlib.contextmanager
def raw_votes() -> Iterator[None]:
    """Report every item's best offset, however weak, so the bench sees the whole distribution."""
    saved = fp.MIN_ALIGNED, fp.MIN_RATIO
    fp.MIN_ALIGNED, fp.MIN_RATIO = 1, 1e-9
    try:
        yield
    finally:
        fp.MIN_ALIGNED, fp.MIN_RATIO = saved


THRESHOLDS = (fp.MIN_ALIGNED, fp.MIN_RATIO)


def passes(hit: fp.FingerprintHit) -> bool:
    """Whether a raw hit clears the module's match thresholds."""
    return hit.aligned >= THRESHOLDS[0] and hit.aligned / hit.total_query >= THRESHOLDS[1]


@dataclass
class Robustness:
    """What part (a) measured."""

    matched: dict[str, list[bool]]
    true_scores: dict[str, list[tuple[int, float]]]
    impostor_scores: list[tuple[int, float]]
    false_matches: list[str]
    density: float


def robustness(clips: list[np.ndarray], filler: list[np.ndarray], n_sources: int,
               rng: np.random.Generator) -> Robustness:  # fmt: skip
    """Index every clip; query altered copies, the clips themselves (leave-one-out), long noise."""
    index = fp.MemoryFingerprintIndex()
    prints = [fp.landmarks(c) for c in clips]
    for i, lm in enumerate(prints):
        index.add(str(i), lm)
    seconds = sum(c.size for c in clips) / SR
    result = Robustness({k: [] for k in KINDS}, {k: [] for k in KINDS}, [], [],
                        sum(len(p) for p in prints) / seconds)  # fmt: skip
    sources = rng.choice(len(clips), size=min(n_sources, len(clips)), replace=False)
    with raw_votes():
        for src in sources:
            for kind in KINDS:
                query, start = alter(clips[int(src)], kind, rng, filler)
                hits = index.query(fp.landmarks(query))
                mine = [h for h in hits if h.item_id == str(src)]
                good = bool(mine) and passes(mine[0]) and hits[0].item_id == str(src)
                good = good and abs(mine[0].offset_seconds - start) <= 0.5
                result.matched[kind].append(good)
                if mine:
                    result.true_scores[kind].append(
                        (mine[0].aligned, mine[0].aligned / mine[0].total_query)
                    )
                for hit in hits:
                    if hit.item_id != str(src):
                        result.impostor_scores.append((hit.aligned, hit.aligned / hit.total_query))
                        if passes(hit):
                            result.false_matches.append(f"{kind} of {src} -> {hit.item_id}")
        for i, lm in enumerate(prints):
            others = [h for h in index.query(lm) if h.item_id != str(i)]
            for hit in others:
                result.impostor_scores.append((hit.aligned, hit.aligned / hit.total_query))
                if passes(hit):
                    result.false_matches.append(f"clip {i} -> {hit.item_id}")
        for n in range(max(3, n_sources // 5)):
            long = np.concatenate([filler[int(i)] for i in rng.choice(len(filler), 6)])
            for hit in index.query(fp.landmarks(long)):
                result.impostor_scores.append((hit.aligned, hit.aligned / hit.total_query))
                if passes(hit):
                    result.false_matches.append(f"long unknown recording {n} -> {hit.item_id}")
    return result


def report_robustness(r: Robustness, n_clips: int) -> None:
    """Print part (a)."""
    print(f"\n(a) robustness: {n_clips} distinct clips indexed, {r.density:.1f} landmarks/s")
    print(f"    thresholds: aligned >= {fp.MIN_ALIGNED} and aligned/query >= {fp.MIN_RATIO}")
    all_ok = [ok for oks in r.matched.values() for ok in oks]
    for kind in KINDS:
        scores = r.true_scores[kind]
        aligned = np.array([a for a, _ in scores] or [0])
        ratio = np.array([q for _, q in scores] or [0.0])
        ok = r.matched[kind]
        print(
            f"    {kind:13s} matched {sum(ok):3d}/{len(ok):3d}   aligned min {aligned.min():5d}"
            f" p5 {np.percentile(aligned, 5):7.1f} median {np.median(aligned):6.0f}"
            f"   ratio min {ratio.min():.3f} p5 {np.percentile(ratio, 5):.3f}"
        )
    print(f"    altered copies matched: {100 * sum(all_ok) / len(all_ok):.1f} % of {len(all_ok)}")
    imp = np.array([a for a, _ in r.impostor_scores] or [0])
    imp_ratio = np.array([q for _, q in r.impostor_scores] or [0.0])
    print(
        f"    wrong-item best offsets: {imp.size}, aligned max {imp.max()} p99.9"
        f" {np.percentile(imp, 99.9):.1f} p99 {np.percentile(imp, 99):.1f};"
        f" ratio max {imp_ratio.max():.3f}; highest aligned among them with ratio >= "
        f"{fp.MIN_RATIO}: {max((a for a, q in r.impostor_scores if q >= fp.MIN_RATIO), default=0)}"
    )
    print(f"    false matches: {len(r.false_matches)}", *r.false_matches[:10], sep="\n      ")


# --- (b) lookup latency --------------------------------------------------------------------------


def marginals(prints: list[fp.Landmarks]) -> list[np.ndarray]:
    """Samples of f1, f2 - f1 and dt as they occur in real landmarks."""
    h = np.concatenate([p.hashes for p in prints])
    f1 = h >> (fp._F2_BITS + fp._DT_BITS)
    f2 = (h >> fp._DT_BITS) & ((1 << fp._F2_BITS) - 1)
    return [f1, f2 - f1, h & ((1 << fp._DT_BITS) - 1)]


@dataclass
class Timed:
    """What the lookups of one database measured."""

    ms: np.ndarray
    own: int  # queries that found their own real clip first
    wrong: int  # hits on any other item
    hard_own: int  # altered copies (Opus 12 kbit/s, 6 s excerpt) that found their clip
    kept: float  # mean share of a query's stored hashes the row budget let it read
    batch_ms: float  # one lookup_many of all the queries, per query


async def time_lookups(url: str, queries: list[fp.Landmarks], hard: list[tuple[int, fp.Landmarks]]
                       ) -> Timed:  # fmt: skip
    """Per-query lookup time through FingerprintStore, and what the lookups found."""
    from bot.storage import fingerprints
    from bot.storage.db import create_engine, session_maker
    from bot.storage.fingerprints import FingerprintStore

    engine = create_engine(url)
    store = FingerprintStore(session_maker(engine))
    times, own, wrong, shares = [], 0, 0, []
    real_affordable = fingerprints._affordable

    def affordable(*args):  # type: ignore[no-untyped-def]
        kept, skipped = real_affordable(*args)
        shares.append(len(kept) / max(1, len(kept) + len(skipped)))
        return kept, skipped

    fingerprints._affordable = affordable  # type: ignore[assignment]
    try:
        for n, query in enumerate(queries):
            started = time.perf_counter()
            hits = await store.lookup(query)
            if n >= 3:  # the first ones warm the page cache and SQLAlchemy's statement cache
                times.append(time.perf_counter() - started)
            own += bool(hits) and hits[0].item_id == f"real-{n:04d}"
            wrong += sum(h.item_id != f"real-{n:04d}" for h in hits)
        hard_own = 0
        for j, query in hard:
            hits = await store.lookup(query)
            hard_own += bool(hits) and hits[0].item_id == f"real-{j:04d}"
        started = time.perf_counter()
        await store.lookup_many(queries)
        batch = (time.perf_counter() - started) / len(queries)
    finally:
        fingerprints._affordable = real_affordable  # type: ignore[assignment]
    await engine.dispose()
    return Timed(np.array(times) * 1000, own, wrong, hard_own, float(np.mean(shares)),
                 batch * 1000)  # fmt: skip


async def postgres_database(server: str, name: str) -> str:
    """The URL of database `name` on the server of `server`, created when missing."""
    from sqlalchemy import NullPool, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not found:
                await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(server: str, name: str) -> None:
    """Drop the bench's database."""
    from sqlalchemy import NullPool
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


def lookup_bench(sizes: list[int], kinds: list[str], backends: list[str],
                 queries: list[fp.Landmarks], hard: list[tuple[int, fp.Landmarks]],
                 prints: list[fp.Landmarks], density: float, seed: int,
                 keep: Path | None, reuse: bool = False, build_only: bool = False
                 ) -> None:  # fmt: skip
    """Print part (b)."""
    from bench.fp_corpus import (
        Corpus,
        add_sqlite_item_index,
        build_postgres,
        build_sqlite,
        postgres_size,
    )
    from bot.storage import fingerprints

    print(f"\n(b) lookup through FingerprintStore ({len(queries)} queries of real 30 s clips, "
          f"{np.mean([len(q) for q in queries]):.0f} landmarks each, stored among the synthetic "
          f"items; {len(hard)} altered copies: Opus 12 kbit/s and 6 s excerpts); "
          f"row budget {fingerprints.ROW_BUDGET:,}")  # fmt: skip
    source = marginals(prints)
    workdir = keep or Path(tempfile.mkdtemp(prefix="ojo-fp-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    pg = os.environ.get("OJO_TEST_POSTGRES_URL")
    try:
        for kind in kinds:
            for size in sizes:
                for backend in backends:
                    corpus = Corpus(size, density, seed + size,
                                    source if kind == "speech-like" else None, prints)  # fmt: skip
                    started = time.perf_counter()
                    name = f"fp-{kind}-{size}"
                    built = "reused"
                    if backend == "sqlite":
                        path = workdir / f"{name}.sqlite"
                        if not (reuse and path.exists()):  # same seed: the same rows
                            path.unlink(missing_ok=True)
                            # The item_key index (deletes only) is built after the timing.
                            build_sqlite(path, corpus, item_index=False)
                            built = f"built in {time.perf_counter() - started:.0f} s"
                        url = f"sqlite+aiosqlite:///{path}"
                    elif pg:
                        db = "ojo_" + name.replace("-", "_")
                        url = asyncio.run(postgres_database(pg, db))
                        have, _ = asyncio.run(postgres_size(url))
                        if not (reuse and have == size + len(prints)):
                            asyncio.run(build_postgres(url, corpus))
                            built = f"built in {time.perf_counter() - started:.0f} s"
                    else:
                        print("    postgresql: skipped (set OJO_TEST_POSTGRES_URL)")
                        continue
                    rows = f"{corpus.n_rows:>13,} rows" if corpus.n_rows else ""
                    if build_only:
                        print(f"    {backend:10s} {kind:11s} {size:>9,} items {rows} ({built})",
                              flush=True)  # fmt: skip
                        t = None
                    else:
                        t = asyncio.run(time_lookups(url, queries, hard))
                    if backend == "sqlite":
                        if not build_only:
                            add_sqlite_item_index(path)
                        mb = path.stat().st_size / 1e6
                    else:
                        mb = asyncio.run(postgres_size(url))[1] / 1e6
                    if t is not None:
                        print(
                            f"    {backend:10s} {kind:11s} {size:>9,} items {rows}"
                            f" {mb:8.0f} MB ({built})"
                            f"  p50 {np.percentile(t.ms, 50):6.1f} ms"
                            f"  p99 {np.percentile(t.ms, 99):6.1f} ms"
                            f" (target {50 if size <= 100_000 else 100} ms)"
                            f"  max {t.ms.max():6.1f} ms  batched {t.batch_ms:5.1f} ms/query"
                            f"  hashes read {100 * t.kept:5.1f} %"
                            f"  own clip {t.own}/{len(queries)}  altered {t.hard_own}/{len(hard)}"
                            f"  wrong hits {t.wrong}",
                            flush=True,
                        )
                    else:
                        print(f"    {backend:10s} {size:>9,} items: {mb:.0f} MB", flush=True)
                    if keep is None:
                        if backend == "sqlite":
                            path.unlink()
                        else:
                            asyncio.run(drop_postgres_database(pg or "", db))
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    """Run the three parts and print their numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run, about a minute")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", type=Path, help="keep the SQLite files in this directory")
    parser.add_argument(
        "--sizes", "--items", help="comma list of index sizes (default 1k,10k,100k)"
    )
    parser.add_argument("--backends", "--backend", default="sqlite,postgresql",
                        help="comma list: sqlite, postgresql (or postgres)")  # fmt: skip
    parser.add_argument("--build-only", action="store_true", help="build the indexes, no timing")
    parser.add_argument("--kinds", help="speech-like,uniform (default: both; quick: speech-like)")
    parser.add_argument("--lookup-only", action="store_true", help="skip parts (a) and (c)")
    parser.add_argument("--reuse", action="store_true", help="reuse SQLite files in --keep-db")
    parser.add_argument("--row-budget", type=int, help="override ROW_BUDGET (rows a lookup reads)")
    args = parser.parse_args()
    if args.row_budget is not None:
        from bot.storage import fingerprints

        fingerprints.ROW_BUDGET = args.row_budget
    rng = np.random.default_rng(args.seed)
    speech = shutil.which("espeak-ng") is not None
    n_clips, n_sources, n_filler = (40, 8, 6) if args.quick else (240, 30, 16)
    if args.lookup_only:
        n_clips = min(n_clips, 60)
    started = time.perf_counter()
    clips = make_clips(n_clips + n_filler, rng, speech)
    order = rng.permutation(len(clips))
    clips = [clips[i] for i in order]
    filler, clips = clips[:n_filler], clips[n_filler:]
    kind = "espeak-ng speech + tones" if speech else "tones only: espeak-ng not found"
    mean = np.mean([c.size for c in clips]) / SR
    took = time.perf_counter() - started
    print(f"made {len(clips)} clips + {n_filler} unknown fillers ({kind}), mean {mean:.1f} s, "
          f"in {took:.1f} s")  # fmt: skip
    prints = [fp.landmarks(c) for c in clips]
    density = sum(len(p) for p in prints) / (sum(c.size for c in clips) / SR)
    if not args.lookup_only:
        r = robustness(clips, filler, n_sources, rng)
        report_robustness(r, len(clips))
        density = r.density
        thirty = [c[: 30 * SR] for c in clips if c.size >= 30 * SR]
        spent = []
        for clip in thirty[:40]:
            t0 = time.perf_counter()
            fp.landmarks(clip)
            spent.append(time.perf_counter() - t0)
        median, p90 = 1000 * np.median(spent), 1000 * np.percentile(spent, 90)
        print(f"\n(c) landmarks() per 30 s clip: median {median:.1f} ms, p90 {p90:.1f} ms "
              f"({len(spent)} clips, 1 thread)")  # fmt: skip

    # Queries: the first 30 s of clips that are stored (as real-NNNN) among the synthetic items.
    chosen = [i for i, c in enumerate(clips) if c.size >= 30 * SR][: (20 if args.quick else 120)]
    stored = [prints[i] for i in chosen]
    queries = [fp.landmarks(clips[i][: 30 * SR]) for i in chosen]
    hard = []
    for j, i in enumerate(chosen[:10]):
        for alteration in ("opus-12k", "excerpt-6s"):
            altered, _ = alter(clips[i], alteration, rng, filler)
            hard.append((j, fp.landmarks(altered)))
    if args.sizes:
        sizes = [
            int(float(x.replace("k", "e3").replace("M", "e6"))) for x in args.sizes.split(",")
        ]
    else:
        sizes = [1_000] if args.quick else [1_000, 10_000, 100_000]
    kinds = (args.kinds or ("speech-like" if args.quick else "speech-like,uniform")).split(",")
    backends = [b.replace("postgres", "postgresql").replace("qlql", "ql")
                for b in args.backends.split(",")]  # fmt: skip
    if args.sizes and not args.kinds:
        kinds = ["speech-like"]
    lookup_bench(sizes, kinds, backends, queries, hard, stored, density, args.seed, args.keep_db,
                 args.reuse and args.keep_db is not None, args.build_only)  # fmt: skip
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()

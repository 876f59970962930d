"""Known scam images and memory: lookup time at 1k / 10k stored images, and peak RSS with the
speech model, OCR and the sentence encoder loaded in one process (issue 11).

Run: `.venv/bin/python -m bench.bench_images` (`--quick`: 1k images only; `--sizes 1000,10000`;
PostgreSQL too when OJO_TEST_POSTGRES_URL is set). The RSS part runs in a child process, so
its peak is that of one `ojo` process alone. Stored images are rendered flyers (our own
renderer, 128 px: pHash works on a 64x64 thumbnail anyway); their crop hashes are cached in
.cache/bench-images so a second run skips hashing.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.fft
from PIL import Image

from bench.screenshots import render_flyer
from bot.analysis.images.phash import MATCH_THRESHOLD, crop_boxes, crop_hashes, image_hash

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench-images"
TARGET_RSS_MB = 1024  # issue 11: speech and OCR models loaded, <= 1 GB
TARGET_LOOKUP_MS = 50.0  # a lookup is one step of a ~1 s photo check: keep it a small share
QUERIES = 100
SIZE_PX = 128


def flyer(i: int) -> Image.Image:
    """Stored image number i (deterministic)."""
    palette = ((i * 37 % 256, i * 11 % 256, 160), (250, i * 53 % 256, 30))
    data = render_flyer(
        f"Oferta {i}", [f"Sorteo {i * 7}", "Solo hoy"], seed=i, palette=palette, size=SIZE_PX
    )
    return Image.open(io.BytesIO(data)).convert("RGB")


def batch_crop_hashes(image: Image.Image) -> list[str]:
    """crop_hashes() with the DCTs batched (checked equal to it on every run, see main)."""
    grey = image.convert("L")
    boxes = crop_boxes(*image.size)
    thumbs = [np.asarray(grey.crop(b).resize((64, 64), Image.Resampling.LANCZOS)) for b in boxes]
    dct = scipy.fft.dct(scipy.fft.dct(np.stack(thumbs).astype(np.float64), axis=1), axis=2)
    low = dct[:, :16, :16].reshape(len(boxes), -1)
    bits = low > np.median(low, axis=1)[:, None]
    return [bytes(row).hex() for row in np.packbits(bits, axis=1)]


def _hashes_of(i: int) -> list[str]:
    return batch_crop_hashes(flyer(i))


def stored_hashes(n: int) -> list[list[str]]:
    """Crop hashes of flyers 0..n-1 (cached on disk)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"crop-hashes-{SIZE_PX}px-{n}.json"
    if path.exists():
        cached: list[list[str]] = json.loads(path.read_text())
        return cached
    with ProcessPoolExecutor(max_workers=2) as pool:
        out = list(pool.map(_hashes_of, range(n), chunksize=50))
    path.write_text(json.dumps(out))
    return out


def altered(image: Image.Image) -> Image.Image:
    """A re-share: 8 % cut off the top, scaled to 3/4, JPEG 60."""
    w, h = image.size
    cut = image.crop((0, round(h * 0.08), w, h))
    small = cut.resize((w * 3 // 4, cut.height * 3 // 4))
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=60)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def lookup_bench(backend: str, n: int, hashes: list[list[str]]) -> dict[str, float]:
    """Store n images, then time QUERIES lookups of altered copies and of unseen flyers."""
    from bot.storage.base import Base
    from bot.storage.db import create_engine, session_maker
    from bot.storage.images import ImageItemDTO, ImageStore
    from bot.storage.models import ImageChunkCount, ImageHash, ImageHashChunk, ImageItem
    from tests.integration.conftest import scratch_database

    tables = [
        ImageItem.__table__,
        ImageHash.__table__,
        ImageHashChunk.__table__,
        ImageChunkCount.__table__,
    ]
    with tempfile.TemporaryDirectory() as tmp:
        async with scratch_database(backend, Path(tmp)) as url:
            engine = create_engine(url)
            async with engine.begin() as conn:
                await conn.run_sync(lambda c: Base.metadata.create_all(c, tables=tables))
            store = ImageStore(session_maker(engine))
            t0 = time.perf_counter()
            now = datetime.now(UTC)
            batch = []
            for i, hs in enumerate(hashes[:n]):
                item = ImageItemDTO(
                    f"bench-{i}",
                    f"Oferta {i}",
                    "prize",
                    "scam",
                    "preset",
                    "bench",
                    0,
                    now,
                    pattern_id="prize-lottery",
                )
                batch.append((item, hs))
                if len(batch) == 500 or i == n - 1:
                    await store.add_many(batch)
                    batch = []
            add_s = time.perf_counter() - t0
            if backend == "postgresql":  # what autovacuum does after a bulk load: fresh stats
                async with engine.connect() as conn:
                    ac = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    for table in tables:
                        await ac.exec_driver_sql(f"ANALYZE {table.name}")
            rng = np.random.default_rng(n)
            known = [int(i) for i in rng.choice(n, QUERIES, replace=False)]
            copies = [image_hash(altered(flyer(i))) for i in known]
            unseen = [image_hash(flyer(n + 100_000 + i)) for i in range(QUERIES)]
            times, found, false = [], 0, 0
            for want, query in zip(known, copies, strict=True):
                t = time.perf_counter()
                hit = await store.lookup(query)
                times.append((time.perf_counter() - t) * 1000)
                found += hit is not None and hit.item.id == f"bench-{want}"
            for query in unseen:
                t = time.perf_counter()
                hit = await store.lookup(query)
                times.append((time.perf_counter() - t) * 1000)
                false += hit is not None
            await engine.dispose()
    return {
        "add_ms_per_image": add_s / n * 1000,
        "p50_ms": statistics.median(times),
        "p99_ms": pct(times, 0.99),
        "recall": found / QUERIES,
        "false_hits": false,
    }


def screenshot_separation() -> dict[str, float]:
    """Why chat screenshots skip the index: different ones vs re-compressed copies of one."""
    from bench.screenshots import BENIGN, FONT_FILES, SCAMS, render_chat
    from bot.analysis.images.phash import hash_distance

    messages = SCAMS + BENIGN
    shots: list[tuple[int, Image.Image]] = []
    for k in range(80):  # the 80 screenshots of bench_ocr.py: 5 fonts, 4 sizes, 4 qualities
        sender, bubbles = messages[k % len(messages)]
        width = (720, 1080)[k % 2]
        size = (22, 26, 30, 36)[k // 4 % 4]
        shot = render_chat(
            sender,
            bubbles,
            font_name=FONT_FILES[k // 16],
            size=size * width // 720,
            width=width,
            quality=(60, 70, 80, 90)[k % 4],
            dark=(k + k // 16) % 3 == 0,
            seed=k,
        )
        shots.append((k % len(messages), Image.open(io.BytesIO(shot.data)).convert("RGB")))
    known = [(m, crop_hashes(im)) for m, im in shots if m < len(SCAMS)][:20]
    others = []
    for m, im in shots:
        h = image_hash(im)
        others += [min(hash_distance(h, x) for x in hs) for km, hs in known if km != m]
    copies = []
    for m, im in shots[:40]:
        if m < len(SCAMS):
            hs = crop_hashes(im)
            for c in (altered(im), im.resize((im.width // 2, im.height // 2))):
                copies.append(min(hash_distance(image_hash(c), x) for x in hs))
    return {
        "pairs": len(others),
        "within": sum(d <= MATCH_THRESHOLD for d in others),
        "nearest": min(others),
        "copies_max": max(copies),
    }


def rss_child() -> None:
    """In one process: encoder, speech model and OCR loaded; a voice note and a screenshot."""
    asyncio.run(_rss_child())


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _rss_child() -> None:
    from bot.checking import CLI, extract_file, extract_text
    from bot.composition import MEMORY_DB, build_services, close_services, prepare_database
    from bot.settings import Settings
    from tests.conftest import FIXTURES
    from tests.e2e.harness import share_caches

    stages: dict[str, float] = {"start": _rss_mb()}
    data_dir = Path(tempfile.mkdtemp())
    share_caches(data_dir)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, paraphrase=True
    )
    deps = build_services(settings, database_url=MEMORY_DB)
    await prepare_database(deps, migrate=False)
    stages["services + sentence encoder"] = _rss_mb()
    text = await deps.checks.verdict(
        extract_text("Hola mamá, cambié de número, hazme un bizum", lang="es", country="ES"), CLI
    )
    stages["a text checked (paraphrase layer)"] = _rss_mb()
    voice = await deps.checks.verdict(
        extract_file(FIXTURES / "audio" / "es_30s.ogg", lang="es", country="ES"), CLI
    )
    stages["30 s voice note transcribed (whisper base)"] = _rss_mb()
    shot = await deps.checks.verdict(
        extract_file(FIXTURES / "images" / "scam_banistmo.jpg", lang="es", country="ES"), CLI
    )
    stages["screenshot read (OCR)"] = _rss_mb()
    loaded = deps.analyzer.engines.encoder is not None and bool(voice.transcript)
    await close_services(deps, [])
    print(
        json.dumps(
            {
                "stages": stages,
                "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "all_loaded": loaded,
                "verdicts": [text.level, voice.level, shot.level],
            }
        )
    )


def main() -> int:
    """Print both tables beside their targets."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default="")
    ap.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--backends", default="", help="e.g. sqlite or postgresql (default: both)")
    args = ap.parse_args()
    if args.rss_child:
        rss_child()
        return 0
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared host?)")
    ok = True
    if not args.no_rss:
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_images", "--rss-child"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        got = json.loads(out.stdout.strip().splitlines()[-1])
        print("\n## one process: sentence encoder + whisper base + Tesseract OCR")
        print(f"{'stage':<46}{'RSS MB':>8}")
        for stage, mb in got["stages"].items():
            print(f"{stage:<46}{mb:>8.0f}")
        print(f"{'peak RSS (MB)':<46}{got['peak']:>8.0f}   target <= {TARGET_RSS_MB}")
        print(
            f"verdicts text/voice/screenshot: {got['verdicts']}, all loaded: {got['all_loaded']}"
        )
        ok &= got["peak"] <= TARGET_RSS_MB and got["all_loaded"]
    sep = screenshot_separation()
    print(
        f"\n## chat screenshots against 20 known scam screenshots' crop hashes: "
        f"{sep['within']:.0f} of {sep['pairs']:.0f} pairs of different messages within "
        f"{MATCH_THRESHOLD} bits, nearest {sep['nearest']:.0f}; re-shared copies up to "
        f"{sep['copies_max']:.0f} bits: no distance separates them, so screenshots skip the "
        "known-image lookup"
    )
    sizes = [int(s) for s in args.sizes.split(",") if s] or (
        [1000] if args.quick else [1000, 10000]
    )
    sample = [flyer(i) for i in range(5)]
    assert [batch_crop_hashes(im) for im in sample] == [crop_hashes(im) for im in sample]
    t = time.perf_counter()
    hashes = stored_hashes(max(sizes))
    print(
        f"\n## known-image lookup ({len(hashes)} flyers' crop hashes ready in "
        f"{time.perf_counter() - t:.0f} s; threshold {MATCH_THRESHOLD} bits; {QUERIES} altered"
        f" copies + {QUERIES} unseen flyers per row)"
    )
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("OJO_TEST_POSTGRES_URL") else [])
    if args.backends:
        backends = [b for b in backends if b in args.backends.split(",")]
    print(
        f"{'backend':<11}{'images':>7}{'add ms/img':>11}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'recall':>8}{'false':>6}   target p99 <= {TARGET_LOOKUP_MS:.0f} ms"
    )
    for backend in backends:
        for n in sizes:
            r = asyncio.run(lookup_bench(backend, n, hashes))
            print(
                f"{backend:<11}{n:>7}{r['add_ms_per_image']:>11.1f}{r['p50_ms']:>8.1f}"
                f"{r['p99_ms']:>8.1f}{r['recall']:>8.0%}{int(r['false_hits']):>6}"
            )
            ok &= r["false_hits"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""OCR benchmark: time per screenshot (p50/p99), peak RSS, character error rate, hash separation.

Renders its own screenshots (bench/screenshots.py: several fonts, sizes, light/dark, JPEG 60-90)
at run time; nothing is committed. `python bench/bench_ocr.py [--quick]`.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from bench.screenshots import BENIGN, FONT_FILES, SCAMS, render_chat, render_qr_flyer
from bot.analysis.images.phash import ImageHashIndex, image_hash
from bot.analysis.ocr import read_image


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (characters)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def rss_mb() -> float:
    """Peak resident set size of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Render, read, score and print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    base_rss = rss_mb()
    sizes = (24, 30) if args.quick else (22, 26, 30, 36)
    qualities = (60, 90) if args.quick else (60, 70, 80, 90)
    messages = SCAMS + BENIGN
    shots = []
    k = 0
    for fi, font_name in enumerate(FONT_FILES):
        for size in sizes:
            for quality in qualities:
                sender, bubbles = messages[k % len(messages)]
                width = (720, 1080)[k % 2]
                shot = render_chat(
                    sender,
                    bubbles,
                    font_name=font_name,
                    size=size * width // 720,
                    width=width,
                    quality=quality,
                    dark=(k + fi) % 3 == 0,
                    seed=k,
                )
                shots.append((font_name, size, quality, shot))
                k += 1
    read_image(shots[0][3].data)  # load the engine
    loaded_rss = rss_mb()
    times, errors, chars, senders, links_ok, links_total = [], 0, 0, 0, 0, 0
    by_font: dict[str, list[float]] = {}
    by_quality: dict[int, list[float]] = {}
    for font_name, _size, quality, shot in shots:
        started = time.perf_counter()
        reading = read_image(shot.data)
        times.append(time.perf_counter() - started)
        ref = " ".join(shot.text.split())
        hyp = " ".join(reading.text.split())
        err = edit_distance(hyp, ref)
        errors += err
        chars += len(ref)
        by_font.setdefault(font_name, []).append(err / len(ref))
        by_quality.setdefault(quality, []).append(err / len(ref))
        senders += reading.sender == shot.sender
        want = [w for w in ref.split() if w.startswith("https://")]
        links_total += len(want)
        links_ok += sum(w.rstrip(".") in reading.links for w in want)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    print(f"{len(shots)} screenshots ({len(FONT_FILES)} fonts, sizes {sizes}, JPEG {qualities})")
    print(f"{'measure':<34}{'value':>12}")
    print(f"{'OCR time p50 (s)':<34}{statistics.median(times):>12.3f}")
    print(f"{'OCR time p99 (s)':<34}{p99:>12.3f}")
    print(f"{'character error rate':<34}{errors / chars:>12.2%}")
    print(f"{'sender line exact':<34}{senders / len(shots):>12.1%}")
    print(f"{'links recovered':<34}{links_ok / max(1, links_total):>12.1%}")
    print(f"{'RSS before engine (MB)':<34}{base_rss:>12.0f}")
    print(f"{'RSS engine loaded (MB)':<34}{loaded_rss:>12.0f}")
    print(f"{'peak RSS (MB)':<34}{rss_mb():>12.0f}")
    for name, cers in by_font.items():
        print(f"  CER {name:<28}{statistics.mean(cers):>12.2%}")
    for q, cers in sorted(by_quality.items()):
        print(f"  CER JPEG {q:<24}{statistics.mean(cers):>12.2%}")
    # Hash separation: altered copies of known images vs every other image.
    # Known: the four scam screenshots in one style and a flyer; others: every benign screenshot.
    known = [Image.open(io.BytesIO(s.data)).convert("RGB") for *_, s in shots[:4]]
    known.append(
        Image.open(io.BytesIO(render_qr_flyer("https://premio.example/x"))).convert("RGB")
    )
    index = ImageHashIndex()
    for i, im in enumerate(known):
        index.add(str(i), im)
    copies = []
    for i, im in enumerate(known):
        buf = io.BytesIO()
        im.resize((im.width * 2 // 3, im.height * 2 // 3)).save(buf, "JPEG", quality=50)
        w, h = im.size
        copies += [(str(i), Image.open(io.BytesIO(buf.getvalue())))]
        copies += [(str(i), im.crop((0, h // 12, w, h))), (str(i), im.crop((w // 20, 0, w, h)))]
    hit = sum(
        (m := index.nearest(image_hash(c), threshold=64)) is not None
        and m.key == key
        and m.distance <= index.threshold
        for key, c in copies
    )
    worst_copy = max(index.nearest(image_hash(c), threshold=256).distance for _, c in copies)  # type: ignore[union-attr]
    others = [
        Image.open(io.BytesIO(s.data)).convert("RGB")
        for k, (*_, s) in enumerate(shots)
        if k % len(messages) >= len(SCAMS)
    ]
    nearest_other = min(index.nearest(image_hash(o), threshold=256).distance for o in others)  # type: ignore[union-attr]
    false = sum(index.nearest(image_hash(o)) is not None for o in others)
    print(f"{'different images matched (false)':<34}{f'{false}/{len(others)}':>12}")
    print(f"{'altered copies matched':<34}{f'{hit}/{len(copies)}':>12}")
    print(f"{'worst copy distance (bits)':<34}{worst_copy:>12}")
    print(f"{'nearest different image (bits)':<34}{nearest_other:>12}")
    print(f"{'threshold (bits of 256)':<34}{index.threshold:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Screenshots judged like their text: our held-apart messages rendered as phone screenshots.

    python -m bench.bench_screenshots [--limit N]

Every message of tests/labelled/shapes_*.yaml (written by us, held apart) is rendered as a chat
screenshot (5 fonts, 3 sizes, JPEG quality 60–90, light and dark) and read back by OCR; the
verdict of the picture is compared with the verdict of the text itself. Prints agreement on
scams (flagged as the text is), benign screenshots flagged, OCR time and peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import yaml

from bench.screenshots import FONT_FILES, render_chat
from bot.analysis.engines import make_encoder
from bot.analysis.ocr import read_image
from bot.content.loader import load_pack
from bot.matching.engine import Engine
from bot.services.check import image_text

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "labelled"


def main(argv: list[str] | None = None) -> int:
    """Render, read, judge, compare."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="at most this many messages per file")
    args = ap.parse_args(argv)
    pack = load_pack()
    engine = Engine(pack.patterns, pack.engine, make_encoder(True, None, 1))
    rows: list[tuple[bool, str]] = []
    for path in sorted(LABELLED.glob("shapes_*.yaml")):
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        cases = cases[: args.limit] if args.limit else cases
        rows += [(c["expect"] != "no_match", c["text"]) for c in cases]
    same = flagged_text = scams = benign = benign_flagged = benign_text_flagged = 0
    times: list[float] = []
    for i, (is_scam, text) in enumerate(rows):
        shot = render_chat(
            "+34 6XX XXX XXX",
            [text],
            font_name=FONT_FILES[i % len(FONT_FILES)],
            size=(26, 30, 34)[i % 3],
            quality=60 + (i * 7) % 31,
            dark=i % 4 == 0,
            seed=i,
        )
        t0 = time.perf_counter()
        reading = read_image(shot.data)
        times.append(time.perf_counter() - t0)
        by_text = engine.analyze(text).level != "no_match"
        by_image = engine.analyze(image_text(reading, None), via="image").level != "no_match"
        if is_scam:
            scams += 1
            flagged_text += by_text
            same += by_text and by_image
        else:
            benign += 1
            benign_flagged += by_image
            benign_text_flagged += by_text
    times.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# {len(rows)} rendered screenshots of tests/labelled/shapes_* (held apart)")
    print(
        f"scam screenshots flagged as their text is: {same}/{flagged_text} "
        f"({100 * same / max(1, flagged_text):.1f} %); texts flagged {flagged_text}/{scams}"
    )
    print(
        f"benign screenshots flagged: {benign_flagged}/{benign} "
        f"({100 * benign_flagged / max(1, benign):.1f} %; their texts: {benign_text_flagged})"
    )
    p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
    print(f"OCR per screenshot: p50 {p50:.3f} s, p99 {p99:.3f} s; peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

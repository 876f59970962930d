"""Check that none of our own messages copies (or closely rewrites) a real one we measure on.

    python -m bench.leakcheck [--realdev ../shared/realdev] [--threshold 80]

Compares every text under content/ and tests/labelled/ with every message of the real sets
(token-sort similarity of normalised text) and lists pairs above the threshold. The real sets may
be read and measured on, never copied: this is how we check that we didn't.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.matching.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REALDEV = ROOT.parent / "shared" / "realdev"


def own_texts() -> Iterator[tuple[str, str]]:
    """(file, text) for every message we wrote: content packs, training and test sets."""
    for path in sorted([*(ROOT / "content").rglob("*.yaml"), *(ROOT / "tests").rglob("*.yaml")]):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield from ((str(path.relative_to(ROOT)), t) for t in _strings(data))


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        if len(node.split()) >= 6:
            yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def main(argv: list[str] | None = None) -> int:
    """Print close pairs; exit 1 when there are any."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdev", type=Path, default=DEFAULT_REALDEV)
    ap.add_argument("--threshold", type=float, default=75.0)
    args = ap.parse_args(argv)
    real: list[str] = []
    ids: list[str] = []
    for path in sorted(args.realdev.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                real.append(normalize(row["text"]).text)
                ids.append(row["id"])
    if not real:
        print(f"no real sets under {args.realdev}: nothing to compare")
        return 0
    close = 0
    for where, text in own_texts():
        hit = process.extractOne(
            normalize(text).text, real, scorer=fuzz.token_sort_ratio, score_cutoff=args.threshold
        )
        if hit:
            close += 1
            print(f"{where}: {hit[1]:.0f} ~ {ids[hit[2]]}: {text[:100]!r}")
    print(f"{close} of our messages are close to a real one (threshold {args.threshold})")
    return 1 if close else 0


if __name__ == "__main__":
    sys.exit(main())

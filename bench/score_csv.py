"""Score any CSV of labelled messages: recall, false alarms, per family and language, misses.

    python -m bench.score_csv FILE.csv [--labels LABELS.csv] [--misses 20]

FILE has columns `id,text` and either `label` (+ optional `family`, `lang`) or labels joined by
id from LABELS (columns `id,label,family`). Labels: scam / smishing / fraud count as scams;
legit / legitimate / spam / ham as not; unsure rows are skipped. Spam (real but unwanted
marketing) is reported apart from legitimate notifications.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.analysis.engines import make_encoder
from bot.content.loader import DEFAULT_CONTENT_DIR, load_pack
from bot.matching.engine import Engine
from bot.matching.langdetect import detect_language
from bot.matching.normalize import normalize

SCAM = {"scam", "smishing", "fraud", "phishing"}
NOT_SCAM = {"legit", "legitimate", "ham", "spam", "no_match"}


@dataclass
class Row:
    """One labelled message."""

    id: str
    text: str
    label: str  # scam | legit | spam
    family: str
    lang: str


@dataclass
class Tally:
    """Counts for one slice."""

    n: int = 0
    flagged: int = 0
    as_scam: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, level: str, row_id: str) -> None:
        """Count one verdict."""
        self.n += 1
        self.flagged += level != "no_match"
        self.as_scam += level == "scam"
        if level == "no_match":
            self.misses.append(row_id)


def read_rows(path: Path, labels: Path | None) -> list[Row]:
    """Rows of FILE with their labels (from FILE or joined from LABELS)."""
    joined: dict[str, dict[str, str]] = {}
    if labels:
        with labels.open(encoding="utf-8", newline="") as fh:
            joined = {r["id"]: r for r in csv.DictReader(fh)}
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            meta = joined.get(r["id"], r) if labels else r
            raw = (meta.get("label") or "").strip().lower()
            if raw in SCAM:
                label = "scam"
            elif raw in NOT_SCAM:
                label = "spam" if raw == "spam" else "legit"
            else:
                continue
            text = r["text"].strip()
            lang = r.get("lang") or detect_language(normalize(text).text)
            out.append(Row(r["id"], text, label, meta.get("family") or "none", lang))
    return out


def pct(a: int, b: int) -> str:
    """A percentage, or a dash for an empty slice."""
    return f"{100 * a / b:5.1f}%" if b else "    - "


def main(argv: list[str] | None = None) -> int:
    """Score the file and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path)
    ap.add_argument("--labels", type=Path)
    ap.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    ap.add_argument("--misses", type=int, default=15, help="misses and false alarms to list")
    ap.add_argument("--no-paraphrase", action="store_true")
    args = ap.parse_args(argv)
    rows = read_rows(args.csv, args.labels)
    pack = load_pack(args.content)
    engine = Engine(pack.patterns, pack.engine, make_encoder(not args.no_paraphrase, None, 1))
    scams: dict[str, Tally] = defaultdict(Tally)
    others: dict[str, Tally] = defaultdict(Tally)
    false_alarms: list[str] = []
    started = time.perf_counter()
    for row in rows:
        r = engine.analyze(row.text)
        if row.label == "scam":
            for key in ("all", f"lang:{row.lang}", f"family:{row.family}"):
                scams[key].add(r.level, row.id)
        else:
            for key in (row.label, f"{row.label}:{row.lang}"):
                others[key].add(r.level, row.id)
            if r.level != "no_match":
                best = r.best.pattern_id if r.best else "signals"
                false_alarms.append(f"{row.id} [{r.level} {best} {r.score:.2f}]")
    elapsed = time.perf_counter() - started
    print(f"{args.csv.name}: {len(rows)} labelled messages, {elapsed:.1f}s")
    print(f"{'scams':28s} {'n':>5s} {'flagged':>7s} {'as scam':>7s}")
    for key in sorted(scams, key=lambda k: (k != "all", k)):
        t = scams[key]
        print(f"{key:28s} {t.n:5d} {pct(t.flagged, t.n)} {pct(t.as_scam, t.n)}")
    print(f"{'not scams':28s} {'n':>5s} {'flagged':>7s} {'as scam':>7s}")
    for key in sorted(others):
        t = others[key]
        print(f"{key:28s} {t.n:5d} {pct(t.flagged, t.n)} {pct(t.as_scam, t.n)}")
    if args.misses:
        print("missed scams (ids):", " ".join(scams["all"].misses[: args.misses]))
        print("false alarms:", "; ".join(false_alarms[: args.misses]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

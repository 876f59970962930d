"""`make eval`: precision, recall and false alarms on examples, corpus and the labelled set.

The labelled set (tests/labelled/) is never used to write or tune patterns: it is reported apart
so its numbers stay an honest estimate of how Ojo does on messages it has not seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.analysis.engines import make_encoder
from bot.content.loader import DEFAULT_CONTENT_DIR, ContentPack, load_pack, parse
from bot.content.models import Example, LabelledFile
from bot.matching.engine import Engine

LABELLED_DIR = Path(__file__).resolve().parents[1] / "tests" / "labelled"


@dataclass
class Tally:
    """Counts for one slice of cases."""

    scams: int = 0
    flagged: int = 0  # scam cases flagged scam or suspicious
    as_scam: int = 0  # scam cases flagged scam
    right_pattern: int = 0  # flagged, and the expected pattern is among the matches
    legit: int = 0
    legit_scam: int = 0  # legit cases flagged scam
    legit_flagged: int = 0  # legit cases flagged at all
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    def add(
        self, expect_scam: bool, level: str, patterns: list[str], expected: str | None, text: str
    ) -> None:
        """Count one case."""
        if expect_scam:
            self.scams += 1
            if level != "no_match":
                self.flagged += 1
                self.right_pattern += expected in patterns if expected else 1
            else:
                self.misses.append(text)
            self.as_scam += level == "scam"
        else:
            self.legit += 1
            self.legit_scam += level == "scam"
            self.legit_flagged += level != "no_match"
            if level != "no_match":
                self.false_alarms.append(f"[{level} {','.join(patterns[:2])}] {text}")

    def line(self, name: str) -> str:
        """One table row."""

        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:6.1f}%" if b else "     - "

        flagged_all = self.flagged + self.legit_flagged
        return (
            f"{name:32s} {self.scams:5d} {pct(self.flagged, self.scams)} "
            f"{pct(self.as_scam, self.scams)} {pct(self.right_pattern, self.scams)} "
            f"{pct(self.flagged, flagged_all)} {self.legit:5d} "
            f"{pct(self.legit_scam, self.legit)} {pct(self.legit_flagged, self.legit)}"
        )


HEADER = (
    f"{'slice':32s} {'scams':>5s} {'recall':>7s} {'as scam':>7s} {'pattern':>7s} "
    f"{'precis.':>7s} {'legit':>5s} {'FA scam':>7s} {'FA any':>7s}"
)


def _run(
    engine: Engine,
    cases: list[tuple[bool, str | None, str, str]],
    leave_one_out: bool,
) -> tuple[Tally, dict[str, Tally]]:
    total = Tally()
    per: dict[str, Tally] = defaultdict(Tally)
    for expect_scam, expected, lang, text in cases:
        r = engine.analyze(text, leave_one_out=leave_one_out)
        ids = [m.pattern_id for m in r.matches]
        family = expected is not None and expected.startswith("family:")
        total.add(expect_scam, r.level, ids, None if family else expected, text)
        key = expected or (ids[0] if ids and r.level != "no_match" else None)
        if key:
            per[key].add(expect_scam, r.level, ids, None if family else expected, text)
        per[f"({lang})"].add(expect_scam, r.level, ids, expected, text)
    return total, per


def example_cases(pack: ContentPack) -> list[tuple[bool, str | None, str, str]]:
    """Every pattern's own examples as (is_scam, pattern, lang, text)."""
    out = []
    for p in pack.patterns:
        for lang in ("es", "en"):
            for e in getattr(p.examples.match, lang):
                out.append((True, p.id, lang, e.text if isinstance(e, Example) else e))
            for e in getattr(p.examples.no_match, lang):
                out.append((False, None, lang, e.text if isinstance(e, Example) else e))
    return out


def labelled_cases(
    root: Path = LABELLED_DIR, glob: str = "*.yaml"
) -> list[tuple[bool, str | None, str, str]]:
    """The held-apart labelled set as (is_scam, pattern or family, lang, text)."""
    errors: list[str] = []
    out = []
    for path in sorted(root.glob(glob)):
        lf = parse(LabelledFile, path, errors)
        for c in lf.cases if lf else []:
            key = c.pattern or (f"family:{c.family}" if c.family and c.family != "none" else None)
            out.append((c.expect != "no_match", key, c.lang, c.text))
    if errors:
        raise SystemExit("\n".join(errors))
    return out


def report(title: str, total: Tally, per: dict[str, Tally], show: int) -> None:
    """Print one table."""
    print(f"\n## {title}\n{HEADER}")
    for key in sorted(per):
        print(per[key].line(key))
    print(total.line("OVERALL"))
    for label, items in (("missed", total.misses), ("false alarms", total.false_alarms)):
        if items and show:
            print(f"  {label} ({len(items)}), first {min(show, len(items))}:")
            for t in items[:show]:
                print(f"    - {t[:150]!r}")


def main(argv: list[str] | None = None) -> int:
    """Run every evaluation and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-paraphrase", action="store_true")
    ap.add_argument("--show", type=int, default=8, help="list this many misses / false alarms")
    ap.add_argument("--only", choices=["examples", "corpus", "labelled"], default=None)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    pack = load_pack(DEFAULT_CONTENT_DIR)
    engine = Engine(pack.patterns, pack.engine, make_encoder(not args.no_paraphrase, None))
    th = pack.engine.scorer.thresholds if pack.engine.scorer else pack.engine.thresholds
    print(
        f"# Ojo evaluation — content {pack.version}, {engine.pattern_count} patterns, "
        f"scorer thresholds scam {th.scam} / suspicious {th.suspicious}, "
        f"paraphrase {'off' if args.no_paraphrase else 'on'}"
    )
    if args.only in (None, "examples"):
        total, per = _run(engine, example_cases(pack), leave_one_out=True)
        report("Pattern examples (leave-one-out; used for tuning)", total, per, args.show)
    if args.only in (None, "corpus"):
        corpus = [(False, None, m.lang, m.text) for m in pack.corpus]
        total, per = _run(engine, corpus, leave_one_out=False)
        report("False-alarm corpus (used for tuning)", total, per, args.show)
    if args.only in (None, "labelled"):
        first = [*labelled_cases(glob="scams_*.yaml"), *labelled_cases(glob="legit_*.yaml")]
        total, per = _run(engine, first, leave_one_out=False)
        report("Labelled test set (held apart; never tuned on)", total, per, args.show)
        shapes = labelled_cases(glob="shapes_*.yaml")
        s_total, s_per = _run(engine, shapes, leave_one_out=False)
        report(
            "Real-shape test set (tests/labelled/shapes_*; held apart, never tuned on)",
            s_total,
            s_per,
            args.show,
        )
        scams = Counter(c[1] for c in first if c[0])
        weak = [k for k in scams if per[k].scams and per[k].flagged / per[k].scams < 0.8]
        print(f"\npatterns under 80 % recall on their held-apart cases: {weak or 'none'}")
    print(f"\n(evaluated in {time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

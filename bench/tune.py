"""Grid search for the engine's thresholds and paraphrase settings (content/engine.yaml).

Tunes ONLY on what we may tune on: every pattern's own examples (leave-one-out), the
false-alarm corpus and content/devset/. The held-apart labelled set is never read here.
Run: `.venv/bin/python -m bench.tune` and copy the chosen values into content/engine.yaml.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.evaluate import example_cases
from bot.analysis.engines import make_encoder
from bot.content.loader import DEFAULT_CONTENT_DIR, load_pack
from bot.content.models import EngineConfig
from bot.matching.engine import Engine

DEVSET = DEFAULT_CONTENT_DIR / "devset"


@dataclass
class Score:
    """Rates of one configuration."""

    recall: float
    as_scam: float
    corpus_fa_any: float
    corpus_fa_scam: float
    legit_fa_any: float

    def ok(self) -> bool:
        """The constraints: never call corpus messages scams, few false alarms at all."""
        return (
            self.corpus_fa_scam == 0 and self.corpus_fa_any <= 0.015 and self.legit_fa_any <= 0.03
        )


def devset() -> tuple[list[str], list[str]]:
    """Scam and legit texts of content/devset, if it exists."""
    scams: list[str] = []
    legit: list[str] = []
    for path in sorted(Path(DEVSET).glob("*.yaml")):
        for c in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            (scams if c.get("expect", "scam") != "no_match" else legit).append(c["text"])
    return scams, legit


def main() -> int:
    """Print the best configurations."""
    pack = load_pack()
    encoder = make_encoder(True, None, threads=1)
    examples = example_cases(pack)
    ex_scam = [t for is_scam, _, _, t in examples if is_scam]
    ex_legit = [t for is_scam, _, _, t in examples if not is_scam]
    dev_scam, dev_legit = devset()
    corpus = [m.text for m in pack.corpus]
    base = pack.engine.model_dump()
    grid = itertools.product(
        (0.65, 0.72),  # paraphrase min_similarity
        (0.3,),  # weight_at_min
        (0.9,),  # weight_at_one
        (0.45, 0.5),  # suspicious threshold
        (0.75,),  # scam threshold
        (0.6, 0.7, 0.8),  # signals_suspicious: signals alone make a message suspicious
    )
    results = []
    for min_sim, w_min, w_one, susp, scam, sig in grid:
        cfg = dict(base)
        cfg["paraphrase"] = dict(
            base["paraphrase"], min_similarity=min_sim, weight_at_min=w_min, weight_at_one=w_one
        )
        cfg["thresholds"] = {"scam": scam, "suspicious": susp}
        cfg["signals_suspicious"] = sig
        engine = Engine(pack.patterns, EngineConfig.model_validate(cfg), encoder)
        levels_scam = [engine.analyze(t, leave_one_out=True).level for t in ex_scam] + [
            engine.analyze(t).level for t in dev_scam
        ]
        levels_legit = [engine.analyze(t, leave_one_out=True).level for t in ex_legit] + [
            engine.analyze(t).level for t in dev_legit
        ]
        levels_corpus = [engine.analyze(t).level for t in corpus]
        n = max(len(levels_scam), 1)
        score = Score(
            recall=sum(lv != "no_match" for lv in levels_scam) / n,
            as_scam=sum(lv == "scam" for lv in levels_scam) / n,
            corpus_fa_any=sum(lv != "no_match" for lv in levels_corpus) / len(corpus),
            corpus_fa_scam=sum(lv == "scam" for lv in levels_corpus) / len(corpus),
            legit_fa_any=sum(lv != "no_match" for lv in levels_legit) / max(len(levels_legit), 1),
        )
        results.append(((min_sim, w_min, w_one, susp, scam), score))
        print(
            f"{min_sim} {w_min} {w_one} susp {susp} scam {scam}: recall {score.recall:.3f} "
            f"as-scam {score.as_scam:.3f} corpus-FA {score.corpus_fa_any:.3f}/"
            f"{score.corpus_fa_scam:.3f} legit-FA {score.legit_fa_any:.3f}"
            f"{'' if score.ok() else '  (violates constraints)'}",
            flush=True,
        )
    ok = [r for r in results if r[1].ok()]
    ok.sort(key=lambda r: (r[1].recall, r[1].as_scam), reverse=True)
    print("\nbest within the constraints:")
    for params, s in ok[:5]:
        print(params, s)
    return 0


if __name__ == "__main__":
    sys.exit(main())

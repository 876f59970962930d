"""`make train`: fit the learned scorer on our own labelled messages; write content/scorer.yaml.

Fitted on messages the team wrote (content/training/, content/devset/, every pattern's examples
and the false-alarm corpus) — never on tests/labelled/ (held apart) nor on ../shared/realdev/
(measured on, licence does not allow fitting). Deterministic: same files, same weights.
Thresholds come from out-of-fold predictions (5 stratified folds): the lowest probability that
keeps legitimate messages flagged `scam` under SCAM_FP and flagged at all under FLAG_FP.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import StratifiedKFold

from bot.analysis.engines import make_encoder
from bot.content.loader import DEFAULT_CONTENT_DIR, ContentPack, load_pack, parse
from bot.content.models import Example, LabelledFile, TrainingFile
from bot.matching.engine import Engine
from bot.matching.features import FORWARD_FEATURES, feature_names

SCAM_FP = 0.004  # target <= 0.5 % legit -> scam; a margin for new data
FLAG_FP = 0.02  # target <= 3 % legit flagged at all
C_GRID = (0.1, 0.3, 1.0, 3.0)
# Hand-set log-odds for what Telegram says about a forward; no labelled message carries it.
FIXED = {"fwd_old": 0.6, "fwd_hidden": 0.3, "fwd_known_source": 2.5}


@dataclass(frozen=True)
class Case:
    """One labelled training message."""

    text: str
    scam: bool
    via: str
    source: str
    example: bool = False  # a pattern's own example: paraphrase evidence left out


def cases(pack: ContentPack, root: Path) -> list[Case]:
    """Every training message: our written sets, the dev set, pattern examples, the corpus."""
    errors: list[str] = []
    out: list[Case] = []
    for path in sorted((root / "training").glob("*.yaml")):
        tf = parse(TrainingFile, path, errors)
        for m in tf.messages if tf else []:
            via = "transcript" if m.style == "transcript" else "text"
            out.append(Case(m.text, m.label == "scam", via, f"training/{path.stem}"))
    for path in sorted((root / "devset").glob("*.yaml")):
        lf = parse(LabelledFile, path, errors)
        for c in lf.cases if lf else []:
            via = "transcript" if c.style == "transcript" else "text"
            out.append(Case(c.text, c.expect != "no_match", via, "devset"))
    for p in pack.patterns:
        for lang in ("es", "en"):
            for e in getattr(p.examples.match, lang):
                text = e.text if isinstance(e, Example) else e
                out.append(Case(text, True, "text", "examples", example=True))
            for e in getattr(p.examples.no_match, lang):
                text = e.text if isinstance(e, Example) else e
                out.append(Case(text, False, "text", "examples", example=True))
    out.extend(Case(m.text, False, "text", "corpus") for m in pack.corpus)
    if errors:
        raise SystemExit("\n".join(errors))
    return out


def data_version(data: list[Case]) -> str:
    """A short hash of the labelled messages: the scorer's version names what it was fitted on."""
    digest = hashlib.sha256()
    for c in data:
        digest.update(f"{c.scam}|{c.via}|{c.text}\n".encode())
    return digest.hexdigest()[:12]


def matrix(engine: Engine, data: list[Case]) -> np.ndarray:
    """Feature vectors in feature_names() order."""
    names = feature_names()
    x = np.zeros((len(data), len(names)), dtype=np.float64)
    col = {n: i for i, n in enumerate(names)}
    for r, c in enumerate(data):
        feats = engine.features(c.text, via=c.via, leave_one_out=c.example)  # type: ignore[arg-type]
        for name, value in feats.items():
            if name in col:
                x[r, col[name]] = value
    return x


def thresholds(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Lowest thresholds meeting the false-alarm budgets on these predictions."""
    legit = p[y == 0]
    grid = np.round(np.arange(0.05, 0.995, 0.005), 3)
    t_scam = next(float(t) for t in grid if np.mean(legit >= t) <= SCAM_FP)
    t_susp = next(float(t) for t in grid if np.mean(legit >= t) <= FLAG_FP)
    return t_scam, min(t_susp, t_scam)


def main(argv: list[str] | None = None) -> int:
    """Fit, pick thresholds out of fold, write content/scorer.yaml."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    pack = load_pack(args.content)
    config = pack.engine.model_copy(update={"scorer": None})
    engine = Engine(pack.patterns, config, make_encoder(True, None, threads=1))
    data = cases(pack, args.content)
    x = matrix(engine, data)
    y = np.array([c.scam for c in data], dtype=np.int64)
    names = feature_names()
    learned = [i for i, n in enumerate(names) if n not in FORWARD_FEATURES]
    x = x[:, learned]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    best: tuple[float, float, np.ndarray] | None = None
    for c_value in C_GRID:
        oof = np.zeros(len(y))
        for tr, te in folds.split(x, y):
            model = LogisticRegression(C=c_value, max_iter=5000)
            model.fit(x[tr], y[tr])
            oof[te] = model.predict_proba(x[te])[:, 1]
        loss = log_loss(y, oof)
        print(f"C={c_value:<4} out-of-fold log-loss {loss:.4f}")
        if best is None or loss < best[1]:
            best = (c_value, loss, oof)
    assert best is not None
    c_value, loss, oof = best
    t_scam, t_susp = thresholds(oof, y)
    model = LogisticRegression(C=c_value, max_iter=5000).fit(x, y)
    weights = {names[j]: round(float(w), 4) for j, w in zip(learned, model.coef_[0], strict=True)}
    oof_scam = oof[y == 1]
    oof_legit = oof[y == 0]
    metrics = {
        "oof_log_loss": round(loss, 4),
        "oof_brier": round(float(brier_score_loss(y, oof)), 4),
        "oof_recall": round(float(np.mean(oof_scam >= t_susp)), 4),
        "oof_recall_scam": round(float(np.mean(oof_scam >= t_scam)), 4),
        "oof_legit_scam": round(float(np.mean(oof_legit >= t_scam)), 4),
        "oof_legit_flagged": round(float(np.mean(oof_legit >= t_susp)), 4),
    }
    counts: dict[str, int] = {}
    for c in data:
        key = f"{c.source}:{'scam' if c.scam else 'legit'}"
        counts[key] = counts.get(key, 0) + 1
    doc = {
        "version": data_version(data),
        "intercept": round(float(model.intercept_[0]), 4),
        "weights": dict(sorted(weights.items())),
        "fixed": FIXED,
        "thresholds": {"scam": t_scam, "suspicious": t_susp},
        "trained_on": dict(sorted(counts.items())),
        "metrics": metrics,
    }
    header = (
        "# The learned scorer (bot/matching/scorer.py). Written by `make train` (bench/train.py)\n"
        "# from the team's own labelled messages; do not edit by hand. `fixed` weights are\n"
        "# hand-set: no labelled message carries Telegram's forward metadata.\n"
        f"# C={c_value}, {len(data)} messages, {len(learned)} learned features.\n"
    )
    out = args.out or args.content / "scorer.yaml"
    out.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    print(
        f"{len(data)} messages ({int(y.sum())} scams); thresholds scam {t_scam} "
        f"suspicious {t_susp}; {metrics}; {time.perf_counter() - started:.1f}s -> {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Engine latency: p50/p99 per message with the shipped content and with 10,000 synthetic
patterns, with and without the paraphrase layer; start-up time; peak RSS.

Run: `.venv/bin/python -m bench.bench_engine [--quick]` (part of `make bench`).
Latency is measured on one core (the encoder is pinned to 1 thread).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from bench.evaluate import labelled_cases
from bot.analysis.engines import make_encoder
from bot.content.loader import DEFAULT_CONTENT_DIR, ContentPack, load_pack
from bot.content.models import Pattern
from bot.matching.engine import Engine

WORDS = (
    "cuenta banco pago envío paquete código premio tarjeta número urgente mamá papá hijo móvil "
    "transferencia bizum nequi yape deposito factura aduana multa policía oferta trabajo crypto "
    "inversión préstamo luz agua internet soporte técnico virus regalo sorteo ganador bono "
    "account bank payment parcel code prize card number urgent mum dad son phone transfer "
    "invoice customs fine police offer job investment loan power water support virus gift"
).split()


EXAMPLES_PER_PATTERN = 12


def synthetic_patterns(pack: ContentPack, n: int, seed: int = 7) -> list[Pattern]:
    """n patterns of 12 random 2–4-word phrases and 12 random example sentences each."""
    rng = random.Random(seed)
    base = pack.patterns[0].model_dump()
    out = []
    for i in range(n):
        examples = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + f" {i}-{j}"
            for j in range(EXAMPLES_PER_PATTERN)
        ]
        phrases = {
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4))): round(
                rng.uniform(0.1, 0.6), 2
            )
            for _ in range(12)
        }
        body = dict(base, id=f"synthetic-{i}")
        body["match"] = dict(
            base["match"], phrases={"es": phrases}, regexes=[], domains=[], phones=[]
        )
        body["examples"] = {"match": {"es": examples, "en": []}, "no_match": {"es": [], "en": []}}
        out.append(Pattern.model_validate(body))
    return out


def _percentiles(samples: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(samples, n=100)
    return qs[49], qs[98]


def measure(engine: Engine, texts: list[str], rounds: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds of engine.analyze over the texts."""
    for t in texts[:20]:
        engine.analyze(t)  # warm up caches
    samples = []
    for _ in range(rounds):
        for t in texts:
            t0 = time.perf_counter()
            engine.analyze(t)
            samples.append((time.perf_counter() - t0) * 1000)
    return _percentiles(samples)


def startup_seconds() -> float:
    """Wall time of a fresh `ojo check --text ...` process (imports, content, encoder, verdict)."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "check", "--json", "--text", "hola mamá es mi número nuevo"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


def scorer_cost(pack: ContentPack, texts: list[str]) -> None:
    """What the learned scorer itself adds per message: feature extraction + dot product."""
    from bot.matching.features import PatternFacts, extract
    from bot.matching.lure import LureAnalyzer
    from bot.matching.normalize import normalize
    from bot.matching.scorer import Scorer

    if pack.engine.scorer is None:
        return
    lures, scorer = LureAnalyzer(pack.engine), Scorer(pack.engine.scorer)
    readings = [(lures.analyze(t, n := normalize(t)), len(n.text.split())) for t in texts]
    times = []
    for lure, words in readings:
        t0 = time.perf_counter()
        scorer.score(
            extract(("payment",), lure, PatternFacts(0.5, 2, 0.3), via="text", words=words)
        )
        times.append((time.perf_counter() - t0) * 1000)
    t_lure = []
    for t in texts:
        n = normalize(t)
        t0 = time.perf_counter()
        lures.analyze(t, n)
        t_lure.append((time.perf_counter() - t0) * 1000)
    for name, xs in (("learned scorer (features + score)", times), ("lure analysis", t_lure)):
        xs.sort()
        print(f"{name}: p50 {xs[len(xs) // 2]:.3f} ms, p99 {xs[int(len(xs) * 0.99)]:.3f} ms")


def main(argv: list[str] | None = None) -> int:
    """Print the engine benchmark table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer rounds and 2,000 patterns")
    args = ap.parse_args(argv)
    pack = load_pack(DEFAULT_CONTENT_DIR)
    texts = [c[3] for c in labelled_cases()]
    rounds = 1 if args.quick else 3
    n_synth = 2_000 if args.quick else 10_000
    encoder = make_encoder(True, None, threads=1)
    print(f"# engine latency per message, {len(texts)} labelled messages x {rounds} rounds")
    print(f"{'patterns':>10s} {'paraphrase':>10s} {'p50 ms':>8s} {'p99 ms':>8s} {'build s':>8s}")
    synth = synthetic_patterns(pack, n_synth)
    # Synthetic examples get random unit vectors instead of encoder runs (encoding 120,000
    # sentences would take minutes); queries are still encoded for real, so latency is honest.
    synth_texts = [e for p in synth for e in p.examples.match.es if isinstance(e, str)]
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((len(synth_texts), 512)).astype(np.float32)
    assert encoder is not None
    encoder.seed(synth_texts, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    # The anchor: the same engine without the lure analysis and the learned scorer (the first
    # release's noisy-OR), in the same run.
    bare = pack.engine.model_copy(update={"scorer": None, "lures": None, "brands": ()})
    for label, patterns in (("shipped", list(pack.patterns)), (str(n_synth), synth)):
        for para in (False, True):
            for layers, config in (("all layers", pack.engine), ("no lure+scorer", bare)):
                t0 = time.perf_counter()
                engine = Engine(patterns, config, encoder if para else None)
                build = time.perf_counter() - t0
                p50, p99 = measure(engine, texts, rounds)
                print(
                    f"{label:>10s} {'on' if para else 'off':>10s} {p50:8.3f} {p99:8.3f} "
                    f"{build:8.1f}  {layers}"
                )
    scorer_cost(pack, texts)
    runs = [startup_seconds() for _ in range(1 if args.quick else 3)]
    print(
        f"\n`ojo check --text` start-up (fresh process, warm embedding cache): "
        f"min {min(runs):.2f} s, median {statistics.median(runs):.2f} s"
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this benchmark process: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

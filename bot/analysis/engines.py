"""Builds the engine from shipped + moderator patterns and swaps it when patterns change."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bot.analysis.build_cache import BuildCache
from bot.content.loader import ContentPack, content_version, load_pack
from bot.content.models import Pattern
from bot.matching.engine import Engine
from bot.matching.paraphrase import Encoder, UseEncoder, Vectors

logger = logging.getLogger(__name__)


class CachingEncoder:
    """Remembers pattern examples' embeddings by text (memory, plus a .npz cache on disk)."""

    def __init__(self, inner: Encoder, cache_file: Path | None = None) -> None:
        self._inner = inner
        self._cache: dict[str, np.ndarray] = {}
        self._file = cache_file
        self._lock = threading.Lock()
        self._dirty = False  # write the file only when new examples were embedded
        # Messages embedded together by `prefetched` (one matrix product for a batch is ~3x
        # cheaper per text than one each); dropped when the batch is done, never cached.
        self._prefetched: dict[str, np.ndarray] = {}
        if cache_file and cache_file.exists():
            try:
                data = np.load(cache_file, allow_pickle=False)
                self._cache = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                logger.warning("ignoring unreadable embedding cache %s", cache_file)

    @property
    def name(self) -> str:
        """The wrapped encoder's class (part of the build cache key)."""
        return type(self._inner).__qualname__

    def encode(self, texts: list[str]) -> Vectors:
        """Embed texts, computing only the ones not seen before."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if self._key(t) not in self._cache]
        if missing:
            vectors = self._inner.encode(missing)
            with self._lock:
                for t, v in zip(missing, vectors, strict=True):
                    self._cache[self._key(t)] = v
                self._dirty = True
        with self._lock:
            return np.stack([self._cache[self._key(t)] for t in texts]).astype(np.float32)

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one message without caching it (messages are never kept, not even as vectors)."""
        with self._lock:
            ready = self._prefetched.get(text)
        if ready is not None:
            return ready
        vector: np.ndarray = self._inner.encode([text])[0]
        return vector

    @contextmanager
    def prefetched(self, texts: list[str]) -> Iterator[None]:
        """Embed these messages in one batch for the `encode_query` calls inside the block."""
        unique = list(dict.fromkeys(texts))
        vectors = self._inner.encode(unique) if unique else np.zeros((0, 512), np.float32)
        with self._lock:
            self._prefetched.update(zip(unique, vectors, strict=True))
        try:
            yield
        finally:
            with self._lock:
                for text in unique:
                    self._prefetched.pop(text, None)

    def seed(self, texts: list[str], vectors: np.ndarray) -> None:
        """Preload vectors for texts (benchmarks with synthetic examples)."""
        with self._lock:
            for t, v in zip(texts, vectors, strict=True):
                self._cache[self._key(t)] = v

    def remember(self, texts: Iterable[str]) -> None:
        """Keep these texts' vectors in the cache file (only pattern examples, not messages)."""
        if self._file is None or not self._dirty:
            return
        keys = [self._key(t) for t in texts]
        with self._lock:
            keep = [k for k in keys if k in self._cache]
            vectors = np.stack([self._cache[k] for k in keep]) if keep else np.zeros((0, 512))
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keep), vectors=vectors.astype(np.float32))
        tmp.replace(self._file)
        self._dirty = False


def make_encoder(enabled: bool, cache_dir: Path | None, threads: int = 1) -> CachingEncoder | None:
    """The sentence encoder wrapped in a cache, or None when the paraphrase layer is off.

    With a `cache_dir` the model itself comes from its unpacked copy there (encoder_cache).
    """
    if not enabled:
        return None
    if cache_dir is None:
        return CachingEncoder(UseEncoder(threads=threads))
    from bot.analysis.encoder_cache import load_use

    model = load_use(cache_dir, threads)
    return CachingEncoder(UseEncoder(threads=threads, model=model), cache_dir / EMBEDDINGS)


EMBEDDINGS = "example-embeddings.npz"


def overrides_digest(overrides: Iterable[Pattern]) -> str:
    """Identifies a list of moderator patterns (order kept: the last of an id wins)."""
    digest = hashlib.sha256()
    for p in overrides:
        digest.update(p.model_dump_json().encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


NO_OVERRIDES = overrides_digest([])


class EngineHolder:
    """The current engine; replaced atomically when moderator patterns change."""

    def __init__(
        self,
        pack: ContentPack,
        encoder: CachingEncoder | None,
        *,
        cache: BuildCache | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.pack = pack
        self._encoder = encoder
        self._cache = cache
        self.revision = -1
        self._overrides = NO_OVERRIDES  # what the current engine was built with
        self.engine = engine if engine is not None else self.build([])

    @classmethod
    def load(
        cls, content_dir: Path, encoder: CachingEncoder | None, cache_dir: Path | None
    ) -> EngineHolder:
        """Pack and engine from the build cache when current, else loaded, built and cached."""
        if cache_dir is None:
            return cls(load_pack(content_dir), encoder)
        cache = BuildCache(cache_dir)
        key = cache.key(
            content_version(content_dir),
            content_dir,
            encoder=_encoder_name(encoder),
            overrides=NO_OVERRIDES,
        )
        got = cache.load(key)
        if isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], Engine):
            pack, engine = got
            if encoder is not None:
                engine.attach_encoder(encoder)
            return cls(pack, encoder, cache=cache, engine=engine)
        return cls(load_pack(content_dir), encoder, cache=cache)

    @property
    def encoder(self) -> CachingEncoder | None:
        """The sentence encoder (None when the paraphrase layer is off)."""
        return self._encoder

    def build(self, overrides: Iterable[Pattern]) -> Engine:
        """Shipped patterns overlaid with moderator ones (same id = moderator wins)."""
        overrides = list(overrides)
        key = None
        if self._cache is not None:
            key = self._cache.key(
                self.pack.version,
                self.pack.root,
                encoder=_encoder_name(self._encoder),
                overrides=overrides_digest(overrides),
            )
            got = self._cache.load(key)
            if isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], Engine):
                cached: Engine = got[1]
                if self._encoder is not None:
                    cached.attach_encoder(self._encoder)
                return cached
        engine = self._build(overrides)
        if self._cache is not None and key is not None:
            self._cache.save(key, (self.pack, engine))  # pickled without its encoder
        return engine

    def _build(self, overrides: list[Pattern]) -> Engine:
        by_id = {p.id: p for p in self.pack.patterns}
        for p in overrides:
            by_id[p.id] = p
        engine = Engine(by_id.values(), self.pack.engine, self._encoder)
        if self._encoder is not None:
            examples = [
                e if isinstance(e, str) else e.text
                for p in by_id.values()
                for e in [*p.examples.match.es, *p.examples.match.en]
            ]
            self._encoder.remember(examples)
        return engine

    def swap(self, overrides: Iterable[Pattern], revision: int) -> None:
        """Rebuild with these moderator patterns and make it current.

        The same patterns as the current engine's (the first sync of a process, a revision
        that changed nothing) only move the revision: the engine would be identical.
        """
        overrides = list(overrides)
        digest = overrides_digest(overrides)
        if digest != self._overrides:
            self.engine = self.build(overrides)
            self._overrides = digest
        self.revision = revision
        logger.info(
            "pattern set revision %d: %d active patterns", revision, self.engine.pattern_count
        )


def _encoder_name(encoder: CachingEncoder | None) -> str:
    """Which encoder made the example embeddings stored with an engine."""
    return "none" if encoder is None else encoder.name

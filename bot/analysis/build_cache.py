"""The built content pack and engine kept on disk, keyed by content and code version.

Validating the content and compiling the engine (phrase automata, regexes, lure indexes,
sound-alike vocabulary, example embeddings) takes about a second; unpickling what a previous
start built takes a fraction of it. The key covers the content files' bytes, the content
directory, the source of every module that shapes what is built, the libraries whose objects
are stored, whether the paraphrase layer is on, and the moderator patterns layered on top:
anything else changed means another file, never a stale engine. A file that does not load,
or holds another key, is deleted and rebuilt; writes go to a temporary file renamed into place
(readers never see half a file); a read-only or missing directory only means building.

The files are pickles: the data dir must be writable only by the bot (it also holds the
database and the speech model).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
MAGIC = "ojo-build-cache-1"
KEEP = 4  # newest engine files kept (the shipped set plus a few moderator revisions)
_ROOT = Path(__file__).resolve().parents[1]
# Every module whose code decides what a built pack or engine holds.
_SOURCES = ("matching", "content", "analysis/engines.py", "analysis/build_cache.py")


def code_version() -> str:
    """Hash of the modules and libraries that make (and pickle) the pack and the engine."""
    import ahocorasick
    import numpy
    import pydantic
    import rapidfuzz
    import re2

    digest = hashlib.sha256(f"{sys.version} {pydantic.VERSION} {numpy.__version__}".encode())
    digest.update(str(rapidfuzz.__version__).encode())
    for module in (ahocorasick, re2):
        st = os.stat(module.__file__ or "")
        digest.update(f"{module.__name__} {st.st_size} {st.st_mtime_ns}".encode())
    for name in _SOURCES:
        path = _ROOT / name
        for f in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(f.name.encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


class BuildCache:
    """Pickled (pack, engine) pairs in one directory, one file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._code = code_version()

    def key(self, content: str, root: Path, *, encoder: str, overrides: str) -> str:
        """The file key of one build: content version and directory, encoder, overrides."""
        parts = f"{content} {root.resolve()} {self._code} {encoder} {overrides}"
        return hashlib.sha256(parts.encode()).hexdigest()[:24]

    def _path(self, key: str) -> Path:
        return self.directory / f"engine-{key}.pickle"

    def load(self, key: str) -> Any | None:
        """What was saved under `key`, or None (missing, unreadable, or another key inside)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:
            magic, stored_key, payload = pickle.loads(data)  # noqa: S301 - the bot's own file
            if magic == MAGIC and stored_key == key:
                return payload
            problem = "another key inside"
        except Exception as exc:  # any unpickling failure means a broken file: rebuild
            problem = f"{type(exc).__name__}: {exc}"
        logger.warning("ignoring unreadable build cache %s (%s)", path.name, problem)
        with contextlib.suppress(OSError):
            path.unlink()
        return None

    def save(self, key: str, payload: Any) -> None:
        """Store `payload` under `key` atomically; failures are logged and ignored."""
        path = self._path(key)
        try:
            data = pickle.dumps((MAGIC, key, payload), protocol=pickle.HIGHEST_PROTOCOL)
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            logger.info("build cache not written (%s): %s", self.directory, exc)
            return
        self._prune()

    def _prune(self) -> None:
        """Keep the KEEP newest engine files."""
        try:
            files = sorted(
                self.directory.glob("engine-*.pickle"),
                key=lambda p: p.stat().st_mtime_ns,
                reverse=True,
            )
            for old in files[KEEP:]:
                old.unlink()
        except OSError:
            return

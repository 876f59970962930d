"""Perceptual hashes: altered copies of a known image are found, different images are not."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bench.screenshots import BENIGN, SCAMS, render_chat, render_qr_flyer
from bot.analysis.images.phash import ImageHashIndex, hash_distance, image_hash


def load(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return load(buf.getvalue())


@pytest.fixture(scope="module")
def flyer() -> Image.Image:
    return load(render_qr_flyer("https://premio-iphone.win/claim"))


@pytest.fixture(scope="module")
def index(flyer: Image.Image) -> ImageHashIndex:
    idx = ImageHashIndex()
    idx.add("flyer", flyer)
    idx.add("bank-shot", load(render_chat(*SCAMS[0], seed=1).data))
    return idx


def test_hash_distance_counts_differing_bits() -> None:
    assert hash_distance("00ff", "00ff") == 0
    assert hash_distance("00ff", "01fe") == 2
    with pytest.raises(ValueError, match="lengths"):
        hash_distance("00", "0000")


@pytest.mark.parametrize(
    "alter",
    [
        lambda im: jpeg(im, 35),
        lambda im: im.resize((im.width // 2, im.height // 2)),
        lambda im: jpeg(im.resize((im.width * 3 // 5, im.height * 3 // 5)), 60),
        lambda im: im.crop((40, 50, im.width - 40, im.height - 50)),
        lambda im: im.crop((0, im.height // 10, im.width, im.height)),
        lambda im: im.crop((im.width // 12, 0, im.width, im.height)),
    ],
    ids=["jpeg 35", "half size", "smaller and jpeg 60", "borders cropped", "top cut", "left cut"],
)
def test_an_altered_copy_of_a_known_flyer_is_recognised(
    index: ImageHashIndex, flyer: Image.Image, alter: object
) -> None:
    match = index.nearest(image_hash(alter(flyer)))  # type: ignore[operator]
    assert match is not None
    assert match.key == "flyer"


def test_other_screenshots_and_flyers_are_not_matched(index: ImageHashIndex) -> None:
    others = [load(render_chat(s, b, seed=i + 10).data) for i, (s, b) in enumerate(BENIGN)]
    others.append(load(render_qr_flyer("https://otro.example/x", title="Rifa del barrio")))
    assert [index.nearest(image_hash(im)) for im in others] == [None] * len(others)


def test_an_empty_index_finds_nothing() -> None:
    assert ImageHashIndex().nearest("0" * 64) is None

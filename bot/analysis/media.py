"""Decode any audio or video Telegram sends, from bytes, to 16 kHz mono float32 samples (PyAV)."""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from bot.errors import MediaCorrupt, MediaEmpty, MediaNoAudio, MediaSilent

if TYPE_CHECKING:
    import av  # imported where used: PyAV costs ~0.1-0.3 s, and a text check needs none

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000

# Whole-clip RMS below this is "nothing to listen to". Measured on the fixtures as decoded here:
# espeak-ng voice notes (Opus, MP3, AAC, telephone band, 10 dB SNR noise) -20..-23 dBFS, the same
# note 12 dB quieter -34 dBFS; sox white noise at -70 dB through Opus -82 dBFS, Opus-encoded
# digital silence -100 dBFS. Phone voice notes are typically -20..-35 dBFS and a phone's own noise
# floor -60..-70, so -55 leaves ~20 dB of room for quiet speech and ~10 dB above an idle mic.
SILENCE_DBFS = -55.0

# A damaged file counts as decodable when at least this much audio survives before the damage.
MIN_SALVAGE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """Mono 16 kHz float32 samples of (at most the first `max_seconds` of) a media file."""

    samples: np.ndarray
    duration: float
    source_duration: float | None
    truncated: bool


def decode_audio(data: bytes, *, max_seconds: float = 600.0) -> DecodedAudio:
    """Decode the first audio stream of `data`; raise a MediaError if there is nothing to hear."""
    import av

    if not data:
        raise MediaEmpty("0 bytes")
    limit = max(1, round(max_seconds * SAMPLE_RATE))
    chunks: list[np.ndarray] = []
    have = 0
    truncated = False
    failure: av.error.FFmpegError | None = None
    with av.logging.Capture() as ffmpeg_logs, _open(data) as container:
        stream = _audio_stream(container)
        source_duration = _declared_duration(container, stream)
        try:
            for block in _resampled(container, stream):
                if have >= limit:
                    # More audio follows the part we keep: stop instead of decoding the rest.
                    truncated = True
                    break
                if have + block.size > limit:
                    block = block[: limit - have]
                    truncated = True
                chunks.append(block)
                have += block.size
        except av.error.FFmpegError as exc:
            # A truncated upload or a damaged packet: keep what decoded cleanly before it.
            failure = exc
    _log_ffmpeg(ffmpeg_logs)
    damage = _damage(failure, ffmpeg_logs, data)
    if damage and have < MIN_SALVAGE_SECONDS * SAMPLE_RATE:
        raise MediaCorrupt(f"only {have / SAMPLE_RATE:.2f} s decoded: {damage}")
    if damage:
        logger.info("kept %.1f s of a damaged file: %s", have / SAMPLE_RATE, damage)
    if have == 0:
        raise MediaEmpty("no audio samples")
    samples = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    level = rms_dbfs(samples)
    if level < SILENCE_DBFS:
        raise MediaSilent(f"RMS {level:.1f} dBFS is below {SILENCE_DBFS} dBFS")
    return DecodedAudio(
        samples=samples,
        duration=samples.size / SAMPLE_RATE,
        source_duration=source_duration,
        truncated=truncated,
    )


def probe_duration(data: bytes) -> float | None:
    """Return the container's declared duration in seconds, reading headers only."""
    import av

    if not data:
        return None
    try:
        with av.logging.Capture() as ffmpeg_logs, _open(data) as container:
            streams = container.streams.audio
            duration = _declared_duration(container, streams[0] if streams else None)
    except (MediaCorrupt, MediaEmpty):
        return None
    _log_ffmpeg(ffmpeg_logs)
    return duration


def rms_dbfs(samples: np.ndarray) -> float:
    """Root-mean-square level of float samples in dB relative to full scale (-inf for zeros)."""
    if samples.size == 0:
        return -math.inf
    power = float(np.mean(np.square(samples, dtype=np.float64)))
    return 10.0 * math.log10(power) if power > 0.0 else -math.inf


def _open(data: bytes) -> av.container.InputContainer:
    import av

    _route_ffmpeg_logs()
    try:
        return av.open(io.BytesIO(data), mode="r", metadata_errors="replace")
    except av.error.FFmpegError as exc:
        raise MediaCorrupt(f"cannot open: {exc}") from exc


def _audio_stream(container: av.container.InputContainer) -> av.audio.stream.AudioStream:
    if not container.streams.audio:
        kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "none"
        raise MediaNoAudio(f"no audio stream (streams: {kinds})")
    stream: av.audio.stream.AudioStream = container.streams.audio[0]
    return stream


def _declared_duration(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream | None
) -> float | None:
    import av

    if stream is not None and stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
        if seconds > 0:
            return seconds
    if container.duration is not None and container.duration > 0:
        return float(container.duration) / av.time_base
    return None


def _resampled(
    container: av.container.InputContainer, stream: av.audio.stream.AudioStream
) -> Iterator[np.ndarray]:
    """Yield mono 16 kHz float32 blocks as they decode, ending with the resampler's tail."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    for packet in container.demux(stream):
        for frame in packet.decode():
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
    for out in resampler.resample(None):
        yield out.to_ndarray().reshape(-1)


@cache
def _route_ffmpeg_logs() -> None:
    import av

    # PyAV keeps FFmpeg silent unless a level is set, but then its exceptions lose FFmpeg's own
    # reason. ERROR keeps the reasons; every decode runs inside `av.logging.Capture`, so nothing
    # reaches stderr or the root logger and the captured lines are re-logged here at DEBUG.
    if av.logging.get_level() is None:
        av.logging.set_level(av.logging.ERROR)


def _damage(
    failure: av.error.FFmpegError | None, lines: list[tuple[int, str, str]], data: bytes
) -> str:
    """Say why the file looks damaged or cut off, or return "" when it decoded cleanly."""
    import av

    if failure is not None:
        return str(failure)
    errors = [
        f"[{name}] {message.strip()}"
        for level, name, message in lines
        if level <= av.logging.ERROR
    ]
    if errors:
        return errors[0]
    if data.startswith(b"OggS") and _ogg_cut_off(data):
        return "the Ogg stream ends without its last page"
    return ""


def _ogg_cut_off(data: bytes) -> bool:
    """True when an Ogg file's final page is incomplete or lacks the end-of-stream flag."""
    # FFmpeg's Ogg demuxer ends quietly at a truncated page, so an upload cut short looks like a
    # shorter voice note; every Ogg muxer (libopusenc, Telegram, FFmpeg) flags its last page EOS.
    start = data.rfind(b"OggS", max(0, len(data) - 70_000))
    if start < 0 or start + 27 > len(data):
        return True
    n_segments = data[start + 26]
    table_end = start + 27 + n_segments
    if table_end > len(data):
        return True
    page_end = table_end + sum(data[start + 27 : table_end])
    return page_end > len(data) or not data[start + 5] & 0x04


def _log_ffmpeg(lines: list[tuple[int, str, str]]) -> None:
    for _level, name, message in lines[:20]:
        logger.debug("ffmpeg %s: %s", name, message.strip())

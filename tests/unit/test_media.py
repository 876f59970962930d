"""Decoding what Telegram sends (voice notes, audio files, videos) to 16 kHz mono samples."""

from pathlib import Path

import numpy as np
import pytest

from bot.analysis.media import SAMPLE_RATE, SILENCE_DBFS, decode_audio, probe_duration, rms_dbfs
from bot.errors import MediaCorrupt, MediaEmpty, MediaNoAudio, MediaSilent

AUDIO = Path(__file__).parents[1] / "fixtures" / "audio"
HOAX = AUDIO / "hoax" / "hoax-police-perfumed-leaflets.ogg"
MEDIA = AUDIO / "media"
HOAX_SECONDS = 37.69


def read(path: Path) -> bytes:
    return path.read_bytes()


def test_a_voice_note_decodes_to_16khz_mono_float32() -> None:
    audio = decode_audio(read(HOAX))

    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 1
    assert audio.duration == pytest.approx(audio.samples.size / SAMPLE_RATE)
    assert audio.duration == pytest.approx(HOAX_SECONDS, abs=0.05)
    assert audio.source_duration == pytest.approx(HOAX_SECONDS, abs=0.05)
    assert not audio.truncated
    assert -30 < rms_dbfs(audio.samples) < -15


@pytest.mark.parametrize(
    ("name", "seconds"),
    [
        ("hoax/altered/mp3-32k.mp3", HOAX_SECONDS),
        ("media/clip.m4a", 4.0),
        ("media/clip.mp4", 4.0),
        ("media/clip.webm", 4.0),
        ("hoax/altered/telephone-300-3400.ogg", HOAX_SECONDS),
    ],
)
def test_every_container_telegram_sends_decodes(name: str, seconds: float) -> None:
    audio = decode_audio(read(AUDIO / name))

    assert audio.samples.dtype == np.float32
    assert audio.duration == pytest.approx(seconds, abs=0.1)
    assert rms_dbfs(audio.samples) > SILENCE_DBFS


def test_max_seconds_stops_decoding_and_says_the_clip_was_truncated() -> None:
    audio = decode_audio(read(HOAX), max_seconds=5.0)

    assert audio.samples.size == 5 * SAMPLE_RATE
    assert audio.duration == 5.0
    assert audio.truncated
    assert audio.source_duration == pytest.approx(HOAX_SECONDS, abs=0.05)


def test_a_clip_shorter_than_max_seconds_is_not_truncated() -> None:
    assert not decode_audio(read(HOAX), max_seconds=HOAX_SECONDS + 1).truncated


def test_empty_bytes_are_empty() -> None:
    with pytest.raises(MediaEmpty):
        decode_audio(b"")


def test_random_bytes_are_corrupt() -> None:
    noise = np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    with pytest.raises(MediaCorrupt):
        decode_audio(noise)


def test_a_voice_note_cut_in_half_keeps_what_arrived() -> None:
    data = read(HOAX)

    audio = decode_audio(data[: len(data) // 2])

    assert 15 < audio.duration < 20
    assert not audio.truncated  # `truncated` is about max_seconds, not about damage


def test_a_voice_note_cut_before_its_first_second_is_corrupt() -> None:
    # 5,000 bytes hold 0.99 s of Opus: less than the 1 s a damaged file must keep.
    with pytest.raises(MediaCorrupt):
        decode_audio(read(HOAX)[:5_000])


def test_a_video_cut_before_its_index_is_corrupt() -> None:
    data = read(MEDIA / "clip.mp4")
    with pytest.raises(MediaCorrupt):
        decode_audio(data[: len(data) // 2])


# A PNG opens (FFmpeg has an image demuxer) and shows one video stream: "no audio", not "corrupt".
@pytest.mark.parametrize("name", ["image.png", "video-no-audio.mp4"])
def test_media_without_an_audio_stream_has_no_audio(name: str) -> None:
    with pytest.raises(MediaNoAudio):
        decode_audio(read(MEDIA / name))


@pytest.mark.parametrize("name", ["silence.ogg", "faint-hiss.ogg"])
def test_silence_and_a_faint_hiss_are_silent(name: str) -> None:
    with pytest.raises(MediaSilent):
        decode_audio(read(MEDIA / name))


def test_a_voice_note_12_db_quieter_is_not_silent() -> None:
    audio = decode_audio(read(AUDIO / "hoax" / "altered" / "quieter-12db.ogg"))

    assert rms_dbfs(audio.samples) == pytest.approx(-34, abs=3)


def test_probe_duration_reads_the_declared_length() -> None:
    assert probe_duration(read(HOAX)) == pytest.approx(HOAX_SECONDS, abs=0.05)
    assert probe_duration(read(MEDIA / "clip.m4a")) == pytest.approx(4.0, abs=0.05)


def test_probe_duration_of_garbage_or_nothing_is_none() -> None:
    assert probe_duration(b"") is None
    assert probe_duration(b"not a media file at all" * 100) is None


def test_ffmpeg_complaints_about_bad_files_stay_off_stderr(
    capfd: pytest.CaptureFixture[str],
) -> None:
    webm = read(MEDIA / "clip.webm")
    for bad in (b"\x00" * 4096, read(HOAX)[:5_000], webm[: len(webm) // 10]):
        with pytest.raises(MediaCorrupt):
            decode_audio(bad)

    assert capfd.readouterr().err == ""


def test_rms_of_nothing_is_minus_infinity() -> None:
    assert rms_dbfs(np.zeros(0, dtype=np.float32)) == -np.inf
    assert rms_dbfs(np.zeros(10, dtype=np.float32)) == -np.inf
    assert rms_dbfs(np.ones(10, dtype=np.float32)) == pytest.approx(0.0)

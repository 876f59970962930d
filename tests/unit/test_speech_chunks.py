"""Long audio is cut into near-equal pieces at quiet moments before transcription."""

from __future__ import annotations

import numpy as np

from bot.analysis.speech import SAMPLE_RATE, split_long_audio


def tone(seconds: float) -> np.ndarray:
    """A loud 440 Hz tone standing in for speech."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_audio_up_to_the_limit_is_one_piece() -> None:
    audio = tone(10)
    [(start, piece)] = split_long_audio(audio, max_seconds=10)
    assert start == 0
    assert piece is audio


def test_pieces_cover_the_audio_exactly_and_stay_near_the_limit() -> None:
    audio = tone(95)
    pieces = split_long_audio(audio, max_seconds=30)

    assert len(pieces) == 4
    assert np.array_equal(np.concatenate([p for _, p in pieces]), audio)
    assert [start for start, _ in pieces] == sorted({start for start, _ in pieces})
    assert all(len(p) <= 35 * SAMPLE_RATE for _, p in pieces)


def test_a_note_just_over_the_limit_is_halved_not_left_with_a_sliver() -> None:
    pieces = split_long_audio(tone(31), max_seconds=30)
    assert len(pieces) == 2
    assert min(len(p) for _, p in pieces) > 10 * SAMPLE_RATE


def test_the_cut_falls_in_a_pause_near_the_split_point() -> None:
    # 29 s of "speech", a 0.4 s pause starting at 29 s, then more speech: 60 s in all.
    audio = np.concatenate([tone(29), np.zeros(int(0.4 * SAMPLE_RATE), np.float32), tone(30.6)])
    [(_, first), (second_start, _)] = split_long_audio(audio, max_seconds=30)

    assert 29 * SAMPLE_RATE <= second_start <= 29.4 * SAMPLE_RATE
    assert len(first) == second_start

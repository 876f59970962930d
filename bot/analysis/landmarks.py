"""Landmark audio fingerprints (Wang 2003, Ellis' audfprint): spectral peak pairs of a clip."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Analysis at 8 kHz: speech keeps its strongest peaks below 4 kHz and the telephone band survives.
# 512-sample frames (64 ms, 15.6 Hz bins) every 128 samples (16 ms): with a 256 hop a clip cut
# half a hop off the frame grid kept only 8 % of its landmarks; at 128 it keeps 50-90 %.
RATE = 8_000
N_FFT = 512
HOP = 128
FRAME_SECONDS = HOP / RATE
N_BINS = 256  # bins 0..255 (0..3984 Hz); the Nyquist bin is dropped
# Bumped whenever hashes change meaning, so stale shipped packs are refused instead of never
# matching.
VERSION = 1

# Peak picking: at most PEAKS_PER_FRAME new peaks per frame, each above a threshold that spreads
# as a Gaussian across frequency and decays over time (audfprint's "decaying threshold"). These
# give ~38 landmarks per second of speech. Denser settings found proportionally more aligned hits
# with no better separation, while the rows a lookup reads grow with the square of the density.
PEAKS_PER_FRAME = 5
SPREAD_BINS = 30.0
DECAY = 0.999
# High-pass along time so steady tones and hum make no peaks; onsets do.
HPF_POLE = 0.98
# Pairing: each anchor pairs with its FAN_OUT nearest later peaks DT_MIN..DT_MAX frames on
# (48 ms - 2 s) and at most DF_MAX bins (~1 kHz) away. Pairs 1-2 frames apart were a third of all
# landmarks and mostly the same harmonic continuing: dropping them made a lookup read 30x fewer
# rows (hashes went from 14.8 to 19.7 bits of collision entropy on speech) and cut the best
# wrong-item alignment from 19 to 7, for ~10 % fewer true aligned hits. Triplets of peaks made
# hashes more selective still but lost 3-4x the aligned hits on 12 kbit/s Opus and 6 s excerpts,
# until a 6 s excerpt scored below a wrong item.
FAN_OUT = 3
DT_MIN = 3
DT_MAX = 127
DF_MAX = 63
# hash = f1 (8 bits) | f2 (8 bits) | dt (7 bits): < 2**23, well inside a signed 32-bit INTEGER.
_F2_BITS = 8
_DT_BITS = 7


@dataclass(frozen=True, slots=True)
class Landmarks:
    """Hashed peak pairs of a clip and the frame each pair's anchor sits at."""

    hashes: np.ndarray  # int64, each < 2**31
    times: np.ndarray  # int32 anchor frame
    frame_seconds: float = FRAME_SECONDS

    def __len__(self) -> int:
        """Number of landmarks."""
        return int(self.hashes.size)


def landmarks(samples16k: np.ndarray) -> Landmarks:
    """Fingerprint 16 kHz mono float samples into (hash, anchor frame) landmarks."""
    from scipy import signal  # on first use: importing scipy.signal takes ~1 s

    audio = np.asarray(samples16k, dtype=np.float32).reshape(-1)
    if audio.size < 2 * N_FFT:
        return _empty()
    audio8k = signal.resample_poly(audio, 1, 2).astype(np.float32)
    spec = _log_spectrogram(audio8k)
    peak_t, peak_f = _peaks(spec)
    return _pair(peak_t, peak_f)


def _empty() -> Landmarks:
    return Landmarks(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32), FRAME_SECONDS)


def _log_spectrogram(audio8k: np.ndarray) -> np.ndarray:
    """Log-magnitude STFT (bins x frames), mean-removed and high-passed along time."""
    from scipy import signal  # on first use: importing scipy.signal takes ~1 s

    _, _, stft = signal.stft(
        audio8k,
        nperseg=N_FFT,
        noverlap=N_FFT - HOP,
        window="hann",
        boundary=None,
        padded=False,
    )
    mag = np.abs(stft[:N_BINS])
    # Floor 60 dB under the loudest bin, so level changes only shift the log by a constant.
    peak = float(mag.max())
    if peak <= 0.0:
        return np.zeros((N_BINS, 0), dtype=np.float64)
    spec = np.log(np.maximum(mag, peak * 1e-3))
    spec -= spec.mean()
    result: np.ndarray = signal.lfilter([1.0, -1.0], [1.0, -HPF_POLE], spec, axis=1)
    return result


def _peaks(spec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pick local maxima above a decaying, frequency-spread threshold (one forward pass)."""
    n_bins, n_frames = spec.shape
    if n_frames == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    offsets = np.arange(-n_bins + 1, n_bins)
    gauss = np.exp(-0.5 * (offsets / SPREAD_BINS) ** 2)
    start = spec[:, : min(10, n_frames)].max(axis=1)
    thresh = np.max(start[:, None] * _bell(gauss, n_bins), axis=0)
    out_t: list[int] = []
    out_f: list[int] = []
    for t in range(n_frames):
        col = spec[:, t]
        above = col > thresh
        # local maxima in frequency, above the threshold
        cand = np.flatnonzero(above[1:-1] & (col[1:-1] > col[:-2]) & (col[1:-1] >= col[2:])) + 1
        if cand.size:
            cand = cand[np.argsort(-col[cand])][:PEAKS_PER_FRAME]
            for f in cand:
                if col[f] <= thresh[f]:
                    continue  # masked by a stronger peak picked in this same frame
                thresh = np.maximum(thresh, col[f] * gauss[n_bins - 1 - f : 2 * n_bins - 1 - f])
                out_t.append(t)
                out_f.append(int(f))
        thresh *= DECAY
    return np.asarray(out_t, dtype=np.int64), np.asarray(out_f, dtype=np.int64)


def _bell(gauss: np.ndarray, n_bins: int) -> np.ndarray:
    """Rows f: the Gaussian centred on bin f, over all bins."""
    idx = (n_bins - 1) - np.arange(n_bins)[:, None] + np.arange(n_bins)[None, :]
    bell: np.ndarray = gauss[idx]
    return bell


def _pair(peak_t: np.ndarray, peak_f: np.ndarray) -> Landmarks:
    """Hash each peak with its nearest later peaks in the target zone."""
    n = peak_t.size
    if n < 2:
        return _empty()
    hashes: list[np.ndarray] = []
    times: list[np.ndarray] = []
    # Peaks are in time order; shifting by k pairs every peak with the k-th one after it, and
    # a per-anchor counter keeps only the first FAN_OUT partners that fall in the zone.
    taken = np.zeros(n, dtype=np.int64)
    max_shift = min(n - 1, PEAKS_PER_FRAME * (DT_MAX + 1))
    for k in range(1, max_shift + 1):
        dt = peak_t[k:] - peak_t[:-k]
        if dt.min() > DT_MAX:
            break  # partners only get further away as k grows
        live = taken[:-k] < FAN_OUT
        if not live.any():
            break
        df = peak_f[k:] - peak_f[:-k]
        ok = live & (dt >= DT_MIN) & (dt <= DT_MAX) & (np.abs(df) <= DF_MAX)
        anchors = np.flatnonzero(ok)
        if anchors.size:
            taken[anchors] += 1
            hashes.append(
                (peak_f[anchors] << (_F2_BITS + _DT_BITS))
                | (peak_f[anchors + k] << _DT_BITS)
                | dt[anchors]
            )
            times.append(peak_t[anchors])
    if not hashes:
        return _empty()
    h = np.concatenate(hashes)
    t = np.concatenate(times).astype(np.int32)
    order = np.lexsort((h, t))
    return Landmarks(h[order], t[order], FRAME_SECONDS)

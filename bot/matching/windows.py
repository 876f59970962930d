"""Long texts read in windows, so that padding cannot dilute a scam below the threshold."""

from __future__ import annotations

WINDOW = 600  # characters: a long SMS or a short chat message
STEP = 300
MIN_CHARS = 900  # shorter texts are read whole only
MAX_WINDOWS = 16


def windows(text: str) -> list[tuple[int, str]]:
    """Overlapping (offset, window) pieces of a long text, cut at spaces; [] for short texts."""
    if len(text) < MIN_CHARS:
        return []
    step = max(STEP, (len(text) - WINDOW) // (MAX_WINDOWS - 1) + 1)
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + WINDOW)
        if end < len(text):
            cut = text.rfind(" ", start + WINDOW // 2, end)
            end = cut if cut > 0 else end
        piece = text[start:end]
        if piece.strip():
            out.append((start, piece))
        if end >= len(text):
            break
        nxt = start + step
        space = text.find(" ", nxt, nxt + 40)
        start = space + 1 if space > 0 else nxt
    return out

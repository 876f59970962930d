"""A synchronous checker for the CLI and benchmarks: the same pipeline the bot uses."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.analysis.engines import EngineHolder, make_encoder
from bot.analysis.pipeline import Analyzer
from bot.content.loader import DEFAULT_CONTENT_DIR, load_pack
from bot.errors import MediaUnsupported
from bot.settings import Settings
from bot.verdict import Verdict

if TYPE_CHECKING:
    from bot.analysis.media_check import MediaChecker

TEXT_SUFFIXES = {".txt", ".text", ".md", ".eml", ".csv", ".log", ".json"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".heic"}
MEDIA_KIND = {
    ".ogg": "voice",
    ".oga": "voice",
    ".opus": "voice",
    ".mp3": "audio",
    ".m4a": "audio",
    ".aac": "audio",
    ".wav": "audio",
    ".flac": "audio",
    ".amr": "audio",
    ".mp4": "video",
    ".mov": "video",
    ".webm": "video",
    ".mkv": "video",
    ".3gp": "video",
}


@dataclass
class Checker:
    """Analyses texts and files without Telegram."""

    settings: Settings
    analyzer: Analyzer
    _media: MediaChecker | None = None

    @classmethod
    def create(cls, settings: Settings, *, paraphrase: bool = True) -> Checker:
        """Load content and build the engine once."""
        cache = settings.data_dir / "cache"
        # Load the encoder's weights while the content is parsed: both take about a second.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(make_encoder, paraphrase, cache, 1)
            pack = load_pack(settings.content_dir or DEFAULT_CONTENT_DIR)
            encoder = pending.result()
        return cls(settings, Analyzer(EngineHolder(pack, encoder)))

    def check_text(self, text: str, *, lang: str | None, country: str | None) -> Verdict:
        """Analyse one text message."""
        return self.analyzer.check_text(text, lang=lang, country=country)

    def check_file(self, path: Path, *, lang: str | None, country: str | None) -> Verdict:
        """Analyse a text, audio or video file."""
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            return self.check_text(
                path.read_text(encoding="utf-8", errors="replace"), lang=lang, country=country
            )
        if suffix in IMAGE_SUFFIXES:
            raise MediaUnsupported(f"{path.name}: images are checked by their caption only")
        t0 = time.perf_counter()
        data = path.read_bytes()
        from bot.analysis.media_check import MediaChecker

        if self._media is None:
            self._media = MediaChecker.create(self.settings, self.analyzer)
        kind = MEDIA_KIND.get(suffix, "document")
        return self._media.check(data, kind=kind, lang=lang, country=country, started=t0)

    def close(self) -> None:
        """Release resources (nothing to do for now; kept for symmetry with the bot)."""

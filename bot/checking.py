"""`ojo check`: files and texts through the bot's own CheckService, without Telegram."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from bot.analysis.submission import FileRef, Kind, Submission
from bot.composition import MEMORY_DB, build_services, close_services, prepare_database
from bot.deps import Deps
from bot.services.check import Where
from bot.settings import Settings
from bot.verdict import Verdict

TEXT_SUFFIXES = {".txt", ".text", ".md", ".eml", ".csv", ".log", ".json"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".heic"}
MEDIA_KIND: dict[str, Kind] = {
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


def extract_text(text: str, *, lang: str | None, country: str | None) -> Submission:
    """The submission of a text given on the command line or in a batch."""
    return Submission(kind="text", text=text, lang=lang, country=country, chat_type="cli")


def extract_file(path: Path, *, lang: str | None, country: str | None) -> Submission:
    """The submission of a file: text files by their words, media by a file reference.

    The file's id is its content digest, so the same bytes hit the same cache entry.
    """
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text = path.read_text(encoding="utf-8", errors="replace")
        return extract_text(text, lang=lang, country=country)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:32]
    image = suffix in IMAGE_SUFFIXES
    mime = "image/" + suffix.lstrip(".") if image else None
    file = FileRef(str(path), f"sha256-{digest}", size=len(data), name=path.name, mime_type=mime)
    return Submission(
        kind="photo" if image else MEDIA_KIND.get(suffix, "document"),
        file=file,
        lang=lang,
        country=country,
        chat_type="cli",
    )


async def read_path(file: FileRef) -> bytes:
    """Fetch for local files: `file_id` is the path."""
    return await asyncio.to_thread(Path(file.file_id).read_bytes)


CLI = Where("cli", fetch=read_path)


class Checker:
    """`ojo check`'s session: the services built once, an event loop, one CheckService."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._loop = asyncio.new_event_loop()
        self._prepared = False

    @classmethod
    def create(cls, settings: Settings, *, paraphrase: bool = True) -> Checker:
        """Build the services with an in-memory database (nothing is kept after the run)."""
        return cls(build_services(settings, paraphrase=paraphrase, database_url=MEMORY_DB))

    def check_text(self, text: str, *, lang: str | None, country: str | None) -> Verdict:
        """Analyse one text message."""
        return self.check(extract_text(text, lang=lang, country=country))

    def check_file(self, path: Path, *, lang: str | None, country: str | None) -> Verdict:
        """Analyse a text, audio or video file."""
        return self.check(extract_file(path, lang=lang, country=country))

    def check(self, sub: Submission) -> Verdict:
        """One submission through the bot's analysis path."""
        if sub.file is not None and not self._prepared:
            # Only files read the database (cache, known audio): a text check never waits
            # for its tables and the shipped fingerprints.
            self._loop.run_until_complete(prepare_database(self.deps, migrate=False))
            self._prepared = True
        return self._loop.run_until_complete(self.deps.checks.verdict(sub, CLI))

    def close(self) -> None:
        """Release the services and the event loop."""
        self._loop.run_until_complete(close_services(self.deps, []))
        self._loop.close()

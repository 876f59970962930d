"""Ojo's error hierarchy: each error carries the key of a friendly, localised message."""


class OjoError(Exception):
    """Base error; `message_key` names the user-facing text in content/messages/*.yaml."""

    message_key = "error.generic"

    def __init__(self, detail: str = "", **params: object) -> None:
        super().__init__(detail or self.message_key)
        self.detail = detail
        self.params = params


class ContentError(OjoError):
    """A content pack is malformed; `detail` names the file, the item and the field."""

    message_key = "error.content"


class MediaError(OjoError):
    """A media file cannot be analysed."""

    message_key = "media.error"


class MediaTooLarge(MediaError):
    """The file is over Telegram's 20 MB bot download limit (or our own cap)."""

    message_key = "media.too_large"


class MediaEmpty(MediaError):
    """The file has no bytes or no samples."""

    message_key = "media.empty"


class MediaCorrupt(MediaError):
    """The file cannot be decoded."""

    message_key = "media.corrupt"


class MediaNoAudio(MediaError):
    """The file decodes but has no audio stream (an image, a silent video)."""

    message_key = "media.no_audio"


class MediaSilent(MediaError):
    """The audio is (near) silence: nothing to listen to."""

    message_key = "media.silent"


class MediaUnsupported(MediaError):
    """A kind of media Ojo cannot check."""

    message_key = "media.unsupported"


class AnalysisTimeout(OjoError):
    """Analysis took longer than the per-job timeout."""

    message_key = "analysis.timeout"


class QueueFull(OjoError):
    """Too many media checks are waiting; try again shortly."""

    message_key = "queue.full"


class ModelError(OjoError):
    """The speech model is missing or corrupt."""

    message_key = "error.model"

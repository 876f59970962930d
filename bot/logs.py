"""Log set-up: plain lines (default) or one JSON object per line (`OJO_LOG_FORMAT=json`)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.settings import Settings


class JsonFormatter(logging.Formatter):
    """One JSON object per record: what log shippers (Loki, ELK, CloudWatch) parse as is."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON: time, level, logger, message, process, and the exception if any."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # tells replicas and workers apart in one stream
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Apply OJO_LOG_LEVEL and OJO_LOG_FORMAT to the root logger (`ojo run`, `ojo worker`)."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    if settings.log_format == "json":
        if not root.handlers:
            root.addHandler(logging.StreamHandler())
        for handler in root.handlers:
            handler.setFormatter(JsonFormatter())

"""HTTP to the Bot API with retries: 5xx and connection failures are retried with backoff."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import LinkPreviewOptions
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.constants import ParseMode
from telegram.error import NetworkError, TimedOut
from telegram.ext import Defaults
from telegram.request import HTTPXRequest, RequestData

logger = logging.getLogger(__name__)
# Every message Ojo sends is Telegram HTML, without link previews (links in verdicts are often
# the scammers' own: a preview would fetch and advertise them). The bot and `ojo worker` share it.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)
RETRY_STATUSES = frozenset({500, 502, 503, 504})


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that retries transient failures (429 is left to AIORateLimiter)."""

    def __init__(self, *, attempts: int = 4, backoff: float = 0.5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._attempts = attempts
        self._backoff = backoff

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send once, retrying 5xx answers and network errors with exponential backoff."""
        endpoint = url.rsplit("/", 1)[-1]  # the method name; never log the URL (it has the token)
        for attempt in range(1, self._attempts + 1):
            try:
                code, payload = await super().do_request(
                    url,
                    method,
                    request_data,
                    read_timeout,
                    write_timeout,
                    connect_timeout,
                    pool_timeout,
                )
            except (NetworkError, TimedOut) as exc:
                # getUpdates long-polls: its timeouts are routine and PTB's updater retries them.
                if attempt == self._attempts or endpoint == "getUpdates":
                    raise
                logger.warning("%s failed (%s), retry %d", endpoint, type(exc).__name__, attempt)
            else:
                if code not in RETRY_STATUSES or attempt == self._attempts:
                    return code, payload
                logger.warning("%s answered %d, retry %d", endpoint, code, attempt)
            await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        raise NetworkError("unreachable")  # pragma: no cover - the loop always returns or raises

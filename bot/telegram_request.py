"""HTTP to the Bot API: an aiohttp-backed PTB request, with retries of transient failures.

python-telegram-bot's default `HTTPXRequest` cost more CPU per call than the rest of a text
update's handling on our 2 cores (see `bench/bench_bot.py`); `AiohttpRequest` is a drop-in
`BaseRequest` on aiohttp (already a dependency for the web server) with the same timeout and
error semantics: timeouts raise `TimedOut`, other transport failures `NetworkError`, and a full
connection pool raises `TimedOut` without sending anything. `RetryingRequest` (what `ojo run`
and `ojo worker` use) adds retries of 5xx answers and network errors with backoff; 429 is left
to PTB's `AIORateLimiter`, which honours `retry_after`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram import LinkPreviewOptions
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.constants import ParseMode
from telegram.error import NetworkError, TimedOut
from telegram.ext import Defaults
from telegram.request import BaseRequest, HTTPXRequest, RequestData

logger = logging.getLogger(__name__)
# Every message Ojo sends is Telegram HTML, without link previews (links in verdicts are often
# the scammers' own: a preview would fetch and advertise them). The bot and `ojo worker` share it.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)
RETRY_STATUSES = frozenset({500, 502, 503, 504})
JSON = "application/json"
POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* sent "
    "to Telegram. Consider adjusting the connection pool size or the pool timeout."
)


class AiohttpRequest(BaseRequest):
    """A PTB `BaseRequest` on one aiohttp session with a bounded keep-alive connection pool."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
    ) -> None:
        """Same defaults as PTB's HTTPXRequest; the session is opened in `initialize`."""
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy
        self._session: aiohttp.ClientSession | None = None
        # Our own semaphore rather than the connector's queue: it tells a pool timeout (nothing
        # sent) apart from a connect timeout, as HTTPXRequest does.
        self._pool: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (aiohttp sessions must be created inside the running loop)."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            # No total timeout: each request gets its own (see `_timeout`).
            timeout=aiohttp.ClientTimeout(total=None),
            auto_decompress=True,
            trust_env=False,  # env proxies are resolved once per host in `_env_proxy`
        )
        self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        """Close the session and its connections (no error if already closed)."""
        if self._session is None or self._session.closed:
            logger.debug("AiohttpRequest already shut down")
            return
        await self._session.close()

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
        """Send one request; return (status, body) or raise TimedOut / NetworkError."""
        session, pool = self._session, self._pool
        if session is None or session.closed or pool is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        body, headers = _body(request_data, files)
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if files else self._write_timeout
        waited = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if pool.locked():  # only then is there a wait to bound
            try:
                async with asyncio.timeout(waited):
                    await pool.acquire()
            except TimeoutError as err:
                raise TimedOut(POOL_TIMEOUT_MESSAGE) from err
        else:
            await pool.acquire()
        try:
            return await _send(
                session, method, url, body, headers, _timeout(connect, write, read), self._proxy
            )
        finally:
            pool.release()


def _body(
    request_data: RequestData | None, files: dict[str, Any] | None
) -> tuple[Any, dict[str, str] | None]:
    """A JSON body, or multipart with the files (as HTTPXRequest sends them).

    The Bot API takes JSON bodies as well as forms; encoding one is a C call where
    urlencode's quoting is Python, per character (a tenth of a text update's CPU, measured
    in bench/bench_bot.py).
    """
    if request_data is None:
        return None, None
    if not files:
        parameters = request_data.parameters
        if not parameters:
            return None, None
        return json.dumps(parameters).encode(), {"Content-Type": JSON}
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None


def _timeout(
    connect: float | None, write: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    """aiohttp has no write timeout: the upload is bounded by a ceiling on the whole exchange."""
    total = None
    if write is not None and read is not None:
        total = write + read + (connect or 0.0)
    return aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)


async def _send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    body: Any,
    headers: dict[str, str] | None,
    limits: aiohttp.ClientTimeout,
    proxy: str | None,
) -> tuple[int, bytes]:
    """One exchange with aiohttp's exceptions mapped to PTB's."""
    try:
        async with session.request(
            method,
            url,
            data=body,
            headers=headers,
            timeout=limits,
            proxy=proxy or _env_proxy(url),
        ) as response:
            return response.status, await response.read()
    except TimeoutError as err:  # aiohttp's ServerTimeoutError subclasses TimeoutError
        raise TimedOut from err
    except aiohttp.ClientError as err:
        raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _env_proxy(url: str) -> str | None:
    """HTTPS_PROXY / HTTP_PROXY / ALL_PROXY for the URL's host, as httpx honours them."""
    parts = urlsplit(url)
    return _proxy_for(parts.scheme, parts.hostname or "")


@functools.lru_cache(maxsize=32)
def _proxy_for(scheme: str, host: str) -> str | None:
    # Cached: aiohttp's trust_env re-reads the environment and ~/.netrc on every request.
    proxies = urllib.request.getproxies()
    if not proxies or urllib.request.proxy_bypass(host):
        return None
    return proxies.get(scheme) or proxies.get("all")


async def with_retries(
    send: Callable[[], Awaitable[tuple[int, bytes]]],
    endpoint: str,
    attempts: int,
    backoff: float,
) -> tuple[int, bytes]:
    """Call `send`, retrying 5xx answers and network errors with exponential backoff."""
    for attempt in range(1, attempts + 1):
        try:
            code, payload = await send()
        except (NetworkError, TimedOut) as exc:
            # getUpdates long-polls: its timeouts are routine and PTB's updater retries them.
            if attempt == attempts or endpoint == "getUpdates":
                raise
            logger.warning("%s failed (%s), retry %d", endpoint, type(exc).__name__, attempt)
        else:
            if code not in RETRY_STATUSES or attempt == attempts:
                return code, payload
            logger.warning("%s answered %d, retry %d", endpoint, code, attempt)
        await asyncio.sleep(backoff * 2 ** (attempt - 1))
    raise NetworkError("unreachable")  # pragma: no cover - the loop always returns or raises


class _Retrying(BaseRequest):
    """Mixin: retry transient failures of the request class it precedes in the bases."""

    def __init__(self, *, attempts: int = 4, backoff: float = 0.5, **kwargs: Any) -> None:
        """`attempts` tries in all, sleeping backoff, 2*backoff, ... between them."""
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
        """Send, retrying 5xx answers and network errors with exponential backoff."""
        endpoint = url.rsplit("/", 1)[-1]  # the method name; never log the URL (it has the token)
        # The concrete request class (aiohttp or httpx) follows this mixin in the MRO.
        parent = super().do_request  # type: ignore[safe-super]
        return await with_retries(
            lambda: parent(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            ),
            endpoint,
            self._attempts,
            self._backoff,
        )


class RetryingRequest(_Retrying, AiohttpRequest):
    """AiohttpRequest that retries transient failures (429 is left to AIORateLimiter)."""


class HTTPXRetryingRequest(_Retrying, HTTPXRequest):
    """The same retries on PTB's default httpx client (kept for comparison benchmarks)."""


def make_request(*, httpx: bool = False, **kwargs: Any) -> BaseRequest:
    """A retrying Bot API request on aiohttp (default) or httpx, with these request kwargs."""
    return HTTPXRetryingRequest(**kwargs) if httpx else RetryingRequest(**kwargs)

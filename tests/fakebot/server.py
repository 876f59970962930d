"""FakeBotApi: a local Telegram Bot API over real HTTP, for driving python-telegram-bot."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from tests.fakebot.methods import Methods
from tests.fakebot.spec import SpecError, Upload, load_spec
from tests.fakebot.state import JSON, ApiError, BotState, SentMessage
from tests.fakebot.updates import DEFAULT_TOKEN

T = TypeVar("T")
TOKEN_FORMAT = re.compile(r"\d+:[\w-]+")
MAX_POLL_TIMEOUT = 50  # seconds; Telegram caps long polling about here
MAX_UPLOAD_SIZE = 50 * 1024 * 1024  # bots may upload files up to 50 MB
_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class ApiCall:
    """One HTTP call the bot made: method, raw and decoded parameters, outcome."""

    method: str
    raw: dict[str, object]
    time: float
    params: dict[str, object] = field(default_factory=dict)
    status: int | None = None  # None while the call is still being answered
    description: str | None = None


@dataclass
class _Fault:
    """An injected failure or delay for the next call(s) of a method."""

    status: int = 0
    retry_after: int | None = None
    description: str | None = None
    delay: float = 0.0


class FakeBotApi:
    """A Telegram Bot API on 127.0.0.1 that validates every call and result against the spec."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "ojo_test_bot",
        first_name: str = "Ojo",
        strict_chats: bool = True,
    ) -> None:
        """Sets up the bot identity; `strict_chats` answers "chat not found" for unseen chats."""
        if not TOKEN_FORMAT.fullmatch(token):
            raise ValueError(f"not a Telegram-shaped token: {token!r}")
        self.token = token
        self.spec = load_spec()
        self.bot_user: JSON = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.state = BotState(self.spec, self.bot_user, strict_chats=strict_chats)
        self.methods = Methods(self.state)
        self.requests: list[ApiCall] = []
        self.downloads: list[str] = []
        self.errors: list[str] = []  # results the fake built that break the spec (fake bugs)
        self._next_update_id = 100_000_001
        self._faults: defaultdict[str, deque[_Fault]] = defaultdict(deque)
        self._changed = asyncio.Event()
        self._stopping = asyncio.Event()
        self._poll_generation = 0
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ----- lifecycle -----

    async def start(self) -> None:
        """Listens on a random port of 127.0.0.1."""
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Wakes every waiting long poll and delay, then closes the server."""
        self._stopping.set()
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        """Starts the server."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stops the server."""
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder.base_url (PTB appends the token)."""
        return f"{self._origin()}/bot"

    @property
    def base_file_url(self) -> str:
        """For ApplicationBuilder.base_file_url (PTB appends the token)."""
        return f"{self._origin()}/file/bot"

    def _origin(self) -> str:
        """http://127.0.0.1:PORT once started."""
        if not self._port:
            raise RuntimeError("start() the FakeBotApi before asking for its URLs")
        return f"http://127.0.0.1:{self._port}"

    @property
    def bot_id(self) -> int:
        """The bot's user id (the token's number, as on Telegram)."""
        return int(self.bot_user["id"])

    # ----- test-side API -----

    def push_update(self, update: JSON) -> int:
        """Queues an update (without update_id) for getUpdates; returns its update_id."""
        if "update_id" in update:
            raise ValueError("push_update assigns update_id itself")
        full = {"update_id": self._next_update_id, **copy.deepcopy(update)}
        self.spec.update_type(full)
        self._next_update_id += 1
        self.state.observe(full)
        self.state.updates.append(full)
        self._notify()
        return int(full["update_id"])

    def add_file(
        self, data: bytes, *, file_path_hint: str = "voice/file_1.oga"
    ) -> tuple[str, str]:
        """Registers bytes for getFile and download; returns (file_id, file_unique_id)."""
        stored = self.state.add_file(data, file_path_hint)
        return stored.file_id, stored.file_unique_id

    def add_chat(self, chat: JSON) -> None:
        """Makes a chat known (chats in pushed updates are known already)."""
        self.spec.check(chat, "Chat", "add_chat")
        self.state.remember_chat(chat)

    def set_chat_member(self, chat_id: int, user_id: int, status: str, **rights: object) -> JSON:
        """Sets a member's status ("creator", "administrator", ...) and rights (can_* = True)."""
        return self.state.chat_member(chat_id, user_id, status, rights)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answers the next `times` calls of `method` ("file" = downloads) with an error."""
        fault = _Fault(status, retry_after if status == 429 else None, description)
        self._faults[method.lower()].extend(fault for _ in range(times))

    def delay_next(self, method: str, seconds: float) -> None:
        """Holds the next call of `method` for `seconds` before answering it."""
        self._faults[method.lower()].append(_Fault(delay=seconds))

    @property
    def sent(self) -> defaultdict[int, list[SentMessage]]:
        """Messages the bot sent or edited, per chat id, in order."""
        return self.methods.sent

    @property
    def limit_violations(self) -> list[str]:
        """Bot API limits the bot broke (each was answered with Telegram's 400)."""
        return self.methods.limit_violations

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self.state.updates)

    def calls(self, method: str) -> list[ApiCall]:
        """Calls of one method, in order."""
        return [call for call in self.requests if call.method.lower() == method.lower()]

    def rejected(self) -> list[ApiCall]:
        """Calls that were answered with an error."""
        return [call for call in self.requests if call.status and call.status >= 400]

    # The `timeout` argument is this helper's documented API (ASYNC109 prefers asyncio.timeout).
    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:  # noqa: ASYNC109
        """Waits until `predicate()` is truthy and returns it; TimeoutError says what happened."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := predicate()):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s; {self.describe()}")
            # Also re-check every 50 ms, for predicates over state outside the fake.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
        return value

    async def wait_for_messages(
        self,
        chat_id: int,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Waits until the bot has sent `n` or more messages to a chat; returns them all."""

        def sent() -> list[SentMessage]:
            messages = [m for m in self.sent.get(chat_id, []) if m.method.startswith("send")]
            return messages if len(messages) >= n else []

        return await self.wait_for(sent, timeout)

    def describe(self) -> str:
        """Recent calls and pending updates, for failure messages."""
        calls = [
            f"{c.method}({', '.join(map(str, c.raw))}) -> {c.status} {c.description or ''}"
            for c in self.requests[-8:]
        ]
        pending = [next(k for k in u if k != "update_id") for u in self.state.updates]
        return f"recent calls: {calls}; pending updates: {pending}; errors: {self.errors}"

    # ----- HTTP -----

    def _notify(self) -> None:
        """Wakes everything waiting for a change (long polls, wait_for)."""
        self._changed.set()
        self._changed = asyncio.Event()

    def _token_error(self, token: str) -> web.Response | None:
        """Telegram answers 404 for a malformed token and 401 for a wrong one."""
        if not TOKEN_FORMAT.fullmatch(token):
            return _error(404, "Not Found")
        if token != self.token:
            return _error(401, "Unauthorized")
        return None

    async def _handle_method(self, request: web.Request) -> web.Response:
        """Answers /bot<token>/<method> like Telegram."""
        token_error = self._token_error(request.match_info["token"])
        if token_error is not None:
            return token_error
        method = request.match_info["method"]
        call = ApiCall(method, {}, time.time())
        self.requests.append(call)
        try:
            call.raw = await _read_params(request)
            await self._apply_fault(method)
            definition = self.spec.method(method)
            if definition is None:
                raise ApiError(404, "Not Found")
            try:
                call.params = self.spec.parse_params(method, call.raw)
            except SpecError as error:
                raise ApiError(400, f"Bad Request: {error}") from error
            if definition.name == "getUpdates":
                result: Any = await self._get_updates(call.params)
            else:
                result = self._call(definition.name, call.params)
            self._check_result(definition.name, result)
        except ApiError as error:
            call.status, call.description = error.status, error.description
            self._notify()
            return _error(error.status, error.description, error.retry_after)
        call.status = 200
        self._notify()
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serves /file/bot<token>/<file_path> for files registered with add_file."""
        token_error = self._token_error(request.match_info["token"])
        if token_error is not None:
            return token_error
        path = request.match_info["path"]
        self.downloads.append(path)
        try:
            await self._apply_fault("file")
        except ApiError as error:
            return _error(error.status, error.description, error.retry_after)
        stored = self.state.files_by_path.get(path)
        if stored is None:
            return _error(404, "Not Found")
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _apply_fault(self, method: str) -> None:
        """Applies the next injected delay or failure for this method, if any."""
        queue = self._faults.get(method.lower())
        if not queue:
            return
        fault = queue.popleft()
        if fault.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.delay)
        if fault.status:
            description = fault.description or _PHRASES.get(fault.status, "Error")
            if fault.status == 429:
                description = f"Too Many Requests: retry after {fault.retry_after}"
            raise ApiError(fault.status, description, fault.retry_after)

    async def _get_updates(self, params: dict[str, Any]) -> list[JSON]:
        """Long polling: confirms by offset, waits up to `timeout` for allowed updates."""
        if self.state.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # A newer getUpdates ends older ones, as on Telegram (PTB abandons its poll on stop).
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        if "allowed_updates" in params:
            self.state.allowed_updates = frozenset(params["allowed_updates"]) or None
        self.state.confirm(params.get("offset"))
        limit = min(max(params.get("limit", 100), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(max(params.get("timeout", 0), 0), MAX_POLL_TIMEOUT)
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            updates = self.state.deliverable(limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or self._stopping.is_set():
                return updates
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _call(self, method: str, params: dict[str, Any]) -> object:
        """Runs a method; a crash inside the fake is recorded and answered with 500."""
        try:
            return self.methods.call(method, params)
        except (KeyError, TypeError, ValueError) as error:  # SpecError is a ValueError
            self.errors.append(f"{method} crashed: {error!r}")
            raise ApiError(500, f"Internal Server Error: {method} crashed: {error!r}") from error

    def _check_result(self, method: str, result: object) -> None:
        """Every result must be spec-valid; a violation is a bug in the fake: answer 500."""
        try:
            self.spec.check_result(method, result)
        except SpecError as error:
            self.errors.append(str(error))
            message = f"Internal Server Error: fake built an invalid result: {error}"
            raise ApiError(500, message) from error


async def _read_params(request: web.Request) -> dict[str, object]:
    """Query string plus form, multipart or JSON body, as Telegram accepts them."""
    params: dict[str, object] = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise ApiError(400, "Bad Request: can't parse JSON body") from error
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        params.update(body)
        return params
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            with value.file:  # aiohttp spools uploads to a temp file we must close
                data = value.file.read()
            params[name] = Upload(value.filename, value.content_type, data)
        else:
            params[name] = value
    return params


def _dumps(value: object) -> str:
    """JSON as Telegram sends it (UTF-8, no ASCII escaping)."""
    return json.dumps(value, ensure_ascii=False)


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    """Telegram's error body: ok=false, error_code, description (+ retry_after)."""
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status, dumps=_dumps)

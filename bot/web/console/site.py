"""The console's frame: strings, the moderator behind a request, CSRF, rendering."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
import yaml
from aiohttp import web
from telegram import Bot

from bot.deps import Deps
from bot.web.console import auth

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
JINJA = web.AppKey("ojo_console_jinja", jinja2.Environment)
LANGS = ("es", "en")
LANG_COOKIE = "ojo_console_lang"


@cache
def catalog() -> dict[str, dict[str, str]]:
    """The console's strings per language (texts.yaml)."""
    data: dict[str, dict[str, str]] = yaml.safe_load((HERE / "texts.yaml").read_text("utf-8"))
    return data


def text(lang: str, key: str, **params: object) -> str:
    """One console string in `lang` (Spanish fallback, then the key itself)."""
    got = catalog().get(lang, {}).get(key) or catalog()["es"].get(key) or key
    return got.format(**params) if params else got


@dataclass(frozen=True)
class Ctx:
    """One signed-in request: the moderator, their role and language, and the CSRF token."""

    user_id: int
    role: str
    lang: str
    csrf: str

    def t(self, key: str, **params: object) -> str:
        """A console string in the moderator's language."""
        return text(self.lang, key, **params)


Page = Callable[[web.Request, Ctx], Awaitable[web.StreamResponse]]


def lang_of(request: web.Request) -> str:
    """?lang=, else the language cookie, else the browser's first es/en preference."""
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LANGS:
        return chosen
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGS:
            return code
    return "es"


class Site:
    """Shared by every console page: the bot's services and the request guard."""

    def __init__(self, deps: Deps, bot: Bot) -> None:
        self.deps = deps
        self.bot = bot

    @property
    def secure(self) -> bool:
        """Whether the console is served over https (then cookies are Secure)."""
        return self.deps.settings.console_url.startswith("https://")

    def page(self, handler: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Wrap a page: moderators only, CSRF checked on every state-changing request."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            lang = lang_of(request)
            signed = auth.check_session(self.deps.settings, request.cookies.get(auth.COOKIE, ""))
            if signed is None:
                if request.method != "GET":
                    return self.error(request, lang, "welcome.body", status=401)
                raise web.HTTPSeeOther("/console/welcome")
            # The role is looked up on every request: a moderator removed in Telegram is out.
            role = await self.deps.moderation.role_of(signed.user_id)
            if role is None:
                response = self.error(request, lang, "login.denied", status=403)
                response.del_cookie(auth.COOKIE, path="/console")
                return response
            ctx = Ctx(signed.user_id, role, lang, auth.csrf_token(self.deps.settings, signed))
            if request.method != "GET":
                form = await request.post()
                given = str(form.get("csrf", "")) or request.headers.get("X-CSRF-Token", "")
                if not auth.csrf_ok(self.deps.settings, signed, given):
                    logger.warning("console: a POST without a valid CSRF token was refused")
                    return self.error(request, lang, "csrf", status=403)
            answer = await handler(request, ctx)
            if request.query.get("lang") in LANGS:
                answer.set_cookie(LANG_COOKIE, lang, path="/console", samesite="Strict")
            return answer

        return guarded

    def render(
        self,
        request: web.Request,
        template: str,
        lang: str,
        context: Mapping[str, Any],
        *,
        ctx: Ctx | None = None,
        status: int = 200,
    ) -> web.Response:
        """Render a template with the strings, the moderator and their CSRF token."""
        full = {
            "t": lambda key, **p: text(lang, key, **p),
            "lang": lang,
            "other_lang": "en" if lang == "es" else "es",
            "ctx": ctx,
            "path": request.path,
            **context,
        }
        response = aiohttp_jinja2.render_template(
            template, request, full, status=status, app_key=JINJA
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"  # login links must not leak
        return response

    def error(
        self, request: web.Request, lang: str, key: str, *, status: int, **params: object
    ) -> web.Response:
        """A page explaining why a request cannot go on."""
        message = text(lang, key, **params)
        return self.render(request, "error.html", lang, {"message": message}, status=status)


def setup_jinja(app: web.Application) -> None:
    """The console's Jinja2 environment (autoescaped) on the aiohttp app."""
    aiohttp_jinja2.setup(
        app,
        app_key=JINJA,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

"""The moderator web console under /console (server-rendered, moderators only)."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web
from telegram import Bot

from bot.deps import Deps
from bot.storage.audit import AuditRepo, user_actor
from bot.web.console import auth
from bot.web.console.moderators import ModeratorPages
from bot.web.console.patterns import PatternPages
from bot.web.console.queue import QueuePages
from bot.web.console.site import Ctx, Site, lang_of, setup_jinja
from bot.web.console.stats import StatsPages

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


class Access:
    """Signing in with a one-time link from the bot, and out again."""

    def __init__(self, site: Site) -> None:
        self.site = site

    async def root(self, request: web.Request) -> web.StreamResponse:
        """/console: the queue with a session, else how to get a link."""
        signed = auth.check_session(self.site.deps.settings, request.cookies.get(auth.COOKIE, ""))
        raise web.HTTPSeeOther("/console/queue" if signed else "/console/welcome")

    async def welcome(self, request: web.Request) -> web.StreamResponse:
        """How to get a login link."""
        return self.site.render(request, "welcome.html", lang_of(request), {})

    async def login_form(self, request: web.Request) -> web.StreamResponse:
        """A valid link shows a sign-in button: link previews (GET) must not spend it."""
        lang = lang_of(request)
        token = request.query.get("t", "")
        got = auth.check_login(self.site.deps.settings, token)
        if isinstance(got, str):
            return self.site.error(request, lang, f"login.{got}", status=403)
        if await auth.was_spent(self.site.deps.db, got):
            return self.site.error(request, lang, "login.used", status=403)
        context = {"token": token, "user": got.user_id}
        return self.site.render(request, "login.html", lang, context)

    async def login(self, request: web.Request) -> web.StreamResponse:
        """Spend the link, check the role, audit, and set the session cookie."""
        lang = lang_of(request)
        form = await request.post()
        deps = self.site.deps
        got = auth.check_login(deps.settings, str(form.get("t", "")))
        if isinstance(got, str):
            return self.site.error(request, lang, f"login.{got}", status=403)
        if not await auth.spend(deps.db, got):
            return self.site.error(request, lang, "login.used", status=403)
        role = await deps.moderation.role_of(got.user_id)
        if role is None:
            return self.site.error(request, lang, "login.denied", status=403)
        async with deps.db() as session, session.begin():
            await AuditRepo(session).record(
                user_actor(got.user_id), "console.login", "console", after={"role": role}
            )
        logger.info("console: moderator signed in (%s)", role)
        response = see_other("/console/queue")
        response.set_cookie(
            auth.COOKIE,
            auth.session_cookie(deps.settings, got.user_id),
            max_age=deps.settings.console_session_hours * 3600,
            path="/console",
            httponly=True,
            samesite="Strict",
            secure=self.site.secure or request.secure,
        )
        return response

    async def logout(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Drop the session cookie."""
        response = see_other("/console/welcome")
        response.del_cookie(auth.COOKIE, path="/console")
        return response


def see_other(location: str) -> web.Response:
    """A 303 redirect that can carry cookies (aiohttp wants HTTP exceptions raised)."""
    return web.Response(status=303, headers={"Location": location})


def setup_console(app: web.Application, deps: Deps, bot: Bot) -> None:
    """Add the console's routes, templates and static files to the bot's web app."""
    setup_jinja(app)
    site = Site(deps, bot)
    access, queue = Access(site), QueuePages(site)
    patterns, stats = PatternPages(site), StatsPages(site)
    page = site.page
    r = app.router
    r.add_get("/console", access.root)
    r.add_get("/console/", access.root)
    r.add_get("/console/welcome", access.welcome)
    r.add_get("/console/login", access.login_form)
    r.add_post("/console/login", access.login)
    r.add_post("/console/logout", page(access.logout))
    r.add_get("/console/queue", page(queue.queue))
    r.add_get("/console/reports/{rid:\\d+}", page(queue.report))
    r.add_get("/console/reports/{rid:\\d+}/audio", page(queue.audio))
    r.add_post("/console/reports/{rid:\\d+}/draft", page(queue.draft))
    r.add_post("/console/reports/{rid:\\d+}/attach", page(queue.attach))
    r.add_post("/console/reports/{rid:\\d+}/resolve", page(queue.resolve))
    r.add_get("/console/patterns", page(patterns.list))
    r.add_get("/console/patterns/{pid}", page(patterns.show))
    r.add_post("/console/patterns/{pid}", page(patterns.save))
    r.add_post("/console/patterns/{pid}/dry-run", page(patterns.dry))
    r.add_post("/console/patterns/{pid}/rollback", page(patterns.rollback))
    r.add_post("/console/patterns/{pid}/status", page(patterns.status))
    r.add_get("/console/audit", page(patterns.audit))
    r.add_get("/console/stats", page(stats.stats))
    moderators = ModeratorPages(site)
    r.add_get("/console/moderators", page(moderators.show))
    r.add_post("/console/moderators", page(moderators.change))
    r.add_static("/console/static", STATIC)

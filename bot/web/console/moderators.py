"""Owners add and remove moderators, as with /mod in Telegram (same service, audited)."""

from __future__ import annotations

from aiohttp import web

from bot.moderation.admin import ModeratorAdmin
from bot.web.console.site import Ctx, Site


class ModeratorPages:
    """The owners-only moderators page."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.admin = ModeratorAdmin(site.deps)

    async def show(self, request: web.Request, ctx: Ctx, **extra: object) -> web.StreamResponse:
        """Owners and moderators, with add and remove forms."""
        if ctx.role != "owner":
            return self.site.error(request, ctx.lang, "owners_only", status=403)
        owners = ", ".join(str(i) for i in self.site.deps.settings.moderators) or "—"
        context = {
            "owners": owners,
            "rows": await self.admin.list(),
            "done": None,
            "problem": None,
            "refusals": (),
            **extra,
        }
        return self.site.render(request, "moderators.html", ctx.lang, context, ctx=ctx)

    async def change(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Add or remove one moderator."""
        if ctx.role != "owner":
            return self.site.error(request, ctx.lang, "owners_only", status=403)
        form = await request.post()
        raw = str(form.get("user_id", "")).strip()
        if not raw.lstrip("-").isdigit():
            return await self.show(request, ctx, problem=ctx.t("mods.bad_id"))
        target = int(raw)
        if form.get("action") == "remove":
            removed = await self.admin.remove(target, ctx.user_id)
            key = "mods.removed" if removed else "mods.not_found"
            return await self.show(request, ctx, done=ctx.t(key, id=target))
        await self.admin.add(target, ctx.user_id)
        return await self.show(request, ctx, done=ctx.t("mods.added", id=target))

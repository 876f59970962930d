"""Pattern pages: the list, the editor with its live dry run, versions, rollback, audit."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.content.models import CATEGORIES, Pattern
from bot.moderation.admin import Change, PatternAdmin
from bot.moderation.drafts import SEVERITIES
from bot.moderation.review import vet
from bot.storage.audit import AuditRepo, user_actor
from bot.storage.cache import VerdictCacheRepo
from bot.storage.patterns import PatternOrigin, PatternRepo, PatternStatus, PatternVersionRecord
from bot.web.console.dryrun import dry_run
from bot.web.console.forms import FormError, pattern_fields, pattern_from_form
from bot.web.console.site import Ctx, Site

AUDIT_ROWS = 100


@dataclass(frozen=True, slots=True)
class VersionView:
    """A version with the diff from the one before it."""

    record: PatternVersionRecord
    diff: tuple[str, ...]


def _pretty(body_json: str, status: str) -> list[str]:
    body = {**json.loads(body_json), "status": status}
    return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).splitlines()


def versions(history: tuple[PatternVersionRecord, ...]) -> list[VersionView]:
    """Newest first, each with a unified diff against its predecessor."""
    out: list[VersionView] = []
    before: list[str] = []
    for v in history:
        now = _pretty(v.body_json, v.status)
        diff = difflib.unified_diff(before, now, f"v{v.version - 1}", f"v{v.version}", n=1)
        kept = (line.rstrip("\n") for line in diff if not line.startswith("@@"))
        out.append(VersionView(v, tuple(kept)))
        before = now
    return list(reversed(out))


class PatternPages:
    """Pattern administration; writes use the same gate, versioning and sync as Telegram."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.admin = PatternAdmin(site.deps)

    async def list(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Every pattern, moderator-made ones first."""
        rows = await self.admin.rows(ctx.lang)
        return self.site.render(request, "patterns.html", ctx.lang, {"rows": rows}, ctx=ctx)

    async def show(self, request: web.Request, ctx: Ctx, **extra: Any) -> web.StreamResponse:
        """The editor of one pattern, its versions with diffs and its audit log."""
        pid = request.match_info["pid"]
        shown = await self.admin.show(pid)
        if shown is None:
            return self.site.error(request, ctx.lang, "error.not_found", status=404)
        pattern, record, history = shown
        async with self.site.deps.db() as session:
            audit = await AuditRepo(session).list(target=f"pattern:{pid}", limit=AUDIT_ROWS)
        context = {
            "pattern": pattern,
            "origin": record.origin if record else "preset",
            "current": record.version if record else None,
            "fields": extra.pop("fields", None) or pattern_fields(pattern),
            "versions": versions(history),
            "audit": audit,
            "categories": CATEGORIES,
            "severities": SEVERITIES,
            "dry": None,
            "done": None,
            "problem": None,
            "refusals": (),
            **extra,
        }
        return self.site.render(request, "pattern.html", ctx.lang, context, ctx=ctx)

    async def dry(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """A dry run of the edited pattern (a fragment for the live view, else the page)."""
        got = await self._candidate(request, ctx)
        fragment = request.headers.get("X-Fragment") == "dry"
        if isinstance(got, str):
            if fragment:
                return self.site.render(
                    request, "_dry.html", ctx.lang, {"dry": None, "problem": got}, ctx=ctx
                )
            return await self.show(request, ctx, problem=got, fields=dict(await request.post()))
        run = await dry_run(self.site.deps, got)
        if fragment:
            context = {"dry": run, "problem": None}
            return self.site.render(request, "_dry.html", ctx.lang, context, ctx=ctx)
        return await self.show(request, ctx, dry=run, fields=dict(await request.post()))

    async def save(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Save the edited pattern as a new version, if it passes the safety gate."""
        pid = request.match_info["pid"]
        fields = dict(await request.post())
        got = await self._candidate(request, ctx)
        if isinstance(got, str):
            return await self.show(request, ctx, problem=got, fields=fields)
        refusals = await vet(self.site.deps, got)
        if refusals:
            run = await dry_run(self.site.deps, got)
            return await self.show(request, ctx, refusals=refusals, dry=run, fields=fields)
        shown = await self.admin.show(pid)
        record = shown[1] if shown else None
        origin: PatternOrigin = (
            "moderator" if record and record.origin == "moderator" else "preset"
        )
        async with self.site.deps.db() as session, session.begin():
            version = await PatternRepo(session).upsert_version(
                pid, got.model_dump_json(), got.status, origin, user_actor(ctx.user_id), "console"
            )
            # Cached analyses of unflagged notes dropped their transcript: analyse afresh.
            await VerdictCacheRepo(session).invalidate_all()
        await self.site.deps.patterns.sync()
        return await self.show(request, ctx, done=ctx.t("done.saved", id=pid, version=version))

    async def rollback(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Make an old version current again (gated like Telegram's /patterns rollback)."""
        form = await request.post()
        raw = str(form.get("version", ""))
        if not raw.isdigit():
            return await self.show(request, ctx, problem=ctx.t("problem.mod.patterns.no_version"))
        change = await self.admin.rollback(request.match_info["pid"], int(raw), ctx.user_id)
        return await self._changed(request, ctx, change)

    async def status(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Enable or disable a pattern."""
        form = await request.post()
        status: PatternStatus = "active" if form.get("status") == "active" else "disabled"
        change = await self.admin.set_status(request.match_info["pid"], status, ctx.user_id)
        return await self._changed(request, ctx, change)

    async def audit(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """The whole audit log, newest first."""
        async with self.site.deps.db() as session:
            entries = await AuditRepo(session).list(limit=AUDIT_ROWS)
        return self.site.render(request, "audit.html", ctx.lang, {"audit": entries}, ctx=ctx)

    async def _changed(self, request: web.Request, ctx: Ctx, change: Change) -> web.StreamResponse:
        pid = request.match_info["pid"]
        if change.refusals:
            return await self.show(request, ctx, refusals=change.refusals)
        if change.problem:
            return await self.show(request, ctx, problem=ctx.t(f"problem.{change.problem}"))
        return await self.show(
            request, ctx, done=ctx.t("done.saved", id=pid, version=change.version)
        )

    async def _candidate(self, request: web.Request, ctx: Ctx) -> Pattern | str:
        """The pattern the editor's form describes, or what is wrong with it."""
        shown = await self.admin.show(request.match_info["pid"])
        if shown is None:
            return ctx.t("problem.mod.patterns.unknown")
        try:
            return pattern_from_form(shown[0], await request.post())
        except FormError as exc:
            return ctx.t("problem.invalid", detail=str(exc))

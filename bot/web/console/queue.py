"""Queue pages: reports and trend alerts, one report's review and its four decisions."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError
from telegram.error import TelegramError

from bot.content.models import CATEGORIES, Localized
from bot.moderation import live
from bot.moderation.drafts import SEVERITIES, pattern_from_draft
from bot.moderation.review import MAX_EXAMPLE, Outcome, Review, content_of
from bot.storage.models import REPORT_STATUSES, WATCHABLE_KINDS
from bot.storage.reports import ReportStatus
from bot.web.console import queries
from bot.web.console.dryrun import dry_run
from bot.web.console.forms import apply_draft, draft_fields, first_error
from bot.web.console.site import Ctx, Site

AUDIO_TYPES = {"voice": "audio/ogg", "audio": "audio/mpeg", "video_note": "video/mp4"}


class QueuePages:
    """The queue and report pages; every decision goes through the Telegram flow's Review."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.flow = Review(site.deps)

    async def queue(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Reports and trend alerts, filtered and sorted."""
        q = request.query
        filters = queries.Filters(
            status=q.get("status", "new") if q.get("status", "new") in REPORT_STATUSES else "",
            kind=q.get("kind", ""),
            category=q.get("category", ""),
            lang=q.get("lang_filter", ""),
            country=q.get("country", "").upper(),
            sort="forwarded" if q.get("sort") == "forwarded" else "newest",
        )
        items = await queries.queue(self.site.deps, filters)
        countries = sorted({c.country for c in self.site.deps.analyzer.engines.pack.channels})
        context = {
            "items": items,
            "filters": filters,
            "statuses": REPORT_STATUSES,
            "kinds": WATCHABLE_KINDS,
            "categories": CATEGORIES,
            "countries": [c for c in countries if c != "*"],
        }
        return self.site.render(request, "queue.html", ctx.lang, context, ctx=ctx)

    async def report(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """One report: content, verdict and why, forwards, and the decisions."""
        return await self._report_page(request, ctx, int(request.match_info["rid"]))

    async def _report_page(
        self, request: web.Request, ctx: Ctx, rid: int, **extra: Any
    ) -> web.StreamResponse:
        report = await self.flow.report(rid)
        if report is None:
            return self.site.error(request, ctx.lang, "error.not_found", status=404)
        item = queries.item_of(
            self.site.deps.analyzer.engines.pack,
            report,
            await queries.forwards_of(self.site.deps, report),
        )
        context: dict[str, Any] = {"item": item, "report": report, "done": None, "dry": None}
        context.update(problem=None, refusals=())
        if report.status == "new":
            draft = await self.flow.draft(report)
            overrides = (await live.load_overrides(self.site.deps.db))[1]
            context["draft"] = extra.pop("fields", None) or draft_fields(draft)
            context["suggested"] = self.flow.suggestions(report, overrides)
            context["pattern_ids"] = sorted(
                p.id for p in self.site.deps.analyzer.engines.engine.patterns
            )
        context.update(categories=CATEGORIES, severities=SEVERITIES, **extra)
        return self.site.render(request, "report.html", ctx.lang, context, ctx=ctx)

    async def draft(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Save the draft form, then dry-run it or make it a live pattern."""
        rid = int(request.match_info["rid"])
        report = await self.flow.report(rid)
        if report is None or report.status != "new":
            return await self._report_page(request, ctx, rid)
        form = await request.post()
        draft = apply_draft(await self.flow.draft(report), form)
        await self.flow.save_draft(draft)
        if form.get("action") == "create":
            outcome = await self.flow.create(self.site.bot, rid, ctx.user_id)
            return await self._after(request, ctx, rid, outcome)
        summary = Localized(es=f"#{rid}", en=f"#{rid}")  # a dry run saves nothing
        try:
            candidate = pattern_from_draft(draft, content_of(report)[:MAX_EXAMPLE], summary)
        except ValidationError as exc:
            return await self._report_page(
                request, ctx, rid, problem=ctx.t("problem.invalid", detail=first_error(exc))
            )
        dry = await dry_run(self.site.deps, candidate)
        return await self._report_page(request, ctx, rid, dry=dry)

    async def attach(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Attach the report to an existing pattern."""
        rid = int(request.match_info["rid"])
        form = await request.post()
        outcome = await self.flow.attach(
            self.site.bot, rid, str(form.get("pattern", "")), ctx.user_id
        )
        return await self._after(request, ctx, rid, outcome)

    async def resolve(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """Mark a report legitimate (it joins the corpus guard) or reject it."""
        rid = int(request.match_info["rid"])
        form = await request.post()
        status: ReportStatus = "legit" if form.get("status") == "legit" else "rejected"
        report = await self.flow.report(rid)
        if report is None or report.status != "new":
            return await self._report_page(request, ctx, rid)
        await self.flow.resolve(rid, status, ctx.user_id)
        done = ctx.t(f"done.{status}", id=rid)
        flagging = await self.flow.still_flagging(report) if status == "legit" else []
        if flagging:
            done += " " + ctx.t("done.still_flagging", patterns=", ".join(flagging))
        return await self._report_page(request, ctx, rid, done=done)

    async def audio(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """The reported recording, fetched from Telegram while the report keeps its file id."""
        report = await self.flow.report(int(request.match_info["rid"]))
        if report is None or not report.file_id:
            raise web.HTTPNotFound
        try:
            file = await self.site.bot.get_file(report.file_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise web.HTTPBadGateway(text=type(exc).__name__) from exc
        kind = AUDIO_TYPES.get(report.kind, "application/octet-stream")
        return web.Response(body=data, content_type=kind, headers={"Cache-Control": "no-store"})

    async def _after(
        self, request: web.Request, ctx: Ctx, rid: int, outcome: Outcome
    ) -> web.StreamResponse:
        if outcome.ok:
            done = ctx.t("done.created", id=outcome.pattern_id, version=outcome.version)
            return await self._report_page(request, ctx, rid, done=done)
        if outcome.problem:
            problem = ctx.t(f"problem.{outcome.problem}")
            return await self._report_page(request, ctx, rid, problem=problem)
        return await self._report_page(request, ctx, rid, refusals=outcome.refusals)

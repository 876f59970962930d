"""The stats page: checks per day by verdict and kind, top patterns, top unknown items."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.storage.reports import ReportRepo
from bot.storage.stats import DayStat, StatsRepo
from bot.web.console import charts
from bot.web.console.site import Ctx, Site

DEFAULT_DAYS = 14
LEVELS = ("scam", "suspicious", "no_match")


def by(per_day: tuple[DayStat, ...], days: list[str], attr: str) -> dict[str, list[int]]:
    """Counts per day of each value of `attr` ("level" or "kind")."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(days, 0))
    for s in per_day:
        table[getattr(s, attr)][s.day.isoformat()] += s.count
    order = [lv for lv in LEVELS if lv in table] if attr == "level" else sorted(table)
    return {name: [table[name][d] for d in days] for name in order}


class StatsPages:
    """Charts of what Ojo checked and what moderators should look at next."""

    def __init__(self, site: Site) -> None:
        self.site = site

    async def stats(self, request: web.Request, ctx: Ctx) -> web.StreamResponse:
        """The stats page for the last ?days= days."""
        raw = request.query.get("days", "")
        days = int(raw) if raw.isdigit() and 0 < int(raw) <= 90 else DEFAULT_DAYS
        await self.site.deps.stats.flush()  # counters are buffered in memory for a few seconds
        async with self.site.deps.db() as session:
            stats = StatsRepo(session)
            per_day = await stats.per_day(days)
            top = await stats.top_patterns(days, 10)
            unknown = await stats.top_reported_unknown(10)
            reports = await ReportRepo(session).count_by_status()
        today = datetime.now(UTC).date()
        labels = [(today - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
        levels = by(per_day, labels, "level")
        kinds = by(per_day, labels, "kind")
        level_names = {lv: ctx.t(f"level.{lv}") for lv in LEVELS}
        context = {
            "days": days,
            "labels": labels,
            "levels": levels,
            "kinds": kinds,
            "level_names": level_names,
            "top": top,
            "unknown": unknown,
            "reports": reports,
            "chart_levels": charts.stacked_columns(
                ctx.t("stats.by_verdict"), labels, levels, level_names
            ),
            "chart_kinds": charts.stacked_columns(ctx.t("stats.by_kind"), labels, kinds, {}),
            "chart_top": charts.bars(
                ctx.t("stats.top_patterns"), [(p.pattern_id, p.count) for p in top]
            ),
            "chart_unknown": charts.bars(
                ctx.t("stats.top_unknown"),
                [(f"#{u.report_id} ({u.kind})", u.count) for u in unknown],
            ),
            "chart_reports": charts.bars(
                ctx.t("stats.reports"),
                [(ctx.t(f"status.{s}"), n) for s, n in reports.items()],
            ),
        }
        return self.site.render(request, "stats.html", ctx.lang, context, ctx=ctx)

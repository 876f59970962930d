"""Imports go one way: matching <- content <- analysis <- services <- handlers <- app.

Every import counts, including those under TYPE_CHECKING and inside functions: a lower layer
that needs something from a higher one gets it passed in (a Protocol, a callable), never
imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Module prefixes, lowest layer first. Shared leaf modules (errors, settings, metrics) import
# nothing of Ojo's and sit at the bottom, with the content schema (bot/content/models.py): the
# pure engine takes its Pattern values as input, so the schema sits below it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("bot.errors", "bot.settings", "bot.metrics", "bot", "bot.content.models")),
    ("matching", ("bot.matching",)),
    ("content", ("bot.content", "bot.i18n")),
    ("analysis", ("bot.analysis", "bot.privacy", "bot.verdict", "bot.render")),
    (
        "services",
        (
            "bot.services",
            "bot.deps",  # the bundle type handlers receive (built in bot.composition)
            "bot.analysis.audio_pack",  # reads content/audio into storage rows (seeding)
            "bot.storage",
            "bot.groups",
            "bot.moderation",
            "bot.jobs.types",
            "bot.jobs.runner",
            "bot.jobs.media",
            "bot.jobs.redis_queue",
            "bot.jobs.maintenance",
            "bot.delivery",
            "bot.keyboards",
            "bot.stats_buffer",
            "bot.prefs",  # the preferences cache over bot.storage.users
            "bot.ratelimit",
            "bot.concurrency",
            "bot.telegram_request",
            "bot.web",
        ),
    ),
    ("handlers", ("handlers",)),
    (
        "app",
        (
            "bot.composition",
            "bot.app",
            "bot.jobs.worker",
            "bot.checking",
            "bot.cli",
            "bot.__main__",
        ),
    ),
]


def layer_of(module: str) -> int:
    """The layer index of a module: its longest matching prefix wins."""
    best, best_len = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in ("bot", "handlers")}


def test_no_module_imports_from_a_higher_layer() -> None:
    problems = []
    for path in sorted([*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]):
        if "migrations" in path.parts:
            continue
        here = module_name(path)
        mine = layer_of(here)
        assert mine >= 0, f"{here} belongs to no layer"
        for name in imports(path):
            theirs = layer_of(name)
            if theirs > mine:
                problems.append(f"{here} ({LAYERS[mine][0]}) imports {name} ({LAYERS[theirs][0]})")
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_engine_imports_no_telegram_database_or_http() -> None:
    for path in ROOT.glob("bot/matching/*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                for name in names:
                    top = (name or "").split(".")[0]
                    assert top not in ("telegram", "sqlalchemy", "aiohttp"), path.name

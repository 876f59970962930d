"""Load and cross-check content packs; every error names the file, the item and the field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import re2
import yaml
from pydantic import BaseModel, ValidationError

from bot.content.models import (
    BrandsFile,
    Channel,
    CorpusFile,
    CorpusMessage,
    EngineConfig,
    LureLexicon,
    Pattern,
    ReportingFile,
    ScorerModel,
    Tip,
    TipsFile,
)
from bot.errors import ContentError
from bot.matching.phrases import normalized_variants

M = TypeVar("M", bound=BaseModel)
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


@dataclass(frozen=True)
class ContentPack:
    """Everything Ojo knows, validated."""

    patterns: tuple[Pattern, ...]
    tips: dict[str, Tip]
    channels: tuple[Channel, ...]
    corpus: tuple[CorpusMessage, ...]
    engine: EngineConfig
    version: str  # short hash of every file's bytes: invalidates caches when content changes
    root: Path = field(default=Path("."))

    def pattern(self, pattern_id: str) -> Pattern | None:
        """Return the pattern with this id, if any."""
        return next((p for p in self.patterns if p.id == pattern_id), None)


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A YAML loader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ContentError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, naming the file in any error."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except ContentError as exc:
        raise ContentError(f"{path}: {exc.detail}") from exc
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        raise ContentError(f"{path}: cannot read YAML: {exc}") from exc


def _describe(exc: ValidationError, path: Path, data: Any) -> list[str]:
    """Turn pydantic errors into 'file: item: field: message' lines."""
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        item = ""
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            item = f"pattern {data['id']}: "
        elif len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, dict):
            seq = data.get(str(loc[0]))
            if isinstance(seq, list) and loc[1] < len(seq) and isinstance(seq[loc[1]], dict):
                ident = seq[loc[1]].get("id") or seq[loc[1]].get("text", "")[:40]
                item = f"{loc[0]}[{loc[1]}] ({ident}): "
        where = ".".join(str(p) for p in loc)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        lines.append(f"{path}: {item}field {where}: {msg}")
    return lines


def parse(model: type[M], path: Path, errors: list[str]) -> M | None:
    """Validate one file against `model`, collecting readable errors."""
    try:
        data = read_yaml(path)
    except ContentError as exc:
        errors.append(exc.detail)
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors.extend(_describe(exc, path, data))
        return None


def _check_pattern(p: Pattern, path: Path, tips: dict[str, Tip], errors: list[str]) -> None:
    """Cross-checks a single model cannot do: file name, tip ids, regexes, phrases."""
    where = f"{path}: pattern {p.id}"
    if path.stem != p.id:
        errors.append(f"{where}: field id: must equal the file name {path.stem!r}")
    if (p.match.lure is not None) != p.id.startswith("lure-"):
        errors.append(
            f"{where}: field id: generic families (match.lure) and only they start 'lure-'"
        )
    for i, tip in enumerate(p.tips):
        if tip not in tips:
            errors.append(f"{where}: field tips.{i}: unknown tip id {tip!r}")
    for i, rule in enumerate(p.match.regexes):
        try:
            re2.compile(rule.pattern)
        except re2.error as exc:
            errors.append(f"{where}: field match.regexes.{i}.pattern: invalid RE2 regex: {exc}")
    for lang, phrases in p.match.phrases.items():
        for phrase in phrases:
            try:
                variants = normalized_variants(phrase)
            except ValueError as exc:
                errors.append(f"{where}: field match.phrases.{lang}.{phrase!r}: {exc}")
                continue
            if not variants:
                errors.append(f"{where}: field match.phrases.{lang}.{phrase!r}: empty phrase")


OPTIONAL_FILES = ("lures.yaml", "brands.yaml", "scorer.yaml")


def _with_lures(engine: EngineConfig, root: Path, errors: list[str]) -> EngineConfig:
    """Attach the lure lexicon, the brand gazetteer and the learned scorer, when present."""
    update: dict[str, Any] = {}
    if (root / "lures.yaml").exists():
        update["lures"] = parse(LureLexicon, root / "lures.yaml", errors)
    if (root / "brands.yaml").exists():
        brands = parse(BrandsFile, root / "brands.yaml", errors)
        if brands:
            ids = [b.id for b in brands.brands]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                errors.append(f"{root / 'brands.yaml'}: duplicate brand ids {dupes}")
            update["brands"] = tuple(brands.brands)
    if (root / "scorer.yaml").exists():
        update["scorer"] = parse(ScorerModel, root / "scorer.yaml", errors)
    return engine.model_copy(update=update)


def content_version(root: Path = DEFAULT_CONTENT_DIR) -> str:
    """Short hash of every file the bot loads (not content/devset/, which only tuning reads)."""
    digest = hashlib.sha256()
    loaded = [root / "engine.yaml", root / "tips.yaml", root / "reporting.yaml"]
    loaded += [root / name for name in OPTIONAL_FILES]
    for folder in ("patterns", "corpus", "messages", "audio"):
        loaded.extend(sorted((root / folder).glob("*.yaml")))
    for f in loaded:
        if f.exists():
            digest.update(f.relative_to(root).as_posix().encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:12]


def load_pack(root: Path = DEFAULT_CONTENT_DIR) -> ContentPack:
    """Load and validate the pack under `root`; raise ContentError listing every problem."""
    errors: list[str] = []
    version = content_version(root)
    engine = parse(EngineConfig, root / "engine.yaml", errors)
    if engine is not None:
        engine = _with_lures(engine, root, errors)
    tips_file = parse(TipsFile, root / "tips.yaml", errors)
    reporting = parse(ReportingFile, root / "reporting.yaml", errors)
    tips: dict[str, Tip] = {}
    for i, tip in enumerate(tips_file.tips if tips_file else []):
        if tip.id in tips:
            errors.append(f"{root / 'tips.yaml'}: tips[{i}]: duplicate tip id {tip.id!r}")
        tips[tip.id] = tip
    if engine:
        for sig, ids in engine.signal_tips.items():
            errors.extend(
                f"{root / 'engine.yaml'}: field signal_tips.{sig}: unknown tip id {t!r}"
                for t in ids
                if t not in tips
            )
    channel_ids: set[str] = set()
    for i, ch in enumerate(reporting.channels if reporting else []):
        if ch.id in channel_ids:
            errors.append(f"{root / 'reporting.yaml'}: channels[{i}]: duplicate id {ch.id!r}")
        channel_ids.add(ch.id)
    patterns: list[Pattern] = []
    seen: dict[str, Path] = {}
    for path in sorted((root / "patterns").glob("*.yaml")):
        pat = parse(Pattern, path, errors)
        if pat is None:
            continue
        if pat.id in seen:
            errors.append(f"{path}: pattern {pat.id}: duplicate id (also in {seen[pat.id]})")
            continue
        seen[pat.id] = path
        _check_pattern(pat, path, tips, errors)
        patterns.append(pat)
    corpus: list[CorpusMessage] = []
    for path in sorted((root / "corpus").glob("*.yaml")):
        cf = parse(CorpusFile, path, errors)
        if cf:
            corpus.extend(cf.messages)
    if errors or engine is None or reporting is None:
        raise ContentError("\n".join(errors) or f"{root}: incomplete content pack")
    return ContentPack(
        patterns=tuple(patterns),
        tips=tips,
        channels=tuple(reporting.channels),
        corpus=tuple(corpus),
        engine=engine,
        version=version,
        root=root,
    )

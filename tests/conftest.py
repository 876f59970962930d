"""Fixtures shared by every tier."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

# Durations as timedelta, as `ojo run` sets it (PTB 22 warns otherwise; warnings are errors).
os.environ.setdefault("PTB_TIMEDELTA", "1")

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def write_minimal_pack(dest: Path) -> Path:
    """Copy the small test pack to `dest`, with the shipped engine.yaml trimmed to its tips."""
    shutil.copytree(FIXTURES / "packs" / "minimal", dest)
    engine = yaml.safe_load((CONTENT / "engine.yaml").read_text(encoding="utf-8"))
    tips = {t["id"] for t in yaml.safe_load((dest / "tips.yaml").read_text())["tips"]}
    engine["signal_tips"] = {
        k: [t for t in v if t in tips] for k, v in engine.get("signal_tips", {}).items()
    }
    (dest / "engine.yaml").write_text(yaml.safe_dump(engine, allow_unicode=True), "utf-8")
    return dest


@pytest.fixture
def minimal_pack_dir(tmp_path: Path) -> Path:
    """A small, valid content pack in a temporary directory, free to break."""
    return write_minimal_pack(tmp_path / "pack")

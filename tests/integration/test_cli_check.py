"""`ojo check`: a text is answered without touching the database, a file prepares it first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import bot.checking as checking
from bot.cli import main
from tests.conftest import FIXTURES

TEXT = "Hola mamá, se me rompió el móvil, este es mi número nuevo. ¿Me haces un Bizum de 300€?"


@pytest.fixture
def prepared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[bool]:
    """Count database preparations; run in an empty directory with its own data dir."""
    calls: list[bool] = []
    real = checking.prepare_database

    async def counting(deps: Any, *, migrate: bool = True) -> None:
        calls.append(migrate)
        await real(deps, migrate=migrate)

    monkeypatch.setattr(checking, "prepare_database", counting)
    monkeypatch.chdir(tmp_path)
    for name in ("OJO_DATABASE_URL", "OJO_REDIS_URL", "OJO_CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OJO_DATA_DIR", str(tmp_path / "data"))
    return calls


def test_a_text_check_answers_without_preparing_the_database(
    prepared: list[bool], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--json", "--no-paraphrase", "--text", TEXT]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["verdict"] == "scam"
    assert prepared == []


def test_a_media_file_prepares_the_database_once_before_it_is_read(
    prepared: list[bool], capsys: pytest.CaptureFixture[str]
) -> None:
    empty = str(FIXTURES / "audio" / "empty.ogg")
    assert main(["check", "--json", "--no-paraphrase", empty, empty]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    assert [line["error"] for line in lines] == ["0 bytes", "0 bytes"]  # not "no such table"
    assert prepared == [False]

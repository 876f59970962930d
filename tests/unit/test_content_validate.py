"""`ojo content validate` accepts a good pack and names file and field for each broken one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.content.loader import load_pack
from bot.errors import ContentError


def _edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_minimal_pack_is_valid_and_its_examples_pass(
    minimal_pack_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["content", "validate", str(minimal_pack_dir), "--no-paraphrase"]) == 0
    assert "ok: 1 patterns" in capsys.readouterr().out


def test_an_unknown_field_is_rejected_naming_file_pattern_and_field(
    minimal_pack_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    _edit(path, lambda d: d["match"].update({"phrasez": {}}))
    assert main(["content", "validate", str(minimal_pack_dir), "--no-paraphrase"]) == 1
    err = capsys.readouterr().err
    assert "family-new-number.yaml" in err
    assert "pattern family-new-number" in err
    assert "match.phrasez" in err and "unknown field" in err


def test_a_duplicate_pattern_id_is_rejected(minimal_pack_dir: Path) -> None:
    src = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    copy = minimal_pack_dir / "patterns" / "family-new-number-copy.yaml"
    copy.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_pack(minimal_pack_dir)
    assert "duplicate id" in exc.value.detail
    assert "family-new-number-copy.yaml" in exc.value.detail


def test_an_unknown_tip_id_is_rejected(minimal_pack_dir: Path) -> None:
    path = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    _edit(path, lambda d: d["tips"].append("pray-for-luck"))
    with pytest.raises(ContentError) as exc:
        load_pack(minimal_pack_dir)
    assert "field tips.2: unknown tip id 'pray-for-luck'" in exc.value.detail


def test_an_invalid_regex_is_rejected(minimal_pack_dir: Path) -> None:
    path = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    _edit(path, lambda d: d["match"].update({"regexes": [{"pattern": "(bizum", "weight": 0.3}]}))
    with pytest.raises(ContentError) as exc:
        load_pack(minimal_pack_dir)
    assert "match.regexes.0.pattern: invalid RE2 regex" in exc.value.detail


def test_a_backtracking_regex_that_re2_refuses_is_rejected(minimal_pack_dir: Path) -> None:
    path = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    _edit(path, lambda d: d["match"].update({"regexes": [{"pattern": r"(a)\1", "weight": 0.3}]}))
    with pytest.raises(ContentError, match="invalid RE2 regex"):
        load_pack(minimal_pack_dir)


def test_an_example_that_does_not_behave_as_declared_fails_validation(
    minimal_pack_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    _edit(path, lambda d: d["examples"]["match"]["es"].append("¿Quedamos el sábado para el cine?"))
    assert main(["content", "validate", str(minimal_pack_dir), "--no-paraphrase"]) == 1
    err = capsys.readouterr().err
    assert "pattern family-new-number example match.es[1]: not matched" in err


def test_a_no_match_example_that_matches_fails_validation(
    minimal_pack_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    scam = "hola mamá este es mi número nuevo hazme un bizum de 200"
    _edit(path, lambda d: d["examples"]["no_match"]["es"].append(scam))
    assert main(["content", "validate", str(minimal_pack_dir), "--no-paraphrase"]) == 1
    assert "example no_match.es[1]: matched" in capsys.readouterr().err


def test_a_corpus_message_flagged_as_scam_fails_validation(
    minimal_pack_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = minimal_pack_dir / "corpus" / "family.yaml"
    scam = {"lang": "es", "text": "hola papá se me cayó el móvil es mi número nuevo, bizum porfa"}
    _edit(path, lambda d: d["messages"].append(scam))
    assert main(["content", "validate", str(minimal_pack_dir), "--no-paraphrase"]) == 1
    assert "corpus message 2" in capsys.readouterr().err


def test_a_duplicate_yaml_key_is_rejected_with_its_line(minimal_pack_dir: Path) -> None:
    path = minimal_pack_dir / "tips.yaml"
    path.write_text("tips: []\ntips: []\n", encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_pack(minimal_pack_dir)
    assert "tips.yaml: duplicate key 'tips' at line 2" in exc.value.detail


def test_an_id_that_differs_from_its_file_name_is_rejected(minimal_pack_dir: Path) -> None:
    path = minimal_pack_dir / "patterns" / "family-new-number.yaml"
    path.rename(path.with_name("family.yaml"))
    with pytest.raises(ContentError, match="must equal the file name 'family'"):
        load_pack(minimal_pack_dir)


def test_a_channel_without_phone_or_url_is_rejected(minimal_pack_dir: Path) -> None:
    path = minimal_pack_dir / "reporting.yaml"
    _edit(path, lambda d: d["channels"][0].pop("phone"))
    with pytest.raises(ContentError) as exc:
        load_pack(minimal_pack_dir)
    assert "reporting.yaml: channels[0] (es-incibe-017)" in exc.value.detail

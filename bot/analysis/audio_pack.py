"""The shipped pack of known hoax audio (content/audio/): index.yaml + one landmark file each."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.analysis import fingerprint
from bot.analysis.fingerprint import Landmarks
from bot.analysis.media import decode_audio
from bot.content.models import Category
from bot.errors import ContentError
from bot.storage.fingerprints import AudioItemDTO

INDEX = "index.yaml"
KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Text = Annotated[str, Field(min_length=1)]


class Titles(BaseModel):
    """An item's title in each language the bot speaks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    es: Annotated[str, Field(min_length=1, max_length=200)]
    en: Annotated[str, Field(min_length=1, max_length=200)]


class PackItem(BaseModel):
    """One known audio clip as written in index.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=KEBAB, max_length=80)]
    title: Titles
    category: Category
    pattern_id: Annotated[str, Field(pattern=KEBAB, max_length=80)] | None = None
    verdict: Literal["scam", "suspicious"]
    provenance: Text
    # The recording the landmarks were made from, relative to index.yaml; it need not ship.
    source_file: Text
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    duration_s: Annotated[float, Field(gt=0)]
    added: date


class PackIndex(BaseModel):
    """content/audio/index.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[PackItem]

    @model_validator(mode="after")
    def _unique_ids(self) -> PackIndex:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"duplicate audio item id {item.id!r}")
            seen.add(item.id)
        return self


def load_audio_pack(directory: Path) -> list[tuple[AudioItemDTO, Landmarks]]:
    """Load and validate content/audio: every item with its shipped landmarks."""
    index = _read_index(directory / INDEX)
    pack = []
    for item in index.items:
        lm = _read_landmarks(directory / f"{item.id}.npz")
        pack.append((_to_dto(item, len(lm)), lm))
    return pack


def build_audio_pack(directory: Path) -> None:
    """Re-fingerprint every item's source file; rewrite its .npz and its sha256 / duration_s."""
    path = directory / INDEX
    index = _read_index(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item, entry in zip(index.items, raw["items"], strict=True):
        data = (directory / item.source_file).read_bytes()
        audio = decode_audio(data)
        _write_landmarks(directory / f"{item.id}.npz", fingerprint.landmarks(audio.samples))
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["duration_s"] = round(audio.duration, 2)
    header = "".join(
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if line.startswith("#")
    )
    body = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=99)
    path.write_text(header + body, encoding="utf-8")


def _read_index(path: Path) -> PackIndex:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: {exc}") from exc
    try:
        return PackIndex.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ContentError(f"{path}: {_where(raw, first['loc'])}: {first['msg']}") from exc


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Name the failing field as `items[2] (item-id).field`."""
    where = ""
    node = raw
    for key in loc:
        node = _child(node, key)
        if isinstance(key, int):
            where += f"[{key}]"
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                where += f" ({node['id']})"
        else:
            where += f".{key}" if where else str(key)
    return where or "(top level)"


def _child(node: Any, key: int | str) -> Any:
    if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
        return node[key]
    if isinstance(key, str) and isinstance(node, dict):
        return node.get(key)
    return None


def _to_dto(item: PackItem, n_hashes: int) -> AudioItemDTO:
    return AudioItemDTO(
        id=item.id,
        # The table has one title column; presets use the Spanish one, the audio's own language.
        title=item.title.es,
        category=item.category,
        verdict=item.verdict,
        origin="preset",
        provenance=item.provenance,
        duration_s=item.duration_s,
        n_hashes=n_hashes,
        created_at=datetime.combine(item.added, time(), UTC),
        pattern_id=item.pattern_id,
    )


def _read_landmarks(path: Path) -> Landmarks:
    try:
        with np.load(path, allow_pickle=False) as npz:
            hashes, times = npz["hashes"], npz["times"]
            version, frame_seconds = int(npz["version"]), float(npz["frame_seconds"])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ContentError(f"{path}: {exc}") from exc
    if version != fingerprint.VERSION or frame_seconds != fingerprint.FRAME_SECONDS:
        raise ContentError(
            f"{path}: fingerprint version {version} ({frame_seconds} s frames), expected "
            f"{fingerprint.VERSION} ({fingerprint.FRAME_SECONDS} s): rebuild the pack"
        )
    if hashes.shape != times.shape or hashes.ndim != 1:
        raise ContentError(f"{path}: hashes and times must be 1-D arrays of the same length")
    if hashes.size and (int(hashes.min()) < 0 or int(hashes.max()) >= 2**31):
        raise ContentError(f"{path}: hashes must be in 0 .. 2**31-1")
    return Landmarks(hashes.astype(np.int64), times.astype(np.int32), frame_seconds)


def _write_landmarks(path: Path, lm: Landmarks) -> None:
    """Write an .npz byte-for-byte reproducibly (numpy's own stamps the current time)."""
    arrays: dict[str, np.ndarray] = {
        "hashes": lm.hashes.astype(np.int32),
        "times": lm.times.astype(np.int32),
        "version": np.asarray(fingerprint.VERSION, dtype=np.int32),
        "frame_seconds": np.asarray(lm.frame_seconds, dtype=np.float64),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buffer.getvalue())

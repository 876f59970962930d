"""The bot's own strings (content/messages/<lang>.yaml), looked up by key."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.content.loader import DEFAULT_CONTENT_DIR, read_yaml
from bot.errors import ContentError

LANGS = ("es", "en")


class Messages:
    """Localised strings with a Spanish fallback; a missing key is a content error."""

    def __init__(self, catalogs: dict[str, dict[str, str]]) -> None:
        self._catalogs = catalogs

    def t(self, lang: str | None, key: str, **params: object) -> str:
        """The string for `key` in `lang`, with {params} filled in."""
        catalog = self._catalogs.get(lang or "es") or self._catalogs["es"]
        text = catalog.get(key) or self._catalogs["es"].get(key)
        if text is None:
            raise KeyError(key)
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether every language defines `key`."""
        return all(key in c for c in self._catalogs.values())

    def keys(self, lang: str) -> set[str]:
        """Every key of one language."""
        return set(self._catalogs.get(lang, {}))


def load_messages(root: Path = DEFAULT_CONTENT_DIR) -> Messages:
    """Load messages/<lang>.yaml and messages/<lang>.<part>.yaml; a key defined twice fails."""
    catalogs: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        merged: dict[str, str] = {}
        paths = [root / "messages" / f"{lang}.yaml"]
        paths += sorted((root / "messages").glob(f"{lang}.*.yaml"))
        for path in paths:
            data = read_yaml(path)
            if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
                raise ContentError(f'{path}: every entry must be `key: "text"`')
            for key, value in data.items():
                if key in merged:
                    raise ContentError(f"{path}: key {key!r} is already defined in another file")
                merged[str(key)] = value
        catalogs[lang] = merged
    missing = catalogs["es"].keys() ^ catalogs["en"].keys()
    if missing:
        raise ContentError(f"{root / 'messages'}: keys not in both languages: {sorted(missing)}")
    return Messages(catalogs)


@lru_cache(maxsize=4)
def default_messages(root: Path = DEFAULT_CONTENT_DIR) -> Messages:
    """The shipped catalogs, loaded once."""
    return load_messages(root)

"""Telegram's parse modes (HTML, MarkdownV2, Markdown): text plus entities, or Telegram's error."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

Entity = dict[str, Any]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
# MarkdownV2: every one of these must be escaped with a backslash outside code and links.
_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_V2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


class EntityParseError(ValueError):
    """Telegram's "can't parse entities" error."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Turns text in a parse mode into plain text and entities, trimmed like Telegram does."""
    mode = (parse_mode or "").lower()
    entities: list[Entity]
    if not mode:
        plain, entities = text, []
    elif mode == "html":
        plain, entities = _HtmlEntities(text).result()
    elif mode == "markdownv2":
        plain, entities = _Markdown(text, v2=True).result()
    elif mode == "markdown":
        plain, entities = _Markdown(text, v2=False).result()
    else:
        raise EntityParseError("unsupported parse_mode")
    return _strip(plain, entities)


def _strip(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Removes surrounding whitespace and shifts/clips entities to the trimmed text."""
    lead = utf16_len(text) - utf16_len(text.lstrip())
    stripped = text.strip()
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept


class _HtmlEntities(HTMLParser):
    """Telegram's HTML subset: known tags only, properly nested, with their attributes."""

    def __init__(self, source: str) -> None:
        """Parses `source` at once."""
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.position = 0
        self.open: list[tuple[str, Entity]] = []
        self.entities: list[Entity] = []
        self.error: str | None = None
        self.feed(source)
        self.close()

    def result(self) -> tuple[str, list[Entity]]:
        """The plain text and entities, or EntityParseError."""
        if self.error is None and self.open:
            self.error = f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"'
        if self.error is not None:
            raise EntityParseError(f"can't parse entities: {self.error}")
        return "".join(self.parts), self.entities

    def handle_data(self, data: str) -> None:
        """Appends text."""
        self.parts.append(data)
        self.position += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Opens an entity, or records Telegram's error for an unsupported tag."""
        values = dict(attrs)
        kind = _HTML_TAGS.get(tag)
        if tag == "span" and values.get("class") == "tg-spoiler":
            kind = "spoiler"
        if kind is None or self.error:
            self._fail(f'Unsupported start tag "{tag}"')
            return
        entity: Entity = {"type": kind, "offset": self.position}
        if tag == "a":
            entity["url"] = values.get("href") or ""
        elif tag == "blockquote" and "expandable" in values:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = values.get("emoji-id") or ""
        elif tag == "tg-time":
            entity["unix_time"] = int(values.get("unix") or 0)
        elif tag == "code" and self.open and self.open[-1][0] == "pre":
            language = (values.get("class") or "").removeprefix("language-")
            if language:
                self.open[-1][1]["language"] = language
            entity["nested_in_pre"] = True
        self.open.append((tag, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Self-closing tags such as <br/> are not supported by Telegram."""
        self._fail(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        """Closes the innermost entity, which must be the one this tag names."""
        if self.error:
            return
        if not self.open or self.open[-1][0] != tag:
            expected = f'"</{self.open[-1][0]}>"' if self.open else "no end tag"
            self._fail(f'Unmatched end tag "{tag}", expected {expected}')
            return
        _, entity = self.open.pop()
        if entity.pop("nested_in_pre", False):
            return  # <pre><code class="language-x"> is one "pre" entity
        entity["length"] = self.position - entity["offset"]
        if entity["length"] > 0:
            self.entities.append(entity)

    def _fail(self, message: str) -> None:
        """Records the first error with Telegram's byte offset."""
        if self.error is None:
            line, column = self.getpos()
            lines = self.source.splitlines(keepends=True)
            offset = sum(len(chunk) for chunk in lines[: line - 1]) + column
            self.error = f"{message} at byte offset {len(self.source[:offset].encode())}"


class _Markdown:
    """MarkdownV2 (strict escaping) and legacy Markdown (bold, italic, code, pre, links)."""

    def __init__(self, source: str, *, v2: bool) -> None:
        """Parses `source` at once."""
        self.source = source
        self.v2 = v2
        self.parts: list[str] = []
        self.position = 0
        self.open: list[tuple[str, Entity]] = []
        self.entities: list[Entity] = []
        self.quote: Entity | None = None
        self._run()

    def result(self) -> tuple[str, list[Entity]]:
        """The plain text and entities."""
        return "".join(self.parts), self.entities

    def _emit(self, text: str) -> None:
        """Appends plain text."""
        self.parts.append(text)
        self.position += utf16_len(text)

    def _fail(self, index: int, message: str) -> None:
        """Raises Telegram's error with the byte offset of `index`."""
        offset = len(self.source[:index].encode())
        raise EntityParseError(f"can't parse entities: {message} at byte offset {offset}")

    def _toggle(self, marker: str, index: int) -> None:
        """Opens or closes a bold/italic/underline/strikethrough/spoiler entity."""
        if self.open and self.open[-1][0] == marker:
            _, entity = self.open.pop()
            entity["length"] = self.position - entity["offset"]
            if entity["length"] > 0:
                self.entities.append(entity)
            return
        if any(open_marker == marker for open_marker, _ in self.open):
            self._fail(index, f"Can't find end of {_V2_MARKERS[marker]} entity")
        self.open.append((marker, {"type": _V2_MARKERS[marker], "offset": self.position}))

    def _run(self) -> None:
        """Scans the source once."""
        text, index = self.source, 0
        while index < len(text):
            char = text[index]
            at_line_start = index == 0 or text[index - 1] == "\n"
            if self.v2 and at_line_start and char == ">":
                self._quote_line()
                index += 1
            elif self.v2 and char == "\n" and self.quote and not text.startswith(">", index + 1):
                self._close_quote()
                self._emit(char)
                index += 1
            elif char == "\\" and index + 1 < len(text) and (self.v2 or text[index + 1] in "_*`["):
                self._emit(text[index + 1])
                index += 2
            elif text.startswith("```", index):
                index = self._pre(index)
            elif char == "`":
                index = self._code(index)
            elif char == "[" or (self.v2 and text.startswith("![", index)):
                index = self._link(index)
            elif self.v2 and text.startswith(("__", "||"), index):
                self._toggle(text[index : index + 2], index)
                index += 2
            elif char in "*_" or (self.v2 and char == "~"):
                self._toggle(char, index)
                index += 1
            elif self.v2 and char in _V2_RESERVED:
                self._fail(index, f"Character '{char}' is reserved and must be escaped with '\\'")
            else:
                self._emit(char)
                index += 1
        if self.open:
            _, entity = self.open[-1]
            self._fail(len(text), f"Can't find end of {entity['type']} entity")
        self._close_quote()

    def _quote_line(self) -> None:
        """A line starting with ">" opens or continues a blockquote."""
        if self.quote is None:
            self.quote = {"type": "blockquote", "offset": self.position}

    def _close_quote(self) -> None:
        """Ends the open blockquote before the current position."""
        if self.quote is not None:
            self.quote["length"] = self.position - self.quote["offset"]
            self.entities.append(self.quote)
            self.quote = None

    def _code(self, index: int) -> int:
        """Inline code up to the next unescaped backtick."""
        end = self._find(index + 1, "`")
        start = self.position
        self._emit(self._unescape(self.source[index + 1 : end]))
        self.entities.append({"type": "code", "offset": start, "length": self.position - start})
        return end + 1

    def _pre(self, index: int) -> int:
        """A ``` block; its first line, if not empty, names the language."""
        end = self._find(index + 3, "```")
        body = self.source[index + 3 : end]
        language, newline, rest = body.partition("\n")
        entity: Entity = {"type": "pre", "offset": self.position}
        if newline and language.strip() and " " not in language.strip():
            entity["language"] = language.strip()
            body = rest
        self._emit(self._unescape(body))
        entity["length"] = self.position - entity["offset"]
        self.entities.append(entity)
        return end + 3

    def _link(self, index: int) -> int:
        """[text](url) or, in MarkdownV2, ![emoji](tg://emoji?id=...)."""
        emoji = self.source.startswith("![", index)
        label_start = index + (2 if emoji else 1)
        label_end = self._find(label_start, "]")
        if not self.source.startswith("(", label_end + 1):
            if self.v2:
                self._fail(label_end, "Character ']' is reserved and must be escaped with '\\'")
            self._emit(self.source[index : label_end + 1])
            return label_end + 1
        url_end = self._find(label_end + 2, ")")
        url = self._unescape(self.source[label_end + 2 : url_end])
        start = self.position
        inner = _Markdown(self.source[label_start:label_end], v2=self.v2)
        text, nested = inner.result()
        self._emit(text)
        for entity in nested:
            self.entities.append({**entity, "offset": entity["offset"] + start})
        link: Entity = {"type": "text_link", "offset": start, "length": self.position - start}
        if emoji:
            link = {**link, "type": "custom_emoji"}
            link["custom_emoji_id"] = url.removeprefix("tg://emoji?id=")
        else:
            link["url"] = url
        self.entities.append(link)
        return url_end + 1

    def _find(self, start: int, closing: str) -> int:
        """Index of the next unescaped `closing`, or Telegram's error."""
        index = start
        while index < len(self.source):
            if self.source[index] == "\\" and self.v2:
                index += 2
                continue
            if self.source.startswith(closing, index):
                return index
            index += 1
        self._fail(start - 1, f"Can't find end of the entity starting at '{closing}'")
        return index  # unreachable: _fail raises

    def _unescape(self, text: str) -> str:
        """Removes MarkdownV2 backslash escapes inside code, pre and URLs."""
        if not self.v2:
            return text
        out, index = [], 0
        while index < len(text):
            if text[index] == "\\" and index + 1 < len(text):
                index += 1
            out.append(text[index])
            index += 1
        return "".join(out)

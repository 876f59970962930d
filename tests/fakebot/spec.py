"""The Bot API spec (api.json): checks method parameters and the objects the fake serves."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("api.json")
ARRAY = "Array of "
PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean"})
# Subtypes of an abstract type are told apart by one constant field ("type": "user",
# "status": "kicked", ...); the spec states the constant only in the field's description.
_DISCRIMINATORS = ("type", "status", "source")
_CONSTANT = re.compile(r'(?:always|must be) [“"]?([a-z_]+)[”"]?')
_INTEGER = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
_INT_RANGE = 2**63


# python-telegram-bot's Defaults(parse_mode=...) add `parse_mode` to every method built on its
# _send_message, including editMessageReplyMarkup, which has no such parameter; Telegram
# ignores it. Only these exact pairs are let through: any other unknown parameter is an error.
SENT_BY_PTB_DEFAULTS = frozenset({("editmessagereplymarkup", "parse_mode")})


class SpecError(ValueError):
    """A value, a call or an object does not match the Bot API spec."""


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Field:
    """A method parameter or an object field."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class Definition:
    """A method or a type from the spec."""

    name: str
    fields: Mapping[str, Field]
    returns: tuple[str, ...] = ()
    subtypes: tuple[str, ...] = ()
    constant: tuple[str, str] | None = None  # (field, value) that names this subtype


def _fields(raw: Sequence[Mapping[str, Any]]) -> dict[str, Field]:
    """Builds the fields of a method or a type."""
    return {f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"])) for f in raw}


def _constant(raw: Mapping[str, Any]) -> tuple[str, str] | None:
    """Finds the constant discriminator field of a subtype, if it states one."""
    if not raw.get("subtype_of"):
        return None
    for field in raw.get("fields", []):
        if field["name"] in _DISCRIMINATORS and field["types"] == ["String"]:
            found = _CONSTANT.search(field["description"])
            if found:
                return field["name"], found.group(1)
    return None


class BotApiSpec:
    """Methods and types of one Bot API version, with validators."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        """Indexes the methods (case-insensitively, like Telegram) and the types."""
        self.version: str = raw["version"]
        self.methods = {
            name.lower(): Definition(name, _fields(m.get("fields", [])), tuple(m["returns"]))
            for name, m in raw["methods"].items()
        }
        self.types = {
            name: Definition(
                name,
                _fields(t.get("fields", [])),
                subtypes=tuple(t.get("subtypes", ())),
                constant=_constant(t),
            )
            for name, t in raw["types"].items()
        }

    def method(self, name: str) -> Definition | None:
        """Returns the method named `name` (any letter case), or None."""
        return self.methods.get(name.lower())

    def parse_params(self, method: str, raw: Mapping[str, object]) -> dict[str, object]:
        """Decodes form/JSON parameters of `method` to typed values; raises SpecError."""
        definition = self.method(method)
        if definition is None:
            raise SpecError(f"unknown method {method}")
        attached = {
            value.removeprefix("attach://")
            for value in _strings(raw.values())
            if value.startswith("attach://")
        }
        params: dict[str, object] = {}
        for name, value in raw.items():
            field = definition.fields.get(name)
            if field is None and (definition.name.lower(), name) in SENT_BY_PTB_DEFAULTS:
                continue  # Telegram ignores it; PTB adds it to every _send_message call
            if field is None:
                if isinstance(value, Upload) and name in attached:
                    params[name] = value
                    continue
                raise SpecError(f"unknown parameter '{name}' for {definition.name}")
            params[name] = self._decode(value, field.types, name)
        for field in definition.fields.values():
            if field.required and field.name not in params:
                raise SpecError(f"parameter '{field.name}' is required")
        return params

    def check(self, value: object, type_expr: str, where: str = "") -> None:
        """Checks a JSON value against a type expression ("Message", "Array of X", ...)."""
        where = where or type_expr
        if type_expr.startswith(ARRAY):
            if not isinstance(value, list):
                raise SpecError(f"{where}: expected {type_expr}, got {_kind(value)}")
            for index, item in enumerate(value):
                self.check(item, type_expr.removeprefix(ARRAY), f"{where}[{index}]")
            return
        if type_expr in PRIMITIVES:
            if not _is_primitive(value, type_expr):
                raise SpecError(f"{where}: expected {type_expr}, got {_kind(value)}")
            return
        if type_expr == "InputFile":
            if not isinstance(value, Upload):
                raise SpecError(f"{where}: expected an uploaded file, got {_kind(value)}")
            return
        definition = self.types.get(type_expr)
        if definition is None:
            raise SpecError(f"{where}: unknown type {type_expr}")
        if definition.subtypes:
            self._check_abstract(value, definition, where)
        else:
            self._check_object(value, definition, where)

    def check_any(self, value: object, types: Sequence[str], where: str) -> None:
        """Checks a value against a union of type expressions."""
        if len(types) == 1:
            self.check(value, types[0], where)
            return
        errors = []
        for type_expr in types:
            try:
                self.check(value, type_expr, where)
            except SpecError as error:
                errors.append(str(error))
            else:
                return
        raise SpecError(f"{where}: matches none of {' | '.join(types)}: " + "; ".join(errors))

    def check_result(self, method: str, result: object) -> None:
        """Checks what the fake returns from `method` against the method's return type."""
        definition = self.method(method)
        if definition is None:
            raise SpecError(f"unknown method {method}")
        if definition.returns == ("Boolean",) and result is not True:
            raise SpecError(f"{method} result: expected True, got {result!r}")
        self.check_any(result, definition.returns, f"{definition.name} result")

    def with_defaults(self, type_name: str, value: Mapping[str, object]) -> dict[str, object]:
        """Fills missing required Boolean/Integer fields with False/0 and checks the result."""
        filled = dict(value)
        for field in self.types[type_name].fields.values():
            if field.required and field.name not in filled:
                if field.types == ("Boolean",):
                    filled[field.name] = False
                elif field.types == ("Integer",):
                    filled[field.name] = 0
        self.check(filled, type_name)
        return filled

    def update_type(self, update: Mapping[str, object]) -> str:
        """Validates an Update and returns its one payload field ("message", ...)."""
        self.check(update, "Update")
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise SpecError(f"Update: expected exactly one payload field, got {kinds}")
        return kinds[0]

    def _check_object(self, value: object, definition: Definition, where: str) -> None:
        """Checks a concrete object: known fields only, required ones present, right types."""
        if not isinstance(value, dict):
            raise SpecError(f"{where}: expected {definition.name} object, got {_kind(value)}")
        unknown = sorted(set(value) - set(definition.fields))
        if unknown:
            raise SpecError(f"{where}: unknown field(s) {unknown} for {definition.name}")
        for field in definition.fields.values():
            if field.name in value:
                self.check_any(value[field.name], field.types, f"{where}.{field.name}")
            elif field.required:
                raise SpecError(f"{where}: missing required field '{field.name}'")
        if definition.constant:
            key, expected = definition.constant
            if value[key] != expected:
                raise SpecError(f"{where}.{key}: must be {expected!r} for {definition.name}")

    def _check_abstract(self, value: object, definition: Definition, where: str) -> None:
        """Checks a value of an abstract type against the subtype its discriminator names."""
        if isinstance(value, dict):
            constants = {
                subtype: self.types[subtype].constant
                for subtype in definition.subtypes
                if subtype in self.types and self.types[subtype].constant
            }
            # Several subtypes may share a constant (InlineQueryResultPhoto and ...CachedPhoto).
            matching = [
                subtype
                for subtype, constant in constants.items()
                if constant and value.get(constant[0]) == constant[1]
            ]
            if matching:
                self.check_any(value, matching, f"{where}<{'|'.join(matching)}>")
                return
            discriminators = [key for key in _DISCRIMINATORS if key in value]
            if discriminators and constants:
                key = discriminators[0]
                raise SpecError(
                    f"{where}.{key}: {value[key]!r} names no subtype of {definition.name}"
                )
        self.check_any(value, definition.subtypes, where)

    def _decode(self, value: object, types: tuple[str, ...], where: str) -> object:
        """Turns one raw parameter into a typed value and checks it."""
        if isinstance(value, Upload) or not isinstance(value, str):
            self.check_any(value, types, where)
            return value
        errors = []
        # Numbers and JSON first, so chat_id "123" becomes 123 while "@channel" stays a string.
        for type_expr in sorted(types, key=lambda t: t == "String"):
            try:
                return self._decode_string(value, type_expr, where)
            except SpecError as error:
                errors.append(str(error))
        raise SpecError("; ".join(errors))

    def _decode_string(self, value: str, type_expr: str, where: str) -> object:
        """Decodes a form-field string as one type (form fields carry JSON for non-strings)."""
        if type_expr == "String":
            return value
        if type_expr == "Integer" and _INTEGER.fullmatch(value.strip()):
            number = int(value)
            if abs(number) < _INT_RANGE:
                return number
        if type_expr == "Float" and _FLOAT.fullmatch(value.strip()):
            return float(value)
        if type_expr == "Boolean" and value.strip().lower() in _BOOLEANS:
            return _BOOLEANS[value.strip().lower()]
        if type_expr not in PRIMITIVES and type_expr != "InputFile":
            try:
                decoded = json.loads(value)
            except ValueError as error:
                raise SpecError(f"{where}: can't parse {type_expr} JSON: {error}") from error
            self.check(decoded, type_expr, where)
            return decoded
        raise SpecError(f"{where}: expected {type_expr}, got {value[:40]!r}")


def _is_primitive(value: object, type_expr: str) -> bool:
    """Tells whether a JSON value is of a primitive Bot API type."""
    if type_expr == "Integer":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_RANGE
    if type_expr == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_expr == "Boolean":
        return isinstance(value, bool)
    return isinstance(value, str)


def _kind(value: object) -> str:
    """Names a value's JSON kind for error messages."""
    if isinstance(value, Upload):
        return "an uploaded file"
    return f"{type(value).__name__} {json.dumps(value, default=str)[:60]}"


def _strings(values: Iterable[object]) -> list[str]:
    """Collects every string inside parameters, including JSON-encoded ones."""
    found: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            found.append(item)
            if item[:1] in "[{":
                try:
                    walk(json.loads(item))
                except ValueError:
                    return
        elif isinstance(item, dict):
            for nested in item.values():
                walk(nested)
        elif isinstance(item, list | tuple):
            for nested in item:
                walk(nested)

    walk(list(values))
    return found


@functools.cache
def load_spec(path: Path = SPEC_PATH) -> BotApiSpec:
    """Loads and caches the Bot API spec."""
    return BotApiSpec(json.loads(path.read_text(encoding="utf-8")))

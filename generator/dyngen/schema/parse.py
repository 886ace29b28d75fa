"""Validating the shape of a schema file against the written-format models.

pydantic reports every shape error at once; this module turns each one into a
located DG001 diagnostic with a short message naming the field.
"""

from __future__ import annotations

import copy
import types
import typing
from typing import Any

import pydantic
from pydantic import BaseModel

from dyngen.diagnostics import Diagnostic, Position, SchemaError
from dyngen.schema.model import SchemaDecl
from dyngen.schema.source import Path, Source

_EXPECTED = {
    "string_type": "expected text",
    "int_type": "expected an integer",
    "bool_type": "expected true or false",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "list_type": "expected a list",
    "float_type": "expected a number",
    "string_too_short": "must not be empty",
}


def parse_schema(source: Source) -> tuple[SchemaDecl, list[Diagnostic]]:
    """Check the document's shape.

    Returns the model and the findings already made: when the only shape
    problems are unknown keys, they are reported and the rest of the document
    is still checked (a typo should not hide the other errors). Any other shape
    problem raises :class:`SchemaError` listing every one of them.
    """
    try:
        return SchemaDecl.model_validate(source.data), []
    except pydantic.ValidationError as error:
        findings = _diagnostics(source, error)
        unknown = [d["loc"] for d in error.errors() if d["type"] == "extra_forbidden"]
        if len(unknown) != len(error.errors()):
            raise SchemaError(findings) from None
    repaired = copy.deepcopy(source.data)
    for loc in unknown:
        path, _ = _data_path(repaired, loc)
        parent = repaired
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    try:
        return SchemaDecl.model_validate(repaired), findings
    except pydantic.ValidationError:
        raise SchemaError(findings) from None


def display_path(path: Path) -> str:
    """``("entities", "Order", "keys")`` -> ``entities.Order.keys``."""
    return ".".join(
        f"[{part}]" if isinstance(part, int) else part for part in path
    ).replace(".[", "[")


def _diagnostics(source: Source, error: pydantic.ValidationError) -> list[Diagnostic]:
    # Errors of several union branches at one place become one finding.
    grouped: dict[tuple[Path, str], list[dict[str, Any]]] = {}
    for detail in error.errors():
        path, rest = _data_path(source.data, detail["loc"])
        if detail["loc"][-1:] == ("[key]",):
            kind = "key"
        elif detail["type"] == "missing":
            kind = "missing"
        elif detail["type"] == "extra_forbidden":
            kind = "extra"
        else:
            kind = "value"
        grouped.setdefault((path, kind), []).append({**detail, "rest": rest})
    found: list[Diagnostic] = []
    for (path, kind), details in grouped.items():
        position: Position
        if kind == "missing":
            missing = details[0]["rest"][-1] if details[0]["rest"] else "?"
            message = f"missing required key '{missing}'"
            position = source.positions.value(path)
        elif kind == "extra":
            allowed = _allowed_keys(source.data, path[:-1])
            message = f"unknown key '{path[-1]}'"
            if allowed:
                message += f"; expected one of: {', '.join(allowed)}"
            position = source.positions.key(path)
            path = path[:-1]
        elif kind == "key":
            key = str(details[0]["input"])
            if not path or path[-1] != key:
                path = (*path, key)
            message = f"key {key!r}: " + _describe(details[0])
            position = source.positions.key(path)
            path = path[:-1]
        else:
            described = list(dict.fromkeys(_describe(d) for d in details))
            message = " or ".join(
                [described[0], *(d.removeprefix("expected ") for d in described[1:])]
            )
            if described != ["must not be empty"]:
                message += f", got {_shown(details[0]['input'])}"
            position = source.positions.value(path)
        where = display_path(path)
        text = f"{where}: {message}" if where else message
        found.append(Diagnostic(source.path, position, "DG001", text))
    return found


def _describe(detail: dict[str, Any]) -> str:
    kind = detail["type"]
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    message = str(detail["msg"])
    if message.startswith("Input should be "):
        message = "expected " + message.removeprefix("Input should be ")
    return message


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _data_path(data: Any, loc: tuple[int | str, ...]) -> tuple[Path, list[int | str]]:
    """Split pydantic's error location into the part that exists in the data."""
    path: list[str | int] = []
    rest: list[int | str] = []
    current = data
    for part in loc:
        if rest:
            rest.append(part)
        elif _has_child(current, part):
            path.append(part)
            current = current[part]
        elif isinstance(part, str) and _is_union_tag(part):
            continue
        else:
            rest.append(part)
    return tuple(path), rest


def _has_child(value: Any, part: int | str) -> bool:
    if isinstance(value, dict):
        return isinstance(part, str) and part in value
    if isinstance(value, list):
        return isinstance(part, int) and 0 <= part < len(value)
    return False


def _is_union_tag(part: str) -> bool:
    return part in ("short", "full") or "[" in part or part in ("str", "int", "bool")


def _allowed_keys(data: Any, path: Path) -> list[str]:
    """The keys the format allows in the mapping at ``path``."""
    annotation: Any = SchemaDecl
    current = data
    for part in path:
        model = _model_in(annotation, current)
        if model is not None:
            field = model.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        else:
            args = typing.get_args(_strip(annotation))
            annotation = args[-1] if args else Any
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int):
            current = current[part]
        else:
            current = None
    model = _model_in(annotation, current)
    return list(model.model_fields) if model is not None else []


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _model_in(annotation: Any, value: Any) -> type[BaseModel] | None:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if (origin is typing.Union or origin is types.UnionType) and isinstance(
        value, dict
    ):
        for option in typing.get_args(annotation):
            model = _model_in(option, value)
            if model is not None:
                return model
    return None

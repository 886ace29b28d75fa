"""Attribute types: parsing ``list[object]``-style names and the Python source
that encodes and decodes each type.

Each :class:`Codec` produces expression strings: ``encode(value)`` gives the
wire value (``{"S": value}``), ``decode(av)`` the Python value from a wire value.
Containers compose their element's codec, numbering comprehension variables by
depth so nested comprehensions never shadow each other.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

SCALARS = (
    "str",
    "int",
    "decimal",
    "float",
    "bool",
    "bytes",
    "datetime",
    "date",
    "enum",
    "ttl",
    "json",
    "object",
)
SET_ELEMENTS = ("str", "int", "decimal", "bytes")
#: Types a key-template placeholder may name.
KEY_SCALARS = frozenset({"str", "int", "decimal", "enum", "datetime", "date", "bool"})
#: The DynamoDB key type of a plain attribute used as a table or index key.
KEY_ATTRIBUTE_TYPES = {
    "str": "S",
    "datetime": "S",
    "date": "S",
    "enum": "S",
    "int": "N",
    "decimal": "N",
    "bytes": "B",
}
_CONTAINER = re.compile(r"^(list|set|map)\[(.+)\]$")


@dataclass(frozen=True)
class TypeRef:
    """A parsed attribute type: ``kind`` plus the element type of containers."""

    kind: str
    item: TypeRef | None = None

    def __str__(self) -> str:
        return f"{self.kind}[{self.item}]" if self.item else self.kind

    @property
    def innermost(self) -> TypeRef:
        """The element type at the bottom of nested containers."""
        return self.item.innermost if self.item else self


def parse_type(text: str) -> TypeRef:
    """Parse a type name; raise ValueError naming the accepted forms."""
    text = text.strip()
    container = _CONTAINER.match(text)
    if container:
        kind, inner = container.groups()
        item = parse_type(inner)
        if kind == "set" and item.kind not in SET_ELEMENTS:
            raise ValueError(f"set[{inner}]: sets hold only {', '.join(SET_ELEMENTS)}")
        return TypeRef(kind, item)
    if text in SCALARS:
        return TypeRef(text)
    raise ValueError(
        f"unknown type '{text}': expected one of {', '.join(SCALARS)}, "
        "list[T], set[T] or map[T]"
    )


@dataclass
class Imports:
    """The exact import set of one generated module."""

    names: dict[str, set[str]] = field(default_factory=dict)
    modules: set[str] = field(default_factory=set)

    def add(self, module: str, *names: str) -> None:
        """Import ``names`` from ``module``."""
        self.names.setdefault(module, set()).update(names)

    def add_module(self, module: str) -> None:
        """``import module``."""
        self.modules.add(module)

    def lines(self) -> tuple[str, ...]:
        """Import lines, sorted (ruff sorts them again)."""
        return tuple(f"import {module}" for module in sorted(self.modules)) + tuple(
            f"from {module} import {', '.join(sorted(names))}"
            for module, names in sorted(self.names.items())
        )


Render = Callable[[str, int], str]


@dataclass(frozen=True)
class JsonLit:
    """Constant JSON text inside a generated JSON-writing expression."""

    text: str


#: Part of a generated value's JSON text: constant text, or the source of a
#: Python expression that gives text.
Piece = JsonLit | str
TextRender = Callable[[str, int], tuple[Piece, ...]]
_WIRE_JSON = "dyngen_runtime.wire_json"


def merge_pieces(pieces: tuple[Piece, ...]) -> tuple[Piece, ...]:
    """``pieces`` with neighbouring constants joined into one."""
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, JsonLit) and merged and isinstance(merged[-1], JsonLit):
            merged[-1] = JsonLit(merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return tuple(merged)


def piece_source(piece: Piece) -> str:
    """Python source of one piece (constants as string literals)."""
    if isinstance(piece, JsonLit):
        return q(piece.text)
    return piece


def concat_source(pieces: tuple[Piece, ...]) -> str:
    """One Python expression joining ``pieces`` with ``+``."""
    return " + ".join(piece_source(p) for p in merge_pieces(pieces))


def join_source(pieces: tuple[Piece, ...]) -> str:
    """One Python expression joining ``pieces``: ``"".join((...))`` builds the
    string once where a chain of ``+`` copies it at every step."""
    merged = merge_pieces(pieces)
    if len(merged) <= 3:
        return concat_source(merged)
    return '"".join((' + ", ".join(piece_source(p) for p in merged) + "))"


def q(text: str) -> str:
    """A Python string literal for ``text`` (double quotes, as ruff prints them)."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'  # what json.dumps gives, without its cost per call
    return json.dumps(text, ensure_ascii=False)


_TRUE = q('{"BOOL":true}')
_FALSE = q('{"BOOL":false}')


def json_fallback(encode: Render, imports: Imports) -> TextRender:
    """The JSON text of a codec's wire value through ``json_text`` (the C
    encoder), for types without text of their own (bytes, json, sets of
    bytes)."""
    imports.add(_WIRE_JSON, "json_text")

    def text(v: str, d: int) -> tuple[Piece, ...]:
        return (f"json_text({encode(v, d)})",)

    return text


def _tagged(tag: str, quoted: Callable[[str, int], str]) -> TextRender:
    """``{"<tag>":<quoted(v)>}`` where ``quoted`` gives a JSON string's text."""

    def text(v: str, d: int) -> tuple[Piece, ...]:
        return (JsonLit(f'{{"{tag}":'), quoted(v, d), JsonLit("}"))

    return text


def _bare(tag: str, function: Callable[[str, int], str]) -> TextRender:
    """``{"<tag>":"<function(v)>"}`` for text that needs no escaping: numbers
    (digits, sign, point, exponent) and ISO dates and times."""

    def text(v: str, d: int) -> tuple[Piece, ...]:
        return (JsonLit(f'{{"{tag}":"'), function(v, d), JsonLit('"}'))

    return text


@dataclass(frozen=True)
class Codec:
    """Source snippets for one type.

    ``encode(value, depth)`` is the wire value of the Python expression
    ``value``; ``decode(wire, depth)`` the Python value of the wire expression.
    ``depth`` numbers comprehension variables so nested ones never shadow.
    Text is bounded by 4 bytes per character (UTF-8's widest) and a number by
    22 bytes (38 significant digits, sign and exponent byte).
    """

    annotation: str
    encode: Render
    decode: Render
    is_set: bool = False
    # ``(wire value, size bound)`` of the value from one walk, where the bound
    # alone would walk the value again (json).
    sized_encode: Render | None = None
    # For a set of text or bytes: its wire tag (SS, BS). The checked encoding
    # lists the set once and measures the list joined, which C does at once.
    joined_tag: str | None = None
    # An upper bound of the stored bytes of the value (not its name), from the
    # Python expression, cheap enough to compute on every write; None when
    # only a walk of the encoded value can tell (lists, maps, objects, json).
    size: Render | None = None
    # The JSON text of the wire value, as pieces (see ``JsonLit``); None
    # until ``with_text`` fills in the fallback through ``json_text``.
    text: TextRender | None = None


def with_text(codec: Codec, imports: Imports) -> Codec:
    """``codec`` with a JSON text render, the fallback where it has none."""
    if codec.text is not None:
        return codec
    return dataclasses.replace(codec, text=json_fallback(codec.encode, imports))


NUMBER_BYTES = 22
"""The most a DynamoDB number can take: 38 digits, a sign and the exponent."""
DATETIME_TEXT_BYTES = len("2026-01-02T03:04:05.000000Z")
"""encode_datetime's fixed-width text."""


def _number(v: str, d: int) -> str:
    return str(NUMBER_BYTES)


def _call(function: str, label: str, tag: str, parse: str) -> tuple[Render, Render]:
    def encode(v: str, d: int) -> str:
        return f'{{"{tag}": {function}({v}, {label})}}'

    def decode(a: str, d: int) -> str:
        return f'{parse}({a}["{tag}"])'

    return encode, decode


def _call_text(function: str, label: str, tag: str) -> TextRender:
    return _bare(tag, lambda v, d: f"{function}({v}, {label})")


def scalar_codec(
    kind: str, label: str, imports: Imports, class_name: str, enum_bytes: int = 0
) -> Codec:
    """The codec of a non-container type; ``label`` is the field's quoted name
    and ``enum_bytes`` the UTF-8 length of an enum's longest value."""
    rt = "dyngen_runtime.marshal"
    imports.add(_WIRE_JSON, "json_str")
    if kind == "str":
        return Codec(
            "str",
            lambda v, d: f'{{"S": {v}}}',
            lambda a, d: f'{a}["S"]',
            size=lambda v, d: f"4 * len({v})",
            text=_tagged("S", lambda v, d: f"json_str({v})"),
        )
    if kind == "int":
        imports.add(rt, "encode_int")
        return Codec(
            "int",
            *_call("encode_int", label, "N", "int"),
            size=_number,
            text=_call_text("encode_int", label, "N"),
        )
    if kind == "decimal":
        imports.add(rt, "encode_decimal")
        imports.add("decimal", "Decimal")
        return Codec(
            "Decimal",
            *_call("encode_decimal", label, "N", "Decimal"),
            size=_number,
            text=_call_text("encode_decimal", label, "N"),
        )
    if kind == "float":
        imports.add(rt, "encode_float")
        return Codec(
            "float",
            *_call("encode_float", label, "N", "float"),
            size=_number,
            text=_call_text("encode_float", label, "N"),
        )
    if kind == "bool":
        return Codec(
            "bool",
            lambda v, d: f'{{"BOOL": {v}}}',
            lambda a, d: f'{a}["BOOL"]',
            size=lambda v, d: "1",
            text=lambda v, d: (f"({_TRUE} if {v} else {_FALSE})",),
        )
    if kind == "bytes":
        imports.add(rt, "decode_bytes")
        return Codec(
            "bytes",
            lambda v, d: f'{{"B": {v}}}',
            lambda a, d: f'decode_bytes({a}["B"])',
            size=lambda v, d: f"len({v})",
        )
    if kind == "datetime":
        imports.add(rt, "encode_datetime", "decode_datetime")
        imports.add("pydantic", "AwareDatetime")
        encode, _ = _call("encode_datetime", label, "S", "")
        return Codec(
            "AwareDatetime",
            encode,
            lambda a, d: f'decode_datetime({a}["S"])',
            size=lambda v, d: str(DATETIME_TEXT_BYTES),
            text=_call_text("encode_datetime", label, "S"),
        )
    if kind == "date":
        imports.add(rt, "decode_date")
        imports.add("datetime", "date")
        return Codec(
            "date",
            lambda v, d: f'{{"S": {v}.isoformat()}}',
            lambda a, d: f'decode_date({a}["S"])',
            size=lambda v, d: "10",
            text=_bare("S", lambda v, d: f"{v}.isoformat()"),
        )
    if kind == "ttl":
        imports.add(rt, "encode_ttl", "decode_ttl")
        imports.add("pydantic", "AwareDatetime")
        encode, _ = _call("encode_ttl", label, "N", "")
        return Codec(
            "AwareDatetime",
            encode,
            lambda a, d: f'decode_ttl({a}["N"])',
            size=_number,
            text=_call_text("encode_ttl", label, "N"),
        )
    if kind == "json":
        imports.add(rt, "encode_json", "decode_json")
        imports.add("pydantic", "JsonValue")
        imports.add("dyngen_runtime.size", "json_size_bound")
        return Codec(
            "JsonValue",
            lambda v, d: f"encode_json({v}, {label})",
            lambda a, d: f"decode_json({a})",
            size=lambda v, d: f"json_size_bound({v})",
            sized_encode=lambda v, d: f"encode_json_sized({v}, {label})",
        )
    if kind == "enum":
        return Codec(
            class_name,
            lambda v, d: f'{{"S": {v}.value}}',
            lambda a, d: f'{class_name}({a}["S"])',
            size=lambda v, d: str(enum_bytes),
            text=_tagged("S", lambda v, d: f"json_str({v}.value)"),
        )
    if kind == "object":
        return Codec(
            class_name,
            lambda v, d: f'{{"M": {v}.to_map()}}',
            lambda a, d: f'{class_name}.from_map({a}["M"], validate)',
            size=lambda v, d: f"{v}.map_size_bound()",
            text=lambda v, d: (f"{v}.to_map_json()",),
        )
    raise AssertionError(f"not a scalar kind: {kind}")


def container_codec(kind: str, item: Codec, label: str, imports: Imports) -> Codec:
    """The codec of ``list[T]``, ``set[T]`` or ``map[T]`` around ``item``."""
    element = item.size
    assert element is not None, "every codec bounds its size"
    inner = item.text
    assert inner is not None, "elements come with their text (with_text)"
    if kind == "list":
        # A list takes 3 bytes plus, per element, 1 byte and the element.
        def list_size(v: str, d: int) -> str:
            inner = element(f"x{d}", d + 1)
            if inner.isdigit():
                return f"3 + {int(inner) + 1} * len({v})"
            if inner == f"4 * len(x{d})":
                # Text or bytes: joined in C, no generator per write.
                return f'3 + len({v}) + 4 * len("".join({v}))'
            if inner == f"len(x{d})":
                return f'3 + len({v}) + len(b"".join({v}))'
            return f"3 + sum(1 + {inner} for x{d} in {v})"

        return Codec(
            f"list[{item.annotation}]",
            lambda v, d: f'{{"L": [{item.encode(f"x{d}", d + 1)} for x{d} in {v}]}}',
            lambda a, d: f'[{item.decode(f"x{d}", d + 1)} for x{d} in {a}["L"]]',
            size=list_size,
            text=lambda v, d: (
                JsonLit('{"L":['),
                f'",".join([{concat_source(inner(f"x{d}", d + 1))} for x{d} in {v}])',
                JsonLit("]}"),
            ),
        )
    if kind == "map":
        # A map takes 3 bytes plus, per entry, 1 byte, the key and the value.
        return Codec(
            f"dict[str, {item.annotation}]",
            lambda v, d: (
                f'{{"M": {{k{d}: {item.encode(f"x{d}", d + 1)} '
                f"for k{d}, x{d} in {v}.items()}}}}"
            ),
            lambda a, d: (
                f"{{k{d}: {item.decode(f'x{d}', d + 1)} "
                f'for k{d}, x{d} in {a}["M"].items()}}'
            ),
            size=lambda v, d: (
                f"3 + sum(1 + 4 * len(k{d}) + {element(f'x{d}', d + 1)} "
                f"for k{d}, x{d} in {v}.items())"
            ),
            text=lambda v, d: (
                JsonLit('{"M":{'),
                f'",".join([json_str(k{d}) + ":" + '
                f"{concat_source(inner(f'x{d}', d + 1))} "
                f"for k{d}, x{d} in {v}.items()])",
                JsonLit("}}"),
            ),
        )
    # A set's wire tag is its element's tag doubled: S -> SS, N -> NS, B -> BS.
    if item.annotation == "str":
        return Codec(
            "set[str]",
            lambda v, d: f'{{"SS": list({v})}}',
            lambda a, d: f'set({a}["SS"])',
            is_set=True,
            size=lambda v, d: f"4 * sum(map(len, {v}))",
            joined_tag="SS",
            text=lambda v, d: (
                JsonLit('{"SS":['),
                f'",".join(map(json_str, {v}))',
                JsonLit("]}"),
            ),
        )
    if item.annotation == "bytes":
        imports.add("dyngen_runtime.marshal", "decode_bytes")
        return Codec(
            "set[bytes]",
            lambda v, d: f'{{"BS": list({v})}}',
            lambda a, d: f'{{decode_bytes(x{d}) for x{d} in {a}["BS"]}}',
            is_set=True,
            size=lambda v, d: f"sum(map(len, {v}))",
            joined_tag="BS",
        )
    number = "encode_int" if item.annotation == "int" else "encode_decimal"
    parse = "int" if item.annotation == "int" else "Decimal"
    imports.add("dyngen_runtime.marshal", number)
    return Codec(
        f"set[{item.annotation}]",
        lambda v, d: f'{{"NS": [{number}(x{d}, {label}) for x{d} in {v}]}}',
        lambda a, d: f'{{{parse}(x{d}) for x{d} in {a}["NS"]}}',
        is_set=True,
        size=lambda v, d: f"{NUMBER_BYTES} * len({v})",
        text=lambda v, d: (
            JsonLit('{"NS":['),
            f"\",\".join(['\"' + {number}(x{d}, {label}) + '\"' for x{d} in {v}])",
            JsonLit("]}"),
        ),
    )

"""DynamoDB's JSON text: request bodies, response bodies, and items written
as text before their request.

The direct HTTP transport sends every request as one JSON body. A batch write
holds thousands of items between its check and its requests; held as text
(one string each) they cost the garbage collector nothing and are never
serialised twice: :class:`EncodedRequest` carries such a request entry, and
:func:`encode_body` splices it into the body as it is. The boto3 transport,
cassettes and anything else that reads parameters get the plain dicts
(:meth:`EncodedRequest.value`).
"""

from __future__ import annotations

import base64
import json
from json.encoder import encode_basestring
from typing import Any

from dyngen_runtime.errors import ValidationError

json_str = encode_basestring
"""The JSON string literal of ``text``, non-ASCII kept as is (C, about 70 ns)."""


def _encode_default(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot send a {type(value).__name__} value to DynamoDB")


# One encoder for every call: json.dumps with any option builds a new one
# each time, which costs more than encoding a small value. Wire values are
# trees the runtime and generated code build, so cycles need no check.
_ENCODER = json.JSONEncoder(
    separators=(",", ":"),
    ensure_ascii=False,
    check_circular=False,
    default=_encode_default,
)


def json_text(value: Any) -> str:
    """``value`` (wire-shaped) as compact JSON text; ``bytes`` become base64."""
    return _ENCODER.encode(value)


def json_size(text: str, entity: str) -> int:
    """The UTF-8 length of ``text``, an item's JSON, which is at least the
    item's stored size: every value's text is at least its stored bytes (a
    number's text twice its byte pairs, base64 4/3 of its bytes) and every
    name, tag and separator adds to the text only."""
    if text.isascii():
        return len(text)
    try:
        return len(text.encode())
    except UnicodeEncodeError as error:
        raise ValidationError(
            f"{entity}: text that is not valid Unicode ({error.reason} at "
            f"character {error.start} of the item's JSON)"
        ) from None


class EncodedRequest:
    """One entry of a BatchWriteItem request, already written as JSON text."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self) -> dict[str, Any]:
        """The entry as the wire dict it was written from."""
        value: dict[str, Any] = json.loads(self.text)
        if '"B' in self.text:
            _decode_binary(value)
        return value

    def __repr__(self) -> str:
        return f"EncodedRequest({self.text})"


def plain(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with every :class:`EncodedRequest` replaced by its dict."""
    requests = params.get("RequestItems")
    if not isinstance(requests, dict) or not _holds_encoded(requests):
        return params
    return {
        **params,
        "RequestItems": {
            table: [_plain_entry(entry) for entry in entries]
            for table, entries in requests.items()
        },
    }


def _plain_entry(entry: Any) -> Any:
    return entry.value() if isinstance(entry, EncodedRequest) else entry


def _holds_encoded(requests: dict[str, Any]) -> bool:
    return any(
        isinstance(entries, list)
        and any(isinstance(entry, EncodedRequest) for entry in entries)
        for entries in requests.values()
    )


def encode_body(params: dict[str, Any]) -> bytes:
    """The JSON body of a request; ``bytes`` values become base64 as on the
    wire, and :class:`EncodedRequest` entries go in as written."""
    requests = params.get("RequestItems")
    if not isinstance(requests, dict) or not _holds_encoded(requests):
        return json_text(params).encode()
    tables = ",".join(
        json_str(table)
        + ":["
        + ",".join(
            entry.text if isinstance(entry, EncodedRequest) else json_text(entry)
            for entry in entries
        )
        + "]"
        for table, entries in requests.items()
    )
    rest = {name: value for name, value in params.items() if name != "RequestItems"}
    tail = "," + json_text(rest)[1:] if rest else "}"
    return ('{"RequestItems":{' + tables + "}" + tail).encode()


def _decode_binary(node: Any) -> None:
    # Only attribute values hold binaries, and only they are one-key dicts of
    # "B" (a string) or "BS" (a list of strings): maps nest attribute values,
    # so a map attribute named "B" holds a dict and is left alone.
    if isinstance(node, dict):
        if len(node) == 1:
            value = node.get("B")
            if isinstance(value, str):
                node["B"] = base64.b64decode(value)
                return
            values = node.get("BS")
            if isinstance(values, list) and all(isinstance(v, str) for v in values):
                node["BS"] = [base64.b64decode(v) for v in values]
                return
        for child in node.values():
            if isinstance(child, dict | list):
                _decode_binary(child)
    elif isinstance(node, list):
        for child in node:
            if isinstance(child, dict | list):
                _decode_binary(child)


def decode_body(data: bytes) -> dict[str, Any]:
    """Parse a JSON response body; base64 binaries become ``bytes``."""
    if not data:
        return {}
    parsed: dict[str, Any] = json.loads(data)
    if b'"B"' in data or b'"BS"' in data:
        _decode_binary(parsed)
    return parsed

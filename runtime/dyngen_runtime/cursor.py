"""Opaque, URL-safe pagination cursors bound to the query that made them.

A cursor carries the query's identity (entity, access pattern, index and the
partition-key values it reads) and DynamoDB's LastEvaluatedKey per partition.
Cursors are handed to API clients, so a cursor is refused before any request
when it belongs to another index or partition: it can never become a way to
read another partition. With a secret (``connect(cursor_secret=...)``) cursors
are also HMAC-SHA256 signed, and an edited one is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from dyngen_runtime.errors import ValidationError

_VERSION = 1
_MAC_BYTES = 16


class InvalidCursorError(ValidationError):
    """The cursor is malformed, edited, or belongs to another query."""


@dataclass(frozen=True)
class CursorState:
    """Where each partition of a query stopped; ``None`` marks a finished one."""

    query: str
    index: str
    partitions: tuple[str, ...]
    positions: tuple[dict[str, Any] | None, ...]


def encode_cursor(state: CursorState, secret: bytes | None) -> str:
    """The cursor text of ``state``."""
    body = json.dumps(
        {
            "v": _VERSION,
            "q": state.query,
            "i": state.index,
            "p": list(state.partitions),
            "k": list(state.positions),
        },
        separators=(",", ":"),
        sort_keys=True,
        ensure_ascii=False,
    ).encode()
    if secret is not None:
        body = hmac.new(secret, body, hashlib.sha256).digest()[:_MAC_BYTES] + body
    return base64.urlsafe_b64encode(body).decode().rstrip("=")


def decode_cursor(
    text: str,
    *,
    query: str,
    index: str,
    partitions: tuple[str, ...],
    secret: bytes | None,
) -> CursorState:
    """Check ``text`` against the query it is given to and return its state."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidCursorError("malformed cursor") from None
    if secret is not None:
        mac, raw = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        expected = hmac.new(secret, raw, hashlib.sha256).digest()[:_MAC_BYTES]
        if not hmac.compare_digest(mac, expected):
            raise InvalidCursorError("cursor signature does not match: it was edited")
    try:
        data = json.loads(raw)
        state = CursorState(
            query=str(data["q"]),
            index=str(data["i"]),
            partitions=tuple(str(p) for p in data["p"]),
            positions=tuple(data["k"]),
        )
        ok = data["v"] == _VERSION and len(state.partitions) == len(state.positions)
    except (ValueError, KeyError, TypeError):
        raise InvalidCursorError("malformed cursor") from None
    if not ok:
        raise InvalidCursorError("malformed cursor")
    if state.query != query or state.index != index:
        raise InvalidCursorError(
            f"cursor belongs to query {state.query} on {state.index or 'the table'}, "
            f"not {query} on {index or 'the table'}"
        )
    if state.partitions != partitions:
        raise InvalidCursorError("cursor belongs to another partition")
    for position in state.positions:
        if position is not None and not isinstance(position, dict):
            raise InvalidCursorError("malformed cursor")
    return state

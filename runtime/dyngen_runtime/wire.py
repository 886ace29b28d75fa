"""Type names for DynamoDB's wire format, and a hashable identity of a key."""

from __future__ import annotations

from typing import Any, TypeAlias

#: One attribute value: ``{"S": "text"}``, ``{"N": "12"}``, ``{"M": {...}}``, ...
AttributeValue: TypeAlias = dict[str, Any]
#: One item: attribute name -> attribute value.
Item: TypeAlias = dict[str, AttributeValue]
#: A hashable stand-in for a key: ``(name, type, value, ...)`` in name order.
KeyIdentity: TypeAlias = tuple[Any, ...]


def key_identity(key: Item) -> KeyIdentity:
    """``key`` as a hashable value: equal keys give equal identities.

    Batches and transactions compare keys by it, once per item of a batch of
    thousands. It is one flat tuple of text (and bytes): the garbage collector
    stops tracking such a tuple at its first pass, where nested tuples stayed
    tracked, were promoted and brought on full collections mid-batch.
    """
    parts: list[Any] = []
    for name in sorted(key):
        # An attribute value has exactly one (type, value) pair.
        ((kind, value),) = key[name].items()
        parts += (name, kind, value)
    return tuple(parts)


def describe_key(identity: KeyIdentity) -> str:
    """The key behind ``identity`` as an error message shows it."""
    return ", ".join(
        f"{identity[i]}={identity[i + 2]!r}" for i in range(0, len(identity), 3)
    )

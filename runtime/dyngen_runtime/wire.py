"""Type names for DynamoDB's wire format, and a hashable identity of a key."""

from __future__ import annotations

from typing import Any, TypeAlias

#: One attribute value: ``{"S": "text"}``, ``{"N": "12"}``, ``{"M": {...}}``, ...
AttributeValue: TypeAlias = dict[str, Any]
#: One item: attribute name -> attribute value.
Item: TypeAlias = dict[str, AttributeValue]
#: A hashable stand-in for a key: ``((name, (type, value)), ...)`` in name order.
KeyIdentity: TypeAlias = tuple[tuple[str, tuple[str, Any]], ...]


def key_identity(key: Item) -> KeyIdentity:
    """``key`` as a hashable value: equal keys give equal identities.

    Batches and transactions compare keys by it. Tuples of the wire values
    cost a fraction of serialising the key to text, which matters once per
    item of a 10,000-item batch.
    """
    # An attribute value has exactly one (type, value) pair.
    return tuple(
        sorted([(name, pair) for name, value in key.items() for pair in value.items()])
    )


def describe_key(identity: KeyIdentity) -> str:
    """The key behind ``identity`` as an error message shows it."""
    return ", ".join(f"{name}={value!r}" for name, (_, value) in identity)

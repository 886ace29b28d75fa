"""Item size exactly as DynamoDB computes it, and the limits that follow.

The size of an item is the sum over its attributes of the name's UTF-8 bytes
plus the value's size: S is its UTF-8 bytes, B its raw bytes, BOOL and NULL 1
byte; L and M are 3 bytes plus 1 per element plus the nested sizes (map keys
count as names); sets are the sum of their elements. A number is 1 byte when
zero, else ``1 + ceil(n/2)`` with n its significant digits, plus 1 when n is
even and the leading digit's power of ten is even (the digits then straddle
one more base-100 pair), plus 1 when negative. ``123`` -> 3, ``1.2`` -> 3,
``-1`` -> 3.
"""

from __future__ import annotations

import base64
from typing import Any

from dyngen_runtime.errors import (
    ItemSizeExceededError,
    KeyTooLongError,
    ValidationError,
)
from dyngen_runtime.wire import AttributeValue, Item

MAX_ITEM_BYTES = 409_600
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024


def number_size(text: str) -> int:
    """The stored size of a DynamoDB number given as text."""
    mantissa, _, exponent_text = text.upper().partition("E")
    negative = mantissa.startswith("-")
    if negative or mantissa.startswith("+"):
        mantissa = mantissa[1:]
    whole, _, fraction = mantissa.partition(".")
    if not (whole + fraction).isdigit() or (
        exponent_text and not _is_int(exponent_text)
    ):
        raise ValidationError(f"{text!r} is not a number")
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return 1
    # The power of ten of the leading significant digit.
    leading_zeros = len(whole + fraction) - len(digits)
    adjusted = (
        len(whole) - 1 - leading_zeros + (int(exponent_text) if exponent_text else 0)
    )
    n = len(digits.rstrip("0"))
    size = 1 + (n + 1) // 2
    if n % 2 == 0 and adjusted % 2 == 0:
        size += 1
    return size + 1 if negative else size


def _is_int(text: str) -> bool:
    return text.lstrip("+-").isdigit()


def _text(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-8"))


def _binary(value: Any) -> int:
    if isinstance(value, str):  # base64 text, as in stream records and exports
        return len(base64.b64decode(value))
    return len(value)


def value_size(value: AttributeValue) -> int:
    """The stored size of one attribute value (without its name)."""
    for tag, inner in value.items():
        if tag == "S":
            return _text(inner)
        if tag == "N":
            return number_size(inner)
        if tag in ("BOOL", "NULL"):
            return 1
        if tag == "M":
            return 3 + sum(1 + _text(k) + value_size(v) for k, v in inner.items())
        if tag == "L":
            return 3 + sum(1 + value_size(v) for v in inner)
        if tag == "B":
            return _binary(inner)
        if tag == "SS":
            return sum(_text(v) for v in inner)
        if tag == "NS":
            return sum(number_size(v) for v in inner)
        if tag == "BS":
            return sum(_binary(v) for v in inner)
        raise ValidationError(f"unknown DynamoDB type {tag!r}")
    raise ValidationError("an attribute value needs a type")


def item_size(item: Item) -> int:
    """The size in bytes DynamoDB counts for ``item`` (wire format)."""
    return sum(_text(name) + value_size(v) for name, v in item.items())


def check_item(item: Item, entity: str, pk: str, sk: str | None) -> int:
    """Refuse what DynamoDB would refuse: over 400 KB, keys too long. Returns the size."""
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        largest = sorted(item, key=lambda name: -value_size(item[name]))[:3]
        shown = ", ".join(f"{name} ({value_size(item[name])} B)" for name in largest)
        raise ItemSizeExceededError(
            f"{entity}: item is {size} bytes, over DynamoDB's {MAX_ITEM_BYTES}; "
            f"largest attributes: {shown}"
        )
    for name, limit, what in (
        (pk, MAX_PARTITION_KEY_BYTES, "partition"),
        (sk, MAX_SORT_KEY_BYTES, "sort"),
    ):
        if name is None or name not in item:
            continue
        length = value_size(item[name])
        if length > limit:
            raise KeyTooLongError(
                f"{entity}: {what} key {name} is {length} bytes, over DynamoDB's {limit}"
            )
        if length == 0:
            raise ValidationError(f"{entity}: {what} key {name} is empty")
    return size


def json_size_bound(value: object) -> int:
    """At least the stored size of ``encode_json(value)``, from the Python value.

    Text counts 4 bytes a character, numbers 22 bytes (DynamoDB's most).
    """
    if isinstance(value, str):
        return 4 * len(value)
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int | float):
        return 22
    if isinstance(value, list | tuple):
        return 3 + sum(1 + json_size_bound(v) for v in value)
    if isinstance(value, dict):
        return 3 + sum(
            1 + 4 * len(str(k)) + json_size_bound(v) for k, v in value.items()
        )
    return 22  # Decimal and other numbers encode_json accepts

"""Rendering of key-template placeholders.

A value inside a key is escaped so it cannot forge another key: a backslash goes
before every backslash and before every occurrence of the separator, the literal
character that follows the placeholder in its template. Generated code calls
these helpers; the generator has already decided which placeholders need them.
"""

from __future__ import annotations

import zlib
from decimal import Context, Decimal

from dyngen_runtime.errors import ValidationError

_WIDE = Context(prec=200)


def escape_key(value: str, separator: str) -> str:
    """Escape backslashes and ``separator`` inside ``value``."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if separator and separator in value:
        value = value.replace(separator, "\\" + separator)
    return value


def key_str(value: str, separator: str, field: str) -> str:
    """A text placeholder: refused when empty, escaped otherwise."""
    if not value:
        raise ValidationError(f"{field}: empty value in a key")
    return escape_key(value, separator)


def key_int(value: int, width: int, field: str) -> str:
    """An int placeholder, zero-padded to ``width`` digits when width > 0."""
    if width:
        if value < 0:
            raise ValidationError(
                f"{field}: {value} is negative; a zero-padded key field sorts "
                "as text only for values >= 0"
            )
        return f"{value:0{width}d}"
    return str(value)


def key_decimal(value: Decimal, field: str) -> str:
    """A decimal placeholder in plain notation without trailing zeros."""
    if not value.is_finite():
        raise ValidationError(f"{field}: {value} is not a finite number")
    if not value:
        return "0"
    return format(value.normalize(_WIDE), "f")


def key_bool(value: bool) -> str:
    """A bool placeholder: ``true`` or ``false``."""
    return "true" if value else "false"


def shard_of(pk: str, sk: str, shards: int) -> str:
    """The write shard of an item: CRC32 of its primary key, modulo ``shards``."""
    return str(zlib.crc32(f"{pk}\0{sk}".encode()) % shards)

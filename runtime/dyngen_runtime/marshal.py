"""Encoders and decoders for the scalar types whose stored form needs care.

Generated ``to_item`` / ``from_item`` code calls these for datetimes, numbers and
dates; plain strings, ints and bools are handled inline by the generated code.
Every encoder names the field in its error so a bad value is easy to find.
"""

from __future__ import annotations

import base64
import math
import os
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from dyngen_runtime.errors import ValidationError
from dyngen_runtime.wire import AttributeValue, Item

# DynamoDB numbers: up to 38 significant digits, magnitudes from 1E-130 to
# 9.99...E+125 (both signs), and zero.
MAX_SIGNIFICANT_DIGITS = 38
MIN_EXPONENT = -130
MAX_EXPONENT = 125
_INT_FAST_LIMIT = 10**38
# Floats strictly inside these are inside DynamoDB's range whatever their text.
_FLOAT_FAST_LOW = 1e-129
_FLOAT_FAST_HIGH = 1e125


def encode_datetime(value: datetime, field: str) -> str:
    """Render an aware datetime as fixed-width UTC text, so text order is time order."""
    offset = value.utcoffset()
    if offset is None:
        raise ValidationError(
            f"{field}: naive datetime {value!r}; give it a timezone (e.g. UTC)"
        )
    if offset:
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}."
        f"{value.microsecond:06d}Z"
    )


def decode_datetime(text: str) -> datetime:
    """Parse stored datetime text; text without an offset is taken as UTC."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def decode_date(text: str) -> date:
    """Parse ISO-8601 date text."""
    return date.fromisoformat(text)


def _check_number(
    digits: tuple[int, ...], adjusted: int, field: str, shown: str
) -> None:
    significant = len(digits)
    while significant > 1 and digits[significant - 1] == 0:
        significant -= 1
    if significant > MAX_SIGNIFICANT_DIGITS:
        raise ValidationError(
            f"{field}: {shown} has {significant} significant digits; "
            f"DynamoDB keeps at most {MAX_SIGNIFICANT_DIGITS}"
        )
    if not MIN_EXPONENT <= adjusted <= MAX_EXPONENT:
        raise ValidationError(
            f"{field}: {shown} is outside DynamoDB's number range "
            f"(1E{MIN_EXPONENT} to 9.9E+{MAX_EXPONENT} in magnitude)"
        )


def encode_decimal(value: Decimal, field: str) -> str:
    """Render a Decimal as DynamoDB number text, refusing what DynamoDB refuses."""
    if not value.is_finite():
        raise ValidationError(f"{field}: {value} is not a finite number")
    if not value:
        return "0"
    text = str(value)
    # Decimal writes plain notation (no "E") only for magnitudes of at least
    # 1E-6 with no positive exponent, so plain text of at most 38 characters
    # has at most 38 digits and a magnitude inside DynamoDB's range: only
    # longer or exponent-form text needs the digit walk.
    if len(text) > MAX_SIGNIFICANT_DIGITS or "E" in text:
        _check_number(value.as_tuple().digits, value.adjusted(), field, text)
    return text


def encode_int(value: int, field: str) -> str:
    """Render an int as DynamoDB number text, refusing more than 38 digits."""
    text = str(value)
    if -_INT_FAST_LIMIT < value < _INT_FAST_LIMIT:
        return text
    digits = tuple(int(c) for c in text.lstrip("-"))
    _check_number(digits, len(digits) - 1, field, text)
    return text


def encode_float(value: float, field: str) -> str:
    """Render a float by its shortest round-trip text, refusing NaN and infinities."""
    if not math.isfinite(value):
        raise ValidationError(
            f"{field}: {value} cannot be stored; DynamoDB has no NaN or infinity"
        )
    text = repr(value)
    # repr() gives at most 17 significant digits; only the magnitude can be
    # out of range, and well inside it needs no Decimal.
    if value and not _FLOAT_FAST_LOW < abs(value) < _FLOAT_FAST_HIGH:
        decimal = Decimal(text)
        _check_number(decimal.as_tuple().digits, decimal.adjusted(), field, text)
    return text


def now_utc() -> datetime:
    """The current time, timezone-aware in UTC (the ``now`` default factory)."""
    return datetime.now(UTC)


def today_utc() -> date:
    """Today's date in UTC (the ``today`` default factory)."""
    return datetime.now(UTC).date()


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid() -> str:
    """A new ULID: 48-bit millisecond time then 80 random bits, Crockford base32.

    ULIDs sort by creation time as text, which makes them good sort-key values.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def uuid4_text() -> str:
    """A random UUID as text (the ``uuid4`` default factory)."""
    return str(uuid.uuid4())


def decode_bytes(value: bytes | str) -> bytes:
    """A binary value; stream records and exports carry it as base64 text."""
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    return bytes(value)


def encode_ttl(value: datetime, field: str) -> str:
    """A TTL datetime as whole epoch seconds, the form DynamoDB's TTL reads."""
    if value.utcoffset() is None:
        raise ValidationError(
            f"{field}: naive datetime {value!r}; give it a timezone (e.g. UTC)"
        )
    return str(int(value.timestamp()))


def decode_ttl(text: str) -> datetime:
    """Epoch seconds back to an aware UTC datetime."""
    return datetime.fromtimestamp(int(Decimal(text)), UTC)


def encode_scalar(value: object, field: str) -> AttributeValue | None:
    """The wire value of a plain scalar (text, bytes, bool, number), else None."""
    if isinstance(value, str):
        # The text itself, also for str subclasses such as (str, Enum) members,
        # whose str() may be "Class.member".
        return {"S": str.__str__(value)}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": encode_int(value, field)}
    if isinstance(value, float):
        return {"N": encode_float(value, field)}
    if isinstance(value, Decimal):
        return {"N": encode_decimal(value, field)}
    return None


def encode_json(value: Any, field: str) -> AttributeValue:
    """A JSON-like document (dict, list, str, number, bool, None) as a wire value."""
    # One walk defines the mapping; its size sum costs about 6% on top.
    return encode_json_sized(value, field)[0]


def encode_json_sized(value: Any, field: str) -> tuple[AttributeValue, int]:
    """:func:`encode_json` and, from the same walk, at least the stored size of
    its result: text counts 4 bytes a character, a number 22 (DynamoDB's most).
    """
    # Text, the commonest leaf, first; bytes are not JSON and fall through.
    if isinstance(value, str):
        return {"S": str.__str__(value)}, 4 * len(value)
    if value is None:
        return {"NULL": True}, 1
    if isinstance(value, bool):
        return {"BOOL": value}, 1
    if isinstance(value, int | float | Decimal):
        scalar = encode_scalar(value, field)
        assert scalar is not None, "numbers are scalars"
        return scalar, 22
    # Loops rather than comprehensions: small documents are the common case,
    # and a comprehension costs a function call of its own before Python 3.12.
    if isinstance(value, list | tuple):
        size = 3
        elements: list[AttributeValue] = []
        for element in value:
            wire, element_size = encode_json_sized(element, field)
            elements.append(wire)
            size += 1 + element_size
        return {"L": elements}, size
    if isinstance(value, dict):
        size = 3
        entries: dict[str, AttributeValue] = {}
        for key, entry in value.items():
            name = str(key)
            wire, entry_size = encode_json_sized(entry, f"{field}.{key}")
            entries[name] = wire
            size += 1 + 4 * len(name) + entry_size
        return {"M": entries}, size
    raise ValidationError(f"{field}: {type(value).__name__} is not a JSON value")


def decode_json(value: AttributeValue) -> Any:
    """A wire value back to JSON-like Python (numbers as int or float)."""
    ((tag, inner),) = value.items()
    if tag == "S" or tag == "BOOL":
        return inner
    if tag == "N":
        number = Decimal(inner)
        if (
            number == number.to_integral_value()
            and "." not in inner
            and "e" not in inner.lower()
        ):
            return int(inner)
        return float(inner)
    if tag == "NULL":
        return None
    if tag == "L":
        return [decode_json(item) for item in inner]
    if tag == "M":
        return {k: decode_json(v) for k, v in inner.items()}
    if tag in ("SS", "NS", "BS", "B"):
        raise ValidationError(f"a {tag} value is not a JSON value")
    raise ValidationError(f"unknown DynamoDB type {tag}")


def decode_error(model: str, item: Item, error: Exception) -> ValidationError:
    """The error for an item that cannot be decoded as ``model``."""
    if isinstance(error, KeyError):
        return ValidationError(
            f"{model}: item lacks attribute {error.args[0]!r} "
            f"(item has {', '.join(sorted(item)) or 'nothing'})"
        )
    return ValidationError(f"{model}: cannot decode item: {error}")

"""DynamoDB's number limits, refused client-side at their exact boundaries.

DynamoDB keeps numbers of up to 38 significant digits with magnitudes from
1E-130 to 9.9999999999999999999999999999999999999E+125, of either sign, and
zero (Developer Guide, "Supported data types and naming rules"). The encoders
skip the digit walk where the text alone proves a number inside those
limits; the property tests hold the shortcuts to the rule itself.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from dyngen_runtime import ValidationError
from dyngen_runtime.marshal import encode_decimal, encode_float, encode_int
from hypothesis import given
from hypothesis import strategies as st

from generated.shop import Shop
from tests.conftest import sent_operations
from tests.shop_data import PLACED, order

LARGEST = "9.9999999999999999999999999999999999999E+125"  # 38 nines


def allowed(value: Decimal) -> bool:
    """DynamoDB's rule, written out: zero, or 38 digits within the range."""
    if not value:
        return True
    # Not normalize(): it rounds to the context's 28 digits.
    significant = "".join(map(str, value.as_tuple().digits)).strip("0")
    return len(significant) <= 38 and -130 <= value.adjusted() <= 125


@pytest.mark.parametrize(
    "text",
    [
        LARGEST,
        "-" + LARGEST,
        "1E-130",
        "-1E-130",
        "12345678901234567890123456789012345678",  # 38 digits
        "0.12345678901234567890123456789012345678",
        "1" + "0" * 60,  # one significant digit
        "1." + "0" * 50,  # trailing zeros are not significant
        "0.0000001",  # printed as 1E-7
        "129.95",
        "-0",
    ],
)
def test_decimals_inside_the_limits_are_kept(text: str) -> None:
    value = Decimal(text)
    assert encode_decimal(value, "T.n") == (str(value) if value else "0")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1E+126", "outside DynamoDB's number range"),
        ("-1E+126", "outside DynamoDB's number range"),
        ("1E-131", "outside DynamoDB's number range"),
        ("123456789012345678901234567890123456789", "has 39 significant digits"),
        ("0.123456789012345678901234567890123456789", "has 39 significant digits"),
        ("NaN", "is not a finite number"),
        ("-Infinity", "is not a finite number"),
    ],
)
def test_decimals_outside_the_limits_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=rf"^T\.n: .*{reason}"):
        encode_decimal(Decimal(text), "T.n")


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 200
    )
)
def test_decimal_encoding_follows_the_rule(value: Decimal) -> None:
    try:
        text = encode_decimal(value, "T.n")
    except ValidationError:
        assert not allowed(value)
    else:
        assert allowed(value)
        assert Decimal(text) == value


def test_ints_count_significant_digits() -> None:
    for value in (10**38 - 1, 10**38, -(10**38), 10**125, 7 * 10**125):
        assert encode_int(value, "T.n") == str(value)
    for value in (10**38 + 1, -(10**38 + 1), 10**126):
        with pytest.raises(ValidationError, match=r"^T\.n: "):
            encode_int(value, "T.n")


@pytest.mark.parametrize(
    "value", [1e125, 9.9e125, -9.9e125, 1e-130, 1e-129, 2.5, 0.1, -0.0, 1e-6]
)
def test_floats_inside_the_range_are_kept(value: float) -> None:
    assert encode_float(value, "T.n") == repr(value)


@pytest.mark.parametrize(
    "value", [1e126, -1e126, 1e-131, 5e-324, 1.7976931348623157e308]
)
def test_floats_outside_the_range_are_refused(value: float) -> None:
    with pytest.raises(ValidationError, match="outside DynamoDB's number range"):
        encode_float(value, "T.n")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_encoding_follows_the_rule(value: float) -> None:
    try:
        text = encode_float(value, "T.n")
    except ValidationError:
        assert not allowed(Decimal(repr(value)))
    else:
        assert allowed(Decimal(text))
        assert float(text) == value


def test_the_limits_round_trip_and_the_rest_never_leaves(shop: Shop) -> None:
    for n, total in enumerate((LARGEST, "-" + LARGEST, "1E-130", "1" * 38)):
        stored = shop.orders.create(order(n, total=Decimal(total)))
        got = shop.orders.get(customer_id="c1", placed_at=PLACED, order_id=f"o{n}")
        assert got == stored
        assert got is not None
        assert got.total == Decimal(total)
    sent = sent_operations(shop)
    for total in ("1E+126", "1E-131", "1" * 39):
        with pytest.raises(ValidationError, match=r"Order\.total: "):
            shop.orders.create(order(9, total=Decimal(total)))
    assert sent == []

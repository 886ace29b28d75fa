"""Item size as DynamoDB documents it; dynalite is the oracle for ASCII content."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from dyngen_runtime import (
    ItemSizeExceededError,
    KeyTooLongError,
    ValidationError,
    item_size,
)
from dyngen_runtime.size import MAX_ITEM_BYTES, number_size
from dyngen_runtime.wire import key_identity
from dyngen_runtime.wire_json import decode_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generated.shop import Customer, CustomerAddress, Shop
from tests.backends import Dynalite
from tests.conftest import sent_operations


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 1),
        ("123", 3),
        ("1.2", 3),
        ("-1", 3),
        ("12", 2),
        ("100", 2),
        ("-0.5", 3),
        ("12345678901234567890123456789012345678", 20),
        ("1E+125", 2),
        ("1E-130", 2),
    ],
)
def test_number_sizes(text: str, size: int) -> None:
    assert number_size(text) == size


def test_documented_sizes_by_hand() -> None:
    assert item_size({"a": {"S": "hello"}}) == 1 + 5
    assert item_size({"é": {"S": "名前"}}) == 2 + 6  # UTF-8 bytes, names included
    assert item_size({"e": {"S": "😀"}}) == 1 + 4
    assert item_size({"b": {"B": b"\x00\x01\x02"}}) == 1 + 3
    assert item_size({"b": {"B": "AAEC"}}) == 1 + 3  # base64 text, as in streams
    assert item_size({"t": {"BOOL": True}, "n": {"NULL": True}}) == 2 + 2
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (1 + 2) + (
        1 + 2
    )
    assert item_size({"m": {"M": {"kk": {"S": "v"}}}}) == 1 + 3 + (1 + 2 + 1)
    assert item_size({"s": {"SS": ["a", "bb"]}, "n": {"NS": ["1", "22"]}}) == 2 + 3 + 4


def test_the_runtime_refuses_oversized_items_before_any_request(shop: Shop) -> None:
    calls = sent_operations(shop)
    big = Customer(customer_id="c1", email="a@x", name="x" * MAX_ITEM_BYTES)
    with pytest.raises(ItemSizeExceededError) as raised:
        shop.customers.create(big)
    message = str(raised.value)
    assert "Customer: item is" in message
    assert "largest attributes: name (409600 B)" in message
    with pytest.raises(KeyTooLongError, match="partition key PK is 2049 bytes"):
        shop.customers.create(Customer(customer_id="x" * 2040, email="a@x", name="n"))
    assert calls == []


def padded_customer(size: int) -> Customer:
    """A customer whose item is exactly ``size`` bytes (ASCII name padding)."""
    base = Customer(customer_id="c1", email="a@x", name="")
    pad = size - item_size(base.to_item())
    return base.model_copy(update={"name": "x" * pad})


def checked(model: Any, how: str) -> Any:
    """The checked item by ``to_checked_item`` or, decoded, ``to_checked_json``."""
    if how == "item":
        return model.to_checked_item()
    text, identity = model.to_checked_json()
    item = decode_body(text.encode())
    names = model._entity.key_attributes
    assert identity == key_identity({name: item[name] for name in names})
    return item


BOTH = pytest.mark.parametrize("how", ["item", "json"])


@BOTH
def test_the_checked_encoding_is_exact_at_the_limit(how: str) -> None:
    # The bound is past 400 KB for both, so the exact walk decides: DynamoDB
    # takes exactly 409,600 bytes and refuses one more.
    at_limit = padded_customer(MAX_ITEM_BYTES)
    assert item_size(checked(at_limit, how)) == MAX_ITEM_BYTES
    with pytest.raises(ItemSizeExceededError, match="item is 409601 bytes"):
        checked(padded_customer(MAX_ITEM_BYTES + 1), how)
    # Wide text is counted by its UTF-8 bytes, not its characters.
    wide = Customer(customer_id="c1", email="a@x", name="\U0001f600" * 102_390)
    with pytest.raises(ItemSizeExceededError, match="name \\(409560 B\\)"):
        checked(wide, how)


def test_every_write_path_refuses_before_any_request(shop: Shop) -> None:
    calls = sent_operations(shop)
    small = Customer(customer_id="c0", email="a@x", name="n")
    big = padded_customer(MAX_ITEM_BYTES + 1)  # 1 more once stored as version 1
    # A guarded set and a nested model carry the excess on the other paths.
    tagged = small.model_copy(
        update={"tags": {"t" * 1000 + str(i) for i in range(410)}}
    )
    with pytest.raises(ItemSizeExceededError, match="largest attributes: tags"):
        shop.customers.put(tagged)
    street = CustomerAddress(street="s" * MAX_ITEM_BYTES, city="c", zip="z")
    addressed = small.model_copy(update={"address": street})
    with pytest.raises(ItemSizeExceededError, match="largest attributes: address"):
        shop.customers.create(addressed)
    with pytest.raises(
        ItemSizeExceededError, match=r"Customer: item is 40960[12] bytes"
    ):
        shop.batch_write(
            puts=[small, small.model_copy(update={"customer_id": "c2"}), big]
        )
    with pytest.raises(
        ItemSizeExceededError, match=r"Customer: item is 40960[12] bytes"
    ):
        shop.transaction(
            "t-1", lambda tx: [tx.customers.create(small), tx.customers.put(big)]
        )
    with pytest.raises(KeyTooLongError, match="partition key PK is 2049 bytes"):
        shop.batch_write(puts=[Customer(customer_id="x" * 2040, email="a@x", name="n")])
    assert calls == []


PLAIN_KEYS = """
dyngen: 1
table: {name: plain, pk: id, sk: blob}
entities:
  Thing:
    attributes:
      id: str
      blob: bytes
      note: {type: str, required: false}
"""


@BOTH
def test_plain_attribute_keys_are_checked_for_length_and_emptiness(
    build_schema: Callable[[str], Any], how: str
) -> None:
    module = build_schema(PLAIN_KEYS)
    thing = module.Thing(id="a" * 512, blob=b"b" * 1024, note="n")
    assert checked(thing, how) == thing.to_item()  # at both limits
    # 2,048 bytes of 2-byte characters: within the limit though 1,024 characters.
    wide = thing.model_copy(update={"id": "\u00e9" * 1024})
    assert checked(wide, how)["id"] == {"S": "\u00e9" * 1024}
    with pytest.raises(KeyTooLongError, match="partition key id is 2050 bytes"):
        checked(thing.model_copy(update={"id": "\u00e9" * 1025}), how)
    with pytest.raises(KeyTooLongError, match="sort key blob is 1025 bytes"):
        checked(thing.model_copy(update={"blob": b"b" * 1025}), how)
    with pytest.raises(ValidationError, match="partition key id is empty"):
        checked(thing.model_copy(update={"id": ""}), how)
    with pytest.raises(ValidationError, match="sort key blob is empty"):
        checked(thing.model_copy(update={"blob": b""}), how)


def test_text_that_is_not_unicode_is_refused_naming_the_entity() -> None:
    lone = Customer(customer_id="c1", email="a@x", name="\ud800")
    with pytest.raises(ValidationError, match="Customer: text that is not valid"):
        lone.to_checked_json()


def test_unknown_types_are_refused() -> None:
    with pytest.raises(ValidationError):
        item_size({"a": {"Q": "x"}})


ascii_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40
)
scalars = st.one_of(
    ascii_text.map(lambda s: {"S": s}),
    st.decimals(allow_nan=False, allow_infinity=False, places=None)
    .filter(lambda d: d.is_finite() and (d == 0 or -130 <= d.adjusted() <= 125))
    .map(lambda d: {"N": str(d)})
    .filter(lambda v: len(v["N"].replace("-", "").replace(".", "").lstrip("0")) <= 38),
    st.binary(max_size=20).filter(bool).map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: {"L": xs}),
        st.dictionaries(ascii_text.filter(bool), inner, max_size=4).map(
            lambda m: {"M": m}
        ),
    ),
    max_leaves=10,
)
items = st.dictionaries(
    st.text(alphabet="abcdefghij", min_size=1, max_size=6), values, max_size=6
)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(extra=items)
def test_sizes_match_dynalite_at_the_limit(
    dynalite: Dynalite, extra: dict[str, Any]
) -> None:
    """Padded to exactly 409,600 bytes an item is accepted; one byte more, refused."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynalite.endpoint_url,
        region_name="us-east-1",
    )
    table = "size-oracle"
    with contextlib.suppress(client.exceptions.ResourceInUseException):
        client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    base = {
        "PK": {"S": "k"},
        **{k: v for k, v in extra.items() if k not in ("PK", "pad")},
    }
    for target, accepted in ((MAX_ITEM_BYTES, True), (MAX_ITEM_BYTES + 1, False)):
        pad = target - item_size(base) - len("pad")
        item = {**base, "pad": {"S": "p" * pad}}
        assert item_size(item) == target
        if accepted:
            client.put_item(TableName=table, Item=item)
        else:
            with pytest.raises(ClientError, match="Item size has exceeded"):
                client.put_item(TableName=table, Item=item)

"""create / put / get / delete through the generated shop client, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from dyngen_runtime import ConditionFailedError, ValidationError, VersionConflictError
from pydantic import ValidationError as PydanticValidationError

from generated.shop import (
    Customer,
    CustomerAddress,
    CustomerStatus,
    Order,
    OrderLines,
    OrderStatus,
    Shop,
)
from tests.conftest import Backend

PLACED = datetime(2026, 3, 1, 12, 30, 0, 123456, tzinfo=UTC)


def customer(**changes: Any) -> Customer:
    values: dict[str, Any] = {
        "customer_id": "c1",
        "email": "ann@example.com",
        "name": "Ann",
    }
    values.update(changes)
    return Customer(**values)


def order(**changes: Any) -> Order:
    values: dict[str, Any] = {
        "customer_id": "c1",
        "order_id": "o1",
        "placed_at": PLACED,
        "status": OrderStatus.pending,
        "total": Decimal("19.90"),
        "lines": [OrderLines(sku="sku-1", qty=2, price=Decimal("9.95"))],
    }
    values.update(changes)
    return Order(**values)


def raw_item(db: Shop, key: dict[str, Any]) -> dict[str, Any]:
    response = db._executor.call("GetItem", {"TableName": db.table_name, "Key": key})
    item: dict[str, Any] = response["Item"]
    return item


def test_round_trip_of_every_field(shop: Shop) -> None:
    original = customer(
        status=CustomerStatus.suspended,
        created_at=datetime(
            2025, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2))
        ),
        order_count=7,
        tags={"vip", "newsletter"},
        address=CustomerAddress(street="1 Main St", city="Springfield", zip="12345"),
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    stored = shop.customers.create(original)
    assert stored.version == 1
    read = shop.customers.get(customer_id="c1", consistent=True)
    assert read == stored
    assert read is not None
    assert read.created_at == original.created_at  # same instant, now in UTC
    assert read.created_at.tzinfo is not None

    placed = shop.orders.create(order(notes="leave at the door"))
    assert shop.orders.get(customer_id="c1", placed_at=PLACED, order_id="o1") == placed


def test_missing_item_is_none(shop: Shop) -> None:
    assert shop.customers.get(customer_id="nobody") is None
    assert shop.orders.get(customer_id="c1", placed_at=PLACED, order_id="none") is None
    assert shop.customers.delete(customer_id="nobody") is None


def test_create_twice_conflicts_and_keeps_the_first(shop: Shop) -> None:
    shop.customers.create(customer(name="First"))
    with pytest.raises(ConditionFailedError) as raised:
        shop.customers.create(customer(name="Second"))
    assert raised.value.code == "ConditionalCheckFailedException"
    assert raised.value.operation == "PutItem"
    stored = shop.customers.get(customer_id="c1")
    assert stored is not None
    assert stored.name == "First"


def test_key_and_type_attributes_are_written(shop: Shop) -> None:
    shop.orders.create(order())
    item = raw_item(shop, Order.key(customer_id="c1", placed_at=PLACED, order_id="o1"))
    assert item["PK"] == {"S": "CUSTOMER#c1"}
    assert item["SK"] == {"S": "ORDER#2026-03-01T12:30:00.123456Z#o1"}
    assert item["_type"] == {"S": "Order"}
    assert item["GSI1PK"] == {"S": "ORDER#o1"}
    assert item["GSI1SK"] == {"S": "ORDER"}
    prefix, shard = item["GSI2PK"]["S"].rsplit("#", 1)
    assert prefix == "STATUS#pending"
    assert 0 <= int(shard) < 8
    assert item["GSI2SK"] == {"S": "2026-03-01T12:30:00.123456Z"}
    assert item["LSI1SK"] == {"S": "ORDERSTATUS#pending#2026-03-01T12:30:00.123456Z"}
    assert "notes" not in item  # optional and unset: not stored
    assert item["version"] == {"N": "1"}

    shop.customers.create(customer(email="Ann@Example.com"))
    profile = raw_item(shop, Customer.key(customer_id="c1"))
    assert profile["SK"] == {"S": "PROFILE"}
    assert profile["GSI1PK"] == {"S": "EMAIL#Ann@Example.com"}  # case kept
    assert "tags" not in profile  # empty sets are not stored


def test_put_replaces_only_the_version_that_was_read(
    backend: Backend, shop: Shop
) -> None:
    first = shop.customers.put(customer())  # version 0 behaves like create
    assert first.version == 1
    second = shop.customers.put(first.model_copy(update={"name": "Ann B."}))
    assert second.version == 2
    with pytest.raises(VersionConflictError) as raised:
        shop.customers.put(first.model_copy(update={"name": "stale"}))
    if backend.is_moto:
        # DynamoDB returns the current item (ReturnValuesOnConditionCheckFailure).
        assert raised.value.item == second
    else:
        # dynalite ignores ReturnValuesOnConditionCheckFailure.
        assert raised.value.item is None
    with pytest.raises(VersionConflictError):
        shop.customers.put(customer())  # version 0 again: the item exists
    assert shop.customers.get(customer_id="c1") == second


def test_delete_returns_the_old_item(shop: Shop) -> None:
    stored = shop.orders.create(order())
    assert (
        shop.orders.delete(customer_id="c1", placed_at=PLACED, order_id="o1") == stored
    )
    assert shop.orders.get(customer_id="c1", placed_at=PLACED, order_id="o1") is None


def test_invalid_values_are_refused_before_any_request(shop: Shop) -> None:
    with pytest.raises(PydanticValidationError, match="timezone"):
        order(placed_at=datetime(2026, 1, 1))  # the model refuses naive datetimes
    mutated = order()
    mutated.placed_at = datetime(2026, 1, 1)  # assignment is not validated
    with pytest.raises(ValidationError, match=r"Order\.placed_at: naive datetime"):
        shop.orders.create(mutated)
    with pytest.raises(ValidationError, match=r"Customer\.customer_id: empty value"):
        shop.customers.create(customer(customer_id=""))
    not_a_number = order()
    not_a_number.total = Decimal("NaN")
    with pytest.raises(
        ValidationError, match=r"Order\.total: NaN is not a finite number"
    ):
        shop.orders.create(not_a_number)
    with pytest.raises(ValidationError, match=r"Customer\.customer_id: empty value"):
        shop.customers.get(customer_id="")
    assert shop.orders.get(customer_id="c1", placed_at=PLACED, order_id="o1") is None


def test_in_memory_clients_do_not_share_tables() -> None:
    first, second = Shop.in_memory(), Shop.in_memory()
    first.customers.create(customer())
    assert second.customers.get(customer_id="c1") is None
    assert first.customers.get(customer_id="c1") is not None
    first.close()
    second.close()


def test_table_definition_matches_the_schema() -> None:
    definition = Shop.table_definition("shop-prod")
    assert definition["TableName"] == "shop-prod"
    assert definition["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert [g["IndexName"] for g in definition["GlobalSecondaryIndexes"]] == [
        "GSI1",
        "GSI2",
    ]
    assert definition["GlobalSecondaryIndexes"][1]["Projection"] == {
        "ProjectionType": "KEYS_ONLY"
    }
    (lsi,) = definition["LocalSecondaryIndexes"]
    assert lsi["KeySchema"][0] == {"AttributeName": "PK", "KeyType": "HASH"}
    assert lsi["Projection"] == {
        "ProjectionType": "INCLUDE",
        "NonKeyAttributes": ["_type", "status", "total"],
    }
    names = {d["AttributeName"] for d in definition["AttributeDefinitions"]}
    assert names == {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "LSI1SK"}


def test_create_table_is_a_no_op_when_the_table_exists(backend: Backend) -> None:
    db = backend.client(Shop)
    db.customers.create(customer())
    db.create_table()
    assert db.customers.get(customer_id="c1") is not None

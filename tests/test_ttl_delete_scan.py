"""TTL on reads and creates, conditional deletes, and scans, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from dyngen_runtime import ConditionFailedError, ValidationError, VersionConflictError

from generated.shop import (
    Customer,
    CustomerStatus,
    Order,
    OrderLines,
    OrderStatus,
    Shop,
)
from tests.conftest import Backend

PAST = datetime.now(UTC) - timedelta(days=1)
FUTURE = datetime.now(UTC) + timedelta(days=1)


def customer(n: int, **changes: object) -> Customer:
    values: dict[str, object] = {
        "customer_id": f"c{n}",
        "email": f"c{n}@x",
        "name": f"C{n}",
    }
    values.update(changes)
    return Customer(**values)  # type: ignore[arg-type]


def test_expired_items_are_hidden_unless_asked_for(shop: Shop) -> None:
    shop.customers.create(customer(1, expires_at=PAST))
    shop.customers.create(customer(2, expires_at=FUTURE))
    shop.customers.create(customer(3))
    assert shop.customers.get(customer_id="c1") is None
    hidden = shop.customers.get(customer_id="c1", include_expired=True)
    assert hidden is not None
    assert hidden.expires_at is not None
    assert shop.customers.get(customer_id="c2") is not None
    assert shop.customers.get(customer_id="c3") is not None
    assert shop.customers.by_email("c1@x") is None
    assert shop.customers.by_email("c1@x", include_expired=True) is not None
    assert {c.customer_id for c in shop.customers.scan()} == {"c2", "c3"}
    assert len(list(shop.customers.scan(include_expired=True))) == 3


def test_create_may_replace_an_expired_item_only(shop: Shop) -> None:
    shop.customers.create(customer(1, expires_at=PAST, name="old"))
    fresh = shop.customers.create(customer(1, name="new"))
    assert shop.customers.get(customer_id="c1") == fresh
    with pytest.raises(ConditionFailedError):
        shop.customers.create(customer(1, name="newer"))


def test_conditional_delete(shop: Shop) -> None:
    stored = shop.customers.create(customer(1))
    with pytest.raises(ConditionFailedError):
        shop.customers.delete(
            customer_id="c1",
            condition=Customer.fields.status == CustomerStatus.suspended,
        )
    with pytest.raises(VersionConflictError):
        shop.customers.delete(customer_id="c1", if_version=7)
    assert shop.customers.get(customer_id="c1") == stored
    old = shop.customers.delete(
        customer_id="c1",
        if_version=1,
        condition=Customer.fields.status == CustomerStatus.active,
    )
    assert old == stored
    assert shop.customers.get(customer_id="c1") is None


def test_scan_returns_only_the_entitys_items(backend: Backend) -> None:
    db = backend.client(Shop)
    for n in range(30):
        db.customers.create(customer(n, order_count=n))
    for n in range(10):
        db.orders.create(
            Order(
                customer_id="c1",
                order_id=f"o{n}",
                placed_at=datetime(2026, 1, 1, tzinfo=UTC),
                status=OrderStatus.pending,
                total=Decimal(n),
                lines=[OrderLines(sku="s", qty=1, price=Decimal(1))],
            )
        )
    assert sorted(c.customer_id for c in db.customers.scan()) == sorted(
        f"c{n}" for n in range(30)
    )
    parallel = list(db.customers.scan(segments=4))
    assert sorted(c.customer_id for c in parallel) == sorted(f"c{n}" for n in range(30))
    big = db.customers.scan(filter=Customer.fields.order_count >= 25, segments=3)
    assert sorted(c.order_count for c in big) == [25, 26, 27, 28, 29]
    assert len(list(db.orders.scan(filter=Order.fields.total > Decimal(7)))) == 2
    with pytest.raises(ValidationError, match="segments must be at least 1"):
        next(db.customers.scan(segments=0))

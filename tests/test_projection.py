"""get(..., projection=[...]): only the named attributes are read, into a Partial."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dyngen_runtime import ValidationError

from generated.shop import Customer, CustomerAddress, CustomerPartial, Shop
from tests.conftest import Backend


def test_projection_reads_only_the_named_fields(shop: Shop) -> None:
    shop.customers.create(
        Customer(
            customer_id="c1",
            email="a@x",
            name="Ann",
            tags={"vip"},
            address=CustomerAddress(street="1 Main", city="X", zip="1"),
        )
    )
    partial = shop.customers.get(
        customer_id="c1", projection=["name", "address", "tags"]
    )
    assert isinstance(partial, CustomerPartial)
    assert partial.name == "Ann"
    assert partial.tags == {"vip"}
    assert partial.address == CustomerAddress(street="1 Main", city="X", zip="1")
    assert partial.email is None
    assert partial.customer_id is None
    assert shop.customers.get(customer_id="c2", projection=["name"]) is None


def test_projection_still_hides_expired_items(shop: Shop) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    shop.customers.create(
        Customer(customer_id="c1", email="a@x", name="A", expires_at=past)
    )
    assert shop.customers.get(customer_id="c1", projection=["name"]) is None
    shown = shop.customers.get(
        customer_id="c1", projection=["name"], include_expired=True
    )
    assert shown is not None
    assert shown.name == "A"


def test_unknown_projection_fields_are_refused(shop: Shop) -> None:
    with pytest.raises(ValidationError, match="no field 'nickname'"):
        shop.customers.get(customer_id="c1", projection=["nickname"])  # type: ignore[list-item]


def orders(shop: Shop, count: int) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from generated.shop import Order, OrderLines, OrderStatus

    for n in range(count):
        shop.orders.create(
            Order(
                customer_id="c1",
                order_id=f"o{n}",
                placed_at=datetime(2026, 1, 1, n, tzinfo=UTC),
                status=OrderStatus.pending,
                total=Decimal(n),
                notes=f"note {n}",
                lines=[OrderLines(sku="s", qty=1, price=Decimal(n))],
            )
        )


def test_query_projection_on_the_table(shop: Shop) -> None:
    from generated.shop import OrderPartial

    orders(shop, 5)
    page = shop.orders.for_customer("c1", projection=["order_id", "total"], limit=3)
    assert all(isinstance(o, OrderPartial) for o in page.items)
    seen: list[tuple[Any, ...]] = [(o.order_id, o.total, o.notes) for o in page.items]
    assert seen == [
        ("o0", 0, None),
        ("o1", 1, None),
        ("o2", 2, None),
    ]
    rest = shop.orders.for_customer("c1", projection=["order_id"], cursor=page.cursor)
    assert [o.order_id for o in rest.items] == ["o3", "o4"]
    every = list(shop.orders.iter_for_customer("c1", projection=["notes"]))
    assert [o.notes for o in every] == [f"note {n}" for n in range(5)]


def test_query_projection_on_a_keys_only_global_index(shop: Shop) -> None:
    from generated.shop import OrderStatus

    orders(shop, 4)
    got = shop.orders.by_status(OrderStatus.pending, projection=["order_id", "notes"])
    assert sorted((o.order_id, o.notes) for o in got.items) == [
        (f"o{n}", f"note {n}") for n in range(4)
    ]
    assert all(o.total is None for o in got.items)


def test_query_projection_on_a_local_index(backend: Backend, shop: Shop) -> None:
    from generated.shop import OrderStatus

    if backend.is_moto:
        pytest.skip(
            "moto ignores Select=ALL_ATTRIBUTES on a local index and returns only its "
            "projected attributes; DynamoDB (and dynalite) fetch the rest from the table"
        )
    orders(shop, 3)
    got = shop.orders.for_customer_by_status(
        "c1", status=OrderStatus.pending, projection=["order_id", "notes"]
    )
    assert [(o.order_id, o.notes) for o in got.items] == [
        (f"o{n}", f"note {n}") for n in range(3)
    ]

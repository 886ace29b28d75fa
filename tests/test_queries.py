"""Access-pattern queries on both backends: key conditions, pages, cursors, shards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dyngen_runtime import NotUniqueError, ValidationError, between, gt, gte, lt, lte
from dyngen_runtime.cursor import InvalidCursorError

from generated.shop import Customer, Order, OrderLines, OrderStatus, Shop
from tests.conftest import Backend

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def order(n: int, customer: str = "c1", **changes: Any) -> Order:
    values: dict[str, Any] = {
        "customer_id": customer,
        "order_id": f"o{n:04d}",
        "placed_at": T0 + timedelta(minutes=n),
        "status": OrderStatus.pending,
        "total": Decimal(n),
        "lines": [OrderLines(sku="s", qty=1, price=Decimal(n))],
    }
    values.update(changes)
    return Order(**values)


def load(db: Shop, count: int, customer: str = "c1", **changes: Any) -> list[Order]:
    return [db.orders.put(order(n, customer, **changes)) for n in range(count)]


def test_only_the_entitys_items_and_only_its_partition(shop: Shop) -> None:
    load(shop, 3)
    load(shop, 2, customer="c2")
    shop.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    page = shop.orders.for_customer("c1")
    assert [o.order_id for o in page.items] == ["o0000", "o0001", "o0002"]
    assert page.cursor is None
    assert len(shop.orders.for_customer(customer_id="c2").items) == 2


def test_sort_key_prefix_and_ranges(shop: Shop) -> None:
    orders = load(shop, 10)
    at = [o.placed_at for o in orders]

    def ids(page: Any) -> list[str]:
        return [o.order_id for o in page.items]

    assert ids(shop.orders.for_customer("c1", placed_at=at[3])) == ["o0003"]
    assert ids(shop.orders.for_customer("c1", placed_at=between(at[2], at[4]))) == [
        "o0002",
        "o0003",
        "o0004",
    ]
    assert ids(shop.orders.for_customer("c1", placed_at=gt(at[7]))) == [
        "o0008",
        "o0009",
    ]
    assert ids(shop.orders.for_customer("c1", placed_at=gte(at[8]))) == [
        "o0008",
        "o0009",
    ]
    assert ids(shop.orders.for_customer("c1", placed_at=lt(at[2]))) == [
        "o0000",
        "o0001",
    ]
    assert ids(shop.orders.for_customer("c1", placed_at=lte(at[1]))) == [
        "o0000",
        "o0001",
    ]
    assert ids(shop.orders.for_customer("c1", placed_at=at[5], order_id="o0005")) == [
        "o0005"
    ]
    assert ids(shop.orders.for_customer("c1", placed_at=at[5], order_id="o0006")) == []


def test_descending_order(shop: Shop) -> None:
    load(shop, 5)
    page = shop.orders.for_customer("c1", descending=True)
    assert [o.order_id for o in page.items] == [
        "o0004",
        "o0003",
        "o0002",
        "o0001",
        "o0000",
    ]


def test_a_prefix_stops_at_whole_values(backend: Backend) -> None:
    db = backend.client(Shop)
    t = T0
    db.orders.put(order(1, order_id="e1", placed_at=t))
    db.orders.put(order(2, order_id="e10", placed_at=t))
    got = db.orders.for_customer("c1", placed_at=t, order_id="e1").items
    assert [o.order_id for o in got] == ["e1"]


def test_pagination_resumes_exactly(shop: Shop) -> None:
    load(shop, 1000)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = shop.orders.for_customer("c1", limit=37, cursor=cursor)
        assert len(page.items) <= 37
        seen += [o.order_id for o in page.items]
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == [f"o{n:04d}" for n in range(1000)]
    assert pages >= 1000 // 37
    assert [o.order_id for o in shop.orders.iter_for_customer("c1")] == seen


def test_limit_counts_only_the_entitys_items(shop: Shop) -> None:
    load(shop, 5)
    shop.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    page = shop.orders.for_customer("c1", limit=5)
    assert len(page.items) == 5


def test_foreign_and_tampered_cursors_are_refused(backend: Backend) -> None:
    db = backend.client(Shop)
    load(db, 5)
    load(db, 5, customer="c2")
    cursor = db.orders.for_customer("c1", limit=2).cursor
    assert cursor is not None
    with pytest.raises(InvalidCursorError, match="another partition"):
        db.orders.for_customer("c2", limit=2, cursor=cursor)
    with pytest.raises(
        InvalidCursorError, match=r"belongs to query Order\.for_customer"
    ):
        db.orders.by_status(OrderStatus.pending, cursor=cursor)
    with pytest.raises(InvalidCursorError, match="malformed"):
        db.orders.for_customer("c1", cursor="not a cursor!")


def test_signed_cursors_refuse_edits(backend: Backend) -> None:
    made = backend.client(Shop)
    db = Shop.connect(
        client=made._executor.client,
        table_name=made.table_name,
        cursor_secret="s3cret",
    )
    load(db, 5)
    cursor = db.orders.for_customer("c1", limit=2).cursor
    assert cursor is not None
    assert len(db.orders.for_customer("c1", limit=2, cursor=cursor).items) == 2
    edited = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    with pytest.raises(InvalidCursorError):
        db.orders.for_customer("c1", cursor=edited)


def test_unique_patterns(shop: Shop) -> None:
    load(shop, 2)
    found = shop.orders.by_id("o0001")
    assert found is not None
    assert found.order_id == "o0001"
    assert shop.orders.by_id("nope") is None
    shop.customers.create(Customer(customer_id="c1", email="same@x", name="A"))
    shop.customers.create(Customer(customer_id="c2", email="same@x", name="B"))
    with pytest.raises(NotUniqueError):
        shop.customers.by_email("same@x")


def test_sharded_index_fans_out_and_merges(shop: Shop) -> None:
    orders = load(shop, 40, customer="c1") + load(shop, 40, customer="c2")
    pending = sorted(orders, key=lambda o: (o.placed_at, o.customer_id))
    shards = {
        shop._executor.call(
            "GetItem",
            {
                "TableName": shop.table_name,
                "Key": Order.key(
                    customer_id=o.customer_id,
                    placed_at=o.placed_at,
                    order_id=o.order_id,
                ),
            },
        )["Item"]["GSI2PK"]["S"]
        for o in orders
    }
    assert len(shards) > 1  # the writes really spread over shards
    seen: list[Order] = []
    cursor: str | None = None
    while True:
        page = shop.orders.by_status(OrderStatus.pending, limit=7, cursor=cursor)
        seen += page.items
        cursor = page.cursor
        if cursor is None:
            break
    assert [(o.placed_at, o.customer_id) for o in seen] == [
        (o.placed_at, o.customer_id) for o in pending
    ]
    newest = shop.orders.by_status(OrderStatus.pending, limit=3, descending=True).items
    assert [o.placed_at for o in newest] == sorted(
        (o.placed_at for o in orders), reverse=True
    )[:3]
    assert shop.orders.by_status(OrderStatus.shipped).items == []


def test_local_index_query_and_fixed_filter(backend: Backend, shop: Shop) -> None:
    if backend.is_moto:
        pytest.skip(
            "moto ignores Select=ALL_ATTRIBUTES on a local index and returns only the "
            "projected attributes; DynamoDB (and dynalite) fetch the rest from the table"
        )
    load(shop, 2)
    for n in (10, 11, 12):
        shop.orders.put(order(n, status=OrderStatus.shipped))
    shipped = shop.orders.for_customer_by_status("c1", status=OrderStatus.shipped)
    assert [o.order_id for o in shipped.items] == ["o0010", "o0011", "o0012"]
    assert shipped.items[0].lines  # full items, fetched with Select=ALL_ATTRIBUTES
    pending = shop.orders.pending_for_customer("c1")
    assert [o.order_id for o in pending.items] == ["o0000", "o0001"]


def test_user_filter(shop: Shop) -> None:
    load(shop, 6)
    page = shop.orders.for_customer("c1", filter=Order.fields.total >= Decimal(4))
    assert [o.order_id for o in page.items] == ["o0004", "o0005"]


def test_sort_key_fields_in_template_order(shop: Shop) -> None:
    with pytest.raises(ValidationError, match="order_id given without placed_at"):
        shop.orders.for_customer("c1", order_id="o1")
    with pytest.raises(ValidationError, match="limit must be at least 1"):
        shop.orders.for_customer("c1", limit=0)

"""Typical use of the generated API; must pass mypy --strict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dyngen_runtime import Page, between, gte

from generated.shop import (
    Customer,
    CustomerStatus,
    CustomerWithOrders,
    Order,
    OrderLines,
    OrderStatus,
    Shop,
)


def use(db: Shop) -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    created: Customer = db.customers.create(
        Customer(customer_id="c1", email="a@x", name="A")
    )
    found: Customer | None = db.customers.get(customer_id="c1", consistent=True)
    updated: Customer = (
        db.customers.update(customer_id="c1")
        .set(name="B", status=CustomerStatus.suspended, tags={"x"})
        .add(order_count=1)
        .delete(tags={"y"})
        .remove("address")
        .when(Customer.fields.status == CustomerStatus.active)
        .if_version(created.version)
        .execute()
    )
    order = Order(
        customer_id="c1",
        placed_at=t,
        status=OrderStatus.pending,
        total=Decimal("1"),
        lines=[OrderLines(sku="s", qty=1, price=Decimal("1"))],
    )
    db.orders.put(order)
    page: Page[Order] = db.orders.for_customer(
        "c1", placed_at=between(t, t), limit=20, descending=True
    )
    items: list[Order] = page.items
    cursor: str | None = page.cursor
    every: Iterator[Order] = db.orders.iter_by_status(
        OrderStatus.shipped, placed_at=gte(t)
    )
    one: Order | None = db.orders.by_id("o1")
    scanned: Iterator[Customer] = db.customers.scan(
        filter=Customer.fields.order_count > 3, segments=2
    )
    both: CustomerWithOrders = db.collections.customer_with_orders("c1")
    db.transaction(
        "checkout-1",
        lambda tx: [
            tx.orders.create(order),
            tx.customers.update(customer_id="c1").add(order_count=1),
            tx.customers.condition_check(
                customer_id="c9",
                condition=Customer.fields.status == CustomerStatus.active,
            ),
        ],
    )
    got: list[Any] = db.transact_get(lambda tx: [tx.customers.get(customer_id="c1")])
    batch = db.customers.batch_get([{"customer_id": "c1"}])
    first: Customer | None = batch.items[0]
    written = db.batch_write(puts=[order], deletes=[Customer.key(customer_id="c9")])
    print(got, first, written.succeeded)
    old: Customer | None = db.customers.delete(customer_id="c1", if_version=2)
    print(found, updated, items, cursor, every, one, scanned, both, old)

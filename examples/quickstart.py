"""dyngen quickstart: the generated `shop` package, end to end.

Runs on an in-memory table by default. Set DYNGEN_ENDPOINT_URL to run against a
DynamoDB-compatible server instead (for example a local dynalite), where the
table is created if it does not exist.

    python examples/quickstart.py
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dyngen_runtime import ConditionFailedError, VersionConflictError

from generated.shop import (
    Customer,
    Order,
    OrderLines,
    OrderStatus,
    Shop,
)


def open_table() -> Shop:
    """The in-memory default, or the server named by DYNGEN_ENDPOINT_URL."""
    endpoint = os.environ.get("DYNGEN_ENDPOINT_URL")
    if not endpoint:
        print("table: in memory (set DYNGEN_ENDPOINT_URL to use a server)")
        return Shop.in_memory()
    db = Shop.connect(
        table_name=os.environ.get("DYNGEN_TABLE_NAME", "shop-quickstart"),
        endpoint_url=endpoint,
    )
    db.create_table()
    print(f"table: {db.table_name} at {endpoint}")
    return db


def main() -> None:
    """Create, read, update with optimistic locking, and delete."""
    db = open_table()
    ann = db.customers.create(
        Customer(customer_id="c1", email="ann@example.com", name="Ann")
    )
    print(f"created customer {ann.customer_id} at version {ann.version}")

    try:
        db.customers.create(Customer(customer_id="c1", email="x@example.com", name="X"))
    except ConditionFailedError:
        print("creating c1 again was refused: it exists")

    order = db.orders.create(
        Order(
            customer_id="c1",
            placed_at=datetime.now(UTC),
            status=OrderStatus.pending,
            total=Decimal("19.90"),
            lines=[OrderLines(sku="book", qty=2, price=Decimal("9.95"))],
        )
    )
    print(f"created order {order.order_id} for {order.total}")

    found = db.orders.get(
        customer_id="c1", placed_at=order.placed_at, order_id=order.order_id
    )
    print(f"read it back: {found is not None and found == order}")

    renamed = db.customers.put(ann.model_copy(update={"name": "Ann Smith"}))
    print(f"renamed customer: version {ann.version} -> {renamed.version}")
    try:
        db.customers.put(ann.model_copy(update={"name": "stale write"}))
    except VersionConflictError:
        print("a write from the stale copy was refused (version conflict)")

    db.orders.delete(
        customer_id="c1", placed_at=order.placed_at, order_id=order.order_id
    )
    db.customers.delete(customer_id="c1")
    print("deleted both; customer c1 now:", db.customers.get(customer_id="c1"))
    db.close()


if __name__ == "__main__":
    main()

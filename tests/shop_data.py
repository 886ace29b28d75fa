"""Sample items of the committed ``generated.shop`` shared by several tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from generated.shop import Order, OrderLines, OrderStatus

PLACED = datetime(2026, 3, 1, tzinfo=UTC)
"""When every sample order was placed (part of its sort key)."""


def order(n: int = 1, **changes: Any) -> Order:
    """Order ``o<n>`` of customer c1: one line of 9.50, pending."""
    fields: dict[str, Any] = {
        "customer_id": "c1",
        "order_id": f"o{n}",
        "placed_at": PLACED,
        "status": OrderStatus.pending,
        "total": Decimal("9.5"),
        "lines": [OrderLines(sku="s", qty=1, price=Decimal("9.5"))],
    }
    return Order(**{**fields, **changes})

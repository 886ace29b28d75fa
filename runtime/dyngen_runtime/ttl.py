"""Time to live: DynamoDB deletes expired items late, so reads hide them.

An item is expired when its TTL attribute (epoch seconds) is at or before
now; items without the attribute never expire.
"""

from __future__ import annotations

import time
from decimal import Decimal

from dyngen_runtime.expressions import Placeholders
from dyngen_runtime.wire import Item


def is_expired(item: Item, ttl_attribute: str | None) -> bool:
    """Whether ``item``'s TTL has passed."""
    if ttl_attribute is None or ttl_attribute not in item:
        return False
    return int(Decimal(item[ttl_attribute]["N"])) <= int(time.time())


def live_filter(ph: Placeholders, ttl_attribute: str) -> str:
    """A filter term keeping only items whose TTL has not passed (or is unset)."""
    name = ph.name(ttl_attribute)
    now = ph.value({"N": str(int(time.time()))})
    return f"(attribute_not_exists({name}) OR {name} > {now})"

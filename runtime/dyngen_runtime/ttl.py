"""Time to live: DynamoDB deletes expired items late, so reads hide them.

An item is expired when its TTL attribute (epoch seconds) is at or before
now; items without the attribute never expire. "Now" is the executor's clock
(``Executor.now()``), which replay pins to the recorded readings.
"""

from __future__ import annotations

from decimal import Decimal

from dyngen_runtime.expressions import Placeholders
from dyngen_runtime.wire import Item


def is_expired(item: Item, ttl_attribute: str | None, now: int) -> bool:
    """Whether ``item``'s TTL has passed at ``now`` (epoch seconds)."""
    if ttl_attribute is None or ttl_attribute not in item:
        return False
    return int(Decimal(item[ttl_attribute]["N"])) <= now


def live_filter(ph: Placeholders, ttl_attribute: str, now: int) -> str:
    """A filter term keeping only items whose TTL has not passed at ``now``."""
    name = ph.name(ttl_attribute)
    value = ph.value({"N": str(now)})
    return f"(attribute_not_exists({name}) OR {name} > {value})"

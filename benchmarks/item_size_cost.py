"""Benchmark: the item-size check's cost next to encoding the same item.

Encodes a 15-attribute entity with its generated ``to_item`` and measures
``item_size`` on the result, in the same run (the machine is shared and noisy,
so only the ratio means something):

    python benchmarks/item_size_cost.py [--repeat 7] [--number 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dyngen_runtime import item_size

from generated.shop import Customer, CustomerAddress, CustomerStatus
from generated.telemetry import Device, DeviceKind


def sample() -> list[object]:
    """Two realistic items: a customer with nested data, a device with json."""
    return [
        Customer(
            customer_id="c-000123",
            email="ann@example.com",
            name="Ann Example",
            status=CustomerStatus.active,
            created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            order_count=42,
            tags={"vip", "newsletter", "beta"},
            address=CustomerAddress(
                street="1 Main St", city="Springfield", zip="12345"
            ),
            version=3,
        ),
        Device(
            device_id="dev-9",
            site_id="site-1",
            kind=DeviceKind.meter,
            firmware="1.2.3",
            installed_at=datetime(2025, 5, 6, tzinfo=UTC),
            settings={"interval": 60, "thresholds": [1.5, 2.25], "on": True},
        ),
    ]


def main() -> None:
    """Print medians and the size check's share of encoding."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    models = sample()
    items = [m.to_item() for m in models]  # type: ignore[attr-defined]

    def encode() -> None:
        for model in models:
            model.to_item()  # type: ignore[attr-defined]

    def size() -> None:
        for item in items:
            item_size(item)

    encode_times = timeit.repeat(encode, repeat=args.repeat, number=args.number)
    size_times = timeit.repeat(size, repeat=args.repeat, number=args.number)
    per = 1e6 / (args.number * len(models))
    encode_us = statistics.median(encode_times) * per
    size_us = statistics.median(size_times) * per
    print(f"{'what':<28}{'median per item':>18}")
    print(f"{'to_item (encode)':<28}{encode_us:>15.2f} us")
    print(f"{'item_size (check)':<28}{size_us:>15.2f} us")
    print(f"size check / encoding: {size_us / encode_us:.0%} (target: under 10%)")


if __name__ == "__main__":
    main()

"""Part 6: the item-size check's cost next to encoding the same items.

Encodes three entities with their generated ``to_item`` (a customer with
nested data, a device with a json attribute, the 15-attribute benchmark
order) and measures ``item_size`` on the results, interleaved in the same run
(the machine is shared and noisy, so only the ratio means something):

    python benchmarks/item_size_cost.py [--repeat 7] [--number 2000] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dyngen_runtime import item_size
from dyngen_runtime.http_transport import encode_body

from benchmarks import entity
from benchmarks.harness import (
    Contender,
    Options,
    PartResult,
    Target,
    interleave,
    paired_ratio,
    print_result,
    summarise,
)
from generated.shop import Customer, CustomerAddress, CustomerStatus
from generated.telemetry import Device, DeviceKind

PART = "itemsize"
ENCODE = "to_item (encode)"
WIRE = "to_item + JSON body (wire encode)"
SIZE = "size check (write path)"
EXACT = "item_size (exact walk)"


def sample() -> list[Any]:
    """Three realistic items: nested data, a json attribute, 15 attributes."""
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
        entity.dyngen_order(),
    ]


def _loop(step: Callable[[], object], number: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(number):
            step()

    return run


def run(options: Options, number: int | None = None) -> PartResult:
    """Median encode and size-check times per item, and the check's share."""
    repeats = options.pick(full=9, quick=5)
    number = number or (500 if options.quick else 2000)
    models = sample()
    items = [m.to_item() for m in models]

    def encode() -> None:
        for model in models:
            model.to_item()

    pairs = list(zip(models, items, strict=True))

    def size() -> None:
        for model, item in pairs:
            model.check_item_size(item)

    def wire() -> None:
        for model in models:
            encode_body({"TableName": "t", "Item": model.to_item()})

    def exact() -> None:
        for item in items:
            item_size(item)

    per = number * len(models)
    contenders = [
        Contender(ENCODE, _loop(encode, number), per, note="generated to_item()"),
        Contender(
            SIZE,
            _loop(size, number),
            per,
            note="check_item_size(): the generated bound, as every write runs it",
        ),
        Contender(
            WIRE,
            _loop(wire, number),
            per,
            note="the whole encoding of a PutItem on the default transport",
        ),
        Contender(
            EXACT,
            _loop(exact, number),
            per,
            note="dyngen_runtime.item_size(): the walk the bound avoids",
        ),
    ]
    samples = interleave(contenders, repeats, gc_off=True, progress=PART)
    result = summarise(
        PART,
        "Item-size check vs encoding",
        "One operation: encoding one item with its generated to_item(), the "
        "size check every write runs (the generated upper bound, and the exact "
        "walk only past 400 KB), or the exact walk itself; averaged over a "
        "customer, a device and the 15-attribute order.",
        contenders,
        samples,
        unit="us",
        scale=1e6,
        metric="cpu",
        kind="time",
        baseline=ENCODE,
        reference=None,
        quick=options.quick,
        repeats=repeats,
    )
    share = (
        paired_ratio(samples[SIZE], samples[ENCODE], "cpu")
        if SIZE in samples and ENCODE in samples
        else None
    )
    result.targets.append(
        Target(
            "size check / encoding under 10%",
            share,
            0.10,
            None if share is None else share < 0.10,
            unit="%",
        )
    )
    result.extra["share"] = share
    wire_share = (
        paired_ratio(samples[SIZE], samples[WIRE], "cpu")
        if SIZE in samples and WIRE in samples
        else None
    )
    result.extra["share_of_wire_encoding"] = wire_share
    if wire_share is not None:
        result.notes.append(
            f"share of the whole wire encoding (to_item + JSON body): {wire_share:.1%}"
        )
    result.notes.append(
        f"{number} passes over the 3 items per timed call, garbage collector off; "
        "ratio is CPU time. Every put (single, batch, transactional) runs both."
    )
    return result


def main() -> None:
    """Print medians and the size check's share of encoding."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=None, help="repeats (default 9)")
    parser.add_argument("--number", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print_result(run(Options(quick=args.quick, repeats=args.repeat), args.number))


if __name__ == "__main__":
    main()

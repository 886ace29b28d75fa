"""Part 6: the item-size check's cost next to encoding the same items.

Encodes three entities (a customer with nested data, a device with a json
attribute, the 15-attribute benchmark order) with their generated
``to_item()`` and with ``to_checked_item()``, the same encoding with the size
bound fused in, which every write runs. The check's cost is the difference.
A difference of two close timings drowns in this shared machine's noise when
each is timed for tens of milliseconds, so the share is measured in many short
A-B-B-A rounds (``to_item`` then ``to_checked_item`` twice then ``to_item``,
on CPU time, with the collector off) and the median round is reported, for
the three items together and for each:

    python benchmarks/item_size_cost.py [--repeat 15] [--number 2000] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dyngen_runtime import item_size
from dyngen_runtime.wire_json import encode_body

from benchmarks import entity
from benchmarks.harness import (
    Contender,
    Options,
    PartResult,
    Target,
    interleave,
    print_result,
    summarise,
)
from generated.shop import Customer, CustomerAddress, CustomerStatus
from generated.telemetry import Device, DeviceKind

PART = "itemsize"
ENCODE = "to_item (encode)"
CHECKED = "to_checked_item (encode + size check)"
WIRE = "to_item + JSON body (wire encode)"
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
    """Median encode and checked-encode times per item, and the check's share."""
    repeats = options.pick(full=15, quick=7)
    number = number or (500 if options.quick else 2000)
    models = sample()
    items = [m.to_item() for m in models]
    for model, item in zip(models, items, strict=True):
        assert model.to_checked_item() == item, "the checked item must be the item"

    def encode() -> None:
        for model in models:
            model.to_item()

    def checked() -> None:
        for model in models:
            model.to_checked_item()

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
            CHECKED,
            _loop(checked, number),
            per,
            note="what every write runs: the bound fused into the encoding",
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
        "same with the size check fused in (to_checked_item(), which every "
        "write runs; the exact walk only past 400 KB), the whole PutItem body, "
        "or the exact walk alone; averaged over a customer, a device and the "
        "15-attribute order.",
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
    share = abba_share(encode, checked, rounds=options.pick(full=400, quick=100))
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
    wire_encode = samples.get(WIRE)
    plain_encode = samples.get(ENCODE)
    if wire_encode and plain_encode:
        # The same extra time over the whole PutItem encoding, which is
        # to_item's time times this ratio.
        scale = statistics.median(
            e.cpu / w.cpu for e, w in zip(plain_encode, wire_encode, strict=False)
        )
        result.extra["share_of_wire_encoding"] = share * scale
        result.notes.append(
            "share of the whole wire encoding (to_item + JSON body): "
            f"{share * scale:.1%}"
        )
    each = []
    for model in models:
        alone = abba_share(
            model.to_item, model.to_checked_item, rounds=options.pick(200, 50)
        )
        each.append(f"{type(model).__name__} {alone:.1%}")
    result.notes.append("share for each item alone: " + ", ".join(each))
    result.notes.append(
        f"table: {number} passes over the 3 items per timed call; share: the "
        "median of A-B-B-A rounds of 100 passes each, CPU time, garbage "
        "collector off."
    )
    return result


def abba_share(
    encode: Callable[[], object], checked: Callable[[], object], *, rounds: int
) -> float:
    """Median over rounds of checked / encode - 1, timed A-B-B-A on CPU time.

    Each round times 100 calls of each twice, in mirrored order, so drift in
    the machine's speed within a round cancels; short rounds keep a burst of
    noise from landing on one side only.
    """
    passes = range(100)
    shares: list[float] = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            t0 = time.process_time()
            for _ in passes:
                encode()
            t1 = time.process_time()
            for _ in passes:
                checked()
            for _ in passes:
                checked()
            t2 = time.process_time()
            for _ in passes:
                encode()
            t3 = time.process_time()
            spent = (t1 - t0) + (t3 - t2)
            if spent > 0:
                shares.append((t2 - t1) / spent - 1)
    finally:
        gc.enable()
    return statistics.median(shares)


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

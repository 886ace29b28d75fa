"""Run every benchmark and print tables of medians and same-run ratios.

    python benchmarks/run_all.py [--quick] [--only PART[,PART]] [--write-docs]

Parts: marshal, canned, dynalite, bulk, build, itemsize. Results go to
benchmarks/results.json (a run with --only replaces just those parts);
--write-docs then rewrites docs/performance.md and docs/performance.png from
the stored results. The peers come from the ``bench`` extra
(``pip install -e '.[bench]'``); a peer that is missing shows as n/a.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    build_100_entities,
    bulk_dynalite,
    item_size_cost,
    marshal_roundtrip,
    requests_canned,
    requests_dynalite,
)
from benchmarks.harness import (
    RESULTS,
    Options,
    PartResult,
    print_result,
    save_results,
)
from benchmarks.report import write_docs

Runner = Callable[[Options], PartResult | Sequence[PartResult]]

PARTS: dict[str, tuple[str, Runner]] = {
    "marshal": ("marshalling round trip", marshal_roundtrip.run),
    "canned": ("put/get against the canned server", requests_canned.run),
    "dynalite": ("put/get against dynalite", requests_dynalite.run),
    "bulk": ("bulk write and read in dynalite", bulk_dynalite.run),
    "build": ("dyngen build of 100 entities", build_100_entities.run),
    "itemsize": ("item-size check vs encoding", item_size_cost.run),
}


def _parts(only: str | None) -> list[str]:
    if not only:
        return list(PARTS)
    chosen = [p.strip() for p in only.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        raise SystemExit(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    return chosen


def main() -> None:
    """Run the chosen parts, print their tables, store and optionally document."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats, 2,000 bulk items"
    )
    parser.add_argument("--only", help=f"comma-separated parts: {', '.join(PARTS)}")
    parser.add_argument(
        "--repeats", type=int, default=None, help="override every part's repeats"
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="rewrite docs/performance.md and docs/performance.png from the results",
    )
    parser.add_argument(
        "--no-profile",
        action="store_true",
        help="skip the cProfile of dyngen's put/get",
    )
    args = parser.parse_args()
    options = Options(
        quick=args.quick, repeats=args.repeats, profile=not args.no_profile
    )
    started = time.perf_counter()
    results: list[PartResult] = []
    for part in _parts(args.only):
        title, runner = PARTS[part]
        print(f"-- {part}: {title}", file=sys.stderr, flush=True)
        begun = time.perf_counter()
        found = runner(options)
        for result in [found] if isinstance(found, PartResult) else found:
            print_result(result)
            results.append(result)
        print(f"   ({time.perf_counter() - begun:.0f} s)", file=sys.stderr, flush=True)
        save_results(results)  # keep what is measured even if a later part fails
    print(f"\nall parts in {time.perf_counter() - started:.0f} s; results in {RESULTS}")
    if args.write_docs:
        for path in write_docs():
            print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""Benchmark: `dyngen build` of a generated 100-entity schema, whole process.

Prints the median wall time of several runs next to a bare Python start
measured in the same run, since the machine is shared and noisy:

    python benchmarks/build_100_entities.py [--runs 7] [--entities 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def schema(entities: int) -> str:
    """A realistic schema: a GSI shared by all entities, enums, nested objects."""
    lines = [
        "dyngen: 1",
        "table:",
        "  name: big",
        "  pk: PK",
        "  sk: SK",
        "  indexes:",
        "    GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}",
        "entities:",
    ]
    for n in range(entities):
        lines += [
            f"  Thing{n}:",
            "    attributes:",
            "      owner_id: str",
            "      thing_id: {type: str, default_factory: ulid}",
            "      name: str",
            "      created_at: {type: datetime, default_factory: now}",
            "      state: {type: enum, values: [new, active, closed], default: new}",
            "      amount: decimal",
            "      count: {type: int, default: 0}",
            "      tags: {type: 'set[str]', required: false}",
            "      meta: {type: object, required: false, attributes: {a: str, b: int}}",
            "      note: {type: str, required: false}",
            "    keys:",
            f'      primary: {{pk: "OWNER#{{owner_id}}", sk: "T{n}#{{thing_id}}"}}',
            f'      GSI1: {{pk: "T{n}#{{thing_id}}", sk: "T{n}#{{state}}"}}',
            "    version: version",
            "    access_patterns:",
            "      for_owner: {index: primary}",
            "      by_id: {index: GSI1, unique: true}",
        ]
    return "\n".join(lines) + "\n"


def timed(command: list[str], runs: int) -> list[float]:
    """Wall times of ``runs`` runs of ``command`` (each must succeed)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Run the benchmark and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--entities", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "schemas").mkdir()
        (root / "schemas" / "big.yaml").write_text(schema(args.entities))
        build = [
            sys.executable,
            "-m",
            "dyngen",
            "build",
            str(root / "schemas"),
            "--out",
            str(root / "out"),
        ]
        subprocess.run(build, check=True, capture_output=True)  # warm the disk cache
        source_lines = sum(
            len(p.read_text().splitlines()) for p in (root / "out").rglob("*.py")
        )
        bare = timed([sys.executable, "-c", "pass"], args.runs)
        builds = timed(build, args.runs)
    median_build = statistics.median(builds)
    median_bare = statistics.median(bare)
    print(f"dyngen build, {args.entities} entities -> {source_lines} lines of Python")
    print(f"{'what':<34}{'median':>10}{'min':>10}")
    print(f"{'python -c pass':<34}{median_bare:>9.3f}s{min(bare):>9.3f}s")
    print(
        f"{'dyngen build (whole process)':<34}{median_build:>9.3f}s{min(builds):>9.3f}s"
    )
    print(f"ratio build / bare interpreter start: {median_build / median_bare:.1f}x")
    print(f"target: under 1 s wall -> {'met' if median_build < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()

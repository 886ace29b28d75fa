"""Part 5: `dyngen build` of a generated 100-entity schema, whole process.

Prints the median wall time of several runs next to a bare Python start
measured in the same run (interleaved), since the machine is shared and noisy:

    python benchmarks/build_100_entities.py [--runs 7] [--entities 100] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    ROOT,
    Contender,
    Options,
    PartResult,
    Target,
    interleave,
    print_result,
    summarise,
)

PART = "build"
BARE = "python -c pass"
BUILD = "dyngen build (whole process)"


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


def _command(command: list[str]) -> Contender:
    def run() -> None:
        subprocess.run(command, check=True, capture_output=True)

    return Contender(" ".join(command), run)


def run(options: Options, entities: int = 100) -> PartResult:
    """Time the build and a bare interpreter start, interleaved."""
    repeats = options.pick(full=7, quick=3)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "schemas").mkdir()
        (root / "schemas" / "big.yaml").write_text(schema(entities))
        build = [
            sys.executable,
            "-m",
            "dyngen",
            "build",
            str(root / "schemas"),
            "--out",
            str(root / "out"),
        ]
        # As installed: pip compiles a package's bytecode at install time, but
        # an editable checkout under PYTHONDONTWRITEBYTECODE (set on some CI
        # machines) would recompile dyngen's modules from source on every run.
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(ROOT / "generator")],
            check=True,
            capture_output=True,
        )
        subprocess.run(build, check=True, capture_output=True)  # warm the disk cache
        source_lines = sum(
            len(p.read_text().splitlines()) for p in (root / "out").rglob("*.py")
        )
        bare = _command([sys.executable, "-c", "pass"])
        bare.name = BARE
        builder = _command(build)
        builder.name = BUILD
        builder.note = f"{entities} entities -> {source_lines:,} lines of Python"
        # The build rewrites nothing when the output is current: start fresh.
        builder.setup = lambda: shutil.rmtree(root / "out", ignore_errors=True)
        samples = interleave([bare, builder], repeats, warmup=0, progress=PART)
    result = summarise(
        PART,
        f"dyngen build of a {entities}-entity schema",
        "One operation: one `dyngen build` process writing the generated package "
        "(interpreter start included), next to a bare `python -c pass`.",
        [bare, builder],
        samples,
        unit="ms",
        scale=1e3,
        metric="wall",
        kind="time",
        baseline=BARE,
        reference=None,
        quick=options.quick,
        repeats=repeats,
    )
    built = samples.get(BUILD)
    if built:
        median = statistics.median(s.wall for s in built)
        result.targets.append(
            Target("dyngen build under 1 s wall", median, 1.0, median < 1.0, unit=" s")
        )
    result.notes.append(
        "wall time of the whole process, output folder removed before each build; "
        "dyngen's modules byte-compiled first, as an installed package is"
    )
    result.extra["source_lines"] = source_lines
    return result


def main() -> None:
    """Run the benchmark and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=None, help="repeats (default 7)")
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print_result(run(Options(quick=args.quick, repeats=args.runs), args.entities))


if __name__ == "__main__":
    main()

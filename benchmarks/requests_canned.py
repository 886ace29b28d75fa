"""Part 2: sequential put + get against a canned local server (client cost only).

The server (benchmarks/canned_server.py) runs in its own process and answers
every request at once with a prepared response, so what is left is each
client's own work. Ratios are taken on this process's CPU time per put+get
pair; wall time is shown too.

    python benchmarks/requests_canned.py [--quick] [--repeats N] [--profile]

``--profile`` also runs dyngen's default put/get under cProfile and prints
the functions with the most cumulative time.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import sysconfig
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import entity
from benchmarks.canned_server import CannedServer
from benchmarks.clients import (
    BOTO3_CLIENT,
    DYNGEN_DEFAULT,
    PYDYNOX,
    RequestClient,
    close_all,
    request_contenders,
)
from benchmarks.harness import (
    Options,
    PartResult,
    add_target,
    interleave,
    part_arguments,
    print_result,
    summarise,
)

PART = "canned"


def profile(client: RequestClient, number: int, top: int = 25) -> dict[str, list[str]]:
    """cProfile (CPU time) of ``number`` put+get pairs: top functions by
    cumulative and by own time. Waiting for the server is not counted."""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for n in range(number):
        client.put(n)
        client.get(n)
    profiler.disable()
    found = {}
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        found[order] = _trim(out.getvalue())
    return found


def _trim(text: str) -> list[str]:
    """Profile lines with the long folder prefixes cut off."""
    prefixes = [
        sysconfig.get_paths()["purelib"] + "/",
        str(Path(__file__).resolve().parent.parent) + "/",
        sys.base_prefix + "/",
    ]
    generated = str(Path(entity.bench_package().__file__ or "").parent.parent) + "/"
    lines = []
    for line in text.splitlines():
        if not line.strip():
            continue
        line = line.replace(generated, "<generated>/")
        for prefix in prefixes:
            line = line.replace(prefix, "")
        lines.append(line.rstrip())
    return lines


def run(options: Options) -> PartResult:
    """Measure every client against the canned server."""
    entity.fake_credentials()
    entity.bench_package()
    number = 100 if options.quick else 300
    repeats = options.pick(full=7, quick=3)
    with CannedServer() as server:
        found, made = request_contenders(
            server.endpoint_url, "canned", number, create=False, floor=True
        )
        try:
            samples = interleave(found, repeats, progress=PART)
            profiled: dict[str, list[str]] = {}
            if options.profile:
                dyngen = next((c for c in made if c.name == DYNGEN_DEFAULT), None)
                if dyngen is not None:
                    profiled = profile(dyngen, number)
        finally:
            close_all(made)
    result = summarise(
        PART,
        "Sequential put + get, canned local server (client cost)",
        "One operation: one PutItem and one GetItem of the 15-attribute order, "
        "sequential, against a server in another process that answers at once.",
        found,
        samples,
        unit="us",
        scale=1e6,
        metric="cpu",
        kind="time",
        baseline=BOTO3_CLIENT,
        reference=DYNGEN_DEFAULT,
        quick=options.quick,
        repeats=repeats,
    )
    add_target(
        result,
        samples,
        "dyngen client CPU at most half the boto3 client's",
        DYNGEN_DEFAULT,
        BOTO3_CLIENT,
        0.5,
        at_most=True,
    )
    add_target(
        result,
        samples,
        "dyngen client CPU below pydynox's",
        DYNGEN_DEFAULT,
        PYDYNOX,
        1.0,
        at_most=True,
    )
    result.notes.append(
        f"{number} put+get pairs per timed call; ratios are this process's CPU time "
        "(the server's CPU is not counted; threads of a client, such as pydynox's "
        "Rust runtime, are)."
    )
    if profiled:
        result.extra["profile"] = profiled
    return result


def main() -> None:
    """Run this part alone."""
    parser = part_arguments(__doc__)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    result = run(Options(quick=args.quick, repeats=args.repeats, profile=args.profile))
    print_result(result)
    for order, lines in result.extra.get("profile", {}).items():
        print(f"\n-- cProfile of dyngen (default transport), by {order}")
        for line in lines:
            print(line)


if __name__ == "__main__":
    main()

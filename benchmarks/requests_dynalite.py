"""Part 3: sequential put + get against dynalite (a local DynamoDB).

The same contenders and operations as the canned-server part, but the server
does real work (LevelDB in Node.js, on the same cores): the ratios are wall
time per put+get pair, the client's CPU is shown beside them. Each contender
writes into a table of its own.

    python benchmarks/requests_dynalite.py [--quick] [--repeats N]
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import entity
from benchmarks.clients import (
    BOTO3_CLIENT,
    DYNGEN_DEFAULT,
    close_all,
    makers,
    request_contenders,
)
from benchmarks.dynalite import DynaliteServer
from benchmarks.harness import (
    Contender,
    Options,
    PartResult,
    Unavailable,
    interleave,
    standalone,
    summarise,
)

PART = "dynalite"
TITLE = "Sequential put + get, dynalite"


def run(options: Options) -> PartResult:
    """Measure every client against a fresh dynalite."""
    entity.fake_credentials()
    entity.bench_package()
    number = 50 if options.quick else 100
    repeats = options.pick(full=5, quick=3)
    found: list[Contender]
    try:
        with DynaliteServer() as server:
            found, made = request_contenders(
                server.endpoint_url, "seq", number, create=True
            )
            try:
                samples = interleave(found, repeats, progress=PART)
            finally:
                close_all(made)
    except Unavailable as error:
        found = [Contender(name, unavailable=str(error)) for name, _ in makers()]
        samples = {}
    result = summarise(
        PART,
        TITLE,
        "One operation: one PutItem and one GetItem of the 15-attribute order, "
        "sequential, against dynalite on the same machine.",
        found,
        samples,
        unit="us",
        scale=1e6,
        metric="wall",
        kind="time",
        baseline=BOTO3_CLIENT,
        reference=DYNGEN_DEFAULT,
        quick=options.quick,
        repeats=repeats,
    )
    result.notes.append(
        f"{number} put+get pairs per timed call; ratios are wall time, which "
        "includes dynalite's own work on the same two cores."
    )
    return result


if __name__ == "__main__":
    standalone(run, __doc__)

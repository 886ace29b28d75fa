"""Bulk write with a network round trip: what ``batch_concurrency`` buys.

dynalite on the same two cores is bound by its own CPU, so more requests in
flight can only keep it busy (benchmarks/bulk_dynalite.py). Against DynamoDB
each BatchWriteItem waits milliseconds for the network and the service, and
the requests in flight hide that wait. This part puts the test suite's fault
proxy (tests/fault_proxy.py, in a process of its own) in front of dynalite,
answering every request ``--latency-ms`` late, and writes the same items with
boto3's batch_writer and with dyngen at several settings.

    python benchmarks/bulk_latency.py [--quick] [--repeats N] [--latency-ms N]

Not part of run_all.py: it compares dyngen's settings, not the peers, and the
proxy's own Python CPU caps the highest settings.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dyngen_runtime.executor import BATCH_CONCURRENCY

from benchmarks import entity
from benchmarks.bulk_dynalite import (
    BATCH_WRITER,
    WARMUP_ITEMS,
    Bulk,
    make_batch_writer,
    make_dyngen,
)
from benchmarks.dynalite import DynaliteServer
from benchmarks.harness import (
    ROOT,
    Contender,
    Options,
    PartResult,
    Sample,
    Unavailable,
    interleave,
    part_arguments,
    print_result,
    summarise,
)

OTHER_SETTINGS = (1, 4, 16)
DEFAULT = f"dyngen (default: batch_concurrency={BATCH_CONCURRENCY})"

_PROXY = """
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.fault_proxy import FaultProxy, Faults
late = Faults(slow=1.0, slow_seconds=float(sys.argv[3]))
print(FaultProxy(int(sys.argv[2]), late).start().endpoint_url, flush=True)
time.sleep(3600)
"""


@contextmanager
def slow_proxy(upstream: str, latency: float) -> Iterator[str]:
    """The endpoint of a proxy in front of ``upstream`` that answers late."""
    port = upstream.rsplit(":", 1)[1]
    proxy = subprocess.Popen(
        [sys.executable, "-c", _PROXY, str(ROOT), port, str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proxy.stdout is not None
        endpoint = proxy.stdout.readline().strip()
        if not endpoint:
            raise Unavailable("the fault proxy did not start")
        yield endpoint
    finally:
        proxy.kill()
        proxy.wait()


def _makers(endpoint: str, total: int) -> list[tuple[str, Bulk]]:
    made = [
        (BATCH_WRITER, make_batch_writer(endpoint, "late_batch_writer", total)),
        (DEFAULT, make_dyngen(endpoint, "late_dyngen", total)),
    ]
    for setting in OTHER_SETTINGS:
        bulk = make_dyngen(
            endpoint, f"late_dyngen_{setting}", total, batch_concurrency=setting
        )
        made.append((f"dyngen batch_concurrency={setting}", bulk))
    return made


def run(options: Options, latency_ms: float = 10.0) -> PartResult:
    """Every contender's bulk write through the slow proxy, interleaved."""
    entity.fake_credentials()
    entity.bench_package()
    total = 400 if options.quick else 2_000
    repeats = options.pick(full=3, quick=1)
    made: list[tuple[str, Bulk]] = []
    samples: dict[str, list[Sample]] = {}
    try:
        with (
            DynaliteServer() as server,
            slow_proxy(server.endpoint_url, latency_ms / 1000) as endpoint,
        ):
            made = _makers(endpoint, total)
            contenders = []
            for name, bulk in made:
                bulk.write(WARMUP_ITEMS)
                contenders.append(
                    Contender(name, partial(bulk.write, total), total, note=bulk.note)
                )
            try:
                samples = interleave(contenders, repeats, warmup=0, progress="late")
            finally:
                for _, bulk in made:
                    with suppress(Exception):
                        bulk.close()
    except Unavailable as error:
        contenders = [Contender(BATCH_WRITER, unavailable=str(error))]
    result = summarise(
        "bulk_latency",
        f"Bulk write of {total:,} items, {latency_ms:g} ms added per request",
        f"{total:,} items of the 15-attribute order into dynalite through a proxy "
        f"that answers every request {latency_ms:g} ms late; items per second.",
        contenders,
        samples,
        unit="items/s",
        scale=1.0,
        metric="wall",
        kind="speed",
        baseline=BATCH_WRITER,
        reference=DEFAULT,
        quick=options.quick,
        repeats=repeats,
    )
    result.notes.append(
        "batch_writer sends one request at a time, as dyngen does with "
        "batch_concurrency=1; the proxy is one Python process, which caps the "
        "highest settings."
    )
    return result


def main() -> None:
    """Run this part alone."""
    parser = part_arguments(__doc__)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    args = parser.parse_args()
    print_result(run(Options(quick=args.quick, repeats=args.repeats), args.latency_ms))


if __name__ == "__main__":
    main()

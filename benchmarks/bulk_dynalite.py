"""Part 4: bulk write, then read back, of 10,000 items in dynalite.

Writes go in BatchWriteItem requests of 25, reads in BatchGetItem requests
of 100, each contender with its own API (and its own table). Every read is
checked to return all the items, so a contender that loses writes fails.

    python benchmarks/bulk_dynalite.py [--quick] [--repeats N] [--items N]

``--quick`` uses 2,000 items.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import entity
from benchmarks.clients import boto3_client, create_plain_table, dyngen_connect, slug
from benchmarks.dynalite import DynaliteServer
from benchmarks.harness import (
    Contender,
    Options,
    PartResult,
    Unavailable,
    add_target,
    interleave,
    part_arguments,
    print_result,
    summarise,
)

BATCH_WRITER = "boto3 Table resource"
DYNGEN = "dyngen"
DYNGEN_SEQUENTIAL = "dyngen batch_concurrency=1"
PYDYNOX = "pydynox"
WARMUP_ITEMS = 200
WRITE = " [write]"
READ = " [read]"


@dataclass
class Bulk:
    """A contender's bulk write and bulk read of items ``0 .. n-1``."""

    name: str
    write: Callable[[int], object]
    read: Callable[[int], int]
    note: str = ""
    close: Callable[[], object] = lambda: None


def _expect(name: str, got: int, wanted: int) -> int:
    if got != wanted:
        raise RuntimeError(f"{name} read {got} items back, wrote {wanted}")
    return got


# ----------------------------------------------------------------- makers


def _read_by_100(
    batch_get_item: Callable[..., Any], table: str, keys: list[Any], n: int
) -> int:
    """Items read for the first ``n`` keys, 100 a request, unprocessed retried."""
    got = 0
    for start in range(0, n, 100):
        request: dict[str, Any] = {table: {"Keys": keys[start : min(n, start + 100)]}}
        while request:
            response = batch_get_item(RequestItems=request)
            got += len(response["Responses"].get(table, []))
            request = response.get("UnprocessedKeys") or {}
    return got


def make_batch_writer(endpoint: str, table: str, total: int) -> Bulk:
    """boto3's Table.batch_writer() and the resource's batch_get_item."""
    import boto3

    create_plain_table(endpoint, table)
    resource = boto3.session.Session().resource(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1"
    )
    handle = resource.Table(table)
    items = [entity.plain_item(n) for n in range(total)]
    keys = [{"PK": item["PK"], "SK": item["SK"]} for item in items]

    def write(n: int) -> object:
        with handle.batch_writer() as writer:
            for item in items[:n]:
                writer.put_item(Item=item)
        return None

    def read(n: int) -> int:
        got = _read_by_100(resource.batch_get_item, table, keys, n)
        return _expect(BATCH_WRITER, got, n)

    return Bulk(
        BATCH_WRITER,
        write,
        read,
        "writes with Table.batch_writer(); reads with resource.batch_get_item() by "
        "100; plain dicts",
        resource.meta.client.close,
    )


def make_client_loop(endpoint: str, table: str, total: int) -> Bulk:
    """boto3's low-level client: batch_write_item / batch_get_item loops."""
    create_plain_table(endpoint, table)
    client = boto3_client(endpoint, validate=False)
    items = [entity.wire_item(n) for n in range(total)]
    keys = [entity.wire_key(n) for n in range(total)]

    def write(n: int) -> object:
        for start in range(0, n, 25):
            requests = [
                {"PutRequest": {"Item": i}} for i in items[start : min(n, start + 25)]
            ]
            pending: dict[str, Any] = {table: requests}
            while pending:
                pending = (
                    client.batch_write_item(RequestItems=pending).get(
                        "UnprocessedItems"
                    )
                    or {}
                )
        return None

    def read(n: int) -> int:
        got = _read_by_100(client.batch_get_item, table, keys, n)
        return _expect("boto3 client", got, n)

    return Bulk(
        "boto3 client loop",
        write,
        read,
        "batch_write_item by 25 / batch_get_item by 100, retrying unprocessed; "
        "parameter_validation=False; wire dicts",
        client.close,
    )


def make_pynamodb(endpoint: str, table: str, total: int) -> Bulk:
    """PynamoDB's Model.batch_write() and Model.batch_get()."""
    model = entity.pynamodb_model_for(table, endpoint)
    create_plain_table(endpoint, table)
    orders = [entity.pynamodb_order(model, n) for n in range(total)]
    keys = [(o.PK, o.SK) for o in orders]

    def write(n: int) -> object:
        with model.batch_write() as batch:
            for order in orders[:n]:
                batch.save(order)
        return None

    def read(n: int) -> int:
        return _expect("PynamoDB", sum(1 for _ in model.batch_get(keys[:n])), n)

    return Bulk("PynamoDB", write, read, "Model.batch_write() / Model.batch_get()")


def make_pydynox(endpoint: str, table: str, total: int) -> Bulk:
    """pydynox: the client's sync_batch_write and Model.sync_batch_get."""
    client = entity.pydynox_client(endpoint)
    model = entity.pydynox_model(table, client)
    create_plain_table(endpoint, table)
    orders = [entity.pydynox_order(model, n) for n in range(total)]
    keys = [{"PK": o.PK, "SK": o.SK} for o in orders]

    def write(n: int) -> object:
        client.sync_batch_write(
            table, put_items=[o.to_dict() for o in orders[:n]], delete_keys=[]
        )
        return None

    def read(n: int) -> int:
        return _expect(PYDYNOX, len(model.sync_batch_get(keys[:n])), n)

    return Bulk(
        PYDYNOX,
        write,
        read,
        "client.sync_batch_write(Model.to_dict() of each) / Model.sync_batch_get() "
        "(models have no batch write of their own)",
    )


def make_dyngen(endpoint: str, table: str, total: int, **settings: Any) -> Bulk:
    """dyngen: db.batch_write(puts=...) and db.orders.batch_get(keys)."""
    db = dyngen_connect(endpoint, table, **settings)
    db.create_table()
    orders = [entity.dyngen_order(n) for n in range(total)]
    keys = [entity.dyngen_key(n) for n in range(total)]
    shown = ", ".join(f"{key}={value}" for key, value in settings.items())
    name = f"{DYNGEN} {shown}" if settings else DYNGEN

    def write(n: int) -> object:
        result = db.batch_write(puts=orders[:n])
        if result.failed:
            raise RuntimeError(
                f"{len(result.failed)} writes failed: {result.failed[0]}"
            )
        return None

    def read(n: int) -> int:
        result = db.orders.batch_get(keys[:n])
        if result.unprocessed or result.missing:
            raise RuntimeError(
                f"{len(result.missing)} missing, {len(result.unprocessed)} unprocessed"
            )
        return _expect(name, sum(1 for item in result.items if item is not None), n)

    note = "db.batch_write(puts=models) / db.orders.batch_get(keys)"
    if settings:
        note += f"; connect({shown})"
    return Bulk(name, write, read, note, db.close)


def makers() -> list[tuple[str, Callable[[str, str, int], Bulk]]]:
    """Every bulk contender, in table order."""
    return [
        (BATCH_WRITER, make_batch_writer),
        ("boto3 client loop", make_client_loop),
        ("PynamoDB", make_pynamodb),
        (PYDYNOX, make_pydynox),
        (DYNGEN, make_dyngen),
        (DYNGEN_SEQUENTIAL, lambda e, t, n: make_dyngen(e, t, n, batch_concurrency=1)),
    ]


# -------------------------------------------------------------------- run


def _server_timed(
    run: Callable[[], object],
    server: DynaliteServer,
    spent: dict[str, list[float]],
    name: str,
) -> Callable[[], object]:
    """``run``, noting dynalite's own CPU seconds for each call under ``name``."""

    def timed() -> object:
        before = server.cpu_seconds()
        result = run()
        after = server.cpu_seconds()
        if before is not None and after is not None:
            spent.setdefault(name, []).append(after - before)
        return result

    return timed


def _contenders(
    endpoint: str, total: int
) -> tuple[list[Contender], list[Contender], list[Bulk]]:
    writes: list[Contender] = []
    reads: list[Contender] = []
    made: list[Bulk] = []
    for name, maker in makers():
        try:
            bulk = maker(endpoint, f"bulk_{slug(name)}", total)
            bulk.write(WARMUP_ITEMS)  # imports, connections, a failure shows here
            bulk.read(WARMUP_ITEMS)
        except Unavailable as error:
            writes.append(Contender(name + WRITE, unavailable=str(error)))
            reads.append(Contender(name + READ, unavailable=str(error)))
            continue
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"[:200]
            writes.append(Contender(name + WRITE, unavailable=reason))
            reads.append(Contender(name + READ, unavailable=reason))
            continue
        made.append(bulk)
        write, read = bulk.write, bulk.read
        writes.append(
            Contender(name + WRITE, partial(write, total), total, note=bulk.note)
        )
        reads.append(
            Contender(name + READ, partial(read, total), total, note=bulk.note)
        )
    return writes, reads, made


def run(options: Options, items: int | None = None) -> list[PartResult]:
    """Bulk write and read of every contender, interleaved; two results."""
    entity.fake_credentials()
    entity.bench_package()
    total = items or (2_000 if options.quick else 10_000)
    repeats = options.pick(full=5, quick=2)
    writes: list[Contender]
    reads: list[Contender]
    server_cpu: dict[str, list[float]] = {}
    try:
        with DynaliteServer() as server:
            writes, reads, made = _contenders(server.endpoint_url, total)
            writes = [
                replace(c, run=_server_timed(c.run, server, server_cpu, c.name))
                if c.run is not None
                else c
                for c in writes
            ]
            # Each contender's write, then its read, in a rotating order.
            paired = [c for pair in zip(writes, reads, strict=True) for c in pair]
            try:
                samples = interleave(paired, repeats, warmup=0, progress="bulk")
            finally:
                for bulk in made:
                    with contextlib.suppress(Exception):
                        bulk.close()
    except Unavailable as error:
        writes = [
            Contender(name + WRITE, unavailable=str(error)) for name, _ in makers()
        ]
        reads = [Contender(name + READ, unavailable=str(error)) for name, _ in makers()]
        samples = {}
    results = []
    for part, title, suffix, contenders in (
        ("bulk_write", f"Bulk write of {total:,} items, dynalite", WRITE, writes),
        ("bulk_read", f"Bulk read of {total:,} items, dynalite", READ, reads),
    ):
        plain = [replace(c, name=c.name.removesuffix(suffix)) for c in contenders]
        mine = {
            name.removesuffix(suffix): got
            for name, got in samples.items()
            if name.endswith(suffix)
        }
        result = summarise(
            part,
            title,
            f"{total:,} items of the 15-attribute order; items per second of wall "
            "time.",
            plain,
            mine,
            unit="items/s",
            scale=1.0,
            metric="wall",
            kind="speed",
            baseline=BATCH_WRITER,
            reference=DYNGEN,
            quick=options.quick,
            repeats=repeats,
        )
        if part == "bulk_write":
            # The targets are the default's; batch_concurrency=1 (one request
            # at a time, as batch_writer sends them) shows what the requests
            # in flight buy.
            add_target(
                result,
                mine,
                f"{DYNGEN}: at least 3x the items/s of batch_writer",
                BATCH_WRITER,
                DYNGEN,
                3.0,
            )
            add_target(
                result, mine, f"{DYNGEN}: ahead of pydynox", PYDYNOX, DYNGEN, 1.0
            )
        result.notes.append(
            f"{total:,} items per timed call; the contenders take turns, each "
            "writing then reading its own table; ratios are wall time."
        )
        if part == "bulk_write" and server_cpu:
            # dynalite is one Node.js process: its CPU per item bounds the
            # items/s any client can reach, whatever the client does.
            # Its busy share of a contender's wall time says how much of that
            # time the client spent with nothing in flight.
            shown = []
            for name, spent in server_cpu.items():
                shown_name = name.removesuffix(suffix)
                per_item = statistics.median(spent) / total
                walls = [sample.wall for sample in mine.get(shown_name, [])]
                busy = (
                    f", busy {per_item / statistics.median(walls):.0%}" if walls else ""
                )
                shown.append(
                    f"{shown_name}: {per_item * 1e6:.0f} us/item "
                    f"(ceiling {1 / per_item:,.0f} items/s{busy})"
                )
            result.notes.append(
                "dynalite's own CPU per item written (median), the items/s it "
                "allows at best, and the share of the contender's wall time it was "
                "busy (past 100% when V8's helper threads, such as its garbage "
                "collector, run beside the main one): " + "; ".join(shown)
            )
            result.notes.append(
                f"{DYNGEN} encodes and checks every item before its first request "
                "(a bad one must leave nothing written), so dynalite idles for that "
                "pass; after it, requests are in flight until the last answer."
            )
            result.extra["server_cpu_per_item"] = {
                name.removesuffix(suffix): statistics.median(spent) / total
                for name, spent in server_cpu.items()
            }
        results.append(result)
    return results


def main() -> None:
    """Run this part alone."""
    parser = part_arguments(__doc__)
    parser.add_argument("--items", type=int, default=None)
    args = parser.parse_args()
    for result in run(Options(quick=args.quick, repeats=args.repeats), args.items):
        print_result(result)


if __name__ == "__main__":
    main()

"""BatchGetItem and BatchWriteItem that lose nothing.

Requests are split into DynamoDB's limits (100 keys, 25 writes);
``UnprocessedKeys`` / ``UnprocessedItems`` are sent again with the client's
throttling backoff; what is still unprocessed when attempts run out is
reported, never dropped. Chunks go out ``batch_concurrency`` at a time (a
client setting), each with its own unprocessed-retry loop. Every requested key is in exactly one of
found / missing / unprocessed, every write in exactly one of succeeded /
failed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from dyngen_runtime.errors import DyngenError, ServiceError, ValidationError
from dyngen_runtime.executor import Executor
from dyngen_runtime.expressions import Placeholders, render_projection
from dyngen_runtime.model import EntityModel
from dyngen_runtime.retry import Policy, RetryConfig
from dyngen_runtime.wire import Item

logger = logging.getLogger("dyngen.batch")

M = TypeVar("M")
K = TypeVar("K")
C = TypeVar("C")
R = TypeVar("R")

GET_CHUNK = 100
WRITE_CHUNK = 25


@dataclass
class BatchGetResult(Generic[M, K]):
    """Items in request order (None where missing or unprocessed)."""

    items: list[M | None]
    missing: list[K] = field(default_factory=list)
    unprocessed: list[K] = field(default_factory=list)


@dataclass(frozen=True)
class BatchFailure:
    """A write that did not succeed, with why."""

    request: EntityModel | Item
    reason: str
    error: DyngenError | None = None


@dataclass
class BatchWriteResult:
    """Every requested write lands in exactly one of the two lists."""

    succeeded: list[EntityModel | Item] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)


def _identity(key: Item) -> str:
    return json.dumps(key, sort_keys=True, default=repr)


def _backoff(config: RetryConfig) -> Policy:
    return (
        config.policies.get("throttling", Policy(10, 0.05))
        if config.max_attempts is None
        else Policy(
            config.max_attempts,
            config.base_delay if config.base_delay is not None else 0.05,
        )
    )


def batch_get(
    executor: Executor,
    keys: Sequence[K],
    wire_key: Callable[[K], Item],
    decode: Callable[[Item], M],
    key_attributes: tuple[str, ...],
    *,
    consistent: bool = False,
    keep: Callable[[Item], bool] = lambda _: True,
    projection: Sequence[str] | None = None,
) -> BatchGetResult[M, K]:
    """Read ``keys`` (any number) and map the items back to request order."""
    wires = [wire_key(k) for k in keys]
    order: dict[str, Item] = {}
    for wire in wires:
        order.setdefault(_identity(wire), wire)  # duplicates are read once
    found: dict[str, Item] = {}
    pending = list(order.values())
    unprocessed: list[Item] = []
    table = executor.table_name
    chunks = [pending[i : i + GET_CHUNK] for i in range(0, len(pending), GET_CHUNK)]

    def read(chunk: list[Item]) -> tuple[dict[str, Item], list[Item]]:
        got: dict[str, Item] = {}
        left = _get_chunk(
            executor, table, chunk, consistent, got, key_attributes, projection
        )
        return got, left

    for got, left in _each(executor, read, chunks):
        found.update(got)
        unprocessed.extend(left)
    lost = {_identity(k) for k in unprocessed}
    result: BatchGetResult[M, K] = BatchGetResult(items=[])
    for key, wire in zip(keys, wires, strict=True):
        identity = _identity(wire)
        raw = found.get(identity)
        if raw is not None and keep(raw):
            result.items.append(decode(raw))
            continue
        result.items.append(None)
        if identity in lost:
            result.unprocessed.append(key)
        else:
            result.missing.append(key)
    return result


def fetch_items(
    executor: Executor,
    items: list[Item],
    table_keys: tuple[str, ...],
    what: str,
    projection: Sequence[str] | None = None,
) -> list[Item]:
    """The table's items behind index entries, in their order (absent ones dropped).

    Keys still unprocessed after the backoff are an error naming ``what``:
    a page must never come back silently short.
    """
    result = batch_get(
        executor,
        [{k: item[k] for k in table_keys} for item in items],
        lambda key: key,
        lambda item: item,
        table_keys,
        projection=projection,
    )
    if result.unprocessed:
        raise ServiceError(
            f"{what}: {len(result.unprocessed)} items stayed unprocessed while "
            "fetching them from the table; retry the page",
            code="UnprocessedKeys",
            operation="BatchGetItem",
        )
    return [item for item in result.items if item is not None]


def _get_chunk(
    executor: Executor,
    table: str,
    keys: list[Item],
    consistent: bool,
    found: dict[str, Item],
    key_attributes: tuple[str, ...],
    projection: Sequence[str] | None = None,
) -> list[Item]:
    policy = _backoff(executor.retry)
    request_keys = keys
    for attempt in range(1, policy.max_attempts + 1):
        request: dict[str, Any] = {"Keys": request_keys}
        if consistent:
            request["ConsistentRead"] = True
        if projection is not None:
            ph = Placeholders()
            names = dict.fromkeys([*key_attributes, *projection])
            request["ProjectionExpression"] = render_projection(names, ph)
            request["ExpressionAttributeNames"] = ph.names
        response = executor.call("BatchGetItem", {"RequestItems": {table: request}})
        for item in response.get("Responses", {}).get(table, []):
            key = {name: item[name] for name in key_attributes if name in item}
            found[_identity(key)] = item
        left = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
        if not left:
            return []
        request_keys = left
        if attempt < policy.max_attempts:
            _wait(executor, "BatchGetItem", policy, attempt, len(left))
    return list(request_keys)


def _wait(
    executor: Executor, operation: str, policy: Policy, attempt: int, left: int
) -> None:
    delay = executor.retry.delay(policy, attempt)
    logger.warning(
        "%s on %s left %d unprocessed; retrying them (attempt %d, sleeping %.3f s)",
        operation,
        executor.table_name,
        left,
        attempt,
        delay,
    )
    executor.retry.sleep(delay)


def batch_write(
    executor: Executor,
    puts: Sequence[EntityModel],
    deletes: Sequence[Item],
) -> BatchWriteResult:
    """Write ``puts`` and ``deletes`` (any number), unconditionally."""
    requests: list[tuple[EntityModel | Item, dict[str, Any], str]] = []
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for model in puts:
        item = model.to_checked_item()
        names = model._entity.key_attributes
        key = {name: item[name] for name in names}
        requests.append((model, {"PutRequest": {"Item": item}}, _identity(key)))
    for key in deletes:
        requests.append((key, {"DeleteRequest": {"Key": key}}, _identity(key)))
    for position, (_, _, identity) in enumerate(requests):
        if identity in seen:
            duplicates.append(f"#{seen[identity]} and #{position}: {identity}")
        seen.setdefault(identity, position)
    if duplicates:
        raise ValidationError(
            "batch_write names the same key twice (DynamoDB would refuse the whole "
            "request): " + "; ".join(duplicates)
        )
    chunks = [
        requests[start : start + WRITE_CHUNK]
        for start in range(0, len(requests), WRITE_CHUNK)
    ]

    def write(
        chunk: list[tuple[EntityModel | Item, dict[str, Any], str]],
    ) -> BatchWriteResult:
        done = BatchWriteResult()
        _write_chunk(executor, chunk, done)
        return done

    result = BatchWriteResult()
    for done in _each(executor, write, chunks):
        result.succeeded.extend(done.succeeded)
        result.failed.extend(done.failed)
    return result


def _each(executor: Executor, work: Callable[[C], R], chunks: list[C]) -> Iterator[R]:
    """``work(chunk)`` for every chunk, up to ``executor.batch_concurrency`` at
    once; results come back in chunk order, so the outcome is deterministic."""
    workers = min(executor.batch_concurrency, len(chunks))
    if workers <= 1:
        for chunk in chunks:
            yield work(chunk)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(work, chunks)


def _write_chunk(
    executor: Executor,
    chunk: list[tuple[EntityModel | Item, dict[str, Any], str]],
    result: BatchWriteResult,
) -> None:
    table = executor.table_name
    policy = _backoff(executor.retry)
    pending = {identity: (original, request) for original, request, identity in chunk}
    for attempt in range(1, policy.max_attempts + 1):
        try:
            response = executor.call(
                "BatchWriteItem",
                {"RequestItems": {table: [request for _, request in pending.values()]}},
            )
        except DyngenError as error:
            for original, _ in pending.values():
                result.failed.append(BatchFailure(original, str(error), error))
            return
        left = response.get("UnprocessedItems", {}).get(table, [])
        left_ids = {_request_identity(request, pending) for request in left}
        for identity, (original, _) in list(pending.items()):
            if identity not in left_ids:
                result.succeeded.append(original)
                del pending[identity]
        if not pending:
            return
        if attempt < policy.max_attempts:
            _wait(executor, "BatchWriteItem", policy, attempt, len(pending))
    for original, _ in pending.values():
        result.failed.append(
            BatchFailure(
                original,
                f"still unprocessed after {policy.max_attempts} attempts "
                "(throughput exceeded)",
            )
        )


def _request_identity(
    request: dict[str, Any],
    pending: dict[str, tuple[EntityModel | Item, dict[str, Any]]],
) -> str:
    """The identity of an UnprocessedItems entry, by the key it writes."""
    if "DeleteRequest" in request:
        return _identity(request["DeleteRequest"]["Key"])
    item = request["PutRequest"]["Item"]
    for identity, (original, _) in pending.items():
        if isinstance(original, EntityModel):
            names = original._entity.key_attributes
            if identity == _identity(
                {name: item[name] for name in names if name in item}
            ):
                return identity
    return ""

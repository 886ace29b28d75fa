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
from dyngen_runtime.wire import Item, KeyIdentity, describe_key, key_identity
from dyngen_runtime.wire_json import EncodedRequest

logger = logging.getLogger("dyngen.batch")

M = TypeVar("M")
K = TypeVar("K")
C = TypeVar("C")
R = TypeVar("R")

GET_CHUNK = 100
WRITE_CHUNK = 25

#: A BatchWriteItem entry: a put written as JSON text, or a delete's dict.
Request = EncodedRequest | dict[str, Any]


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
    order: dict[KeyIdentity, Item] = {}
    for wire in wires:
        order.setdefault(key_identity(wire), wire)  # duplicates are read once
    found: dict[KeyIdentity, Item] = {}
    pending = list(order.values())
    unprocessed: list[Item] = []
    table = executor.table_name
    chunks = [pending[i : i + GET_CHUNK] for i in range(0, len(pending), GET_CHUNK)]

    def read(chunk: list[Item]) -> tuple[dict[KeyIdentity, Item], list[Item]]:
        got: dict[KeyIdentity, Item] = {}
        left = _get_chunk(
            executor, table, chunk, consistent, got, key_attributes, projection
        )
        return got, left

    for got, left in _each(executor, read, chunks):
        found.update(got)
        unprocessed.extend(left)
    lost = {key_identity(k) for k in unprocessed}
    result: BatchGetResult[M, K] = BatchGetResult(items=[])
    for key, wire in zip(keys, wires, strict=True):
        identity = key_identity(wire)
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
    found: dict[KeyIdentity, Item],
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
            found[key_identity(key)] = item
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
    """Write ``puts`` and ``deletes`` (any number), unconditionally.

    Every put is encoded and checked, and every key noted, before the first
    request: a bad item or a repeated key leaves nothing written. What is
    written is each item as it was then, even if its model changes while the
    batch runs.
    """
    # Puts are held as JSON text until their chunk is sent, with their keys as
    # flat tuples (wire.key_identity): objects the garbage collector does not
    # track. Holding 10,000 wire dicts instead moved them all into the
    # collector's oldest generation, whose full collections then stalled the
    # sending threads (about 20 us per item, measured). The text also goes
    # into the request body as it is.
    texts: list[str] = []
    identities: list[KeyIdentity] = []
    for model in puts:
        text, identity = model.to_checked_json()
        texts.append(text)
        identities.append(identity)
    identities.extend(key_identity(key) for key in deletes)
    seen: dict[KeyIdentity, int] = {}
    duplicates: list[str] = []
    for position, identity in enumerate(identities):
        first = seen.setdefault(identity, position)
        if first != position:
            duplicates.append(f"#{first} and #{position}: {describe_key(identity)}")
    if duplicates:
        raise ValidationError(
            "batch_write names the same key twice (DynamoDB would refuse the whole "
            "request): " + "; ".join(duplicates)
        )
    # Delete keys are copied now, as the puts are written now: a key dict
    # changed while the batch runs changes nothing.
    deleted = [{name: dict(value) for name, value in key.items()} for key in deletes]

    def write(start: int) -> BatchWriteResult:
        done = BatchWriteResult()
        pending: dict[KeyIdentity, tuple[EntityModel | Item, Request]] = {}
        for position in range(start, min(start + WRITE_CHUNK, len(identities))):
            original: EntityModel | Item
            request: Request
            if position < len(puts):
                original = puts[position]
                request = EncodedRequest(
                    '{"PutRequest":{"Item":' + texts[position] + "}}"
                )
            else:
                original = deletes[position - len(puts)]
                request = {"DeleteRequest": {"Key": deleted[position - len(puts)]}}
            pending[identities[position]] = (original, request)
        _write_chunk(executor, pending, done)
        return done

    result = BatchWriteResult()
    for done in _each(executor, write, list(range(0, len(identities), WRITE_CHUNK))):
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
    pending: dict[KeyIdentity, tuple[EntityModel | Item, Request]],
    result: BatchWriteResult,
) -> None:
    """Send ``pending`` (identity: what was passed and its request) until none
    is left unprocessed or attempts run out; ``pending`` is consumed."""
    table = executor.table_name
    policy = _backoff(executor.retry)
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
    pending: dict[KeyIdentity, tuple[EntityModel | Item, Request]],
) -> KeyIdentity | None:
    """The identity of an UnprocessedItems entry, by the key it writes."""
    if "DeleteRequest" in request:
        return key_identity(request["DeleteRequest"]["Key"])
    item = request["PutRequest"]["Item"]
    for identity, (original, _) in pending.items():
        if isinstance(original, EntityModel):
            names = original._entity.key_attributes
            if identity == key_identity(
                {name: item[name] for name in names if name in item}
            ):
                return identity
    return None

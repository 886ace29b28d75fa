"""TransactWriteItems and TransactGetItems with typed operations.

``db.transaction(token, build)`` calls ``build(tx)``; the operations it returns
go out as one TransactWriteItems call with ``token`` as its
ClientRequestToken. DynamoDB keeps a token for 10 minutes: the same token with
the same operations is a no-op success (so a retried call cannot apply
twice), with different operations an ``IdempotencyError``. Limits are checked
before any request: at most 100 operations, 4 MB in all, one operation per
item.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dyngen_runtime.errors import (
    RetriesExhaustedError,
    TransactionFailedError,
    TransactionLimitError,
    ValidationError,
)
from dyngen_runtime.executor import Executor
from dyngen_runtime.expressions import Condition, Placeholders
from dyngen_runtime.size import item_size
from dyngen_runtime.wire import Item, KeyIdentity, describe_key, key_identity

if TYPE_CHECKING:
    from dyngen_runtime.repository import EntityRepository
    from dyngen_runtime.update import UpdateBuilder

logger = logging.getLogger("dyngen.transactions")

M = TypeVar("M")

MAX_OPERATIONS = 100
MAX_BYTES = 4 * 1024 * 1024
MAX_TOKEN = 36


@dataclass(frozen=True)
class TxWrite:
    """One write operation of a transaction.

    ``kind`` is Put, Update, Delete or ConditionCheck; ``body`` the operation
    without TableName. ``expected_version`` is the stored version the
    operation's condition requires (0: the item must not exist), so a failed
    condition can be reported as a version conflict.
    """

    kind: str
    entity: str
    key: Item
    body: dict[str, Any]
    decode: Callable[[Item], Any]
    version_attribute: str | None = None
    expected_version: int | None = None
    size: int = 0


@dataclass(frozen=True)
class TxRead(Generic[M]):
    """One read of ``transact_get``."""

    entity: str
    key: Item
    decode: Callable[[Item], M]


@dataclass(frozen=True)
class CancellationReason:
    """Why one operation of a cancelled transaction failed (``code`` None: it did not)."""

    index: int
    entity: str
    key: Item
    code: str | None
    message: str | None
    item: Any
    version_conflict: bool


def check_token(token: object) -> str:
    """DynamoDB's rule: a ClientRequestToken is 1 to 36 characters."""
    if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN:
        raise ValidationError(
            f"transaction token must be 1 to {MAX_TOKEN} characters, got {token!r}"
        )
    return token


def prepare(operations: Sequence[TxWrite | UpdateBuilder[Any]]) -> list[TxWrite]:
    """Turn builders into operations and check DynamoDB's limits."""
    from dyngen_runtime.update import UpdateBuilder

    writes = [
        op.tx_write() if isinstance(op, UpdateBuilder) else op for op in operations
    ]
    for index, write in enumerate(writes):
        if not isinstance(write, TxWrite):
            raise ValidationError(
                f"transaction operation #{index} is {type(write).__name__}, not an "
                "operation from tx.<repository>"
            )
    if not writes:
        raise ValidationError("a transaction needs at least one operation")
    if len(writes) > MAX_OPERATIONS:
        raise TransactionLimitError(
            f"{len(writes)} operations: DynamoDB allows at most {MAX_OPERATIONS} "
            "in one transaction"
        )
    total = sum(w.size for w in writes)
    if total > MAX_BYTES:
        raise TransactionLimitError(
            f"transaction items total {total} bytes: DynamoDB allows at most {MAX_BYTES}"
        )
    seen: dict[KeyIdentity, int] = {}
    for index, write in enumerate(writes):
        identity = key_identity(write.key)
        if identity in seen:
            raise ValidationError(
                f"operations #{seen[identity]} and #{index} both touch {write.entity} "
                f"{describe_key(identity)}: DynamoDB allows one operation per item in a transaction"
            )
        seen[identity] = index
    return writes


def run_transaction(
    executor: Executor, token: str, operations: Sequence[TxWrite | UpdateBuilder[Any]]
) -> None:
    """Send one TransactWriteItems call; TransactionFailedError with reasons on cancel."""
    token = check_token(token)
    writes = prepare(operations)
    table = executor.table_name
    items = [{w.kind: {**w.body, "TableName": table}} for w in writes]
    try:
        executor.call(
            "TransactWriteItems", {"TransactItems": items, "ClientRequestToken": token}
        )
    except TransactionFailedError as error:
        error.reasons = [_reason(i, w, error.raw_reasons) for i, w in enumerate(writes)]
        raise
    except RetriesExhaustedError as error:
        last = error.last_error
        if isinstance(last, TransactionFailedError):
            last.reasons = [
                _reason(i, w, last.raw_reasons) for i, w in enumerate(writes)
            ]
        raise
    logger.info(
        "transaction %s committed %d operations on %s", token, len(writes), table
    )


def _reason(
    index: int, write: TxWrite, raw: list[dict[str, Any]]
) -> CancellationReason:
    entry = raw[index] if index < len(raw) else {}
    code = entry.get("Code")
    code = None if code in (None, "None") else str(code)
    stored = entry.get("Item")
    item = write.decode(stored) if stored else None
    version_conflict = False
    if code == "ConditionalCheckFailed" and write.expected_version is not None:
        if stored is None:
            version_conflict = True
        elif write.version_attribute is not None:
            current = stored.get(write.version_attribute, {}).get("N")
            version_conflict = current != str(write.expected_version)
    return CancellationReason(
        index=index,
        entity=write.entity,
        key=write.key,
        code=code,
        message=entry.get("Message"),
        item=item,
        version_conflict=version_conflict,
    )


def transact_get(executor: Executor, reads: Sequence[TxRead[Any]]) -> list[Any]:
    """Read up to 100 items atomically; models or None, in operation order."""
    if not reads:
        raise ValidationError("transact_get needs at least one read")
    if len(reads) > MAX_OPERATIONS:
        raise TransactionLimitError(
            f"{len(reads)} reads: DynamoDB allows at most {MAX_OPERATIONS} in one call"
        )
    table = executor.table_name
    response = executor.call(
        "TransactGetItems",
        {"TransactItems": [{"Get": {"TableName": table, "Key": r.key}} for r in reads]},
    )
    results = response.get("Responses", [])
    return [
        read.decode(entry["Item"]) if entry.get("Item") else None
        for read, entry in zip(reads, results, strict=False)
    ]


class EntityTx(Generic[M]):
    """``tx.<repository>``: the operations of one entity inside a transaction.

    Conditions are exactly those of the repository outside transactions:
    ``create`` requires the item to be absent (or expired), ``put`` of a
    versioned model checks its version, updates are the same typed builder.
    """

    def __init__(self, repository: EntityRepository[Any]) -> None:
        self._repository = repository
        self._entity = repository._entity

    def create(self, model: M) -> TxWrite:
        """Put a new item; the transaction fails if it exists."""
        return self._put(model, create=True)

    def put(self, model: M) -> TxWrite:
        """Create or replace, with the version check of ``repository.put``."""
        return self._put(model, create=False)

    def _put(self, model: Any, *, create: bool) -> TxWrite:
        write = self._repository._plan_write(model, create=create)
        body: dict[str, Any] = {"Item": write.item}
        if write.condition is not None:
            expression, names, values = write.condition
            body["ConditionExpression"] = expression
            body["ExpressionAttributeNames"] = names
            if values:
                body["ExpressionAttributeValues"] = values
            body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        key = {n: write.item[n] for n in self._entity.key_attributes}
        return TxWrite(
            kind="Put",
            entity=self._entity.name,
            key=key,
            body=body,
            decode=self._repository._model.from_item,
            version_attribute=self._entity.version_attribute,
            expected_version=write.expected_version,
            size=item_size(write.item),
        )

    def _delete(
        self, key: Item, condition: Condition | None, if_version: int | None
    ) -> TxWrite:
        return self._conditional("Delete", key, condition, if_version)

    def _condition_check(self, key: Item, condition: Condition) -> TxWrite:
        return self._conditional("ConditionCheck", key, condition, None)

    def _conditional(
        self, kind: str, key: Item, condition: Condition | None, if_version: int | None
    ) -> TxWrite:
        ph = Placeholders()
        terms = []
        if if_version is not None:
            attribute = self._entity.version_attribute
            if attribute is None:
                raise ValidationError(f"{self._entity.name} has no version attribute")
            terms.append(f"{ph.name(attribute)} = {ph.value({'N': str(if_version)})}")
        if condition is not None:
            terms.append(f"({condition.render(ph)})")
        body: dict[str, Any] = {"Key": key}
        if terms:
            body["ConditionExpression"] = " AND ".join(terms)
            body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            ph.apply(body)
        return TxWrite(
            kind=kind,
            entity=self._entity.name,
            key=key,
            body=body,
            decode=self._repository._model.from_item,
            version_attribute=self._entity.version_attribute,
            expected_version=if_version,
            size=item_size(key),
        )

    def _get(self, key: Item) -> TxRead[M]:
        decode: Callable[[Item], M] = self._repository._model.from_item
        return TxRead(self._entity.name, key, decode)

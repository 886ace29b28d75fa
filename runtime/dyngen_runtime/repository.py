"""The base class of every generated entity repository (``db.customers``, ...).

Generated subclasses add typed methods (``get(customer_id=...)``) that render
the key with generated code and call the protected helpers here, where the
policy lives: optimistic locking, create-only conditions, error decoding.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from dyngen_runtime.batch import BatchGetResult, batch_get
from dyngen_runtime.errors import (
    ConditionFailedError,
    ValidationError,
    VersionConflictError,
)
from dyngen_runtime.executor import Executor
from dyngen_runtime.expressions import Condition, Placeholders, render_projection
from dyngen_runtime.model import EntityModel, PartialModel
from dyngen_runtime.query import QueryRunner
from dyngen_runtime.ttl import is_expired, live_filter
from dyngen_runtime.wire import Item

M = TypeVar("M", bound=EntityModel)
K = TypeVar("K")
P = TypeVar("P", bound="PartialModel")

#: A condition expression with its name and value maps.
ConditionParts = tuple[str, dict[str, str], dict[str, Any] | None]


@dataclass(frozen=True)
class _PlannedPut(Generic[M]):
    """A put as it will be sent: the model as stored, its item, its condition,
    and the stored version the condition requires (0: must not exist)."""

    stored: M
    item: Item
    condition: ConditionParts | None
    expected_version: int | None


class EntityRepository(Generic[M]):
    """Reads and writes the items of one entity."""

    def __init__(self, executor: Executor, model: type[M]) -> None:
        self._executor = executor
        self._model = model
        self._entity = model._entity
        self._pk_attribute = self._entity.key_attributes[0]
        # Trusted reads skip pydantic's validation: for tables only this
        # code writes, where every item already passed it on the way in.
        self._decode: Callable[[Item], M] = (
            functools.partial(model.from_item, validate=False)
            if executor.trusted_reads
            else model.from_item
        )
        self._queries = QueryRunner(executor, self._decode, executor.cursor_secret)

    def create(self, model: M) -> M:
        """Write a new item; ``ConditionFailedError`` if one with its key exists.

        Versioned entities are written at version 1. Returns the model as stored.
        """
        write = self._plan_write(model, create=True)
        self._put(write, conflict=ConditionFailedError)
        return write.stored

    def put(self, model: M) -> M:
        """Create, or replace the stored item.

        For versioned entities, a model read from the table (version > 0) only
        replaces the item if the stored version still equals ``model.version``,
        and is written with the version plus one; version 0 behaves like
        :meth:`create`. Raises ``VersionConflictError`` on a mismatch.
        """
        write = self._plan_write(model, create=False)
        self._put(write, conflict=VersionConflictError)
        return write.stored

    def _plan_write(self, model: M, *, create: bool) -> _PlannedPut[M]:
        """The stored model, its item and the condition of a create or put."""
        versioned = self._entity.version_field is not None
        if not versioned:
            stored = model
            condition = self._absent() if create else None
            expected = None
        else:
            version = 0 if create else model._version()
            stored = model._with_version(version + 1)
            expected = version
            if version == 0:
                condition = self._absent()
            else:
                condition = (
                    "#version = :version",
                    {"#version": self._version_attribute()},
                    {":version": {"N": str(version)}},
                )
        item = stored.to_checked_item()
        return _PlannedPut(stored, item, condition, expected)

    def _absent(self) -> ConditionParts:
        """The condition "no live item has this key": an expired one may be replaced."""
        ttl = self._entity.ttl_attribute
        if ttl is None:
            return "attribute_not_exists(#pk)", {"#pk": self._pk_attribute}, None
        return (
            "attribute_not_exists(#pk) OR #ttl < :now",
            {"#pk": self._pk_attribute, "#ttl": ttl},
            {":now": {"N": str(self._executor.now())}},
        )

    def _expired(self, item: Item) -> bool:
        return is_expired(item, self._entity.ttl_attribute, self._executor.now())

    def _version_attribute(self) -> str:
        attribute = self._entity.version_attribute
        assert attribute is not None, "only versioned entities have a version"
        return attribute

    def _put(
        self, write: _PlannedPut[M], *, conflict: type[ConditionFailedError]
    ) -> None:
        params: dict[str, Any] = {
            "TableName": self._executor.table_name,
            "Item": write.item,
        }
        if write.condition is not None:
            expression, names, values = write.condition
            params["ConditionExpression"] = expression
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            params["ExpressionAttributeNames"] = names
            if values:
                params["ExpressionAttributeValues"] = values
        model = write.stored

        def replayed(error: ConditionFailedError) -> bool:
            # Backends that ignore ReturnValuesOnConditionCheckFailure: read it.
            stored = error.raw_item or self._read_raw(write.item)
            return stored is not None and self._model.from_item(stored) == model

        try:
            self._executor.call(
                "PutItem",
                params,
                replayed=replayed if write.condition else None,
                entity=self._entity.name,
            )
        except ConditionFailedError as error:
            cls = (
                conflict if write.expected_version is not None else ConditionFailedError
            )
            raise self._conflict(error, cls) from None

    def _read_raw(self, item: Item) -> Item | None:
        key = {name: item[name] for name in self._entity.key_attributes if name in item}
        response = self._executor.call(
            "GetItem",
            {
                "TableName": self._executor.table_name,
                "Key": key,
                "ConsistentRead": True,
            },
            entity=self._entity.name,
        )
        found: Item | None = response.get("Item")
        return found

    def _conflict(
        self, error: ConditionFailedError, cls: type[ConditionFailedError]
    ) -> ConditionFailedError:
        current = self._model.from_item(error.raw_item) if error.raw_item else None
        what = "version conflict" if cls is VersionConflictError else "condition failed"
        return cls(
            f"{self._entity.name}: {what}",
            item=current,
            raw_item=error.raw_item,
            code=error.code,
            request_id=error.request_id,
            operation=error.operation,
            attempts=error.attempts,
        )

    def _get(
        self, key: Item, *, consistent: bool, include_expired: bool = False
    ) -> M | None:
        raw = self._get_raw(key, consistent, include_expired, None)
        return None if raw is None else self._decode(raw)

    def _get_partial(
        self,
        key: Item,
        partial: type[P],
        projection: Sequence[str],
        *,
        consistent: bool,
        include_expired: bool,
    ) -> P | None:
        raw = self._get_raw(key, consistent, include_expired, projection)
        return None if raw is None else partial.from_item(raw)

    def _get_raw(
        self,
        key: Item,
        consistent: bool,
        include_expired: bool,
        projection: Sequence[str] | None,
    ) -> Item | None:
        params: dict[str, Any] = {
            "TableName": self._executor.table_name,
            "Key": key,
        }
        if consistent:
            params["ConsistentRead"] = True
        if projection is not None:
            ph = Placeholders()
            params["ProjectionExpression"] = render_projection(
                self._projected(projection), ph
            )
            ph.apply(params)
        raw: Item | None = self._executor.call(
            "GetItem", params, entity=self._entity.name
        ).get("Item")
        if raw is None or (not include_expired and self._expired(raw)):
            return None
        return raw

    def _projected(self, names: Sequence[str]) -> list[str]:
        """Stored names for Python field names, plus what reads need (TTL)."""
        fields = self._model.fields
        stored = []
        for name in names:
            ref = getattr(fields, name, None)
            if ref is None:
                raise ValidationError(
                    f"{self._entity.name}: no field {name!r} to project"
                )
            stored.append(ref.stored)
        if self._entity.ttl_attribute is not None:
            stored.append(self._entity.ttl_attribute)
        return stored

    def _delete(
        self,
        key: Item,
        *,
        condition: Condition | None = None,
        if_version: int | None = None,
    ) -> M | None:
        params: dict[str, Any] = {
            "TableName": self._executor.table_name,
            "Key": key,
            "ReturnValues": "ALL_OLD",
        }
        ph = Placeholders()
        terms = []
        if if_version is not None:
            stored = {"N": str(if_version)}
            terms.append(f"{ph.name(self._version_attribute())} = {ph.value(stored)}")
        if condition is not None:
            terms.append(f"({condition.render(ph)})")
        if terms:
            params["ConditionExpression"] = " AND ".join(terms)
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            ph.apply(params)

        def replayed(error: ConditionFailedError) -> bool:
            # A retry after a lost response finds the item gone: the first
            # attempt deleted it (its old values are lost with the response).
            return error.raw_item is None and self._read_raw(key) is None

        try:
            raw = self._executor.call(
                "DeleteItem",
                params,
                replayed=replayed if terms else None,
                entity=self._entity.name,
            ).get("Attributes")
        except ConditionFailedError as error:
            version_failed = if_version is not None and (
                error.raw_item is None
                or error.raw_item.get(self._version_attribute())
                != {"N": str(if_version)}
            )
            cls = VersionConflictError if version_failed else ConditionFailedError
            raise self._conflict(error, cls) from None
        if raw is None:
            return None
        return self._model.from_item(raw)

    def _batch_get(
        self,
        keys: Sequence[K],
        wire_key: Callable[[K], Item],
        *,
        consistent: bool,
        include_expired: bool,
    ) -> BatchGetResult[M, K]:
        return batch_get(
            self._executor,
            keys,
            wire_key,
            self._decode,
            self._entity.key_attributes,
            consistent=consistent,
            keep=lambda item: include_expired or not self._expired(item),
        )

    def scan(
        self,
        *,
        filter: Condition | None = None,
        segments: int = 1,
        consistent: bool = False,
        include_expired: bool = False,
    ) -> Iterator[M]:
        """Every item of this entity in the table (only this entity's items).

        ``segments > 1`` scans in parallel threads (DynamoDB's parallel scan);
        items then arrive in no particular order. Pages are read lazily.
        """
        if segments < 1:
            raise ValidationError(f"{self._entity.name}: segments must be at least 1")
        requests = [
            self._scan_params(filter, segment, segments, consistent, include_expired)
            for segment in range(segments)
        ]
        if segments == 1:
            for raw in self._scan_pages(requests[0]):
                yield self._decode(raw)
            return
        yield from (self._decode(raw) for raw in _parallel(self._scan_pages, requests))

    def _scan_params(
        self,
        filter: Condition | None,
        segment: int,
        segments: int,
        consistent: bool,
        include_expired: bool,
    ) -> dict[str, Any]:
        ph = Placeholders()
        type_value = {"S": self._entity.type_value}
        terms = [f"{ph.name(self._entity.type_attribute)} = {ph.value(type_value)}"]
        if filter is not None:
            terms.append(f"({filter.render(ph)})")
        ttl = self._entity.ttl_attribute
        if ttl is not None and not include_expired:
            terms.append(live_filter(ph, ttl, self._executor.now()))
        params: dict[str, Any] = {
            "TableName": self._executor.table_name,
            "FilterExpression": " AND ".join(terms),
        }
        if segments > 1:
            params["Segment"] = segment
            params["TotalSegments"] = segments
        if consistent:
            params["ConsistentRead"] = True
        ph.apply(params)
        return params

    def _scan_pages(self, params: dict[str, Any]) -> Iterator[Item]:
        request = dict(params)
        while True:
            response = self._executor.call("Scan", request, entity=self._entity.name)
            yield from response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if start is None:
                return
            request["ExclusiveStartKey"] = start


_DONE = object()


def _parallel(
    pages: Callable[[dict[str, Any]], Iterator[Item]], requests: list[dict[str, Any]]
) -> Iterator[Item]:
    """Items of every request, read in one thread each, as they arrive."""
    results: queue.Queue[Any] = queue.Queue(maxsize=1000)
    stop = threading.Event()

    def run(request: dict[str, Any]) -> None:
        try:
            for item in pages(request):
                if stop.is_set():
                    return
                results.put(item)
        except BaseException as error:  # handed to the consumer, raised there
            results.put(error)
        finally:
            results.put(_DONE)

    threads = [threading.Thread(target=run, args=(r,), daemon=True) for r in requests]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            item = results.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        while any(t.is_alive() for t in threads):
            try:
                results.get_nowait()
            except queue.Empty:
                threading.Event().wait(0.001)

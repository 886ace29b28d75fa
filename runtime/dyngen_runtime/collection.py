"""Reading item collections: one partition, several entity types.

Each item is decoded by its type attribute into the member's model; items of
types that are not members are skipped and logged, never a crash (a table
shared with other code, or a newer writer, may store them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dyngen_runtime.batch import fetch_items
from dyngen_runtime.cursor import (
    CursorState,
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
)
from dyngen_runtime.errors import ValidationError
from dyngen_runtime.executor import Executor
from dyngen_runtime.expressions import Placeholders
from dyngen_runtime.wire import Item

logger = logging.getLogger("dyngen.collection")


@dataclass(frozen=True)
class CollectionPlan:
    """One collection, as generated from the schema."""

    name: str
    index: str | None
    pk_attribute: str
    type_attribute: str
    members: Mapping[str, Callable[[Item], Any]]  # type value -> decoder
    fetch_full_items: bool = False
    table_keys: tuple[str, ...] = ()


@dataclass
class CollectionPage:
    """Decoded items per type value, and the cursor of the next page."""

    items: dict[str, list[Any]]
    cursor: str | None


def read_collection(
    executor: Executor,
    plan: CollectionPlan,
    partition: str,
    *,
    limit: int | None,
    cursor: str | None,
    consistent: bool,
) -> CollectionPage:
    """Up to ``limit`` member items of one partition (one page when no limit)."""
    if limit is not None and limit < 1:
        raise ValidationError(f"collection {plan.name}: limit must be at least 1")
    query = f"collection.{plan.name}"
    start: dict[str, Any] | None = None
    if cursor is not None:
        state = decode_cursor(
            cursor,
            query=query,
            index=plan.index or "",
            partitions=(partition,),
            secret=executor.cursor_secret,
        )
        start = state.positions[0] or None
        if start and start.get(plan.pk_attribute) != {"S": partition}:
            raise InvalidCursorError("cursor belongs to another partition")
    found: dict[str, list[Any]] = {value: [] for value in plan.members}
    count = 0
    while True:
        ph = Placeholders()
        params: dict[str, Any] = {
            "TableName": executor.table_name,
            "KeyConditionExpression": (
                f"{ph.name(plan.pk_attribute)} = {ph.value({'S': partition})}"
            ),
        }
        if plan.index is not None:
            params["IndexName"] = plan.index
        if consistent:
            params["ConsistentRead"] = True
        if limit is not None:
            params["Limit"] = limit - count
        if start is not None:
            params["ExclusiveStartKey"] = start
        ph.apply(params)
        response = executor.call("Query", params)
        items = response.get("Items", [])
        if plan.fetch_full_items:
            items = _full_items(executor, plan, items)
        for item in items:
            type_value = item.get(plan.type_attribute, {}).get("S")
            decode = plan.members.get(type_value) if type_value else None
            if decode is None:
                logger.warning(
                    "collection %s: skipped an item of type %r in partition %r",
                    plan.name,
                    type_value,
                    partition,
                )
                continue
            found[type_value].append(decode(item))
            count += 1
        start = response.get("LastEvaluatedKey")
        if start is None or limit is None or count >= limit:
            break
    next_cursor = None
    if start is not None:
        state = CursorState(query, plan.index or "", (partition,), (start,))
        next_cursor = encode_cursor(state, executor.cursor_secret)
    return CollectionPage(found, next_cursor)


def _full_items(
    executor: Executor, plan: CollectionPlan, items: list[Item]
) -> list[Item]:
    """The full items behind index entries, in their order."""
    return fetch_items(executor, items, plan.table_keys, f"collection {plan.name}")

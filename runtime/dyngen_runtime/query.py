"""Running access-pattern queries: key conditions, pages, cursors, shard fan-out.

Generated repositories describe each access pattern once as a :class:`QueryPlan`
and call :meth:`QueryRunner.page` / :meth:`QueryRunner.iterate` with the
rendered partition key(s) and the sort-key fields the caller gave.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from dyngen_runtime.batch import fetch_items
from dyngen_runtime.cursor import (
    CursorState,
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
)
from dyngen_runtime.errors import NotUniqueError, ValidationError
from dyngen_runtime.executor import Executor
from dyngen_runtime.expressions import Condition, Placeholders, render_projection
from dyngen_runtime.sortkey import KeyCondition, SortPart, plan_sort_key
from dyngen_runtime.ttl import is_expired, live_filter
from dyngen_runtime.wire import Item

M = TypeVar("M")
T = TypeVar("T")

Fetch = Literal["projected", "batch_get", "select_all"]


@dataclass(frozen=True)
class QueryPlan:
    """One access pattern, as generated from the schema."""

    entity: str
    name: str
    index: str | None
    pk_attribute: str
    sk_attribute: str | None
    sk_parts: tuple[SortPart, ...]
    type_attribute: str
    type_value: str
    table_keys: tuple[str, ...]
    ttl_attribute: str | None = None
    fixed_filter: Condition | None = None
    fetch: Fetch = "projected"
    #: False on a global index that does not project the type (or TTL)
    #: attribute: DynamoDB would drop every item in a filter on it, so the
    #: check runs on the fetched items instead.
    type_projected: bool = True
    ttl_projected: bool = True

    @property
    def qualified(self) -> str:
        """``Entity.pattern``, for messages and cursors."""
        return f"{self.entity}.{self.name}"


@dataclass
class Page(Generic[M]):
    """One page of a query: ``items`` and the ``cursor`` of the next (None: last)."""

    items: list[M]
    cursor: str | None = None


@dataclass
class _Partition:
    """One partition's reading position: ``start`` is the ExclusiveStartKey."""

    value: str
    start: dict[str, Any] | None
    done: bool = False
    origin: dict[str, Any] | None = None
    buffered: list[Item] = field(default_factory=list)


class QueryRunner(Generic[M]):
    """Sends the Query requests of one repository."""

    def __init__(
        self,
        executor: Executor,
        decode: Callable[[Item], M],
        cursor_secret: bytes | None = None,
        fan_out: int = 16,
    ) -> None:
        self._executor = executor
        self._decode = decode
        self._secret = cursor_secret
        self._fan_out = fan_out

    # -- public entry points -------------------------------------------------

    def page(
        self,
        plan: QueryPlan,
        partitions: list[str],
        given: Mapping[str, Any],
        *,
        limit: int | None,
        cursor: str | None,
        descending: bool,
        consistent: bool,
        filter: Condition | None,
        include_expired: bool,
    ) -> Page[M]:
        """Up to ``limit`` items (one DynamoDB page when no limit) and a cursor."""
        return self._page(
            plan,
            partitions,
            given,
            limit,
            cursor,
            descending,
            consistent,
            filter,
            include_expired,
            None,
            self._decode,
        )

    def page_partial(
        self,
        plan: QueryPlan,
        partitions: list[str],
        given: Mapping[str, Any],
        projection: Sequence[str],
        decode: Callable[[Item], Any],
        *,
        limit: int | None,
        cursor: str | None,
        descending: bool,
        consistent: bool,
        filter: Condition | None,
        include_expired: bool,
    ) -> Page[Any]:
        """:meth:`page` reading only ``projection`` (stored names), decoded by ``decode``."""
        return self._page(
            plan,
            partitions,
            given,
            limit,
            cursor,
            descending,
            consistent,
            filter,
            include_expired,
            tuple(projection),
            decode,
        )

    def iterate_partial(
        self,
        plan: QueryPlan,
        partitions: list[str],
        given: Mapping[str, Any],
        projection: Sequence[str],
        decode: Callable[[Item], Any],
        *,
        descending: bool,
        consistent: bool,
        filter: Condition | None,
        include_expired: bool,
    ) -> Iterator[Any]:
        """:meth:`iterate` reading only ``projection``."""
        return _follow(
            lambda cursor: self.page_partial(
                plan,
                partitions,
                given,
                projection,
                decode,
                limit=None if len(partitions) == 1 else 100,
                cursor=cursor,
                descending=descending,
                consistent=consistent,
                filter=filter,
                include_expired=include_expired,
            )
        )

    def _page(
        self,
        plan: QueryPlan,
        partitions: list[str],
        given: Mapping[str, Any],
        limit: int | None,
        cursor: str | None,
        descending: bool,
        consistent: bool,
        filter: Condition | None,
        include_expired: bool,
        projection: tuple[str, ...] | None,
        decode: Callable[[Item], Any],
    ) -> Page[Any]:
        if limit is not None and limit < 1:
            raise ValidationError(f"{plan.qualified}: limit must be at least 1")
        request = self._request(
            plan, given, descending, consistent, filter, include_expired, projection
        )
        state = self._start(plan, partitions, cursor)
        if len(state) == 1:
            items = self._read(request, state[0], limit, one_page=limit is None)
        else:
            items = self._merge(plan, request, state, limit or 100, descending)
        next_cursor = self._cursor(
            plan, partitions, [None if p.done else (p.start or {}) for p in state]
        )
        items = self._complete(plan, items, include_expired, projection)
        if projection is not None:
            wanted = set(projection)
            items = [{k: v for k, v in item.items() if k in wanted} for item in items]
        return Page([decode(item) for item in items], next_cursor)

    def iterate(
        self,
        plan: QueryPlan,
        partitions: list[str],
        given: Mapping[str, Any],
        *,
        descending: bool,
        consistent: bool,
        filter: Condition | None,
        include_expired: bool,
    ) -> Iterator[M]:
        """Every item, reading pages lazily as the caller consumes them."""
        return _follow(
            lambda cursor: self.page(
                plan,
                partitions,
                given,
                limit=None if len(partitions) == 1 else 100,
                cursor=cursor,
                descending=descending,
                consistent=consistent,
                filter=filter,
                include_expired=include_expired,
            )
        )

    def unique(
        self,
        plan: QueryPlan,
        partitions: list[str],
        given: Mapping[str, Any],
        *,
        consistent: bool,
        include_expired: bool,
    ) -> M | None:
        """The one item the query finds, None, or NotUniqueError for two or more."""
        page = self.page(
            plan,
            partitions,
            given,
            limit=2,
            cursor=None,
            descending=False,
            consistent=consistent,
            filter=None,
            include_expired=include_expired,
        )
        if len(page.items) > 1:
            raise NotUniqueError(
                f"{plan.qualified} is declared unique, but found more than one item",
                operation="Query",
            )
        return page.items[0] if page.items else None

    # -- building the request --------------------------------------------------

    def _request(
        self,
        plan: QueryPlan,
        given: Mapping[str, Any],
        descending: bool,
        consistent: bool,
        filter: Condition | None,
        include_expired: bool,
        projection: tuple[str, ...] | None = None,
    ) -> _Request:
        key = (
            plan_sort_key(plan.sk_parts, given, plan.entity)
            if plan.sk_attribute
            else None
        )
        conditions = [c for c in (plan.fixed_filter, filter) if c is not None]
        return _Request(
            plan=plan,
            sort=key,
            filters=tuple(conditions),
            descending=descending,
            consistent=consistent,
            include_expired=include_expired,
            table=self._executor.table_name,
            projection=projection,
        )

    def _start(
        self, plan: QueryPlan, partitions: list[str], cursor: str | None
    ) -> list[_Partition]:
        if cursor is None:
            return [_Partition(value, None) for value in partitions]
        state = decode_cursor(
            cursor,
            query=plan.qualified,
            index=plan.index or "",
            partitions=tuple(partitions),
            secret=self._secret,
        )
        started = []
        for value, position in zip(partitions, state.positions, strict=True):
            if position and position.get(plan.pk_attribute) != {"S": value}:
                raise InvalidCursorError("cursor belongs to another partition")
            started.append(_Partition(value, position or None, done=position is None))
        return started

    def _cursor(
        self,
        plan: QueryPlan,
        partitions: list[str],
        positions: list[dict[str, Any] | None],
    ) -> str | None:
        if all(p is None for p in positions):
            return None
        state = CursorState(
            plan.qualified, plan.index or "", tuple(partitions), tuple(positions)
        )
        return encode_cursor(state, self._secret)

    # -- reading ---------------------------------------------------------------

    def _read(
        self,
        request: _Request,
        partition: _Partition,
        limit: int | None,
        *,
        one_page: bool,
    ) -> list[Item]:
        items: list[Item] = []
        while not partition.done:
            remaining = None if limit is None else limit - len(items)
            if remaining is not None and remaining <= 0:
                break
            response = self._executor.call(
                "Query",
                request.params(
                    partition.value, partition.start, remaining, self._executor.now()
                ),
                entity=request.plan.entity,
            )
            items.extend(response.get("Items", []))
            partition.start = response.get("LastEvaluatedKey")
            partition.done = partition.start is None
            if one_page:
                break
        return items

    def _merge(
        self,
        plan: QueryPlan,
        request: _Request,
        partitions: list[_Partition],
        limit: int,
        descending: bool,
    ) -> list[Item]:
        """Read every shard concurrently, merge by sort key, and keep each shard's
        position exact: the key of the last item returned from it, or where it
        stood before when none of its items were returned."""
        for partition in partitions:
            partition.origin = partition.start

        def fill(partition: _Partition) -> None:
            partition.buffered = self._read(request, partition, limit, one_page=False)

        live = [p for p in partitions if not p.done]
        if live:
            with ThreadPoolExecutor(max_workers=min(self._fan_out, len(live))) as pool:
                list(pool.map(fill, live))
        sort_key = plan.sk_attribute

        def order(entry: tuple[int, Item]) -> tuple[str, str, int]:
            shard, item = entry
            value = item.get(sort_key, {}).get("S", "") if sort_key else ""
            return value, _key_id(item, plan.table_keys), shard

        streams = [[(i, item) for item in p.buffered] for i, p in enumerate(partitions)]
        taken: list[Item] = []
        consumed: dict[int, int] = {}
        for shard, item in heapq.merge(*streams, key=order, reverse=descending):
            if len(taken) == limit:
                break
            taken.append(item)
            consumed[shard] = consumed.get(shard, 0) + 1
        keys = self._key_names(plan)
        for shard, partition in enumerate(partitions):
            used = consumed.get(shard, 0)
            if used and used < len(partition.buffered):
                last = partition.buffered[used - 1]
                partition.start = {k: last[k] for k in keys if k in last}
                partition.done = False
            elif not used and partition.buffered:
                partition.start, partition.done = partition.origin, False
            partition.buffered = []
        return taken

    @staticmethod
    def _key_names(plan: QueryPlan) -> tuple[str, ...]:
        names = list(plan.table_keys)
        for attribute in (plan.pk_attribute, plan.sk_attribute):
            if attribute and attribute not in names:
                names.append(attribute)
        return tuple(names)

    def _complete(
        self,
        plan: QueryPlan,
        items: list[Item],
        include_expired: bool,
        projection: tuple[str, ...] | None = None,
    ) -> list[Item]:
        """Fetch full items when the index does not project every attribute, and
        apply the type and TTL checks DynamoDB could not (attributes not projected)."""
        if plan.fetch != "batch_get" or not items:
            return items
        fetched = self._fetch(plan, items, projection)
        return [
            item
            for item in fetched
            if (
                plan.type_projected
                or item.get(plan.type_attribute) == {"S": plan.type_value}
            )
            and (
                plan.ttl_projected
                or include_expired
                or not is_expired(item, plan.ttl_attribute, self._executor.now())
            )
        ]

    def _fetch(
        self, plan: QueryPlan, items: list[Item], projection: tuple[str, ...] | None
    ) -> list[Item]:
        """The full (or projected) items behind index entries, in their order."""
        return fetch_items(
            self._executor,
            items,
            plan.table_keys,
            plan.qualified,
            _needed(plan, projection) if projection else None,
        )


def _needed(plan: QueryPlan, projection: tuple[str, ...]) -> tuple[str, ...]:
    """A projection plus what reading needs: keys (cursors), type and TTL checks."""
    names = [*projection, *plan.table_keys, plan.pk_attribute, plan.type_attribute]
    if plan.sk_attribute:
        names.append(plan.sk_attribute)
    if plan.ttl_attribute:
        names.append(plan.ttl_attribute)
    return tuple(dict.fromkeys(names))


def _follow(next_page: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Every item of every page, fetching the next page only when needed."""
    cursor: str | None = None
    while True:
        page = next_page(cursor)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def _key_id(item: Item, names: tuple[str, ...]) -> str:
    return "\0".join(str(item.get(name)) for name in names)


@dataclass(frozen=True)
class _Request:
    plan: QueryPlan
    sort: KeyCondition | None
    filters: tuple[Condition, ...]
    descending: bool
    consistent: bool
    include_expired: bool
    table: str
    projection: tuple[str, ...] | None = None

    def params(
        self,
        partition: str,
        start: dict[str, Any] | None,
        limit: int | None,
        now: int,
    ) -> dict[str, Any]:
        plan = self.plan
        ph = Placeholders()
        key = f"{ph.name(plan.pk_attribute)} = {ph.value({'S': partition})}"
        if self.sort is not None and plan.sk_attribute is not None:
            key += " AND " + _render_sort(self.sort, ph.name(plan.sk_attribute), ph)
        filters = []
        if plan.type_projected:
            type_name = ph.name(plan.type_attribute)
            filters.append(f"{type_name} = {ph.value({'S': plan.type_value})}")
        filters += [f"({c.render(ph)})" for c in self.filters]
        if plan.ttl_attribute and plan.ttl_projected and not self.include_expired:
            filters.append(live_filter(ph, plan.ttl_attribute, now))
        params: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": key,
        }
        if filters:
            params["FilterExpression"] = " AND ".join(filters)
        if plan.index is not None:
            params["IndexName"] = plan.index
        if plan.fetch == "select_all":
            # A local index lacking attributes: read whole items (DynamoDB fetches
            # them from the table); a projection is applied to them afterwards,
            # which local servers handle like DynamoDB does.
            params["Select"] = "ALL_ATTRIBUTES"
        elif self.projection is not None and plan.fetch == "projected":
            params["ProjectionExpression"] = render_projection(
                _needed(plan, self.projection), ph
            )
        if self.descending:
            params["ScanIndexForward"] = False
        if self.consistent:
            params["ConsistentRead"] = True
        if limit is not None:
            params["Limit"] = limit
        if start is not None:
            params["ExclusiveStartKey"] = start
        ph.apply(params)
        return params


def _render_sort(condition: KeyCondition, name: str, ph: Placeholders) -> str:
    values = [ph.value({"S": v}) for v in condition.values]
    if condition.operator == "begins_with":
        return f"begins_with({name}, {values[0]})"
    if condition.operator == "BETWEEN":
        return f"{name} BETWEEN {values[0]} AND {values[1]}"
    return f"{name} {condition.operator} {values[0]}"

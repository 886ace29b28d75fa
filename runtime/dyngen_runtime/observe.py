"""What the executor reports about each call: logs, metrics, spans, capacity, hot keys.

One :class:`Observer` per client. The executor tells it when a call starts,
when an attempt is throttled, and how the call ended; everything it reports
is derived from the request and response shapes, never from credentials.

Log levels, all under the ``dyngen`` logger hierarchy:

- ERROR (``dyngen.request``): authentication failures and service failures
  that survived the retries;
- WARNING: throttling and retries (``dyngen.retry``), unprocessed batch items
  (``dyngen.batch``), hot keys (``dyngen.hotkeys``);
- INFO: completed transactions (``dyngen.transactions``);
- DEBUG (``dyngen.request``): one summary per call with its expressions and
  attribute names, but not the values;
- TRACE (5, ``dyngen.payload``): request and response bodies, items included.
  It is below DEBUG, so a DEBUG configuration never prints item data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from dyngen_runtime import errors, metrics, tracing
from dyngen_runtime.hotkeys import HotKeyConfig, HotKeyReport, HotKeyTracker
from dyngen_runtime.metrics import MetricsSink
from dyngen_runtime.retry import retry_class

TRACE = 5
"""The level of ``dyngen.payload``'s item-bearing messages, below DEBUG."""
logging.addLevelName(TRACE, "TRACE")

request_log = logging.getLogger("dyngen.request")
payload_log = logging.getLogger("dyngen.payload")

CapacityMode = Literal["TOTAL", "INDEXES"]

#: The operations that accept ReturnConsumedCapacity.
CAPACITY_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)
_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
_EXPRESSIONS = (
    "KeyConditionExpression",
    "ConditionExpression",
    "UpdateExpression",
    "FilterExpression",
    "ProjectionExpression",
)


@dataclass(frozen=True)
class CapacityReport:
    """The capacity one call consumed (``ReturnConsumedCapacity`` is on)."""

    operation: str
    table: str
    capacity_units: float
    read_units: float | None
    write_units: float | None
    indexes: dict[str, float] = field(default_factory=dict)


class CapacityTotals:
    """Capacity units accumulated per operation since the client was made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._units: dict[str, float] = {}

    def add(self, report: CapacityReport) -> None:
        """Add one call's units."""
        with self._lock:
            self._units[report.operation] = (
                self._units.get(report.operation, 0.0) + report.capacity_units
            )

    @property
    def total(self) -> float:
        """All units consumed, over every operation."""
        with self._lock:
            return sum(self._units.values())

    def by_operation(self) -> dict[str, float]:
        """Units consumed per operation name."""
        with self._lock:
            return dict(sorted(self._units.items()))

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self._units.clear()


@dataclass
class CallState:
    """What the observer keeps between the start and the end of one call."""

    operation: str
    entity: str | None
    pk: str | None
    started: float
    span: tracing.SpanHandle
    attempts: int = 1


def _key_value(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
        if isinstance(inner, str):
            return inner
    return None


class Observer:
    """Turns one client's calls into logs, metrics, spans and capacity reports."""

    def __init__(
        self,
        table: str,
        *,
        pk_attribute: str | None,
        sk_attribute: str | None,
        metrics_sink: MetricsSink | None = None,
        consumed_capacity: CapacityMode | None = None,
        on_consumed_capacity: Callable[[CapacityReport], None] | None = None,
        hot_keys: HotKeyConfig | None = None,
    ) -> None:
        self.table = table
        self.metrics: MetricsSink = (
            metrics_sink if metrics_sink is not None else metrics.InMemoryMetrics()
        )
        self.capacity_mode = consumed_capacity
        self.capacity = CapacityTotals()
        self._on_capacity = on_consumed_capacity
        self._pk = pk_attribute
        self._sk = sk_attribute
        self.hot_keys = (
            HotKeyTracker(hot_keys, table, on_hot=self._hot) if hot_keys else None
        )

    def _hot(self, report: HotKeyReport) -> None:
        self.metrics.increment(metrics.HOT_KEYS_TOTAL, {"table": self.table})

    def prepare(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters to send: ``ReturnConsumedCapacity`` added when on."""
        if self.capacity_mode is not None and operation in CAPACITY_OPERATIONS:
            return {**params, "ReturnConsumedCapacity": self.capacity_mode}
        return params

    def _keys(
        self, operation: str, params: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        """The partition and sort key values a request addresses, if one."""
        key = params.get("Key") or params.get("Item")
        if key is not None and self._pk is not None:
            sk = key.get(self._sk) if self._sk is not None else None
            return _key_value(key.get(self._pk)), _key_value(sk)
        if operation == "Query":
            # The runtime writes every key condition as "<pk> = <value>" first.
            condition = params.get("KeyConditionExpression", "")
            _, _, rest = condition.partition(" = ")
            placeholder = rest.split(" ", 1)[0]
            values = params.get("ExpressionAttributeValues", {})
            return _key_value(values.get(placeholder)), None
        return None, None

    def start(
        self, operation: str, params: dict[str, Any], entity: str | None
    ) -> CallState:
        """Note the start of a call: its span, and its key for hot-key tracking."""
        pk = sk = None
        traced = tracing.active()
        if (
            traced
            or self.hot_keys is not None
            or request_log.isEnabledFor(logging.DEBUG)
        ):
            pk, sk = self._keys(operation, params)
        if pk is not None and self.hot_keys is not None:
            self.hot_keys.record(pk)
        span = tracing.NOOP_SPAN
        if traced:
            span = tracing.start_span(
                operation,
                {
                    "table": self.table,
                    "index": params.get("IndexName"),
                    "entity": entity,
                    "pk": pk,
                    "sk": sk,
                    "consistent_read": params.get("ConsistentRead"),
                    "segment": params.get("Segment"),
                },
            )
        if payload_log.isEnabledFor(TRACE):
            payload_log.log(TRACE, "%s request %r", operation, params)
        return CallState(operation, entity, pk, time.perf_counter(), span)

    def throttled(self, operation: str) -> None:
        """Count one throttled attempt (the retry policy logs the retry)."""
        self.metrics.increment(
            metrics.THROTTLES_TOTAL, {"table": self.table, "operation": operation}
        )

    def succeeded(
        self, state: CallState, params: dict[str, Any], response: dict[str, Any]
    ) -> None:
        """Report a call that returned ``response``."""
        operation = state.operation
        elapsed = time.perf_counter() - state.started
        labels = {"operation": operation, "table": self.table}
        sink = self.metrics
        sink.increment(metrics.OPERATIONS_TOTAL, {**labels, "status": "ok"})
        sink.observe(metrics.OPERATION_DURATION, labels, elapsed)
        count = _items_returned(operation, response)
        if count is not None:
            sink.observe(metrics.ITEMS_RETURNED, labels, count)
        unprocessed = _unprocessed(operation, response)
        if unprocessed:
            sink.increment(metrics.BATCH_UNPROCESSED_ITEMS, labels, unprocessed)
        # Only when asked: some backends volunteer it (moto), DynamoDB never.
        report = (
            self._capacity(operation, response)
            if self.capacity_mode is not None
            else None
        )
        span = state.span
        if span is not tracing.NOOP_SPAN:
            span.set("attempts", state.attempts)
            if count is not None:
                span.set("item_count", count)
            if report is not None:
                span.set("consumed_capacity", report.capacity_units)
            span.end()
        if request_log.isEnabledFor(logging.DEBUG):
            request_log.debug(
                "%s",
                _summary(state, params, elapsed, "ok", count, report, self.table),
            )
        if payload_log.isEnabledFor(TRACE):
            payload_log.log(TRACE, "%s response %r", operation, response)

    def failed(
        self, state: CallState, params: dict[str, Any], error: errors.DyngenError
    ) -> None:
        """Report a call that ended in ``error`` (after its retries)."""
        operation = state.operation
        elapsed = time.perf_counter() - state.started
        labels = {"operation": operation, "table": self.table}
        last = (
            error.last_error
            if isinstance(error, errors.RetriesExhaustedError)
            else error
        )
        status = (
            "condition_failed"
            if isinstance(last, errors.ConditionFailedError)
            else "error"
        )
        sink = self.metrics
        sink.increment(metrics.OPERATIONS_TOTAL, {**labels, "status": status})
        sink.observe(metrics.OPERATION_DURATION, labels, elapsed)
        sink.increment(
            metrics.ERRORS_TOTAL,
            {"error_type": last.code or type(last).__name__, "table": self.table},
        )
        if isinstance(last, errors.ConditionFailedError):
            sink.increment(metrics.CONDITIONAL_CHECK_FAILURES, labels)
        if state.span is not tracing.NOOP_SPAN:
            state.span.set("attempts", error.attempts or state.attempts)
            state.span.record_error(error)
            state.span.end()
        if _incident(error):
            request_log.error(
                "%s failed on %s%s: %s",
                operation,
                self.table,
                f" ({state.entity})" if state.entity else "",
                error,
            )
        elif request_log.isEnabledFor(logging.DEBUG):
            # Condition failures, validation errors, missing tables: the caller
            # gets the exception and decides; they are not incidents.
            request_log.debug(
                "%s: %s",
                _summary(state, params, elapsed, status, None, None, self.table),
                error,
            )

    def _capacity(
        self, operation: str, response: dict[str, Any]
    ) -> CapacityReport | None:
        consumed = response.get("ConsumedCapacity")
        if not consumed:
            return None
        entries = consumed if isinstance(consumed, list) else [consumed]
        units = read = write = 0.0
        has_read = has_write = False
        indexes: dict[str, float] = {}
        for entry in entries:
            units += float(entry.get("CapacityUnits", 0.0))
            if "ReadCapacityUnits" in entry:
                has_read = True
                read += float(entry["ReadCapacityUnits"])
            if "WriteCapacityUnits" in entry:
                has_write = True
                write += float(entry["WriteCapacityUnits"])
            for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                for name, used in (entry.get(kind) or {}).items():
                    indexes[name] = indexes.get(name, 0.0) + float(
                        used.get("CapacityUnits", 0.0)
                    )
        report = CapacityReport(
            operation=operation,
            table=self.table,
            capacity_units=units,
            read_units=read if has_read else None,
            write_units=write if has_write else None,
            indexes=indexes,
        )
        self.capacity.add(report)
        self.metrics.increment(
            metrics.CONSUMED_CAPACITY,
            {"table": self.table, "operation": operation},
            units,
        )
        if self._on_capacity is not None:
            self._on_capacity(report)
        return report


def _incident(error: errors.DyngenError) -> bool:
    """Whether a failure is logged at ERROR: credentials refused, or the
    service failing (5xx, connections, throttling) beyond the retries."""
    if isinstance(
        error,
        errors.AuthenticationError
        | errors.RetriesExhaustedError
        | errors.CircuitOpenError,
    ):
        return True
    return isinstance(error, errors.ServiceError) and retry_class(error) is not None


def _items_returned(operation: str, response: dict[str, Any]) -> int | None:
    if operation not in _READS:
        return None
    if operation == "GetItem":
        return 1 if "Item" in response else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in response.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return sum(1 for entry in response.get("Responses", []) if entry.get("Item"))
    count = response.get("Count")
    return int(count) if count is not None else len(response.get("Items", []))


def _unprocessed(operation: str, response: dict[str, Any]) -> int:
    if operation == "BatchWriteItem":
        return sum(len(v) for v in (response.get("UnprocessedItems") or {}).values())
    if operation == "BatchGetItem":
        return sum(
            len(v.get("Keys", []))
            for v in (response.get("UnprocessedKeys") or {}).values()
        )
    return 0


def _summary(
    state: CallState,
    params: dict[str, Any],
    elapsed: float,
    status: str,
    count: int | None,
    report: CapacityReport | None,
    table: str,
) -> str:
    parts = [f"{state.operation} {table}"]
    if state.entity:
        parts.append(f"entity={state.entity}")
    if "IndexName" in params:
        parts.append(f"index={params['IndexName']}")
    if state.pk is not None:
        parts.append(f"pk={state.pk!r}")
    parts.append(f"{status} in {elapsed * 1000:.2f} ms")
    if state.attempts > 1:
        parts.append(f"attempts={state.attempts}")
    if count is not None:
        parts.append(f"items={count}")
    if report is not None:
        parts.append(f"capacity={report.capacity_units:g}")
    for name in _EXPRESSIONS:
        if name in params:
            parts.append(f"{name}={params[name]!r}")
    names = params.get("ExpressionAttributeNames")
    if names:
        parts.append(f"names={names!r}")
    return " ".join(parts)

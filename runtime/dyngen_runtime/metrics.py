"""Metrics the runtime reports about its DynamoDB calls, and where they go.

The runtime does not depend on a metrics library: it talks to a
:class:`MetricsSink`, a two-method protocol (counters and distributions) that
any backend can implement in a few lines. :class:`InMemoryMetrics` is the
default sink, so counts can be read back in tests and in a REPL without any
extra dependency; :class:`NullMetrics` discards everything;
``dyngen_runtime.metrics_prometheus`` exports to prometheus_client.

:data:`METRICS` declares every metric the runtime emits: its kind and its label
names. Adapters build their collectors from it, and both shipped sinks reject a
declared metric sent with other labels, so a wiring mistake fails in the tests
rather than producing a series nobody queries.

Labels carry only low-cardinality identifiers (table, operation, status, error
type). Never put credentials, request bodies, item payloads or key values in a
label: each distinct value is a new time series kept forever by the backend.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

MetricKind = Literal["counter", "histogram"]
LabelSet = tuple[tuple[str, str], ...]
"""Labels as ``(name, value)`` pairs sorted by name: hashable and deterministic."""

OPERATIONS_TOTAL = "dynamodb_operations_total"
OPERATION_DURATION = "dynamodb_operation_duration_seconds"
CONSUMED_CAPACITY = "dynamodb_consumed_capacity_total"
ITEMS_RETURNED = "dynamodb_items_returned"
THROTTLES_TOTAL = "dynamodb_throttles_total"
CONDITIONAL_CHECK_FAILURES = "dynamodb_conditional_check_failures"
ERRORS_TOTAL = "dynamodb_errors_total"
BATCH_UNPROCESSED_ITEMS = "dynamodb_batch_unprocessed_items"
HOT_KEYS_TOTAL = "dynamodb_hot_keys_total"


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is: its kind, its label names, and one line for HELP text."""

    kind: MetricKind
    labels: tuple[str, ...]
    description: str


METRICS: Mapping[str, MetricSpec] = {
    OPERATIONS_TOTAL: MetricSpec(
        "counter",
        ("operation", "table", "status"),
        "DynamoDB operations by outcome status",
    ),
    OPERATION_DURATION: MetricSpec(
        "histogram",
        ("operation", "table"),
        "Duration of DynamoDB operations, retries included, in seconds",
    ),
    CONSUMED_CAPACITY: MetricSpec(
        "counter",
        ("table", "operation"),
        "Capacity units consumed, as reported by DynamoDB",
    ),
    ITEMS_RETURNED: MetricSpec(
        "histogram",
        ("operation", "table"),
        "Items returned per call",
    ),
    THROTTLES_TOTAL: MetricSpec(
        "counter",
        ("table", "operation"),
        "Requests DynamoDB throttled (each throttled attempt counts)",
    ),
    CONDITIONAL_CHECK_FAILURES: MetricSpec(
        "counter",
        ("table", "operation"),
        "Writes rejected because their condition expression was false",
    ),
    ERRORS_TOTAL: MetricSpec(
        "counter",
        ("error_type", "table"),
        "Failed operations by error type",
    ),
    BATCH_UNPROCESSED_ITEMS: MetricSpec(
        "counter",
        ("table", "operation"),
        "Items a batch call returned as unprocessed",
    ),
    HOT_KEYS_TOTAL: MetricSpec(
        "counter",
        ("table",),
        "Partition keys the hot-key detector flagged",
    ),
}
"""Every metric the runtime emits, by name."""


def check_labels(name: str, kind: MetricKind, labels: Mapping[str, str]) -> None:
    """Raise ``ValueError`` if declared metric ``name`` is not of ``kind`` or
    ``labels`` are not exactly its declared label names; undeclared names pass."""
    spec = METRICS.get(name)
    if spec is None:
        return
    if spec.kind != kind:
        raise ValueError(f"{name} is a {spec.kind}, not a {kind}")
    if sorted(labels) != sorted(spec.labels):
        raise ValueError(
            f"{name} takes labels {sorted(spec.labels)}, got {sorted(labels)}"
        )


def label_set(labels: Mapping[str, str]) -> LabelSet:
    """``labels`` in the canonical, hashable form the sinks key on."""
    return tuple(sorted(labels.items()))


@runtime_checkable
class MetricsSink(Protocol):
    """Where the runtime sends its metrics; implement both methods to add a backend.

    Both are called on the request path, possibly from several threads at once,
    so they must be thread-safe and fast.
    """

    def increment(
        self, name: str, labels: Mapping[str, str], value: float = 1.0
    ) -> None:
        """Add ``value`` (never negative) to counter ``name``."""
        ...

    def observe(self, name: str, labels: Mapping[str, str], value: float) -> None:
        """Record one observation of distribution ``name`` (a histogram)."""
        ...


class NullMetrics:
    """A sink that discards everything, for applications that want no metrics."""

    def increment(
        self, name: str, labels: Mapping[str, str], value: float = 1.0
    ) -> None:
        """Do nothing."""

    def observe(self, name: str, labels: Mapping[str, str], value: float) -> None:
        """Do nothing."""


@dataclass(frozen=True)
class Sample:
    """One series of :class:`InMemoryMetrics` at the time it was read.

    For a counter ``value`` is its total and ``count`` is 0; for a histogram
    ``value`` is the sum of the observations, ``count`` how many there were,
    and ``min``/``max`` their extremes.
    """

    name: str
    labels: LabelSet
    kind: MetricKind
    value: float
    count: int = 0
    min: float | None = None
    max: float | None = None


class _Distribution:
    """Running summary of a histogram series: constant size however many values."""

    __slots__ = ("count", "max", "min", "sum")

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0.0
        self.min = float("inf")
        self.max = float("-inf")

    def add(self, value: float) -> None:
        self.count += 1
        self.sum += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)


class InMemoryMetrics:
    """The default sink: totals and running summaries kept in memory, thread-safe.

    Memory grows with the number of distinct series (name and label values),
    never with the number of calls: observations are folded into count, sum,
    min and max instead of being stored.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, LabelSet], float] = {}
        self._distributions: dict[tuple[str, LabelSet], _Distribution] = {}
        # Checked series keys by the labels as given: a call's labels are
        # checked and sorted once per distinct series, not on every call.
        self._keys: dict[
            tuple[str, str, tuple[tuple[str, str], ...]], tuple[str, LabelSet]
        ] = {}

    def _key(
        self, name: str, kind: MetricKind, labels: Mapping[str, str]
    ) -> tuple[str, LabelSet]:
        given = (name, kind, tuple(labels.items()))
        key = self._keys.get(given)
        if key is None:
            check_labels(name, kind, labels)
            key = self._keys[given] = (name, label_set(labels))
        return key

    def increment(
        self, name: str, labels: Mapping[str, str], value: float = 1.0
    ) -> None:
        """Add ``value`` to counter ``name``; a negative value is a ``ValueError``."""
        if value < 0:
            raise ValueError(f"counter {name} can only increase, got {value}")
        key = self._key(name, "counter", labels)
        with self._lock:
            self._counters[key] = self._counters.get(key, 0.0) + value

    def observe(self, name: str, labels: Mapping[str, str], value: float) -> None:
        """Fold one observation into histogram ``name``."""
        key = self._key(name, "histogram", labels)
        with self._lock:
            distribution = self._distributions.get(key)
            if distribution is None:
                distribution = self._distributions[key] = _Distribution()
            distribution.add(value)

    def value(self, name: str, /, **labels: str) -> float:
        """Total of counter ``name`` with exactly ``labels`` (0.0 if never incremented)."""
        with self._lock:
            return self._counters.get((name, label_set(labels)), 0.0)

    def count(self, name: str, /, **labels: str) -> int:
        """How many observations histogram ``name`` with exactly ``labels`` has."""
        with self._lock:
            distribution = self._distributions.get((name, label_set(labels)))
            return distribution.count if distribution is not None else 0

    def total(self, name: str, /, **labels: str) -> float:
        """Sum of the observations of histogram ``name`` with exactly ``labels``."""
        with self._lock:
            distribution = self._distributions.get((name, label_set(labels)))
            return distribution.sum if distribution is not None else 0.0

    def sum_over(self, name: str, /, **partial_labels: str) -> float:
        """Sum of counter ``name`` (or of histogram sums) over every series whose
        labels include ``partial_labels``: ``sum_over(OPERATIONS_TOTAL, table="t")``
        counts a table's operations whatever their status."""
        wanted = partial_labels.items()
        with self._lock:
            total = sum(
                value
                for (series, labels), value in self._counters.items()
                if series == name and wanted <= dict(labels).items()
            )
            total += sum(
                distribution.sum
                for (series, labels), distribution in self._distributions.items()
                if series == name and wanted <= dict(labels).items()
            )
        return total

    def samples(self) -> list[Sample]:
        """A snapshot of every series, sorted by name, then labels."""
        with self._lock:
            result = [
                Sample(name, labels, "counter", value)
                for (name, labels), value in self._counters.items()
            ]
            result.extend(
                Sample(name, labels, "histogram", d.sum, d.count, d.min, d.max)
                for (name, labels), d in self._distributions.items()
            )
        result.sort(key=lambda sample: (sample.name, sample.labels, sample.kind))
        return result

    def reset(self) -> None:
        """Forget every series."""
        with self._lock:
            self._counters.clear()
            self._distributions.clear()

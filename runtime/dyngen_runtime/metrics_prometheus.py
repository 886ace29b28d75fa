"""A :class:`~dyngen_runtime.metrics.MetricsSink` that exports to prometheus_client.

Install with ``pip install "dyngen[prometheus]"``. Collectors are created on
first use of each metric, with the label names :data:`~dyngen_runtime.metrics.METRICS`
declares, and registered in the given registry (prometheus_client's global
``REGISTRY`` by default, which the usual ``start_http_server`` or WSGI app
serves). Sinks on the same registry share their collectors, so several clients
can each build a ``PrometheusMetrics()`` without a "Duplicated timeseries" error.

Exported series names. prometheus_client always exposes a counter as
``<name>_total``: a name that already ends in ``_total`` is exported unchanged,
any other counter gains the suffix. The runtime's metrics come out as::

    dynamodb_operations_total                     counter
    dynamodb_operation_duration_seconds_bucket    histogram (+ _count, _sum)
    dynamodb_consumed_capacity_total              counter
    dynamodb_items_returned_bucket                histogram (+ _count, _sum)
    dynamodb_throttles_total                      counter
    dynamodb_conditional_check_failures_total     counter (name + "_total")
    dynamodb_errors_total                         counter
    dynamodb_batch_unprocessed_items_total        counter (name + "_total")
    dynamodb_hot_keys_total                       counter

prometheus_client also adds a ``<name>_created`` gauge per series (the
timestamp the series started); set ``PROMETHEUS_DISABLE_CREATED_SERIES=True``
in the environment to drop those.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence

from dyngen_runtime.metrics import (
    ITEMS_RETURNED,
    METRICS,
    MetricKind,
    MetricSpec,
    check_labels,
)

try:
    from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
except ImportError as error:
    raise ImportError(
        "dyngen_runtime.metrics_prometheus needs prometheus_client: "
        'pip install "dyngen[prometheus]"'
    ) from error

#: Latency buckets in seconds: single-digit milliseconds for a warm GetItem up
#: to the seconds that retries with backoff or a large Scan page can take.
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

#: Items per call: a Query page holds at most 1 MB, so counts stay in the
#: hundreds to low thousands; latency buckets would say nothing here.
ITEM_COUNT_BUCKETS: tuple[float, ...] = (0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)

_Collector = Counter | Histogram

# Collectors per registry, shared by every sink on it: prometheus_client refuses
# to register a second collector with the same name. Weak keys let a private
# registry (and its collectors) be collected with its last user.
_shared: weakref.WeakKeyDictionary[
    CollectorRegistry, dict[str, tuple[_Collector, tuple[float, ...]]]
] = weakref.WeakKeyDictionary()
_shared_lock = threading.Lock()


class PrometheusMetrics:
    """Sends the runtime's metrics to prometheus_client Counters and Histograms.

    ``buckets`` are the latency buckets of duration histograms (seconds,
    default :data:`DEFAULT_BUCKETS`); ``item_buckets`` those of
    ``dynamodb_items_returned`` (default :data:`ITEM_COUNT_BUCKETS`). A metric
    not in :data:`~dyngen_runtime.metrics.METRICS` gets its kind from the method
    called and its label names from its first call.
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        buckets: Sequence[float] | None = None,
        *,
        item_buckets: Sequence[float] | None = None,
    ) -> None:
        self.registry = registry if registry is not None else REGISTRY
        self.buckets = tuple(buckets) if buckets is not None else DEFAULT_BUCKETS
        self.item_buckets = (
            tuple(item_buckets) if item_buckets is not None else ITEM_COUNT_BUCKETS
        )
        with _shared_lock:
            self._shared = _shared.setdefault(self.registry, {})
        # Collectors this sink has checked (kind and buckets): the lock-free fast path.
        self._checked: dict[str, _Collector] = {}

    def increment(
        self, name: str, labels: Mapping[str, str], value: float = 1.0
    ) -> None:
        """Add ``value`` to counter ``name``."""
        check_labels(name, "counter", labels)
        collector = self._checked.get(name)
        if collector is None:
            collector = self._collector(name, "counter", labels)
        if not isinstance(collector, Counter):
            raise ValueError(f"{name} is a histogram, not a counter")
        collector.labels(**labels).inc(value)

    def observe(self, name: str, labels: Mapping[str, str], value: float) -> None:
        """Record one observation of histogram ``name``."""
        check_labels(name, "histogram", labels)
        collector = self._checked.get(name)
        if collector is None:
            collector = self._collector(name, "histogram", labels)
        if not isinstance(collector, Histogram):
            raise ValueError(f"{name} is a counter, not a histogram")
        collector.labels(**labels).observe(value)

    def _collector(
        self, name: str, kind: MetricKind, labels: Mapping[str, str]
    ) -> _Collector:
        with _shared_lock:
            entry = self._shared.get(name)
            if entry is None:
                entry = self._shared[name] = self._create(name, kind, labels)
        collector, buckets = entry
        if isinstance(collector, Histogram) and buckets != self._buckets_for(name):
            raise ValueError(
                f"{name} is already registered with buckets {buckets}; every "
                "PrometheusMetrics on one registry must use the same buckets"
            )
        self._checked[name] = collector
        return collector

    def _buckets_for(self, name: str) -> tuple[float, ...]:
        return self.item_buckets if name == ITEMS_RETURNED else self.buckets

    def _create(
        self, name: str, kind: MetricKind, labels: Mapping[str, str]
    ) -> tuple[_Collector, tuple[float, ...]]:
        spec = METRICS.get(name) or MetricSpec(kind, tuple(sorted(labels)), name)
        if spec.kind == "counter":
            # prometheus_client appends "_total" itself; strip it so it is not doubled.
            base = name.removesuffix("_total")
            counter = Counter(
                base, spec.description, spec.labels, registry=self.registry
            )
            return counter, ()
        buckets = self._buckets_for(name)
        histogram = Histogram(
            name,
            spec.description,
            spec.labels,
            registry=self.registry,
            buckets=buckets,
        )
        return histogram, buckets

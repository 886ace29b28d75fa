"""The metrics sinks (in-memory, null, Prometheus) and the tracing spans.

No DynamoDB backend: these exercise the modules' own API. Prometheus tests use
private registries; tracing tests install an SDK provider through
``tracing.set_tracer_provider`` because OpenTelemetry's global provider can be
set only once per process. Tests that simulate a missing dependency import a
fresh copy of the module and let monkeypatch put the original back.
"""

from __future__ import annotations

import importlib
import sys
import threading
import tracemalloc
from dataclasses import FrozenInstanceError
from decimal import Decimal

import dyngen_runtime
import pytest
from dyngen_runtime import metrics, metrics_prometheus, tracing
from dyngen_runtime.metrics import (
    BATCH_UNPROCESSED_ITEMS,
    CONDITIONAL_CHECK_FAILURES,
    CONSUMED_CAPACITY,
    ERRORS_TOTAL,
    HOT_KEYS_TOTAL,
    ITEMS_RETURNED,
    METRICS,
    OPERATION_DURATION,
    OPERATIONS_TOTAL,
    THROTTLES_TOTAL,
    InMemoryMetrics,
    MetricsSink,
    NullMetrics,
    Sample,
)
from dyngen_runtime.metrics_prometheus import (
    DEFAULT_BUCKETS,
    ITEM_COUNT_BUCKETS,
    PrometheusMetrics,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY, CollectorRegistry

OP = {"operation": "PutItem", "table": "shop", "status": "ok"}


# --- metric names ------------------------------------------------------------


def test_metric_names_are_exact_and_all_declared() -> None:
    assert OPERATIONS_TOTAL == "dynamodb_operations_total"
    assert OPERATION_DURATION == "dynamodb_operation_duration_seconds"
    assert CONSUMED_CAPACITY == "dynamodb_consumed_capacity_total"
    assert ITEMS_RETURNED == "dynamodb_items_returned"
    assert THROTTLES_TOTAL == "dynamodb_throttles_total"
    assert CONDITIONAL_CHECK_FAILURES == "dynamodb_conditional_check_failures"
    assert ERRORS_TOTAL == "dynamodb_errors_total"
    assert BATCH_UNPROCESSED_ITEMS == "dynamodb_batch_unprocessed_items"
    assert HOT_KEYS_TOTAL == "dynamodb_hot_keys_total"
    assert {name: (spec.kind, spec.labels) for name, spec in METRICS.items()} == {
        OPERATIONS_TOTAL: ("counter", ("operation", "table", "status")),
        OPERATION_DURATION: ("histogram", ("operation", "table")),
        CONSUMED_CAPACITY: ("counter", ("table", "operation")),
        ITEMS_RETURNED: ("histogram", ("operation", "table")),
        THROTTLES_TOTAL: ("counter", ("table", "operation")),
        CONDITIONAL_CHECK_FAILURES: ("counter", ("table", "operation")),
        ERRORS_TOTAL: ("counter", ("error_type", "table")),
        BATCH_UNPROCESSED_ITEMS: ("counter", ("table", "operation")),
        HOT_KEYS_TOTAL: ("counter", ("table",)),
    }


# --- in-memory sink ----------------------------------------------------------


def test_counter_totals_per_exact_label_set() -> None:
    sink = InMemoryMetrics()
    sink.increment(OPERATIONS_TOTAL, OP)
    sink.increment(OPERATIONS_TOTAL, {**OP, "status": "error"}, 2)
    # Label order does not make a new series.
    sink.increment(OPERATIONS_TOTAL, dict(reversed(OP.items())), 0.5)

    assert sink.value(OPERATIONS_TOTAL, **OP) == 1.5
    assert sink.value(OPERATIONS_TOTAL, **{**OP, "status": "error"}) == 2.0
    assert sink.value(OPERATIONS_TOTAL, operation="PutItem", table="shop") == 0.0
    assert sink.value(THROTTLES_TOTAL, table="shop", operation="Query") == 0.0


def test_sum_over_matches_a_subset_of_labels() -> None:
    sink = InMemoryMetrics()
    sink.increment(OPERATIONS_TOTAL, OP)
    sink.increment(OPERATIONS_TOTAL, {**OP, "status": "throttled"})
    sink.increment(OPERATIONS_TOTAL, {**OP, "operation": "Query"}, 3)
    sink.increment(OPERATIONS_TOTAL, {**OP, "table": "other"}, 10)

    assert sink.sum_over(OPERATIONS_TOTAL, table="shop") == 5.0
    assert sink.sum_over(OPERATIONS_TOTAL, table="shop", operation="PutItem") == 2.0
    assert sink.sum_over(OPERATIONS_TOTAL) == 15.0
    assert sink.sum_over(OPERATIONS_TOTAL, table="missing") == 0.0
    assert sink.sum_over(THROTTLES_TOTAL) == 0.0


def test_histogram_count_total_and_extremes() -> None:
    sink = InMemoryMetrics()
    labels = {"operation": "Query", "table": "shop"}
    for seconds in (0.004, 0.010, 0.002):
        sink.observe(OPERATION_DURATION, labels, seconds)

    assert sink.count(OPERATION_DURATION, **labels) == 3
    assert sink.total(OPERATION_DURATION, **labels) == pytest.approx(0.016)
    assert sink.count(OPERATION_DURATION, operation="GetItem", table="shop") == 0
    assert sink.total(OPERATION_DURATION, operation="GetItem", table="shop") == 0.0
    [sample] = sink.samples()
    assert (sample.count, sample.min, sample.max) == (3, 0.002, 0.010)
    assert sample.value == pytest.approx(0.016)


def test_samples_are_sorted_frozen_snapshots() -> None:
    sink = InMemoryMetrics()
    sink.increment(THROTTLES_TOTAL, {"table": "b", "operation": "Query"})
    sink.observe(ITEMS_RETURNED, {"operation": "Query", "table": "a"}, 7)
    sink.increment(ERRORS_TOTAL, {"error_type": "ValidationError", "table": "a"})
    sink.increment(THROTTLES_TOTAL, {"table": "a", "operation": "Query"}, 2)

    assert sink.samples() == [
        Sample(
            ERRORS_TOTAL,
            (("error_type", "ValidationError"), ("table", "a")),
            "counter",
            1.0,
        ),
        Sample(
            ITEMS_RETURNED,
            (("operation", "Query"), ("table", "a")),
            "histogram",
            7.0,
            count=1,
            min=7,
            max=7,
        ),
        Sample(THROTTLES_TOTAL, (("operation", "Query"), ("table", "a")), "counter", 2),
        Sample(THROTTLES_TOTAL, (("operation", "Query"), ("table", "b")), "counter", 1),
    ]
    snapshot = sink.samples()
    sink.increment(THROTTLES_TOTAL, {"table": "a", "operation": "Query"})
    assert snapshot[2].value == 2.0
    with pytest.raises(FrozenInstanceError):
        snapshot[0].value = 5.0  # type: ignore[misc]


def test_reset_forgets_everything() -> None:
    sink = InMemoryMetrics()
    sink.increment(HOT_KEYS_TOTAL, {"table": "shop"})
    sink.observe(ITEMS_RETURNED, {"operation": "Scan", "table": "shop"}, 100)
    sink.reset()
    assert sink.samples() == []
    assert sink.value(HOT_KEYS_TOTAL, table="shop") == 0.0


def test_declared_metrics_reject_wrong_labels_and_kinds() -> None:
    sink = InMemoryMetrics()
    with pytest.raises(ValueError, match="takes labels"):
        sink.increment(OPERATIONS_TOTAL, {"operation": "PutItem", "table": "shop"})
    with pytest.raises(ValueError, match="takes labels"):
        sink.increment(HOT_KEYS_TOTAL, {"table": "shop", "pk": "USER#1"})
    with pytest.raises(ValueError, match="is a histogram"):
        sink.increment(ITEMS_RETURNED, {"operation": "Query", "table": "shop"})
    with pytest.raises(ValueError, match="is a counter"):
        sink.observe(OPERATIONS_TOTAL, OP, 1)
    with pytest.raises(ValueError, match="only increase"):
        sink.increment(OPERATIONS_TOTAL, OP, -1)
    assert sink.samples() == []

    # Names the runtime does not declare are free-form.
    sink.increment("app_cache_hits", {"cache": "users"})
    assert sink.value("app_cache_hits", cache="users") == 1.0


def test_concurrent_updates_lose_nothing() -> None:
    sink = InMemoryMetrics()
    threads, per_thread = 8, 5_000
    labels = {"operation": "GetItem", "table": "shop"}
    barrier = threading.Barrier(threads)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            sink.increment(OPERATIONS_TOTAL, OP)
            sink.increment(CONSUMED_CAPACITY, labels, 0.5)
            sink.observe(OPERATION_DURATION, labels, 0.25)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    calls = threads * per_thread
    assert sink.value(OPERATIONS_TOTAL, **OP) == calls
    assert sink.value(CONSUMED_CAPACITY, **labels) == calls * 0.5
    assert sink.count(OPERATION_DURATION, **labels) == calls
    assert sink.total(OPERATION_DURATION, **labels) == calls * 0.25


def test_observations_use_constant_memory() -> None:
    sink = InMemoryMetrics()
    labels = {"operation": "Query", "table": "shop"}
    sink.observe(OPERATION_DURATION, labels, 0.0)  # the series' one-off cost
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for i in range(50_000):
            sink.observe(OPERATION_DURATION, labels, i / 1000)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Keeping the values would cost well over a megabyte (a float is 24 bytes).
    assert after - before < 10_000
    assert sink.count(OPERATION_DURATION, **labels) == 50_001


def test_null_sink_and_protocol() -> None:
    sink = NullMetrics()
    sink.increment(OPERATIONS_TOTAL, OP)
    sink.observe(OPERATION_DURATION, {"operation": "Query", "table": "t"}, 1.0)
    assert isinstance(sink, MetricsSink)
    assert isinstance(InMemoryMetrics(), MetricsSink)
    assert isinstance(PrometheusMetrics(CollectorRegistry()), MetricsSink)


# --- Prometheus adapter ------------------------------------------------------

TABLE_OP = {"table": "shop", "operation": "BatchWriteItem"}

# (metric, labels, counter increment or histogram observation, exported sample)
PROMETHEUS_CASES = [
    (OPERATIONS_TOTAL, OP, 3.0, "dynamodb_operations_total"),
    (
        OPERATION_DURATION,
        {"operation": "Query", "table": "shop"},
        0.02,
        "dynamodb_operation_duration_seconds_sum",
    ),
    (CONSUMED_CAPACITY, TABLE_OP, 12.5, "dynamodb_consumed_capacity_total"),
    (
        ITEMS_RETURNED,
        {"operation": "Query", "table": "shop"},
        42.0,
        "dynamodb_items_returned_sum",
    ),
    (THROTTLES_TOTAL, TABLE_OP, 2.0, "dynamodb_throttles_total"),
    (
        CONDITIONAL_CHECK_FAILURES,
        TABLE_OP,
        1.0,
        "dynamodb_conditional_check_failures_total",
    ),
    (
        ERRORS_TOTAL,
        {"error_type": "ThroughputError", "table": "shop"},
        4.0,
        "dynamodb_errors_total",
    ),
    (BATCH_UNPROCESSED_ITEMS, TABLE_OP, 7.0, "dynamodb_batch_unprocessed_items_total"),
    (HOT_KEYS_TOTAL, {"table": "shop"}, 1.0, "dynamodb_hot_keys_total"),
]


def test_prometheus_cases_cover_every_metric() -> None:
    assert sorted(case[0] for case in PROMETHEUS_CASES) == sorted(METRICS)


@pytest.mark.parametrize(
    ("name", "labels", "value", "exported"),
    PROMETHEUS_CASES,
    ids=[case[0] for case in PROMETHEUS_CASES],
)
def test_prometheus_exported_names_and_values(
    name: str, labels: dict[str, str], value: float, exported: str
) -> None:
    registry = CollectorRegistry()
    sink = PrometheusMetrics(registry)
    if METRICS[name].kind == "counter":
        sink.increment(name, labels, value)
        sink.increment(name, labels)
        assert registry.get_sample_value(exported, labels) == value + 1
    else:
        sink.observe(name, labels, value)
        sink.observe(name, labels, value)
        base = exported.removesuffix("_sum")
        assert registry.get_sample_value(exported, labels) == 2 * value
        assert registry.get_sample_value(f"{base}_count", labels) == 2
    # Nothing is exported under a doubled suffix.
    assert registry.get_sample_value(f"{exported}_total", labels) is None


def test_prometheus_default_duration_buckets() -> None:
    registry = CollectorRegistry()
    sink = PrometheusMetrics(registry)
    labels = {"operation": "GetItem", "table": "shop"}
    for seconds in (0.0008, 0.003, 0.003, 0.2, 30.0):
        sink.observe(OPERATION_DURATION, labels, seconds)

    def bucket(le: str) -> float | None:
        return registry.get_sample_value(
            "dynamodb_operation_duration_seconds_bucket", {**labels, "le": le}
        )

    assert DEFAULT_BUCKETS[0] == 0.001
    assert DEFAULT_BUCKETS[-1] == 10.0
    assert bucket("0.001") == 1
    assert bucket("0.005") == 3
    assert bucket("0.25") == 4
    assert bucket("10.0") == 4
    assert bucket("+Inf") == 5


def test_prometheus_custom_buckets_and_item_buckets() -> None:
    registry = CollectorRegistry()
    sink = PrometheusMetrics(registry, buckets=[0.1, 1.0])
    labels = {"operation": "Scan", "table": "shop"}
    sink.observe(OPERATION_DURATION, labels, 0.5)
    sink.observe(ITEMS_RETURNED, labels, 30)

    duration = "dynamodb_operation_duration_seconds_bucket"
    assert registry.get_sample_value(duration, {**labels, "le": "0.1"}) == 0
    assert registry.get_sample_value(duration, {**labels, "le": "1.0"}) == 1
    assert registry.get_sample_value(duration, {**labels, "le": "0.005"}) is None
    # Item counts get count buckets, not latency buckets.
    items = "dynamodb_items_returned_bucket"
    assert ITEM_COUNT_BUCKETS[-1] == 1000
    assert registry.get_sample_value(items, {**labels, "le": "25.0"}) == 0
    assert registry.get_sample_value(items, {**labels, "le": "50.0"}) == 1


def test_prometheus_sinks_share_a_registry() -> None:
    registry = CollectorRegistry()
    first, second = PrometheusMetrics(registry), PrometheusMetrics(registry)
    first.increment(OPERATIONS_TOTAL, OP)
    second.increment(OPERATIONS_TOTAL, OP)
    assert registry.get_sample_value("dynamodb_operations_total", OP) == 2

    labels = {"operation": "Query", "table": "shop"}
    first.observe(OPERATION_DURATION, labels, 0.1)
    with pytest.raises(ValueError, match="same buckets"):
        PrometheusMetrics(registry, buckets=[1.0]).observe(
            OPERATION_DURATION, labels, 0.1
        )


def test_prometheus_defaults_to_the_global_registry() -> None:
    # Constructing registers nothing, so the global registry is left untouched.
    assert PrometheusMetrics().registry is REGISTRY


def test_prometheus_rejects_wrong_labels_and_kinds() -> None:
    sink = PrometheusMetrics(CollectorRegistry())
    with pytest.raises(ValueError, match="takes labels"):
        sink.increment(ERRORS_TOTAL, {"table": "shop"})
    with pytest.raises(ValueError, match="is a counter"):
        sink.observe(THROTTLES_TOTAL, TABLE_OP, 1)
    sink.increment("app_cache_hits", {"cache": "users"})
    with pytest.raises(ValueError, match="is a counter"):
        sink.observe("app_cache_hits", {"cache": "users"}, 1)


def test_prometheus_missing_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes an import fail; monkeypatch restores both entries.
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    monkeypatch.delitem(sys.modules, "dyngen_runtime.metrics_prometheus")
    with pytest.raises(ImportError, match=r'pip install "dyngen\[prometheus\]"'):
        importlib.import_module("dyngen_runtime.metrics_prometheus")


# --- tracing -----------------------------------------------------------------


def test_span_name_kind_and_attributes(spans: InMemorySpanExporter) -> None:
    handle = tracing.start_span(
        "PutItem",
        {
            "table": "shop",
            "index": None,
            "entity": "Order",
            "pk": "CUSTOMER#7",
            "sk": "ORDER#2024-01-01",
            "consistent_read": True,
            "segment": None,
        },
    )
    handle.set("item_count", 1)
    handle.set("segment", None)
    handle.end()
    handle.end()

    [span] = spans.get_finished_spans()
    assert span.name == "dynamodb.PutItem"
    assert span.kind is SpanKind.CLIENT
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "dyngen"
    assert dict(span.attributes or {}) == {
        "db.system": "dynamodb",
        "db.operation": "PutItem",
        "dynamodb.table": "shop",
        "dynamodb.entity": "Order",
        "dynamodb.pk": "CUSTOMER#7",
        "dynamodb.sk": "ORDER#2024-01-01",
        "dynamodb.consistent_read": True,
        "dynamodb.item_count": 1,
    }
    assert span.status.status_code is StatusCode.UNSET


def test_key_values_become_attribute_scalars(spans: InMemorySpanExporter) -> None:
    with tracing.start_span(
        "Query", {"pk": Decimal("12.50"), "sk": b"\x00\xff", "segment": 3}
    ):
        pass
    [span] = spans.get_finished_spans()
    attributes = span.attributes or {}
    assert attributes["dynamodb.pk"] == "12.50"
    assert attributes["dynamodb.sk"] == "AP8="
    assert attributes["dynamodb.segment"] == 3


def test_only_allowlisted_scalar_attributes(spans: InMemorySpanExporter) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        tracing.start_span("PutItem", {"item": "payload"})
    with pytest.raises(TypeError, match="scalars"):
        tracing.start_span("PutItem", {"pk": {"PK": {"S": "x"}}})
    with (
        tracing.start_span("PutItem") as handle,
        pytest.raises(ValueError, match="not allowed"),
    ):
        handle.set("Item", None)
    assert len(spans.get_finished_spans()) == 1


def test_record_error_keeps_type_and_message_only(
    spans: InMemorySpanExporter,
) -> None:
    handle = tracing.start_span("UpdateItem", {"table": "shop"})
    handle.record_error(dyngen_runtime.ConditionFailedError("the condition failed"))
    handle.end()

    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "the condition failed"
    error_type = "dyngen_runtime.errors.ConditionFailedError"
    assert (span.attributes or {})["error.type"] == error_type
    [event] = span.events
    assert event.name == "exception"
    assert dict(event.attributes or {}) == {
        "exception.type": error_type,
        "exception.message": "the condition failed",
    }


def test_context_manager_records_and_propagates(
    spans: InMemorySpanExporter,
) -> None:
    with (
        pytest.raises(KeyError),
        tracing.start_span("GetItem", {"table": "shop"}),
    ):
        raise KeyError("boom")
    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "KeyError"


def test_spans_nest_under_the_current_span(spans: InMemorySpanExporter) -> None:
    tracer = TracerProvider().get_tracer("app")
    with tracer.start_as_current_span("request") as parent:
        tracing.start_span("GetItem").end()
    [span] = spans.get_finished_spans()
    assert span.parent is not None
    assert span.parent.span_id == parent.get_span_context().span_id


def test_set_tracing_off_returns_the_noop_handle(
    spans: InMemorySpanExporter,
) -> None:
    tracing.set_tracing(False)
    assert not tracing.tracing_enabled()
    handle = tracing.start_span("PutItem", {"table": "shop"})
    assert handle is tracing.NOOP_SPAN
    with handle:
        handle.set("item_count", 1)
        handle.record_error(RuntimeError("x"))
    tracing.set_tracing(True)
    assert tracing.tracing_enabled()
    assert spans.get_finished_spans() == ()


def test_without_a_provider_spans_are_skipped() -> None:
    # No provider installed anywhere: OpenTelemetry's proxy would only give
    # non-recording spans, so the runtime builds none (no per-call cost), and
    # the no-op handle still takes every call.
    tracing.set_tracer_provider(None)
    assert not tracing.active()
    handle = tracing.start_span("Scan", {"table": "shop", "segment": 0})
    assert handle is tracing.NOOP_SPAN
    handle.set("item_count", 10)
    handle.record_error(RuntimeError("x"))
    handle.end()


def test_without_opentelemetry_start_span_is_a_noop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)
    monkeypatch.delitem(sys.modules, "dyngen_runtime.tracing")
    # The import below rebinds dyngen_runtime.tracing; monkeypatch puts it back.
    monkeypatch.setattr(dyngen_runtime, "tracing", tracing)
    fresh = importlib.import_module("dyngen_runtime.tracing")

    assert fresh is not tracing
    assert not fresh.tracing_enabled()
    handle = fresh.start_span("PutItem", {"table": "shop", "anything": object()})
    assert handle is fresh.NOOP_SPAN
    assert fresh.start_span("GetItem") is handle
    fresh.set_tracing(True)
    assert not fresh.tracing_enabled()
    with handle:
        handle.set("pk", "x")


def test_original_modules_are_back() -> None:
    # Runs after the simulated-absence tests: the real modules are in place.
    assert sys.modules["dyngen_runtime.tracing"] is tracing
    assert dyngen_runtime.tracing is tracing
    assert sys.modules["dyngen_runtime.metrics"] is metrics
    assert sys.modules["dyngen_runtime.metrics_prometheus"] is metrics_prometheus
    assert tracing.tracing_enabled()

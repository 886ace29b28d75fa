"""What a client reports about its calls: logs, metrics, spans, capacity, hot keys.

Everything here goes through a generated ``Shop`` client on a real backend
(in-process moto and dynalite over HTTP; moto's HTTP server for transactions,
which dynalite lacks), with the fault proxy in front of dynalite where a
failure has to be produced on the wire. Logs are captured on the ``dyngen``
logger hierarchy with a handler of this module; spans with an SDK tracer
provider installed through ``tracing.set_tracer_provider``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from dyngen_runtime import (
    AuthenticationError,
    ConditionFailedError,
    RetriesExhaustedError,
    RetryConfig,
    tracing,
)
from dyngen_runtime.executor import Send
from dyngen_runtime.hotkeys import HotKeyConfig
from dyngen_runtime.metrics import (
    BATCH_UNPROCESSED_ITEMS,
    CONDITIONAL_CHECK_FAILURES,
    CONSUMED_CAPACITY,
    ERRORS_TOTAL,
    HOT_KEYS_TOTAL,
    ITEMS_RETURNED,
    OPERATION_DURATION,
    OPERATIONS_TOTAL,
    THROTTLES_TOTAL,
    InMemoryMetrics,
)
from dyngen_runtime.metrics_prometheus import PrometheusMetrics
from dyngen_runtime.observe import CAPACITY_OPERATIONS, TRACE, CapacityReport
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode
from prometheus_client import CollectorRegistry

from generated.shop import Customer, Shop
from tests.backends import Dynalite, MotoServer
from tests.conftest import Backend
from tests.fault_proxy import FaultProxy, Faults
from tests.shop_data import order

MARKER = "payload-marker-123"
"""An item value that must only ever be logged at TRACE."""
_TYPE = "com.amazonaws.dynamodb.v20120810#"


def no_sleep(_: float) -> None:
    return None


FAST = RetryConfig(sleep=no_sleep)
"""The default policies, without the waiting."""


# --- helpers -----------------------------------------------------------------


class Records(logging.Handler):
    """Every record that reaches the ``dyngen`` logger, at any level."""

    def __init__(self) -> None:
        super().__init__(level=1)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def of(self, logger: str, level: int | None = None) -> list[str]:
        """The messages of ``logger`` (and its children), at ``level`` if given."""
        return [
            r.getMessage()
            for r in self.records
            if (r.name == logger or r.name.startswith(logger + "."))
            and (level is None or r.levelno == level)
        ]

    def at(self, level: int) -> list[logging.LogRecord]:
        """The records of exactly ``level``, whatever the logger."""
        return [r for r in self.records if r.levelno == level]

    def text(self) -> str:
        """Every message, one per line."""
        return "\n".join(r.getMessage() for r in self.records)


@pytest.fixture
def logs() -> Iterator[Records]:
    """Records of the ``dyngen`` hierarchy at DEBUG; set ``dyngen``'s level
    lower for TRACE."""
    logger = logging.getLogger("dyngen")
    handler = Records()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def metrics_of(db: Shop) -> InMemoryMetrics:
    sink = db.metrics
    assert isinstance(sink, InMemoryMetrics)
    return sink


def watch(db: Shop) -> list[tuple[str, dict[str, Any]]]:
    """Every attempt the client sends from now on: (operation, parameters)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def wrap(send: Send) -> Send:
        def watched(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            seen.append((operation, params))
            return send(operation, params)

        return watched

    db._executor.intercept(wrap)
    return seen


@pytest.fixture
def make(backend: Backend) -> Callable[..., Shop]:
    """Shop clients on fresh tables of ``backend``, with any observability
    settings; dropped with the backend's clients."""

    def build(**settings: Any) -> Shop:
        if backend.endpoint_url is None:
            db = Shop.in_memory(**settings)
        else:
            db = Shop.connect(
                table_name=f"obs-{uuid.uuid4().hex[:12]}",
                endpoint_url=backend.endpoint_url,
                region_name="us-east-1",
                **settings,
            )
            db.create_table()
        backend._clients.append(db)
        return db

    return build


def customer(n: int, name: str = "C") -> Customer:
    return Customer(customer_id=f"c{n}", email=f"{n}@x", name=name)


def error_body(code: str, message: str) -> dict[str, Any]:
    """DynamoDB's JSON error body."""
    return {"__type": _TYPE + code, "message": message}


@pytest.fixture
def proxy(dynalite: Dynalite) -> Iterator[FaultProxy]:
    made = FaultProxy(dynalite.port).start()
    yield made
    made.stop()


@pytest.fixture
def table(dynalite: Dynalite) -> Iterator[str]:
    """A fresh table, created and dropped straight on dynalite (no faults)."""
    name = f"obs-{uuid.uuid4().hex[:10]}"
    direct = Shop.connect(
        table_name=name, endpoint_url=dynalite.endpoint_url, region_name="us-east-1"
    )
    direct.create_table()
    yield name
    direct._executor.call("DeleteTable", {"TableName": name})
    direct.close()


@pytest.fixture
def proxied(proxy: FaultProxy, table: str) -> Iterator[Callable[..., Shop]]:
    """Clients on ``table`` through the fault proxy (no sleeping between retries)."""
    made: list[Shop] = []

    def build(**settings: Any) -> Shop:
        settings.setdefault("retry", FAST)
        db = Shop.connect(
            table_name=table,
            endpoint_url=proxy.endpoint_url,
            region_name="us-east-1",
            **settings,
        )
        made.append(db)
        return db

    yield build
    for db in made:
        db.close()


# --- logging -----------------------------------------------------------------


def test_debug_summaries_show_expressions_but_no_values(
    shop: Shop, logs: Records
) -> None:
    shop.customers.create(customer(1, MARKER))
    assert shop.customers.get(customer_id="c1") is not None
    shop.customers.update(customer_id="c1").set(name=MARKER + "-2").execute()
    shop.orders.create(order(1))
    assert len(shop.orders.for_customer("c1").items) == 1
    with pytest.raises(ConditionFailedError):
        shop.customers.create(customer(1, MARKER))

    debug = logs.of("dyngen.request", logging.DEBUG)
    table = shop.table_name
    put, get, update, put_order, query, failed = debug
    assert put.startswith(f"PutItem {table} entity=Customer ")
    assert " ok in " in put
    assert "ConditionExpression='attribute_not_exists(#pk) OR #ttl < :now'" in put
    assert "names={'#pk': 'PK', '#ttl': 'expires_at'}" in put
    assert get.startswith(f"GetItem {table} entity=Customer ")
    assert get.endswith(" items=1")
    assert update.startswith(f"UpdateItem {table} entity=Customer ")
    assert "UpdateExpression='SET " in update
    assert put_order.startswith(f"PutItem {table} entity=Order ")
    assert query.startswith(f"Query {table} entity=Order ")
    assert (
        "KeyConditionExpression='#n0 = :v0 AND begins_with(#n1, :v1)'"
        " FilterExpression='#n2 = :v2'"
        " names={'#n0': 'PK', '#n1': 'SK', '#n2': '_type'}"
    ) in query
    assert " items=1" in query
    assert failed.startswith(f"PutItem {table} entity=Customer ")
    assert " condition_failed in " in failed
    # No attribute value, no item payload below TRACE; nothing at ERROR for a
    # failed condition (the caller gets the exception).
    assert MARKER not in logs.text()
    assert logs.of("dyngen.payload") == []
    assert logs.at(logging.ERROR) == []


def test_debug_summaries_name_the_partition_key(shop: Shop, logs: Records) -> None:
    # docs/runtime.md: "one summary per call: operation, table, entity, index,
    # partition key, ..." -- with tracing off and no hot-key tracking too.
    assert not tracing.active()
    assert shop.hot_keys is None
    shop.customers.create(customer(1))
    shop.customers.get(customer_id="c1")
    assert shop.orders.for_customer("c1").items == []
    put, get, query = logs.of("dyngen.request", logging.DEBUG)
    table = shop.table_name
    assert put.startswith(f"PutItem {table} entity=Customer pk='CUSTOMER#c1' ok ")
    assert get.startswith(f"GetItem {table} entity=Customer pk='CUSTOMER#c1' ok ")
    assert query.startswith(f"Query {table} entity=Order pk='CUSTOMER#c1' ok ")


def test_payloads_are_logged_only_at_trace(shop: Shop, logs: Records) -> None:
    shop.customers.create(customer(1, MARKER))
    shop.customers.get(customer_id="c1")
    assert MARKER not in logs.text()

    logging.getLogger("dyngen").setLevel(TRACE)
    shop.customers.get(customer_id="c1")
    payload = [r for r in logs.records if r.name == "dyngen.payload"]
    assert [(r.levelno, r.levelname) for r in payload] == [(5, "TRACE")] * 2
    request, response = (r.getMessage() for r in payload)
    assert request.startswith("GetItem request {")
    assert "'CUSTOMER#c1'" in request
    assert response.startswith("GetItem response {")
    assert MARKER in response
    # Still nothing in the DEBUG summaries.
    assert not any(MARKER in m for m in logs.of("dyngen.request"))


def test_a_refused_signature_is_an_error_log(
    proxy: FaultProxy, proxied: Callable[..., Shop], logs: Records
) -> None:
    db = proxied()
    proxy.scripted.append(
        (
            "GetItem",
            400,
            error_body(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
        )
    )
    with pytest.raises(AuthenticationError) as raised:
        db.customers.get(customer_id="c1")
    assert raised.value.code == "UnrecognizedClientException"
    [error] = logs.of("dyngen.request", logging.ERROR)
    assert error.startswith(f"GetItem failed on {db.table_name} (Customer): ")
    assert "UnrecognizedClientException" in error
    assert logs.of("dyngen.retry") == []  # never retried
    assert proxy.injected["scripted"] == 1
    metrics = metrics_of(db)
    labels = {"operation": "GetItem", "table": db.table_name}
    assert metrics.value(OPERATIONS_TOTAL, **labels, status="error") == 1
    assert (
        metrics.value(
            ERRORS_TOTAL,
            error_type="UnrecognizedClientException",
            table=db.table_name,
        )
        == 1
    )


def test_500s_past_the_retries_are_an_error_and_each_retry_a_warning(
    proxy: FaultProxy, proxied: Callable[..., Shop], logs: Records
) -> None:
    db = proxied()
    failure = error_body("InternalServerError", "Internal server error")
    proxy.scripted += [("GetItem", 500, failure)] * 3
    with pytest.raises(RetriesExhaustedError) as raised:
        db.customers.get(customer_id="c1")
    assert raised.value.attempts == 3
    assert proxy.injected["scripted"] == 3
    retries = logs.of("dyngen.retry", logging.WARNING)
    assert len(retries) == 2
    for n, message in enumerate(retries, 1):
        assert re.fullmatch(
            rf"retrying GetItem on {re.escape(db.table_name)} after "
            rf"InternalServerError \(attempt {n}, sleeping \d+\.\d{{3}} s\)",
            message,
        ), message
    [error] = logs.of("dyngen.request", logging.ERROR)
    assert error.startswith(f"GetItem failed on {db.table_name} (Customer): ")
    assert "after 3 attempts" in error
    assert (
        metrics_of(db).value(
            ERRORS_TOTAL, error_type="InternalServerError", table=db.table_name
        )
        == 1
    )


def test_throttling_is_a_warning_per_retry_and_no_error(
    proxy: FaultProxy, proxied: Callable[..., Shop], logs: Records
) -> None:
    db = proxied()
    db.customers.create(customer(1))
    throttled = error_body(
        "ProvisionedThroughputExceededException", "Rate of requests exceeds"
    )
    proxy.scripted += [("GetItem", 400, throttled)] * 2
    assert db.customers.get(customer_id="c1") is not None
    warnings = logs.of("dyngen.retry", logging.WARNING)
    assert len(warnings) == 2
    assert all("ProvisionedThroughputExceededException" in w for w in warnings)
    assert logs.at(logging.ERROR) == []
    assert (
        metrics_of(db).value(THROTTLES_TOTAL, operation="GetItem", table=db.table_name)
        == 2
    )
    assert logs.of("dyngen.request", logging.DEBUG)[-1].count("attempts=3") == 1


def test_unprocessed_batch_items_are_warnings_and_counted(
    proxy: FaultProxy, proxied: Callable[..., Shop], logs: Records
) -> None:
    db = proxied()
    # One partial answer each: the first half of the 4 requests is forwarded,
    # the other 2 come back unprocessed and are retried (and then succeed).
    proxy.faults = Faults(partial_batch=1.0, max_injections=1)
    result = db.batch_write(puts=[customer(n) for n in range(1, 5)])
    assert len(result.succeeded) == 4
    assert result.failed == []
    assert proxy.injected["partial_batch"] == 1
    proxy.injected.clear()
    got = db.customers.batch_get([{"customer_id": f"c{n}"} for n in range(1, 5)])
    assert [c.customer_id for c in got.items if c is not None] == [
        "c1",
        "c2",
        "c3",
        "c4",
    ]
    assert proxy.injected["partial_batch"] == 1
    warnings = logs.of("dyngen.batch", logging.WARNING)
    assert len(warnings) == 2
    assert warnings[0].startswith(f"BatchWriteItem on {db.table_name} left 2 ")
    assert warnings[1].startswith(f"BatchGetItem on {db.table_name} left 2 ")
    metrics = metrics_of(db)
    for operation in ("BatchWriteItem", "BatchGetItem"):
        assert (
            metrics.value(
                BATCH_UNPROCESSED_ITEMS, operation=operation, table=db.table_name
            )
            == 2
        ), operation


@pytest.fixture(params=["moto", "moto-server"])
def tx_shop(request: pytest.FixtureRequest) -> Iterator[Shop]:
    """A Shop client with transactions: in-process moto, or moto's HTTP server."""
    if request.param == "moto":
        db = Shop.in_memory()
        yield db
        db.close()
        return
    server: MotoServer = request.getfixturevalue("moto_server")
    db = Shop.connect(
        table_name=f"obs-tx-{uuid.uuid4().hex[:10]}",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
    )
    db.create_table()
    yield db
    db._executor.call("DeleteTable", {"TableName": db.table_name})
    db.close()


def test_a_committed_transaction_is_an_info_log(tx_shop: Shop, logs: Records) -> None:
    tx_shop.customers.create(customer(1, MARKER))
    tx_shop.transaction(
        "tok-info-1",
        lambda tx: [
            tx.orders.create(order(1)),
            tx.customers.update(customer_id="c1").add(order_count=1),
        ],
    )
    info = [r for r in logs.records if r.levelno == logging.INFO]
    assert [r.getMessage() for r in info] == [
        f"transaction tok-info-1 committed 2 operations on {tx_shop.table_name}"
    ]
    # The documented logger (docs/runtime.md, observe.py): dyngen.transactions.
    assert [r.name for r in info] == ["dyngen.transactions"]
    assert MARKER not in logs.text()


# --- metrics -------------------------------------------------------------------


def test_operation_counts_statuses_and_items(shop: Shop) -> None:
    metrics = metrics_of(shop)
    metrics.reset()
    seen = watch(shop)
    table = shop.table_name
    for n in (1, 2, 3):
        shop.customers.create(customer(n))
    with pytest.raises(ConditionFailedError):
        shop.customers.create(customer(1))
    assert shop.customers.get(customer_id="c1") is not None
    assert shop.customers.get(customer_id="c9") is None
    for n in (1, 2, 3):
        shop.orders.create(order(n))
    first = shop.orders.for_customer("c1", limit=2)
    second = shop.orders.for_customer("c1", limit=2, cursor=first.cursor)
    assert [len(first.items), len(second.items)] == [2, 1]
    got = shop.customers.batch_get(
        [{"customer_id": "c1"}, {"customer_id": "c2"}, {"customer_id": "c9"}]
    )
    assert len([c for c in got.items if c is not None]) == 2

    def ops(status: str, operation: str) -> float:
        return metrics.value(
            OPERATIONS_TOTAL, operation=operation, table=table, status=status
        )

    assert ops("ok", "PutItem") == 6
    assert ops("condition_failed", "PutItem") == 1
    assert ops("error", "PutItem") == 0
    assert ops("ok", "GetItem") == 2
    assert ops("ok", "Query") == 2
    assert ops("ok", "BatchGetItem") == 1
    assert metrics.sum_over(OPERATIONS_TOTAL) == len(seen) == 12
    labels = {"operation": "PutItem", "table": table}
    assert metrics.value(CONDITIONAL_CHECK_FAILURES, **labels) == 1
    assert (
        metrics.value(
            ERRORS_TOTAL, error_type="ConditionalCheckFailedException", table=table
        )
        == 1
    )
    durations = [s for s in metrics.samples() if s.name == OPERATION_DURATION]
    assert sum(s.count for s in durations) == len(seen)
    assert metrics.count(OPERATION_DURATION, **labels) == 7
    assert all(s.min is not None and s.min > 0 for s in durations)
    # Items returned: reads only, one observation per call.
    for operation, calls, items in (
        ("GetItem", 2, 1),
        ("Query", 2, 3),
        ("BatchGetItem", 1, 2),
    ):
        assert metrics.count(ITEMS_RETURNED, operation=operation, table=table) == calls
        assert metrics.total(ITEMS_RETURNED, operation=operation, table=table) == items
    assert metrics.count(ITEMS_RETURNED, **labels) == 0
    assert metrics.sum_over(THROTTLES_TOTAL) == 0


def test_throttled_attempts_are_counted_exactly(
    proxy: FaultProxy, proxied: Callable[..., Shop]
) -> None:
    db = proxied()
    db.customers.create(customer(1))
    proxy.faults = Faults(throttle=0.4, operations=frozenset({"GetItem"}))
    for _ in range(25):
        assert db.customers.get(customer_id="c1") is not None
    injected = proxy.injected["throttle"]
    assert injected > 5  # the seed makes this a fixed number
    metrics = metrics_of(db)
    labels = {"operation": "GetItem", "table": db.table_name}
    assert metrics.value(THROTTLES_TOTAL, **labels) == injected
    assert metrics.sum_over(THROTTLES_TOTAL) == injected
    assert metrics.value(OPERATIONS_TOTAL, **labels, status="ok") == 25
    assert metrics.count(OPERATION_DURATION, **labels) == 25  # calls, not attempts
    assert [op for op, _ in proxy.requests].count("GetItem") == 25 + injected


class RecordingSink:
    """A metrics sink of the test's own: the MetricsSink protocol, nothing more."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], float]] = []

    def increment(
        self, name: str, labels: Mapping[str, str], value: float = 1.0
    ) -> None:
        self.calls.append(("increment", name, dict(labels), value))

    def observe(self, name: str, labels: Mapping[str, str], value: float) -> None:
        self.calls.append(("observe", name, dict(labels), value))


def test_a_custom_sink_receives_every_call(make: Callable[..., Shop]) -> None:
    sink = RecordingSink()
    db = make(metrics=sink)
    assert db.metrics is sink
    sink.calls.clear()
    db.customers.create(customer(1))
    db.customers.get(customer_id="c1")
    table = db.table_name
    put = {"operation": "PutItem", "table": table}
    get = {"operation": "GetItem", "table": table}
    counted = [(kind, name, labels) for kind, name, labels, _ in sink.calls]
    assert counted == [
        ("increment", OPERATIONS_TOTAL, {**put, "status": "ok"}),
        ("observe", OPERATION_DURATION, put),
        ("increment", OPERATIONS_TOTAL, {**get, "status": "ok"}),
        ("observe", OPERATION_DURATION, get),
        ("observe", ITEMS_RETURNED, get),
    ]
    assert sink.calls[-1][3] == 1


def test_prometheus_sink_on_a_private_registry(make: Callable[..., Shop]) -> None:
    registry = CollectorRegistry()
    db = make(metrics=PrometheusMetrics(registry=registry))
    db.customers.create(customer(1))
    db.customers.create(customer(2))
    with pytest.raises(ConditionFailedError):
        db.customers.create(customer(2))
    db.customers.get(customer_id="c1")
    table = db.table_name

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert sample(OPERATIONS_TOTAL, operation="PutItem", table=table, status="ok") == 2
    assert (
        sample(
            OPERATIONS_TOTAL,
            operation="PutItem",
            table=table,
            status="condition_failed",
        )
        == 1
    )
    assert sample(OPERATIONS_TOTAL, operation="GetItem", table=table, status="ok") == 1
    assert (
        sample(
            "dynamodb_conditional_check_failures_total",
            operation="PutItem",
            table=table,
        )
        == 1
    )
    assert (
        sample(
            "dynamodb_operation_duration_seconds_count",
            operation="PutItem",
            table=table,
        )
        == 3
    )
    assert sample("dynamodb_items_returned_sum", operation="GetItem", table=table) == 1


# --- tracing -----------------------------------------------------------------


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def test_spans_name_the_call_and_its_key(
    make: Callable[..., Shop], spans: InMemorySpanExporter
) -> None:
    db = make()
    spans.clear()
    table = db.table_name
    db.customers.create(customer(1))
    assert db.customers.get(customer_id="c1", consistent=True) is not None
    db.orders.create(order(1))
    db.orders.create(order(2))
    assert len(db.orders.for_customer("c1").items) == 2
    assert db.customers.by_email("1@x") is not None
    assert len(list(db.customers.scan(segments=2))) == 1

    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    assert names[:6] == [
        "dynamodb.PutItem",
        "dynamodb.GetItem",
        "dynamodb.PutItem",
        "dynamodb.PutItem",
        "dynamodb.Query",
        "dynamodb.Query",
    ]
    assert sorted(names[6:]) == ["dynamodb.Scan", "dynamodb.Scan"]
    put, get, _, _, query, by_email, *scans = (attributes(s) for s in finished)
    common = {"db.system": "dynamodb", "dynamodb.table": table}
    assert put == {
        **common,
        "db.operation": "PutItem",
        "dynamodb.entity": "Customer",
        "dynamodb.pk": "CUSTOMER#c1",
        "dynamodb.sk": "PROFILE",
        "dynamodb.attempts": 1,
    }
    assert get == {
        **common,
        "db.operation": "GetItem",
        "dynamodb.entity": "Customer",
        "dynamodb.pk": "CUSTOMER#c1",
        "dynamodb.sk": "PROFILE",
        "dynamodb.consistent_read": True,
        "dynamodb.item_count": 1,
        "dynamodb.attempts": 1,
    }
    assert query == {
        **common,
        "db.operation": "Query",
        "dynamodb.entity": "Order",
        "dynamodb.pk": "CUSTOMER#c1",
        "dynamodb.item_count": 2,
        "dynamodb.attempts": 1,
    }
    assert by_email == {
        **common,
        "db.operation": "Query",
        "dynamodb.entity": "Customer",
        "dynamodb.index": "GSI1",
        "dynamodb.pk": "EMAIL#1@x",
        "dynamodb.item_count": 1,
        "dynamodb.attempts": 1,
    }
    assert sorted(s["dynamodb.segment"] for s in scans) == [0, 1]
    assert sum(s["dynamodb.item_count"] for s in scans) == 1
    assert all(s["dynamodb.entity"] == "Customer" for s in scans)
    assert all(s.status.status_code is StatusCode.UNSET for s in finished)


def test_a_failed_call_has_an_error_span(
    make: Callable[..., Shop], spans: InMemorySpanExporter
) -> None:
    db = make()
    db.customers.create(customer(1))
    spans.clear()
    with pytest.raises(ConditionFailedError):
        db.customers.create(customer(1))
    [span] = spans.get_finished_spans()
    assert span.name == "dynamodb.PutItem"
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is not None
    assert "ConditionalCheckFailedException" in span.status.description
    assert (
        attributes(span)["error.type"] == "dyngen_runtime.errors.ConditionFailedError"
    )
    [event] = span.events
    assert event.name == "exception"
    assert dict(event.attributes or {}).keys() == {
        "exception.type",
        "exception.message",
    }


def test_tracing_off_makes_no_spans(
    make: Callable[..., Shop], spans: InMemorySpanExporter
) -> None:
    db = make()
    spans.clear()
    tracing.set_tracing(False)
    db.customers.create(customer(1))
    db.customers.get(customer_id="c1")
    assert spans.get_finished_spans() == ()
    tracing.set_tracing(True)
    db.customers.get(customer_id="c1")
    assert [s.name for s in spans.get_finished_spans()] == ["dynamodb.GetItem"]


# --- consumed capacity -------------------------------------------------------


def capacity_scenario(db: Shop) -> None:
    """One call of each capacity-reporting kind, every one touching an item."""
    db.customers.create(customer(1))
    db.orders.create(order(1))
    db.customers.get(customer_id="c1")
    assert len(db.orders.for_customer("c1").items) == 1
    assert len(list(db.customers.scan())) == 1
    db.customers.batch_get([{"customer_id": "c1"}])
    db.customers.update(customer_id="c1").set(name="B").execute()
    db.customers.delete(customer_id="c1")


def test_consumed_capacity_is_reported_per_call(make: Callable[..., Shop]) -> None:
    # Both in-process moto and dynalite return ConsumedCapacity for TOTAL.
    reports: list[CapacityReport] = []
    db = make(consumed_capacity="TOTAL", on_consumed_capacity=reports.append)
    reports.clear()
    db.consumed_capacity.reset()
    metrics = metrics_of(db)
    metrics.reset()
    seen = watch(db)
    capacity_scenario(db)
    operations = [op for op, _ in seen]
    assert operations == [
        "PutItem",
        "PutItem",
        "GetItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "UpdateItem",
        "DeleteItem",
    ]
    assert all(params["ReturnConsumedCapacity"] == "TOTAL" for _, params in seen)
    assert [r.operation for r in reports] == operations
    assert all(r.table == db.table_name for r in reports)
    assert all(r.capacity_units > 0 for r in reports), reports
    total = sum(r.capacity_units for r in reports)
    assert db.consumed_capacity.total == pytest.approx(total)
    by_operation: dict[str, float] = {}
    for r in reports:
        by_operation[r.operation] = by_operation.get(r.operation, 0) + r.capacity_units
    assert db.consumed_capacity.by_operation() == pytest.approx(by_operation)
    assert metrics.sum_over(CONSUMED_CAPACITY, table=db.table_name) == pytest.approx(
        total
    )
    for operation, units in by_operation.items():
        assert metrics.value(
            CONSUMED_CAPACITY, operation=operation, table=db.table_name
        ) == pytest.approx(units)


def test_consumed_capacity_off_sends_nothing_extra(make: Callable[..., Shop]) -> None:
    db = make()
    seen: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def wrap(send: Send) -> Send:
        def watched(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            response = send(operation, params)
            seen.append((operation, params, response))
            return response

        return watched

    db._executor.intercept(wrap)
    capacity_scenario(db)
    assert {op for op, _, _ in seen} <= CAPACITY_OPERATIONS
    assert len(seen) == 8
    assert [p for _, p, _ in seen if "ReturnConsumedCapacity" in p] == []
    # Unasked, in-process moto still answers BatchGetItem and UpdateItem
    # with a ConsumedCapacity (real DynamoDB and dynalite send none): the
    # client accounts capacity only when it asked for it.
    volunteered = {
        operation for operation, _, response in seen if response.get("ConsumedCapacity")
    }
    assert volunteered <= {"BatchGetItem", "UpdateItem"}
    assert db.consumed_capacity.by_operation() == {}
    assert metrics_of(db).sum_over(CONSUMED_CAPACITY) == 0


def test_index_capacity_is_reported_per_index(make: Callable[..., Shop]) -> None:
    reports: list[CapacityReport] = []
    db = make(consumed_capacity="INDEXES", on_consumed_capacity=reports.append)
    db.customers.create(customer(1))
    seen = watch(db)
    reports.clear()
    assert db.customers.by_email("1@x") is not None
    [(operation, params)] = seen
    assert (operation, params["ReturnConsumedCapacity"]) == ("Query", "INDEXES")
    [report] = reports
    # Both backends break a GSI query down by index (neither does it for the
    # index writes of a PutItem, which DynamoDB itself reports).
    assert list(report.indexes) == ["GSI1"]
    assert report.indexes["GSI1"] > 0


# --- hot keys ----------------------------------------------------------------


def test_a_hot_key_is_logged_once_counted_and_ranked_first(
    make: Callable[..., Shop], logs: Records
) -> None:
    db = make(hot_keys=HotKeyConfig(share=0.5, min_requests=20, window_seconds=60))
    assert db.hot_keys is not None
    for n in range(2, 7):
        db.customers.get(customer_id=f"c{n}")
        db.customers.get(customer_id=f"c{n}")
    for _ in range(40):
        db.customers.get(customer_id="c1")
    [warning] = logs.of("dyngen.hotkeys", logging.WARNING)
    assert warning.startswith(
        f"hot partition key on table {db.table_name}: 'CUSTOMER#c1' took "
    )
    assert metrics_of(db).value(HOT_KEYS_TOTAL, table=db.table_name) == 1
    top = db.hot_keys.snapshot()
    assert top[0] == ("CUSTOMER#c1", 40)
    assert {key for key, _ in top[1:]} == {f"CUSTOMER#c{n}" for n in range(2, 7)}
    assert all(count == 2 for _, count in top[1:])

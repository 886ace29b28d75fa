"""Credentials never leak into what the runtime writes.

Access keys, secret keys and session tokens must not appear in logs, metrics,
traces, error messages, reprs or recordings. These tests set recognisable
canary credentials in the environment, turn every logger down to level 1,
drive every operation on both transports (dynalite; moto's HTTP server for
transactions, which dynalite lacks), including throttled, failing and refused
calls produced by the fault proxy, and then look for the canaries everywhere
the runtime wrote something.

The assertion covers the ``dyngen`` logger hierarchy only: botocore's own DEBUG
logging, on the boto3 transport, does print signed requests. A separate test
states exactly what botocore logs, on which transport.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest
from dyngen_runtime import (
    AuthenticationError,
    ConditionFailedError,
    RetriesExhaustedError,
    RetryConfig,
    TransactionFailedError,
    VersionConflictError,
)
from dyngen_runtime.hotkeys import HotKeyConfig
from dyngen_runtime.metrics import InMemoryMetrics
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from generated.shop import (
    Customer,
    CustomerAddress,
    CustomerStatus,
    Order,
    OrderStatus,
    Shop,
)
from tests.backends import Dynalite, MotoServer
from tests.fault_proxy import FaultProxy, Faults
from tests.shop_data import PLACED
from tests.shop_data import order as shop_order

ACCESS_KEY = "AKIDLEAKCANARY0001"
SECRET_KEY = "secret/LEAK+CANARY"
TOKEN = "token-LEAK-CANARY"
CANARIES = (ACCESS_KEY, SECRET_KEY, TOKEN)
_TYPE = "com.amazonaws.dynamodb.v20120810#"

Transport = Literal["http", "boto3"]
E = TypeVar("E", bound=BaseException)


def no_sleep(_: float) -> None:
    return None


FAST = RetryConfig(sleep=no_sleep)


def refused_token() -> dict[str, Any]:
    """An UnrecognizedClientException whose message quotes the session token."""
    return {
        "__type": _TYPE + "UnrecognizedClientException",
        "message": f"The security token included in the request is invalid: {TOKEN}",
    }


def refused_signature(target: str) -> dict[str, Any]:
    """DynamoDB's InvalidSignatureException, quoting the canonical request
    (which holds the session token) as the service does."""
    canonical = (
        "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:127.0.0.1\n"
        f"x-amz-date:20260301T000000Z\nx-amz-security-token:{TOKEN}\n"
        f"x-amz-target:DynamoDB_20120810.{target}\n\n"
        "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )
    return {
        "__type": _TYPE + "InvalidSignatureException",
        "message": "The request signature we calculated does not match the "
        "signature you provided. Check your AWS Secret Access Key and signing "
        "method. Consult the service documentation for details.\n\n"
        f"The Canonical String for this request should have been\n'{canonical}'\n\n"
        "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n...'\n",
    }


# --- fixtures ----------------------------------------------------------------


@pytest.fixture
def canaries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Canary credentials for every session the runtime makes from here on."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


class Everything(logging.Handler):
    """Every record of every logger, formatted, exception text included."""

    def __init__(self) -> None:
        super().__init__(level=1)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, self.format(record)))

    def of(self, prefix: str) -> list[str]:
        """The formatted records of loggers named ``prefix`` or under it."""
        return [
            text
            for name, text in self.lines
            if name == prefix or name.startswith(prefix + ".")
        ]


@pytest.fixture
def verbose() -> Iterator[Everything]:
    """The root logger (so botocore and dyngen too) at level 1, captured."""
    root = logging.getLogger()
    dyngen = logging.getLogger("dyngen")
    handler = Everything()
    levels = root.level, dyngen.level
    root.addHandler(handler)
    root.setLevel(1)
    dyngen.setLevel(1)
    yield handler
    root.removeHandler(handler)
    root.setLevel(levels[0])
    dyngen.setLevel(levels[1])


@pytest.fixture
def proxy(dynalite: Dynalite) -> Iterator[FaultProxy]:
    made = FaultProxy(dynalite.port).start()
    yield made
    made.stop()


@dataclass
class Evidence:
    """The clients made and the errors raised while driving them."""

    clients: list[Shop] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def connect(self, endpoint_url: str, transport: Transport, **settings: Any) -> Shop:
        db = Shop.connect(
            table_name=settings.pop("table_name", f"leak-{uuid.uuid4().hex[:10]}"),
            endpoint_url=endpoint_url,
            region_name="us-east-1",
            transport=transport,
            retry=FAST,
            consumed_capacity="TOTAL",
            hot_keys=HotKeyConfig(share=0.5, min_requests=4),
            **settings,
        )
        self.clients.append(db)
        return db

    def expect(self, kind: type[E], call: Callable[[], object]) -> E:
        """Run ``call``, which must raise ``kind``; keep the error."""
        with pytest.raises(kind) as raised:
            call()
        self.errors.append(raised.value)
        return raised.value

    def close(self) -> None:
        for db in self.clients:
            db.close()


@pytest.fixture
def evidence() -> Iterator[Evidence]:
    made = Evidence()
    yield made
    made.close()


# --- the scenario ---------------------------------------------------------------


def order(n: int) -> Order:
    return shop_order(n, notes="note")


def customer(n: int) -> Customer:
    return Customer(
        customer_id=f"c{n}",
        email=f"{n}@x",
        name=f"C{n}",
        tags={"a", "b"},
        address=CustomerAddress(street="s", city="c", zip="z"),
    )


def drive_items(db: Shop, evidence: Evidence) -> None:
    """Every single-item, query, scan and batch operation, and failing writes."""
    db.create_table()
    stored = db.customers.create(customer(1))
    stored = db.customers.put(stored.model_copy(update={"name": "renamed"}))
    assert db.customers.get(customer_id="c1", consistent=True) == stored
    assert db.customers.get(customer_id="c1", projection=["name"]) is not None
    db.customers.update(customer_id="c1").set(name="again").add(order_count=1).execute()
    assert db.customers.by_email("1@x") is not None
    for n in range(1, 4):
        db.orders.create(order(n))
    first = db.orders.for_customer("c1", limit=2)
    assert first.cursor is not None
    db.orders.for_customer("c1", limit=2, cursor=first.cursor)
    assert len(list(db.orders.iter_for_customer("c1"))) == 3
    assert db.orders.by_id("o1") is not None
    assert len(db.orders.by_status(OrderStatus.pending).items) == 3
    db.orders.for_customer_by_status("c1", status=OrderStatus.pending)
    db.collections.customer_with_orders("c1")
    assert len(list(db.customers.scan())) == 1
    assert len(list(db.orders.scan(segments=2))) == 3
    result = db.batch_write(
        puts=[customer(n) for n in range(2, 7)],
        deletes=[Order.key(customer_id="c1", placed_at=PLACED, order_id="o3")],
    )
    assert result.failed == []
    got = db.customers.batch_get([{"customer_id": f"c{n}"} for n in range(1, 8)])
    assert len(got.missing) == 1
    db.customers.delete(customer_id="c6")
    for _ in range(4):  # hot key
        db.customers.get(customer_id="c2")
    # Writes whose conditions fail.
    evidence.expect(ConditionFailedError, lambda: db.customers.create(customer(1)))
    evidence.expect(VersionConflictError, lambda: db.customers.put(stored))
    evidence.expect(
        ConditionFailedError,
        lambda: db.customers.delete(customer_id="c2", if_version=7),
    )
    evidence.expect(
        ConditionFailedError,
        lambda: (
            db.customers.update(customer_id="c2")
            .set(name="x")
            .when(Customer.fields.status == CustomerStatus.suspended)
            .execute()
        ),
    )


def drive_faults(db: Shop, proxy: FaultProxy, evidence: Evidence) -> None:
    """Throttling, partial batches, 500s and refused credentials, on the wire."""
    throttled = {
        "__type": _TYPE + "ProvisionedThroughputExceededException",
        "message": "Rate of requests exceeds the allowed throughput.",
    }
    proxy.scripted += [("GetItem", 400, throttled)] * 2
    assert db.customers.get(customer_id="c1") is not None
    proxy.faults = Faults(
        partial_batch=1.0,
        operations=frozenset({"BatchWriteItem"}),
        max_injections=sum(proxy.injected.values()) + 1,  # one partial batch
    )
    assert db.batch_write(puts=[customer(n) for n in range(7, 11)]).failed == []
    failure = {"__type": _TYPE + "InternalServerError", "message": "Internal error"}
    proxy.scripted += [("Query", 500, failure)] * 3
    evidence.expect(RetriesExhaustedError, lambda: db.orders.for_customer("c1"))
    proxy.scripted.append(("GetItem", 400, refused_token()))
    evidence.expect(AuthenticationError, lambda: db.customers.get(customer_id="c1"))
    proxy.scripted.append(("PutItem", 400, refused_signature("PutItem")))
    evidence.expect(AuthenticationError, lambda: db.customers.create(customer(20)))
    assert proxy.injected["partial_batch"] == 1
    assert proxy.injected["scripted"] == 7


def drive_transactions(db: Shop, evidence: Evidence) -> None:
    db.create_table()
    db.customers.create(customer(1))
    db.customers.create(customer(9))
    db.transaction(
        "leak-tx-1",
        lambda tx: [
            tx.orders.create(order(1)),
            tx.customers.update(customer_id="c1").add(order_count=1),
            tx.customers.condition_check(
                customer_id="c9",
                condition=Customer.fields.status == CustomerStatus.active,
            ),
        ],
    )
    got = db.transact_get(
        lambda tx: [
            tx.customers.get(customer_id="c1"),
            tx.orders.get(customer_id="c1", placed_at=PLACED, order_id="o1"),
        ]
    )
    assert [type(x).__name__ for x in got] == ["Customer", "Order"]
    evidence.expect(
        TransactionFailedError,
        lambda: db.transaction(
            "leak-tx-2",
            lambda tx: [
                tx.orders.create(order(2)),
                tx.customers.condition_check(
                    customer_id="c9",
                    condition=Customer.fields.status == CustomerStatus.suspended,
                ),
            ],
        ),
    )


def drop_table(db: Shop) -> None:
    """Drop the client's table (through the client: logged too)."""
    db._executor.call("DeleteTable", {"TableName": db.table_name})


# --- what was written ------------------------------------------------------------


def error_texts(error: BaseException) -> list[str]:
    """str() and repr() of an error and of everything chained to it."""
    texts: list[str] = []
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current)]
        texts += [repr(a) for a in current.args]
        for reason in getattr(current, "reasons", None) or []:
            texts += [str(reason), repr(reason)]
        for linked in (
            current.__cause__,
            current.__context__,
            getattr(current, "last_error", None),
        ):
            if isinstance(linked, BaseException):
                pending.append(linked)
    return texts


def written(
    logs: Everything, spans: InMemorySpanExporter, evidence: Evidence
) -> dict[str, list[str]]:
    """Everything the runtime wrote or exposes, by where it was written."""
    places: dict[str, list[str]] = {"log": logs.of("dyngen")}
    places["metric"] = []
    places["repr"] = []
    for db in evidence.clients:
        sink = db.metrics
        assert isinstance(sink, InMemoryMetrics)
        places["metric"] += [f"{s.name} {s.labels!r}" for s in sink.samples()]
        executor = db._executor
        places["repr"] += [
            repr(db),
            repr(executor),
            repr(executor.http),
            repr(executor.client),
            repr(executor.observer),
            repr(db.consumed_capacity.by_operation()),
        ]
        if db.hot_keys is not None:
            places["repr"].append(repr(db.hot_keys.snapshot()))
    places["span"] = []
    for span in spans.get_finished_spans():
        places["span"] += [
            span.name,
            repr(dict(span.attributes or {})),
            repr(span.status.description),
        ]
        places["span"] += [
            f"{event.name} {dict(event.attributes or {})!r}" for event in span.events
        ]
    places["error"] = [text for error in evidence.errors for text in error_texts(error)]
    return places


def leaks(places: dict[str, list[str]]) -> list[str]:
    """Where each canary appears: '<place>: <canary> in <text>'."""
    found = []
    for place, texts in places.items():
        for text in texts:
            for canary in CANARIES:
                if canary in text:
                    at = text.index(canary)
                    found.append(
                        f"{place}: {canary} in ...{text[max(0, at - 80) : at + 40]!r}"
                    )
    return found


# --- tests -----------------------------------------------------------------------


@pytest.mark.usefixtures("canaries")
@pytest.mark.parametrize("transport", ["http", "boto3"])
def test_credentials_appear_nowhere(
    transport: Transport,
    dynalite: Dynalite,
    moto_server: MotoServer,
    proxy: FaultProxy,
    verbose: Everything,
    spans: InMemorySpanExporter,
    evidence: Evidence,
) -> None:
    db = evidence.connect(dynalite.endpoint_url, transport)
    drive_items(db, evidence)
    faulty = evidence.connect(proxy.endpoint_url, transport, table_name=db.table_name)
    drive_faults(faulty, proxy, evidence)
    tx = evidence.connect(moto_server.endpoint_url, transport)
    drive_transactions(tx, evidence)
    drop_table(db)
    drop_table(tx)

    places = written(verbose, spans, evidence)
    # The scenario really wrote all of it, at every level.
    log_text = "\n".join(places["log"])
    for needle in (
        " TRACE PutItem request ",
        " DEBUG Query ",
        "dyngen.retry WARNING retrying GetItem",
        "dyngen.batch WARNING BatchWriteItem",
        "dyngen.hotkeys WARNING hot partition key",
        "dyngen.request ERROR Query failed",
        "dyngen.request ERROR GetItem failed",
        "dyngen.request ERROR PutItem failed",
        "INFO transaction leak-tx-1 committed 3 operations",
    ):
        assert needle in log_text, needle
    assert len(evidence.errors) == 8
    assert {"dynamodb.TransactWriteItems", "dynamodb.TransactGetItems"} <= {
        s.name for s in spans.get_finished_spans()
    }
    assert any("dynamodb_consumed_capacity_total" in m for m in places["metric"])
    found = leaks(places)
    assert not found, "\n".join(found)


@pytest.mark.usefixtures("canaries")
@pytest.mark.parametrize("transport", ["http", "boto3"])
@pytest.mark.parametrize("kind", ["UnrecognizedClientException", "InvalidSignature"])
def test_refused_credentials_errors_never_quote_the_token(
    transport: Transport,
    kind: str,
    proxy: FaultProxy,
    dynalite: Dynalite,
    evidence: Evidence,
    verbose: Everything,
) -> None:
    db = evidence.connect(proxy.endpoint_url, transport)
    body = (
        refused_token()
        if kind.startswith("Unrecognized")
        else refused_signature("GetItem")
    )
    proxy.scripted.append(("GetItem", 400, body))
    error = evidence.expect(
        AuthenticationError, lambda: db.customers.get(customer_id="c1")
    )
    assert proxy.injected["scripted"] == 1
    assert error.code == body["__type"].rsplit("#", 1)[1]
    assert "<redacted>" in str(error)
    for text in error_texts(error):
        assert TOKEN not in text, text
    [logged] = [line for line in verbose.of("dyngen") if " ERROR " in line]
    assert TOKEN not in logged
    assert "<redacted>" in logged


@pytest.mark.usefixtures("canaries")
def test_what_botocore_itself_logs(
    dynalite: Dynalite, verbose: Everything, evidence: Evidence
) -> None:
    """Documentation: botocore's DEBUG logging on the boto3 transport prints
    the session token (in the canonical request) and the access key id (in
    the Authorization header), never the secret; on the default http transport
    no request goes through botocore, so its loggers say nothing then."""
    boto = evidence.connect(dynalite.endpoint_url, "boto3")
    boto.create_table()
    verbose.lines.clear()
    boto.customers.get(customer_id="c1")
    botocore = "\n".join(verbose.of("botocore"))
    [canonical] = [
        line for line in verbose.of("botocore.auth") if "CanonicalRequest" in line
    ]
    assert f"x-amz-security-token:{TOKEN}" in canonical
    assert TOKEN in botocore
    assert f"Credential={ACCESS_KEY}/" in botocore
    assert SECRET_KEY not in botocore
    assert not any(c in line for line in verbose.of("dyngen") for c in CANARIES)

    verbose.lines.clear()
    direct = evidence.connect(dynalite.endpoint_url, "http", table_name=boto.table_name)
    connect_lines = list(verbose.lines)
    verbose.lines.clear()
    direct.customers.get(customer_id="c1")
    direct.customers.create(customer(1))
    list(direct.customers.scan())
    assert [name for name, _ in verbose.lines if not name.startswith("dyngen")] == []
    # Making the session and the endpoint resolution logs through botocore, but
    # no credential.
    assert any(name.startswith("botocore") for name, _ in connect_lines)
    assert not any(c in text for _, text in connect_lines for c in CANARIES)
    drop_table(boto)


@pytest.mark.usefixtures("canaries")
@pytest.mark.parametrize("transport", ["http", "boto3"])
def test_a_cassette_holds_no_credentials(
    transport: Transport,
    proxy: FaultProxy,
    tmp_path: Path,
    verbose: Everything,
    evidence: Evidence,
) -> None:
    cassette = tmp_path / "leak.json"
    db = evidence.connect(proxy.endpoint_url, transport, record=cassette)
    drive_items(db, evidence)
    drive_faults(db, proxy, evidence)  # refused credentials are recorded too
    drop_table(db)
    db.close()
    text = cassette.read_text(encoding="utf-8")
    # It did record the calls, the refused ones included.
    assert "CUSTOMER#c1" in text
    assert "UnrecognizedClientException" in text
    assert "InvalidSignatureException" in text
    found = leaks({"cassette": [text], "log": verbose.of("dyngen")})
    assert not found, "\n".join(found)

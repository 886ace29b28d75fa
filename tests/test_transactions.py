"""Transactions: atomic writes, exact cancellation reasons, limits, idempotency."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from dyngen_runtime import (
    ConditionFailedError,
    DyngenError,
    IdempotencyError,
    RetriesExhaustedError,
    TransactionFailedError,
    TransactionInProgressError,
    TransactionLimitError,
    ValidationError,
)
from dyngen_runtime.retry import RetryConfig

from generated.shop import (
    Customer,
    CustomerStatus,
    Shop,
)
from tests.backends import Dynalite, MotoServer
from tests.conftest import Backend, sent_operations
from tests.fault_proxy import FaultProxy
from tests.shop_data import PLACED, order


class TxBackend:
    """A Shop client on in-process moto, or on moto's HTTP server behind the
    fault proxy, with a way to inject DynamoDB's exact error responses."""

    def __init__(self, db: Shop, proxy: FaultProxy | None) -> None:
        self.db = db
        self.proxy = proxy
        self.scripted: Scripted | None = None

    def inject(self, *responses: tuple[int, dict[str, Any]]) -> None:
        """Answer the next TransactWriteItems calls with these (status, body)."""
        self.db._executor.retry = RetryConfig(sleep=lambda _: None)
        if self.proxy is not None:
            self.proxy.scripted += [("TransactWriteItems", s, b) for s, b in responses]
            return
        self.scripted = Scripted(self.db._executor.client, *responses)
        self.db._executor.client = self.scripted
        self.db._executor._methods.clear()

    def tokens(self) -> list[str]:
        """The ClientRequestToken of every TransactWriteItems sent."""
        if self.proxy is not None:
            return [
                body["ClientRequestToken"]
                for operation, body in self.proxy.requests
                if operation == "TransactWriteItems"
            ]
        assert self.scripted is not None
        return self.scripted.tokens


@pytest.fixture(params=["moto", "moto-server"])
def txb(request: pytest.FixtureRequest) -> Iterator[TxBackend]:
    """Transactions run on in-process moto and on moto's HTTP server (dynalite
    has no transaction API)."""
    if request.param == "moto":
        made = TxBackend(Shop.in_memory(), None)
        yield made
        made.db.close()
        return
    server: MotoServer = request.getfixturevalue("moto_server")
    proxy = FaultProxy(server.port).start()
    db = Shop.connect(
        table_name=f"tx-{uuid.uuid4().hex[:10]}", endpoint_url=proxy.endpoint_url
    )
    db.create_table()
    yield TxBackend(db, proxy)
    db._executor.call("DeleteTable", {"TableName": db.table_name})
    db.close()
    proxy.stop()


@pytest.fixture
def db(txb: TxBackend) -> Shop:
    return txb.db


def setup_customers(db: Shop) -> None:
    db.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    db.customers.create(Customer(customer_id="c9", email="z@x", name="Z"))


def test_dynalite_lacks_transactions(dynalite: Dynalite) -> None:
    backend = Backend("dynalite", dynalite)
    made: Shop = backend.client(Shop)
    with pytest.raises(DyngenError) as raised:
        made.transaction("t1", lambda tx: [tx.orders.create(order())])
    assert raised.value.code == "UnknownOperationException"
    backend.close()


def test_checkout_commits_atomically(db: Shop) -> None:
    setup_customers(db)
    db.transaction(
        "order-o1-checkout",
        lambda tx: [
            tx.orders.create(order()),
            tx.customers.update(customer_id="c1")
            .add(order_count=1)
            .when(Customer.fields.status == CustomerStatus.active),
            tx.customers.condition_check(
                customer_id="c9",
                condition=Customer.fields.status == CustomerStatus.active,
            ),
        ],
    )
    stored = db.orders.get(customer_id="c1", placed_at=PLACED, order_id="o1")
    assert stored is not None
    assert stored.version == 1
    customer = db.customers.get(customer_id="c1")
    assert customer is not None
    assert (customer.order_count, customer.version) == (1, 2)


def test_a_failing_condition_changes_nothing_and_names_the_operation(db: Shop) -> None:
    setup_customers(db)
    db.customers.update(customer_id="c9").set(status=CustomerStatus.suspended).execute()
    with pytest.raises(TransactionFailedError) as raised:
        db.transaction(
            "order-o1-checkout",
            lambda tx: [
                tx.orders.create(order()),
                tx.customers.update(customer_id="c1").add(order_count=1),
                tx.customers.condition_check(
                    customer_id="c9",
                    condition=Customer.fields.status == CustomerStatus.active,
                ),
            ],
        )
    error = raised.value
    assert [r.code for r in error.reasons] == [None, None, "ConditionalCheckFailed"]
    (failed,) = error.failed
    assert (failed.index, failed.entity, failed.version_conflict) == (
        2,
        "Customer",
        False,
    )
    assert failed.key == Customer.key(customer_id="c9")
    assert failed.item is not None
    assert failed.item.status is CustomerStatus.suspended
    assert "#2 Customer ConditionalCheckFailed" in str(error)
    assert db.orders.get(customer_id="c1", placed_at=PLACED, order_id="o1") is None
    customer = db.customers.get(customer_id="c1")
    assert customer is not None
    assert (customer.order_count, customer.version) == (0, 1)


def test_a_version_conflict_is_reported_on_its_operation(db: Shop) -> None:
    setup_customers(db)
    stale = db.customers.get(customer_id="c1")
    assert stale is not None
    db.customers.put(stale.model_copy(update={"name": "newer"}))
    with pytest.raises(TransactionFailedError) as raised:
        db.transaction(
            "rename-c1",
            lambda tx: [
                tx.orders.create(order()),
                tx.customers.put(stale.model_copy(update={"name": "stale"})),
            ],
        )
    reasons = raised.value.reasons
    assert reasons[1].code == "ConditionalCheckFailed"
    assert reasons[1].version_conflict is True
    assert reasons[0].version_conflict is False
    assert "(version conflict)" in str(raised.value)


def test_transact_get_in_order(db: Shop) -> None:
    setup_customers(db)
    db.orders.create(order())
    got = db.transact_get(
        lambda tx: [
            tx.customers.get(customer_id="c9"),
            tx.orders.get(customer_id="c1", placed_at=PLACED, order_id="o1"),
            tx.customers.get(customer_id="nobody"),
        ]
    )
    assert [type(x).__name__ for x in got] == ["Customer", "Order", "NoneType"]
    assert got[0].customer_id == "c9"


@pytest.mark.parametrize("token", ["", "x" * 37])
def test_tokens_follow_dynamodbs_rule(db: Shop, token: str) -> None:
    calls = sent_operations(db, "TransactWriteItems")
    with pytest.raises(ValidationError, match="1 to 36 characters"):
        db.transaction(token, lambda tx: [tx.orders.create(order())])
    assert calls == []


def test_limits_fail_before_any_request(db: Shop) -> None:
    calls = sent_operations(db, "TransactWriteItems")
    with pytest.raises(TransactionLimitError, match="101 operations"):
        db.transaction(
            "big", lambda tx: [tx.orders.create(order(n)) for n in range(101)]
        )
    heavy = [
        Customer(customer_id=f"h{n}", email="h@x", name="x" * 400_000)
        for n in range(11)
    ]
    with pytest.raises(
        TransactionLimitError, match="bytes: DynamoDB allows at most 4194304"
    ):
        db.transaction("heavy", lambda tx: [tx.customers.create(c) for c in heavy])
    with pytest.raises(
        ValidationError, match="operations #0 and #1 both touch Customer"
    ):
        db.transaction(
            "twice",
            lambda tx: [
                tx.customers.create(Customer(customer_id="c1", email="a@x", name="A")),
                tx.customers.update(customer_id="c1").add(order_count=1),
            ],
        )
    assert calls == []


class Scripted:
    """Answers TransactWriteItems with scripted responses, then delegates."""

    def __init__(self, real: Any, *responses: tuple[int, dict[str, Any]]) -> None:
        self.real = real
        self.responses = list(responses)
        self.tokens: list[str] = []

    def transact_write_items(self, **params: Any) -> Any:
        self.tokens.append(params["ClientRequestToken"])
        if self.responses:
            status, body = self.responses.pop(0)
            code = body["__type"].rsplit("#", 1)[-1]
            response: dict[str, Any] = {
                "Error": {
                    "Code": code,
                    "Message": body.get("Message") or body.get("message"),
                },
                "ResponseMetadata": {"RequestId": "r1", "HTTPStatusCode": status},
            }
            if "CancellationReasons" in body:
                response["CancellationReasons"] = body["CancellationReasons"]
            raise ClientError(response, "TransactWriteItems")
        return self.real.transact_write_items(**params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def canceled(*codes: str) -> tuple[int, dict[str, Any]]:
    """DynamoDB's exact TransactionCanceledException response."""
    return 400, {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for "
        f"specific reasons [{', '.join(codes)}]",
        "CancellationReasons": [
            {"Code": code}
            if code == "None"
            else {"Code": code, "Message": f"{code} (injected)"}
            for code in codes
        ],
    }


def service_error(code: str, message: str) -> tuple[int, dict[str, Any]]:
    return 400, {
        "__type": f"com.amazonaws.dynamodb.v20120810#{code}",
        "message": message,
    }


def test_conflicts_are_retried_with_the_same_token(txb: TxBackend) -> None:
    db = txb.db
    setup_customers(db)
    txb.inject(
        canceled("None", "TransactionConflict"), canceled("None", "TransactionConflict")
    )
    db.transaction(
        "tok-retry",
        lambda tx: [
            tx.orders.create(order()),
            tx.customers.update(customer_id="c1").add(order_count=1),
        ],
    )
    assert txb.tokens() == ["tok-retry"] * 3
    assert db.orders.by_id("o1") is not None


def test_conflicts_past_the_policy_are_exhausted(txb: TxBackend) -> None:
    txb.inject(*[canceled("TransactionConflict")] * 5)
    with pytest.raises(RetriesExhaustedError) as raised:
        txb.db.transaction("tok-x", lambda tx: [tx.orders.create(order())])
    assert isinstance(raised.value.last_error, TransactionFailedError)
    assert raised.value.last_error.reasons[0].code == "TransactionConflict"
    assert txb.tokens() == ["tok-x"] * 3


def test_condition_failures_are_not_retried(txb: TxBackend) -> None:
    txb.inject(canceled("ConditionalCheckFailed"))
    with pytest.raises(TransactionFailedError) as raised:
        txb.db.transaction("tok-c", lambda tx: [tx.orders.create(order())])
    assert raised.value.reasons[0].message == "ConditionalCheckFailed (injected)"
    assert txb.tokens() == ["tok-c"]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("IdempotentParameterMismatchException", IdempotencyError),
        ("TransactionInProgressException", TransactionInProgressError),
    ],
)
def test_service_errors_map_to_their_classes(
    txb: TxBackend, code: str, error: type[DyngenError]
) -> None:
    txb.inject(service_error(code, f"{code} (injected)"))
    with pytest.raises(error) as raised:
        txb.db.transaction("tok-e", lambda tx: [tx.orders.create(order())])
    assert raised.value.code == code
    assert raised.value.operation == "TransactWriteItems"
    assert not isinstance(raised.value, ConditionFailedError)


def test_the_4_mb_limit_is_exact(db: Shop) -> None:
    from dyngen_runtime import item_size
    from dyngen_runtime.transactions import MAX_BYTES, prepare

    def heavy(n: int, pad: int) -> Customer:
        return Customer(customer_id=f"h{n:02d}", email="h@x", name="x" * pad)

    base = item_size(heavy(0, 0)._with_version(1).to_item())
    sizes = [400_000] * 10
    sizes.append(MAX_BYTES - sum(s + base for s in sizes) - base)
    models = [heavy(n, pad) for n, pad in enumerate(sizes)]
    writes = prepare([tx_create(db, m) for m in models])
    assert sum(w.size for w in writes) == MAX_BYTES  # exactly 4 MB passes the check
    calls = sent_operations(db, "TransactWriteItems")
    over = [*models[:-1], heavy(10, sizes[-1] + 1)]
    with pytest.raises(TransactionLimitError, match="4194305 bytes"):
        db.transaction("over", lambda tx: [tx.customers.create(m) for m in over])
    assert calls == []


def tx_create(db: Shop, model: Customer) -> Any:
    from generated.shop.client import ShopTransaction

    return ShopTransaction(db).customers.create(model)

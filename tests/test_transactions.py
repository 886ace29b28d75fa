"""Transactions: atomic writes, exact cancellation reasons, limits, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
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
    Order,
    OrderLines,
    OrderStatus,
    Shop,
)
from tests.conftest import Backend

PLACED = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def db(backend: Backend) -> Shop:
    if backend.name == "dynalite":
        pytest.skip("dynalite has no TransactWriteItems/TransactGetItems API")
    made: Shop = backend.client(Shop)
    return made


def order(n: int = 1) -> Order:
    return Order(
        customer_id="c1",
        order_id=f"o{n}",
        placed_at=PLACED,
        status=OrderStatus.pending,
        total=Decimal("9.5"),
        lines=[OrderLines(sku="s", qty=1, price=Decimal("9.5"))],
    )


def setup_customers(db: Shop) -> None:
    db.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    db.customers.create(Customer(customer_id="c9", email="z@x", name="Z"))


def count_requests(db: Shop, operation: str) -> list[str]:
    calls: list[str] = []
    db._executor.client.meta.events.register(
        f"before-call.dynamodb.{operation}", lambda **_: calls.append(operation)
    )
    return calls


def test_dynalite_lacks_transactions(backend: Backend) -> None:
    if backend.name != "dynalite":
        pytest.skip("this documents the dynalite backend only")
    made: Shop = backend.client(Shop)
    with pytest.raises(DyngenError) as raised:
        made.transaction("t1", lambda tx: [tx.orders.create(order())])
    assert raised.value.code == "UnknownOperationException"


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
    calls = count_requests(db, "TransactWriteItems")
    with pytest.raises(ValidationError, match="1 to 36 characters"):
        db.transaction(token, lambda tx: [tx.orders.create(order())])
    assert calls == []


def test_limits_fail_before_any_request(db: Shop) -> None:
    calls = count_requests(db, "TransactWriteItems")
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
    """Answers TransactWriteItems with scripted errors, then delegates."""

    def __init__(self, real: Any, *errors: ClientError) -> None:
        self.real = real
        self.errors = list(errors)
        self.tokens: list[str] = []

    def transact_write_items(self, **params: Any) -> Any:
        self.tokens.append(params["ClientRequestToken"])
        if self.errors:
            raise self.errors.pop(0)
        return self.real.transact_write_items(**params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def service_error(code: str, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": f"{code} (scripted)"},
        "ResponseMetadata": {"RequestId": "r1", "HTTPStatusCode": 400},
    }
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "TransactWriteItems")


def scripted(db: Shop, *errors: ClientError) -> Scripted:
    wrapper = Scripted(db._executor.client, *errors)
    db._executor.client = wrapper
    db._executor._methods.clear()
    db._executor.retry = RetryConfig(sleep=lambda _: None)
    return wrapper


def test_conflicts_are_retried_with_the_same_token(db: Shop) -> None:
    setup_customers(db)
    conflict = service_error(
        "TransactionCanceledException", ["None", "TransactionConflict"]
    )
    wrapper = scripted(db, conflict, conflict)
    db.transaction(
        "tok-retry",
        lambda tx: [
            tx.orders.create(order()),
            tx.customers.update(customer_id="c1").add(order_count=1),
        ],
    )
    assert wrapper.tokens == ["tok-retry"] * 3
    assert db.orders.by_id("o1") is not None


def test_conflicts_past_the_policy_are_exhausted(db: Shop) -> None:
    conflict = service_error("TransactionCanceledException", ["TransactionConflict"])
    wrapper = scripted(db, *[conflict] * 5)
    with pytest.raises(RetriesExhaustedError) as raised:
        db.transaction("tok-x", lambda tx: [tx.orders.create(order())])
    assert isinstance(raised.value.last_error, TransactionFailedError)
    assert wrapper.tokens == ["tok-x"] * 3


def test_condition_failures_are_not_retried(db: Shop) -> None:
    failed = service_error("TransactionCanceledException", ["ConditionalCheckFailed"])
    wrapper = scripted(db, failed)
    with pytest.raises(TransactionFailedError):
        db.transaction("tok-c", lambda tx: [tx.orders.create(order())])
    assert wrapper.tokens == ["tok-c"]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("IdempotentParameterMismatchException", IdempotencyError),
        ("TransactionInProgressException", TransactionInProgressError),
    ],
)
def test_service_errors_map_to_their_classes(
    db: Shop, code: str, error: type[DyngenError]
) -> None:
    scripted(db, service_error(code))
    with pytest.raises(error) as raised:
        db.transaction("tok-e", lambda tx: [tx.orders.create(order())])
    assert raised.value.code == code
    assert raised.value.operation == "TransactWriteItems"
    assert not isinstance(raised.value, ConditionFailedError)

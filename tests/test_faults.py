"""Fault injection over HTTP: a proxy in front of dynalite breaks things on purpose."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import boto3
import pytest
from dyngen_runtime import (
    CircuitBreakerConfig,
    CircuitOpenError,
    RetriesExhaustedError,
    RetryConfig,
    ServiceError,
)

from generated.shop import Customer, Shop
from tests.backends import Dynalite
from tests.fault_proxy import FaultProxy, Faults

FAST = RetryConfig(base_delay=0.001, max_delay=0.004)


@pytest.fixture
def proxy(dynalite: Dynalite) -> Iterator[FaultProxy]:
    made = FaultProxy(dynalite.port).start()
    yield made
    made.stop()


@pytest.fixture
def table(dynalite: Dynalite) -> Iterator[str]:
    """A fresh table, created and dropped straight on dynalite (no faults)."""
    name = f"faults-{uuid.uuid4().hex[:10]}"
    direct = Shop.connect(table_name=name, endpoint_url=dynalite.endpoint_url)
    direct.create_table()
    yield name
    direct._executor.call("DeleteTable", {"TableName": name})
    direct.close()


def stored_items(dynalite: Dynalite, table: str) -> dict[str, Customer]:
    """Every customer in the table, read straight from dynalite."""
    client = boto3.client("dynamodb", endpoint_url=dynalite.endpoint_url)
    found: dict[str, Customer] = {}
    for page in client.get_paginator("scan").paginate(
        TableName=table, ConsistentRead=True
    ):
        for item in page["Items"]:
            customer = Customer.from_item(item)
            found[customer.customer_id] = customer
    return found


def test_5000_items_through_heavy_faults_lose_nothing(
    dynalite: Dynalite, proxy: FaultProxy, table: str
) -> None:
    proxy.faults = Faults(
        throttle=0.15,
        server_error=0.08,
        unavailable=0.05,
        drop_before=0.04,
        drop_after=0.04,
        slow=0.05,
        partial_batch=0.4,
    )
    db = Shop.connect(table_name=table, endpoint_url=proxy.endpoint_url, retry=FAST)
    customers = [
        Customer(customer_id=f"c{n:05d}", email=f"{n}@x", name=f"C{n}", version=1)
        for n in range(5000)
    ]
    result = db.batch_write(puts=customers)
    succeeded = {c.customer_id for c in result.succeeded if isinstance(c, Customer)}
    failed = {
        f.request.customer_id for f in result.failed if isinstance(f.request, Customer)
    }
    assert succeeded.isdisjoint(failed)
    assert succeeded | failed == {c.customer_id for c in customers}
    assert all(f.reason for f in result.failed)
    stored = stored_items(dynalite, table)
    for customer in customers:
        if customer.customer_id in succeeded:
            assert stored[customer.customer_id] == customer
    # Every kind of fault really happened.
    for kind in (
        "throttle",
        "server_error",
        "unavailable",
        "drop_before",
        "drop_after",
    ):
        assert proxy.injected[kind] > 0, kind
    assert proxy.injected["partial_batch"] > 10
    assert len(succeeded) > 4500


def test_the_wire_format_of_throttling_is_understood(
    proxy: FaultProxy, table: str
) -> None:
    proxy.faults = Faults(throttle=1.0)
    db = Shop.connect(
        table_name=table,
        endpoint_url=proxy.endpoint_url,
        retry=RetryConfig(max_attempts=3, base_delay=0.001),
    )
    with pytest.raises(RetriesExhaustedError) as raised:
        db.customers.get(customer_id="c1")
    assert raised.value.code == "ProvisionedThroughputExceededException"
    assert raised.value.attempts == 3
    assert raised.value.last_error.request_id is not None
    assert proxy.injected["throttle"] == 3


def test_an_applied_create_whose_response_was_lost_succeeds(
    dynalite: Dynalite, proxy: FaultProxy, table: str
) -> None:
    # The first PutItem is applied, then its connection is dropped; the retry
    # fails its condition on the item this very call wrote: that is success.
    proxy.faults = Faults(
        drop_after=1.0, operations=frozenset({"PutItem"}), max_injections=1
    )
    db = Shop.connect(table_name=table, endpoint_url=proxy.endpoint_url, retry=FAST)
    stored = db.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    assert proxy.injected["drop_after"] == 1
    assert [op for op, _ in proxy.requests].count("PutItem") == 2
    assert stored_items(dynalite, table)["c1"] == stored


def test_applied_versioned_update_and_delete_whose_responses_were_lost_succeed(
    dynalite: Dynalite, proxy: FaultProxy, table: str
) -> None:
    db = Shop.connect(table_name=table, endpoint_url=proxy.endpoint_url, retry=FAST)
    created = db.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    proxy.faults = Faults(
        drop_after=1.0, operations=frozenset({"UpdateItem"}), max_injections=1
    )
    updated = (
        db.customers.update(customer_id="c1")
        .set(name="B")
        .if_version(created.version)
        .execute()
    )
    assert (updated.name, updated.version) == ("B", 2)
    assert proxy.injected["drop_after"] == 1
    assert stored_items(dynalite, table)["c1"] == updated
    proxy.injected.clear()
    proxy.faults = Faults(
        drop_after=1.0, operations=frozenset({"DeleteItem"}), max_injections=1
    )
    assert (
        db.customers.delete(customer_id="c1", if_version=2) is None
    )  # old values lost
    assert proxy.injected["drop_after"] == 1
    assert "c1" not in stored_items(dynalite, table)


def test_the_circuit_breaker_opens_fails_fast_and_recovers(
    proxy: FaultProxy, table: str
) -> None:
    proxy.faults = Faults(server_error=1.0)
    db = Shop.connect(
        table_name=table,
        endpoint_url=proxy.endpoint_url,
        retry=RetryConfig(max_attempts=1),
        circuit_breaker=CircuitBreakerConfig(
            failure_threshold=3, success_threshold=2, reset_timeout=0.3
        ),
    )
    for _ in range(3):
        with pytest.raises(ServiceError) as raised:
            db.customers.get(customer_id="c1")
        assert raised.value.code == "InternalServerError"
    sent = len(proxy.requests)
    with pytest.raises(CircuitOpenError):
        db.customers.get(customer_id="c1")
    assert len(proxy.requests) == sent  # failed fast: no request went out
    assert db._executor.breaker.state == "open"
    proxy.faults = Faults()
    time.sleep(0.35)
    assert db._executor.breaker.state == "half-open"
    assert db.customers.get(customer_id="c1") is None
    assert db._executor.breaker.state == "half-open"
    assert db.customers.get(customer_id="c1") is None
    assert db._executor.breaker.state == "closed"

"""Bounded batch concurrency and the trusted (unvalidated) read path."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from dyngen_runtime import ConfigurationError
from dyngen_runtime.executor import Send
from dyngen_runtime.model import construct_trusted

from generated.shop import Customer, CustomerKey, Shop
from tests.conftest import Backend


class InFlight:
    """Counts the batch requests in flight at once (each held a moment)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.calls = 0

    def around(self, send: Send) -> Send:
        def wrapped(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if not operation.startswith("Batch"):
                return send(operation, params)
            with self.lock:
                self.now += 1
                self.calls += 1
                self.peak = max(self.peak, self.now)
            try:
                time.sleep(0.02)  # long enough for the other workers to start
                return send(operation, params)
            finally:
                with self.lock:
                    self.now -= 1

        return wrapped


def connect(backend: Backend, **settings: Any) -> Shop:
    if backend.endpoint_url is None:
        db = Shop.in_memory(**settings)
    else:
        db = Shop.connect(
            table_name=f"bulk-{time.monotonic_ns()}",
            endpoint_url=backend.endpoint_url,
            region_name="us-east-1",
            **settings,
        )
        db.create_table()
    backend._clients.append(db)
    return db


def customers(count: int) -> list[Customer]:
    return [
        Customer(customer_id=f"c{n:05d}", email=f"c{n}@x", name=f"C{n}")
        for n in range(count)
    ]


@pytest.mark.parametrize("concurrency", [1, 3])
def test_batches_keep_at_most_the_set_number_in_flight(
    backend: Backend, concurrency: int
) -> None:
    db = connect(backend, batch_concurrency=concurrency)
    spy = InFlight()
    db._executor.intercept(spy.around)
    written = customers(250)  # 10 write chunks, 3 read chunks
    result = db.batch_write(puts=written)
    assert result.failed == []
    # Request order survives concurrency: results are merged chunk by chunk.
    assert result.succeeded == written
    assert spy.calls == 10
    assert spy.peak == concurrency
    spy.peak = spy.calls = 0
    keys = [CustomerKey(customer_id=c.customer_id) for c in written]
    read = db.customers.batch_get(keys)
    assert read.items == written
    assert read.missing == read.unprocessed == []
    assert spy.calls == 3
    assert spy.peak == concurrency


def test_batch_concurrency_must_be_positive() -> None:
    with pytest.raises(
        ConfigurationError, match="batch_concurrency must be at least 1"
    ):
        Shop.in_memory(batch_concurrency=0)


def test_trusted_reads_skip_validation_and_decode_the_same(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted = connect(backend, trusted_reads=True)
    stored = customers(5)
    assert trusted.batch_write(puts=stored).failed == []
    validations: list[object] = []
    original = Customer.model_validate.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Customer], *args: Any, **kwargs: Any) -> Customer:
        validations.append(args[0])
        return original(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Customer, "model_validate", classmethod(counting))
    assert trusted.customers.get(customer_id="c00001") == stored[1]
    assert sorted(trusted.customers.scan(), key=lambda c: c.customer_id) == stored
    keys = [CustomerKey(customer_id=c.customer_id) for c in stored]
    assert trusted.customers.batch_get(keys).items == stored
    assert validations == []
    # The default client validates every item it reads.
    checked = connect(backend)
    assert checked.batch_write(puts=stored).failed == []
    assert checked.customers.get(customer_id="c00001") == stored[1]
    assert len(validations) == 1


def test_the_trusted_constructor_matches_pydantics() -> None:
    full = Customer(customer_id="c1", email="a@x", name="A", tags={"t"})
    built = construct_trusted(Customer, dict(full.__dict__))
    assert built == full
    assert built.model_fields_set == set(Customer.model_fields)
    # Missing fields take their defaults, and only given ones count as set.
    partial = construct_trusted(Customer, {"customer_id": "c2", "email": "b@x"})
    reference = Customer.model_construct(customer_id="c2", email="b@x")
    assert partial.model_dump(exclude={"created_at"}) == reference.model_dump(
        exclude={"created_at"}
    )
    assert (
        partial.model_fields_set
        == reference.model_fields_set
        == {
            "customer_id",
            "email",
        }
    )
    # A default factory runs per instance (created_at is now_utc()).
    assert partial.created_at.tzinfo is not None

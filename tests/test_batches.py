"""batch_get and batch_write: any size, request order, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from dyngen_runtime import ValidationError
from dyngen_runtime.executor import Send
from dyngen_runtime.retry import RetryConfig

from generated.shop import Customer, CustomerKey, Order, OrderLines, OrderStatus, Shop
from tests.conftest import Backend


def customers(count: int, start: int = 0) -> list[Customer]:
    return [
        Customer(customer_id=f"c{n:04d}", email=f"c{n}@x", name=f"C{n}", version=1)
        for n in range(start, start + count)
    ]


class PartialBatches:
    """Wraps the real transport: each batch call forwards only ``share`` of its
    requests and returns the rest as unprocessed, ``rounds`` times."""

    def __init__(self, rounds: int, share: float = 0.5) -> None:
        self.rounds = rounds
        self.share = share
        self.calls: dict[str, int] = {"get": 0, "write": 0}
        self.send: Send | None = None

    def around(self, send: Send) -> Send:
        """The executor's intercept hook: wrap the real transport."""
        self.send = send
        return self

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        assert self.send is not None
        if operation == "BatchWriteItem":
            return self.batch_write_item(self.send, params["RequestItems"])
        if operation == "BatchGetItem":
            return self.batch_get_item(self.send, params["RequestItems"])
        return self.send(operation, params)

    def batch_write_item(
        self, send: Send, request_items: dict[str, Any]
    ) -> dict[str, Any]:
        self.calls["write"] += 1
        ((table, requests),) = request_items.items()
        if self.calls["write"] > self.rounds:
            return send("BatchWriteItem", {"RequestItems": request_items})
        cut = max(1, int(len(requests) * self.share))
        send("BatchWriteItem", {"RequestItems": {table: requests[:cut]}})
        rest = requests[cut:]
        return {"UnprocessedItems": {table: rest} if rest else {}}

    def batch_get_item(
        self, send: Send, request_items: dict[str, Any]
    ) -> dict[str, Any]:
        self.calls["get"] += 1
        ((table, request),) = request_items.items()
        if self.calls["get"] > self.rounds:
            return send("BatchGetItem", {"RequestItems": request_items})
        keys = request["Keys"]
        cut = max(1, int(len(keys) * self.share))
        response = send(
            "BatchGetItem", {"RequestItems": {table: {**request, "Keys": keys[:cut]}}}
        )
        rest = keys[cut:]
        response["UnprocessedKeys"] = {table: {**request, "Keys": rest}} if rest else {}
        return response


def wrap(db: Shop, rounds: int, attempts: int | None = None) -> PartialBatches:
    wrapped = PartialBatches(rounds)
    db._executor.intercept(wrapped.around)
    db._executor.retry = RetryConfig(sleep=lambda _: None, max_attempts=attempts)
    return wrapped


def test_batch_write_and_get_any_number(shop: Shop) -> None:
    written = customers(260)
    result = shop.batch_write(puts=written)
    assert len(result.succeeded) == 260
    assert result.failed == []
    keys: list[CustomerKey] = [
        {"customer_id": f"c{n:04d}"} for n in (5, 999, 5, 259, 0)
    ]
    keys += [{"customer_id": f"c{n:04d}"} for n in range(100, 230)]
    got = shop.customers.batch_get(keys)
    assert [c.customer_id if c else None for c in got.items[:5]] == [
        "c0005",
        None,
        "c0005",
        "c0259",
        "c0000",
    ]
    assert got.items[5:] == written[100:230]
    assert got.missing == [{"customer_id": "c0999"}]
    assert got.unprocessed == []


def test_batch_write_mixes_entities_and_deletes(shop: Shop) -> None:
    shop.batch_write(puts=customers(3))
    order = Order(
        customer_id="c0000",
        order_id="o1",
        placed_at=datetime(2026, 1, 1, tzinfo=UTC),
        status=OrderStatus.pending,
        total=Decimal(1),
        lines=[OrderLines(sku="s", qty=1, price=Decimal(1))],
    )
    result = shop.batch_write(puts=[order], deletes=[Customer.key(customer_id="c0001")])
    assert len(result.succeeded) == 2
    assert shop.customers.get(customer_id="c0001") is None
    assert shop.orders.by_id("o1") == order


def test_duplicate_keys_fail_before_any_request(shop: Shop) -> None:
    wrapped = wrap(shop, rounds=0)
    twice = customers(2) + customers(1)
    with pytest.raises(
        ValidationError, match=r"same key twice.*#0 and #2: PK='CUSTOMER#c0000'"
    ):
        shop.batch_write(puts=twice)
    with pytest.raises(ValidationError, match="#0 and #1"):
        shop.batch_write(puts=customers(1), deletes=[Customer.key(customer_id="c0000")])
    assert wrapped.calls["write"] == 0


def test_models_changed_during_their_batch_are_written_as_checked(
    shop: Shop,
) -> None:
    """Every put is checked and written as JSON text before the first request;
    what is sent is that text, whatever happens to the models afterwards."""
    shop._executor.batch_concurrency = 1  # chunks in order: #1 goes before #2
    models = customers(60)
    before = [model.model_copy(deep=True) for model in models]
    gone = Customer.key(customer_id="c0099")

    def change() -> None:
        models[30].name = "x" * 410_000  # chunk 2: now too large
        models[31].customer_id = "c0032"  # the next model's key
        models[33].created_at = "yesterday"  # type: ignore[assignment]
        models[55].customer_id = "c0099"  # chunk 3, the delete's key
        gone["PK"] = {"S": "CUSTOMER#c0000"}  # the delete's own key

    sent: list[int] = []

    def around(send: Send) -> Send:
        def forward(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if operation == "BatchWriteItem":
                sent.append(len(params["RequestItems"][shop.table_name]))
                change()
            return send(operation, params)

        return forward

    shop._executor.intercept(around)
    result = shop.batch_write(puts=models, deletes=[gone])
    assert sent == [25, 25, 11]
    assert result.failed == []
    assert result.succeeded == [*models, gone]
    got = shop.customers.batch_get([{"customer_id": f"c{n:04d}"} for n in range(100)])
    assert got.items[:60] == before
    assert got.missing == [{"customer_id": f"c{n:04d}"} for n in range(60, 100)]


def test_an_unprocessed_delete_is_retried_with_the_key_it_was_given(
    shop: Shop,
) -> None:
    """Unprocessed writes are matched by the key sent. Matching a delete by a
    key taken apart from what was sent once reported it written while it was
    not; a key dict changed during the batch changes nothing."""
    shop.batch_write(puts=customers(2, start=99))
    gone = Customer.key(customer_id="c0099")
    wrapped = wrap(shop, rounds=1000)  # every request leaves half unprocessed
    shop._executor.batch_concurrency = 1

    def around(send: Send) -> Send:
        def forward(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            gone.update(Customer.key(customer_id="c0100"))  # before any is sent
            return send(operation, params)

        return forward

    shop._executor.intercept(around)
    result = shop.batch_write(puts=customers(30), deletes=[gone])
    assert wrapped.calls["write"] > 3  # the delete went out unprocessed first
    assert result.failed == []
    assert len(result.succeeded) == 31
    assert shop.customers.get(customer_id="c0099") is None
    assert shop.customers.get(customer_id="c0100") is not None


def test_unprocessed_items_are_retried_until_done(backend: Backend) -> None:
    db = backend.client(Shop)
    wrapped = wrap(db, rounds=4)
    result = db.batch_write(puts=customers(60))
    assert len(result.succeeded) == 60
    assert result.failed == []
    assert wrapped.calls["write"] > 3
    got = db.customers.batch_get([{"customer_id": f"c{n:04d}"} for n in range(60)])
    assert all(got.items)
    assert got.unprocessed == []


def test_what_stays_unprocessed_is_reported_not_lost(backend: Backend) -> None:
    db = backend.client(Shop)
    wrap(db, rounds=1000, attempts=2)
    result = db.batch_write(puts=customers(40))
    assert len(result.succeeded) + len(result.failed) == 40
    assert result.failed
    assert {f.reason for f in result.failed} == {
        "still unprocessed after 2 attempts (throughput exceeded)"
    }
    stored = {c.customer_id for c in db.customers.scan()}
    assert stored == {
        c.customer_id for c in result.succeeded if isinstance(c, Customer)
    }
    keys: list[CustomerKey] = [{"customer_id": f"c{n:04d}"} for n in range(40)]
    got = db.customers.batch_get(keys)
    assert got.unprocessed
    for key, item in zip(keys, got.items, strict=True):
        placed = [key in got.missing, key in got.unprocessed, item is not None]
        assert placed.count(True) == 1

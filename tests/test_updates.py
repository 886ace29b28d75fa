"""The typed update builder on both backends: actions, index keys, locking."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from dyngen_runtime import (
    ConditionFailedError,
    ItemNotFoundError,
    ValidationError,
    VersionConflictError,
)

from generated.saas import Saas, Task, TaskStatus
from generated.shop import (
    Customer,
    CustomerStatus,
    Order,
    OrderLines,
    OrderStatus,
    Shop,
)
from generated.telemetry import ReadingMetric
from tests.backends import Dynalite
from tests.conftest import Backend

PLACED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def raw(db: Any, key: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = db._executor.call(
        "GetItem", {"TableName": db.table_name, "Key": key, "ConsistentRead": True}
    )["Item"]
    return item


def new_order(db: Shop) -> Order:
    return db.orders.create(
        Order(
            customer_id="c1",
            order_id="o1",
            placed_at=PLACED,
            status=OrderStatus.pending,
            total=Decimal("10"),
            notes="ring twice",
            lines=[OrderLines(sku="s", qty=1, price=Decimal("10"))],
        )
    )


def test_set_add_remove_and_the_version(shop: Shop) -> None:
    shop.customers.create(Customer(customer_id="c1", email="a@x", name="A", tags={"a"}))
    updated = (
        shop.customers.update(customer_id="c1")
        .set(name="Ann", status=CustomerStatus.suspended)
        .add(order_count=3, tags={"b"})
        .execute()
    )
    assert (updated.name, updated.status, updated.order_count) == (
        "Ann",
        CustomerStatus.suspended,
        3,
    )
    assert updated.tags == {"a", "b"}
    assert updated.version == 2
    again = shop.customers.update(customer_id="c1").delete(tags={"a", "b"}).execute()
    assert again.tags is None  # an emptied set is not stored
    assert again.version == 3
    assert shop.customers.get(customer_id="c1") == again


def test_index_keys_follow_the_fields_they_are_built_from(shop: Shop) -> None:
    order = new_order(shop)
    key = Order.key(customer_id="c1", placed_at=PLACED, order_id="o1")
    before = raw(shop, key)
    shipped = shop.orders.update(customer_id="c1", placed_at=PLACED, order_id="o1").set(
        status=OrderStatus.shipped
    )
    result = shipped.execute()
    assert result.status is OrderStatus.shipped
    after = raw(shop, key)
    # GSI2PK keeps its shard (computed from the primary key), changes its status.
    assert before["GSI2PK"]["S"].replace("pending", "shipped") == after["GSI2PK"]["S"]
    assert after["LSI1SK"] == {"S": "ORDERSTATUS#shipped#2026-03-01T12:00:00.000000Z"}
    assert [o.order_id for o in shop.orders.by_status(OrderStatus.shipped).items] == [
        "o1"
    ]
    assert shop.orders.by_status(OrderStatus.pending).items == []
    assert order.version == 1
    assert result.version == 2


def test_removing_a_field_leaves_the_sparse_index(backend: Backend) -> None:
    db = backend.client(Saas)
    task = db.tasks.create(
        Task(tenant_id="t1", project_id="p1", task_id="k1", title="x", assignee_id="u1")
    )
    assert [t.task_id for t in db.tasks.assigned_to("t1", "u1").items] == ["k1"]
    key = {"tenant_id": "t1", "project_id": "p1", "task_id": "k1"}
    db.tasks.update(**key).remove("assignee_id").execute()
    stored = raw(db, Task.key(**key))
    assert "GSI2PK" not in stored
    assert "GSI2SK" not in stored
    assert db.tasks.assigned_to("t1", "u1").items == []
    db.tasks.update(**key).set(assignee_id="u2").execute()
    assert [t.task_id for t in db.tasks.assigned_to("t1", "u2").items] == ["k1"]
    db.tasks.update(**key).set(
        assignee_id=None, status=TaskStatus("in-progress")
    ).execute()
    assert db.tasks.assigned_to("t1", "u2").items == []
    done = db.tasks.in_project("p1").items
    assert [(t.task_id, t.status) for t in done] == [("k1", TaskStatus("in-progress"))]
    assert task.version == 1


def test_index_fields_must_be_known(
    backend: Backend, build_schema: Callable[[str], Any]
) -> None:
    module = build_schema(
        """
dyngen: 1
table:
  name: pairs
  pk: PK
  sk: SK
  indexes: {GSI1: {kind: global, pk: GSI1PK, sk: GSI1SK}}
entities:
  Pair:
    attributes: {id: str, left: str, right: str}
    keys:
      primary: {pk: "P#{id}", sk: "P"}
      GSI1: {pk: "L#{left}", sk: "R#{right}"}
"""
    )
    db = backend.client(module.Pairs)
    db.pairs.create(module.Pair(id="1", left="a", right="b"))
    with pytest.raises(ValidationError, match="index GSI1, which also need right"):
        db.pairs.update(id="1").set(left="c").execute()
    done = db.pairs.update(id="1").set(left="c", right="d").execute()
    assert (done.left, done.right) == ("c", "d")


def test_update_requires_the_item(shop: Shop) -> None:
    with pytest.raises(ItemNotFoundError):
        shop.customers.update(customer_id="nobody").set(name="x").execute()
    assert shop.customers.get(customer_id="nobody") is None


def test_if_version_and_when(shop: Shop) -> None:
    created = shop.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    bumped = (
        shop.customers.update(customer_id="c1").set(name="B").if_version(1).execute()
    )
    assert bumped.version == 2
    with pytest.raises(VersionConflictError) as conflict:
        shop.customers.update(customer_id="c1").set(name="C").if_version(1).execute()
    assert conflict.value.item == bumped  # the current item, on every backend
    with pytest.raises(ConditionFailedError) as failed:
        (
            shop.customers.update(customer_id="c1")
            .set(name="D")
            .when(Customer.fields.status == CustomerStatus.suspended)
            .execute()
        )
    assert not isinstance(failed.value, VersionConflictError)
    assert shop.customers.get(customer_id="c1") == bumped
    assert created.version == 1


def test_one_action_per_field(shop: Shop) -> None:
    with pytest.raises(ValidationError, match="both set and add"):
        shop.customers.update(customer_id="c1").set(order_count=1).add(order_count=1)


def counter_increments(
    db: Shop, threads: int, rounds: int, retry: bool
) -> tuple[int, int]:
    """Threads doing read-modify-write increments; returns (applied, conflicts)."""
    applied = conflicts = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal applied, conflicts
        for _ in range(rounds):
            while True:
                current = db.customers.get(customer_id="counter", consistent=True)
                assert current is not None
                try:
                    (
                        db.customers.update(customer_id="counter")
                        .set(order_count=current.order_count + 1)
                        .if_version(current.version)
                        .execute()
                    )
                except VersionConflictError:
                    with lock:
                        conflicts += 1
                    if retry:
                        continue
                    break
                with lock:
                    applied += 1
                break

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return applied, conflicts


def test_concurrent_increments_over_http_lose_nothing(dynalite: Dynalite) -> None:
    backend = Backend("dynalite", dynalite)
    db = backend.client(Shop)
    db.customers.create(Customer(customer_id="counter", email="c@x", name="C"))
    applied, _ = counter_increments(db, threads=8, rounds=50, retry=True)
    final = db.customers.get(customer_id="counter", consistent=True)
    assert final is not None
    assert applied == 400
    assert final.order_count == 400
    assert final.version == 401
    backend.close()


def test_without_retry_every_lost_race_is_a_conflict(dynalite: Dynalite) -> None:
    backend = Backend("dynalite", dynalite)
    db = backend.client(Shop)
    db.customers.create(Customer(customer_id="counter", email="c@x", name="C"))
    applied, conflicts = counter_increments(db, threads=8, rounds=50, retry=False)
    final = db.customers.get(customer_id="counter", consistent=True)
    assert final is not None
    assert applied + conflicts == 400
    assert final.order_count == applied  # no update was lost silently
    assert conflicts > 0  # 8 threads racing on one item do collide
    backend.close()


def test_an_update_without_changes_is_refused_when_there_is_no_version(
    backend_telemetry: Any,
) -> None:
    with pytest.raises(
        ValidationError, match="Reading: an update needs at least one change"
    ):
        backend_telemetry.readings.update(
            device_id="d1", recorded_at=PLACED, metric=ReadingMetric.temperature
        ).execute()

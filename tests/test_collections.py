"""Collections: one partition, every member decoded by its type attribute."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from generated.saas import Project, Saas, Task, Tenant, User
from generated.shop import Customer, Order, OrderLines, OrderStatus, Shop
from generated.telemetry import Device, DeviceKind, Site, Telemetry

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def add_orders(db: Shop, count: int, customer: str = "c1") -> None:
    for n in range(count):
        db.orders.create(
            Order(
                customer_id=customer,
                order_id=f"o{n:03d}",
                placed_at=T0 + timedelta(minutes=n),
                status=OrderStatus.pending,
                total=Decimal(n),
                lines=[OrderLines(sku="s", qty=1, price=Decimal(n))],
            )
        )


def test_customer_with_orders(shop: Shop, caplog: pytest.LogCaptureFixture) -> None:
    customer = shop.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    add_orders(shop, 3)
    add_orders(shop, 2, customer="c2")
    # An item of a type this schema does not know, in the same partition.
    shop._executor.call(
        "PutItem",
        {
            "TableName": shop.table_name,
            "Item": {
                "PK": {"S": "CUSTOMER#c1"},
                "SK": {"S": "ZZZ#legacy"},
                "_type": {"S": "LegacyNote"},
            },
        },
    )
    with caplog.at_level(logging.WARNING, logger="dyngen"):
        result = shop.collections.customer_with_orders("c1")
    assert result.customer == customer
    assert [o.order_id for o in result.orders] == ["o000", "o001", "o002"]
    assert result.cursor is None
    assert "skipped an item of type 'LegacyNote'" in caplog.text
    empty = shop.collections.customer_with_orders("nobody")
    assert (empty.customer, empty.orders) == (None, [])


def test_collection_pages_resume(shop: Shop) -> None:
    shop.customers.create(Customer(customer_id="c1", email="a@x", name="A"))
    add_orders(shop, 25)
    seen: list[str] = []
    customers = 0
    cursor: str | None = None
    while True:
        page = shop.collections.customer_with_orders("c1", limit=4, cursor=cursor)
        assert len(page.orders) + (page.customer is not None) <= 4
        customers += page.customer is not None
        seen += [o.order_id for o in page.orders]
        cursor = page.cursor
        if cursor is None:
            break
    assert customers == 1
    assert seen == [f"o{n:03d}" for n in range(25)]


def test_collections_on_global_indexes(backend_saas: Saas) -> None:
    db = backend_saas
    db.projects.create(Project(tenant_id="t1", project_id="p1", name="P"))
    for n in range(3):
        db.tasks.create(
            Task(tenant_id="t1", project_id="p1", task_id=f"k{n}", title="x")
        )
    db.tenants.create(Tenant(tenant_id="t1", name="T", domain="t.example"))
    db.users.create(User(tenant_id="t1", user_id="u1", email="u@t.example", name="U"))
    both = db.collections.project_with_tasks("p1")
    assert both.project is not None
    assert both.project.name == "P"
    assert sorted(t.task_id for t in both.tasks) == ["k0", "k1", "k2"]
    overview = db.collections.tenant_overview("t1")
    assert overview.tenant is not None
    assert [u.user_id for u in overview.users] == ["u1"]
    assert [p.project_id for p in overview.projects] == ["p1"]


def test_collection_with_a_singular_member_on_gsi2(
    backend_telemetry: Telemetry,
) -> None:
    db = backend_telemetry
    db.sites.create(Site(site_id="s1", name="Plant"))
    for n in range(2):
        db.devices.create(
            Device(
                device_id=f"d{n}",
                site_id="s1",
                kind=DeviceKind.meter,
                firmware="1.0",
                installed_at=T0,
                settings={"interval": 60, "tags": ["a"]},
            )
        )
    site = db.collections.site_with_devices("s1")
    assert site.site is not None
    assert [d.device_id for d in site.devices] == ["d0", "d1"]
    assert site.devices[0].settings == {"interval": 60, "tags": ["a"]}

"""get(..., projection=[...]): only the named attributes are read, into a Partial."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dyngen_runtime import ValidationError

from generated.shop import Customer, CustomerAddress, CustomerPartial, Shop


def test_projection_reads_only_the_named_fields(shop: Shop) -> None:
    shop.customers.create(
        Customer(
            customer_id="c1",
            email="a@x",
            name="Ann",
            tags={"vip"},
            address=CustomerAddress(street="1 Main", city="X", zip="1"),
        )
    )
    partial = shop.customers.get(
        customer_id="c1", projection=["name", "address", "tags"]
    )
    assert isinstance(partial, CustomerPartial)
    assert partial.name == "Ann"
    assert partial.tags == {"vip"}
    assert partial.address == CustomerAddress(street="1 Main", city="X", zip="1")
    assert partial.email is None
    assert partial.customer_id is None
    assert shop.customers.get(customer_id="c2", projection=["name"]) is None


def test_projection_still_hides_expired_items(shop: Shop) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    shop.customers.create(
        Customer(customer_id="c1", email="a@x", name="A", expires_at=past)
    )
    assert shop.customers.get(customer_id="c1", projection=["name"]) is None
    shown = shop.customers.get(
        customer_id="c1", projection=["name"], include_expired=True
    )
    assert shown is not None
    assert shown.name == "A"


def test_unknown_projection_fields_are_refused(shop: Shop) -> None:
    with pytest.raises(ValidationError, match="no field 'nickname'"):
        shop.customers.get(customer_id="c1", projection=["nickname"])  # type: ignore[list-item]

"""The benchmark entity: one 15-attribute order, in every contender's form.

- ``bench_package()`` builds ``benchmarks/schemas/bench.yaml`` with
  ``dyngen build`` into a temporary folder (once per process) and imports the
  generated ``bench`` package from there.
- ``HandOrder`` with ``hand_to_item`` / ``hand_from_item`` is the hand-written,
  fully specialised marshaller: no validation, no indirection, the same wire
  item as dyngen's. It is the "speed limit" the generated code is held to.
- ``PlainOrder`` is a plain pydantic model of the same fields, for the
  "pydantic + boto3 TypeSerializer" contender.
- ``pynamodb_model()`` and ``pydynox_model()`` declare the entity with each
  peer's own attribute classes (``n/a`` when the peer is not installed).

Every contender stores the same attribute names (``PK``, ``SK``, ``_type`` and
the 15 attributes), so one canned item answers all of them.
"""

from __future__ import annotations

import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import AwareDatetime, BaseModel

from benchmarks.harness import ROOT, Unavailable

SCHEMAS = Path(__file__).resolve().parent / "schemas"
TABLE = "bench"

Item = dict[str, Any]


def fake_credentials() -> None:
    """Fake credentials and a region: nothing here may reach a real account."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }
    )
    for name in (
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ):
        os.environ.pop(name, None)
    # Keep botocore from looking for a metadata service or config files.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def dyngen_command() -> list[str]:
    """How to run the dyngen CLI with this interpreter."""
    return [sys.executable, "-m", "dyngen"]


@cache
def bench_package() -> ModuleType:
    """Build the benchmark schema into a temporary folder and import it."""
    out = Path(tempfile.mkdtemp(prefix="dyngen-bench-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    result = subprocess.run(
        [*dyngen_command(), "build", str(SCHEMAS), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise Unavailable(f"dyngen build failed: {result.stdout}{result.stderr}")
    sys.path.insert(0, str(out))
    return importlib.import_module(TABLE)


# ------------------------------------------------------------ sample values


class Status(StrEnum):
    """The order status enum of the peers' models (dyngen generates its own)."""

    pending = "pending"
    shipped = "shipped"
    delivered = "delivered"


PLACED_AT = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def values(n: int = 0) -> dict[str, Any]:
    """The 15 attribute values of order ``n`` as Python objects."""
    return {
        "customer_id": f"c-{n % 997:06d}",
        "order_id": f"o-{n:08d}",
        "email": "ann@example.com",
        "name": "Ann Example",
        "status": "shipped",
        "quantity": 3,
        "priority": 2,
        "total": Decimal("129.95"),
        "weight": 2.5,
        "gift": True,
        "placed_at": PLACED_AT,
        "tags": {"vip", "express", "gift"},
        "notes": ["leave at the door", "fragile"],
        "address": {"street": "1 Main St", "city": "Springfield", "zip": "12345"},
        "comment": "call before delivery",
    }


def pk(customer_id: str) -> str:
    """The partition key text of an order."""
    return "CUSTOMER#" + customer_id


def sk(order_id: str) -> str:
    """The sort key text of an order."""
    return "ORDER#" + order_id


def dyngen_order(n: int = 0) -> Any:
    """Order ``n`` as the generated dyngen model."""
    bench = bench_package()
    data = values(n)
    data["status"] = bench.OrderStatus(data["status"])
    data["address"] = bench.OrderAddress(**data["address"])
    return bench.Order(**data)


def dyngen_key(n: int) -> dict[str, str]:
    """The key fields of order ``n`` (an ``OrderKey``)."""
    data = values(n)
    return {"customer_id": data["customer_id"], "order_id": data["order_id"]}


def wire_item(n: int = 0) -> Item:
    """Order ``n`` in DynamoDB's wire form (what dyngen's ``to_item`` writes)."""
    return hand_to_item(hand_order(n))


def wire_key(n: int) -> Item:
    """The primary key of order ``n`` in wire form."""
    data = values(n)
    return {"PK": {"S": pk(data["customer_id"])}, "SK": {"S": sk(data["order_id"])}}


def plain_item(n: int = 0) -> Item:
    """Order ``n`` as the Python values boto3's Table resource takes."""
    data = values(n)
    data["weight"] = Decimal(repr(data["weight"]))
    data["placed_at"] = _utc_text(data["placed_at"])
    return {
        "PK": pk(data["customer_id"]),
        "SK": sk(data["order_id"]),
        "_type": "Order",
        **data,
    }


# ------------------------------------------- the hand-written speed limit


@dataclass(slots=True)
class HandAddress:
    """The nested address of :class:`HandOrder`."""

    street: str
    city: str
    zip: str


@dataclass(slots=True)
class HandOrder:
    """The order as a plain dataclass, for the hand-written marshaller."""

    customer_id: str
    order_id: str
    email: str
    name: str
    status: Status
    quantity: int
    priority: int
    total: Decimal
    weight: float
    gift: bool
    placed_at: datetime
    tags: set[str]
    notes: list[str]
    address: HandAddress
    comment: str | None = None


def hand_order(n: int = 0) -> HandOrder:
    """Order ``n`` as a :class:`HandOrder`."""
    data = values(n)
    data["status"] = Status(data["status"])
    data["address"] = HandAddress(**data["address"])
    return HandOrder(**data)


def _utc_text(value: datetime) -> str:
    # The same fixed-width UTC text as dyngen's encode_datetime.
    if value.utcoffset():
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}."
        f"{value.microsecond:06d}Z"
    )


def hand_to_item(o: HandOrder) -> Item:
    """The wire item, written out attribute by attribute."""
    a = o.address
    item: Item = {
        "PK": {"S": "CUSTOMER#" + o.customer_id},
        "SK": {"S": "ORDER#" + o.order_id},
        "_type": {"S": "Order"},
        "customer_id": {"S": o.customer_id},
        "order_id": {"S": o.order_id},
        "email": {"S": o.email},
        "name": {"S": o.name},
        "status": {"S": o.status.value},
        "quantity": {"N": str(o.quantity)},
        "priority": {"N": str(o.priority)},
        "total": {"N": str(o.total)},
        "weight": {"N": repr(o.weight)},
        "gift": {"BOOL": o.gift},
        "placed_at": {"S": _utc_text(o.placed_at)},
        "notes": {"L": [{"S": x} for x in o.notes]},
        "address": {
            "M": {"street": {"S": a.street}, "city": {"S": a.city}, "zip": {"S": a.zip}}
        },
    }
    if o.tags:
        item["tags"] = {"SS": list(o.tags)}
    if o.comment is not None:
        item["comment"] = {"S": o.comment}
    return item


def hand_from_item(item: Item) -> HandOrder:
    """The dataclass back from the wire item, trusting it completely."""
    a = item["address"]["M"]
    comment = item.get("comment")
    tags = item.get("tags")
    return HandOrder(
        item["customer_id"]["S"],
        item["order_id"]["S"],
        item["email"]["S"],
        item["name"]["S"],
        Status(item["status"]["S"]),
        int(item["quantity"]["N"]),
        int(item["priority"]["N"]),
        Decimal(item["total"]["N"]),
        float(item["weight"]["N"]),
        item["gift"]["BOOL"],
        datetime.fromisoformat(item["placed_at"]["S"]),
        set(tags["SS"]) if tags else set(),
        [x["S"] for x in item["notes"]["L"]],
        HandAddress(a["street"]["S"], a["city"]["S"], a["zip"]["S"]),
        None if comment is None else comment["S"],
    )


# ----------------------------------------------- pydantic + boto3 contender


class PlainAddress(BaseModel):
    """The nested address of :class:`PlainOrder`."""

    street: str
    city: str
    zip: str


class PlainOrder(BaseModel):
    """The order as an ordinary pydantic model (not generated by dyngen)."""

    customer_id: str
    order_id: str
    email: str
    name: str
    status: Status
    quantity: int
    priority: int
    total: Decimal
    weight: float
    gift: bool
    placed_at: AwareDatetime
    tags: set[str]
    notes: list[str]
    address: PlainAddress
    comment: str | None = None


def plain_order(n: int = 0) -> PlainOrder:
    """Order ``n`` as a :class:`PlainOrder`."""
    return PlainOrder.model_validate(values(n))


def boto_value(value: Any) -> Any:
    """A Python value as boto3's TypeSerializer takes it (no float, no datetime)."""
    if isinstance(value, str | bool | int | Decimal) or value is None:
        return value.value if isinstance(value, StrEnum) else value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return _utc_text(value)
    if isinstance(value, dict):
        return {k: boto_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [boto_value(v) for v in value]
    if isinstance(value, set):
        return {boto_value(v) for v in value}
    raise TypeError(f"no boto3 form for {type(value).__name__}")


class PydanticBoto:
    """The common hand-rolled glue: model_dump, then TypeSerializer per field."""

    def __init__(self) -> None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self._serialize = TypeSerializer().serialize
        self._deserialize = TypeDeserializer().deserialize

    def to_item(self, order: PlainOrder) -> Item:
        """The wire item of a pydantic order."""
        serialize = self._serialize
        item: Item = {
            "PK": {"S": pk(order.customer_id)},
            "SK": {"S": sk(order.order_id)},
            "_type": {"S": "Order"},
        }
        for name, value in order.model_dump(exclude_none=True).items():
            item[name] = serialize(boto_value(value))
        return item

    def from_item(self, item: Item) -> PlainOrder:
        """The pydantic order back from a wire item (validated)."""
        deserialize = self._deserialize
        return PlainOrder.model_validate({k: deserialize(v) for k, v in item.items()})


# -------------------------------------------------------------- PynamoDB


@cache
def pynamodb_model() -> Any:
    """The order as a PynamoDB 6 model class (``Unavailable`` if not installed)."""
    try:
        from pynamodb.attributes import (
            BooleanAttribute,
            ListAttribute,
            MapAttribute,
            NumberAttribute,
            UnicodeAttribute,
            UnicodeSetAttribute,
            UTCDateTimeAttribute,
        )
        from pynamodb.models import Model
    except ImportError as error:
        raise Unavailable(f"PynamoDB not installed ({error})") from None

    class EnumAttribute(UnicodeAttribute):
        """PynamoDB has no enum attribute: stored as its text value."""

        def serialize(self, value: Status) -> str:
            return value.value

        def deserialize(self, value: str) -> Status:
            return Status(value)

    class DecimalAttribute(NumberAttribute):
        """PynamoDB's NumberAttribute reads floats: keep totals exact."""

        def serialize(self, value: Decimal) -> str:
            return str(value)

        def deserialize(self, value: str) -> Decimal:
            return Decimal(value)

    class AddressMap(MapAttribute[str, str]):
        street = UnicodeAttribute()
        city = UnicodeAttribute()
        zip = UnicodeAttribute()

    class PynOrder(Model):
        Address = AddressMap

        class Meta:
            table_name = TABLE
            region = "us-east-1"

        PK = UnicodeAttribute(hash_key=True)
        SK = UnicodeAttribute(range_key=True)
        type_ = UnicodeAttribute(attr_name="_type", default="Order")
        customer_id = UnicodeAttribute()
        order_id = UnicodeAttribute()
        email = UnicodeAttribute()
        name = UnicodeAttribute()
        status = EnumAttribute()
        quantity = NumberAttribute()
        priority = NumberAttribute()
        total = DecimalAttribute()
        weight = NumberAttribute()
        gift = BooleanAttribute()
        placed_at = UTCDateTimeAttribute()
        tags = UnicodeSetAttribute()
        notes = ListAttribute(of=UnicodeAttribute)
        address = AddressMap()  # type: ignore[no-untyped-call]
        comment = UnicodeAttribute(null=True)

    return PynOrder


def pynamodb_model_for(table: str, host: str | None) -> Any:
    """A subclass of the PynamoDB model bound to ``table`` at ``host``."""
    base = pynamodb_model()
    meta = type("Meta", (), {"table_name": table, "region": "us-east-1", "host": host})
    return type(f"PynOrder_{table}", (base,), {"Meta": meta})


def pynamodb_order(model: Any, n: int = 0) -> Any:
    """Order ``n`` as an instance of the PynamoDB ``model``."""
    data = values(n)
    data["status"] = Status(data["status"])
    data["address"] = model.Address(**data["address"])
    return model(PK=pk(data["customer_id"]), SK=sk(data["order_id"]), **data)


# ---------------------------------------------------------------- pydynox


@cache
def pydynox_available() -> None:
    """Raise ``Unavailable`` when pydynox cannot be imported."""
    try:
        import pydynox  # noqa: F401
    except ImportError as error:
        raise Unavailable(f"pydynox not installed ({error})") from None


def pydynox_model(table: str, client: Any = None) -> Any:
    """The order as a pydynox model class on ``table`` (with ``client``)."""
    pydynox_available()
    from pydynox import Model, ModelConfig
    from pydynox.attributes import (
        BooleanAttribute,
        DatetimeAttribute,
        DecimalAttribute,
        EnumAttribute,
        ListAttribute,
        MapAttribute,
        NumberAttribute,
        StringAttribute,
        StringSetAttribute,
    )

    @dataclass
    class DynoxAddress:
        street: str
        city: str
        zip: str

    class DynoxOrder(Model):
        Address = DynoxAddress
        model_config = ModelConfig(table=table, client=client)

        PK = StringAttribute(partition_key=True)
        SK = StringAttribute(sort_key=True)
        type_ = StringAttribute(alias="_type", default="Order")
        customer_id = StringAttribute(required=True)
        order_id = StringAttribute(required=True)
        email = StringAttribute(required=True)
        name = StringAttribute(required=True)
        status = EnumAttribute(Status, required=True)
        quantity = NumberAttribute(required=True)
        priority = NumberAttribute(required=True)
        total = DecimalAttribute(required=True)
        weight = NumberAttribute(required=True)
        gift = BooleanAttribute(required=True)
        placed_at = DatetimeAttribute(required=True)
        tags = StringSetAttribute(required=True)
        notes = ListAttribute(required=True)
        address = MapAttribute(DynoxAddress, required=True)
        comment = StringAttribute()

    return DynoxOrder


def pydynox_order(model: Any, n: int = 0) -> Any:
    """Order ``n`` as an instance of the pydynox ``model``."""
    data = values(n)
    data["status"] = Status(data["status"])
    data["address"] = model.Address(**data["address"])
    return model(PK=pk(data["customer_id"]), SK=sk(data["order_id"]), **data)


def pydynox_client(endpoint_url: str) -> Any:
    """A pydynox client on ``endpoint_url`` with the fake credentials."""
    pydynox_available()
    from pydynox import DynamoDBClient

    return DynamoDBClient(
        region="us-east-1",
        endpoint_url=endpoint_url,
        access_key="bench",
        secret_key="bench",
    )


def pydynox_number_schema(model: Any) -> Any:
    """The schema pydynox's model reads decode numbers with (Decimal fields)."""
    return {
        "fields": frozenset(model._decimal_fields),
        "variants": {},
        "fallback_fields": frozenset(model._declared_decimal_fields),
    }

"""The contenders of the request parts: one put and one get through each client.

Each contender starts from its own natural object and ends with one: wire
dicts for the boto3 low-level client (that is what its users write), plain
dicts for the Table resource, model instances for PynamoDB, pydynox, pydantic
and dyngen. The objects are built before the timing; what is timed is the
client's work: marshalling, building and sending the request, parsing the
response.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from benchmarks import entity
from benchmarks.harness import Contender, Unavailable

#: Distinct items each contender cycles through.
POOL = 50

BOTO3_CLIENT = "boto3 client"
DYNGEN_DEFAULT = "dyngen (default transport)"
PYDYNOX = "pydynox"


@dataclass
class RequestClient:
    """A contender's put and get of order ``n``, with its setup and cleanup."""

    name: str
    put: Callable[[int], object]
    get: Callable[[int], object]
    note: str = ""
    close: Callable[[], object] = lambda: None
    extra: dict[str, Any] = field(default_factory=dict)


def slug(name: str) -> str:
    """A table-name-safe form of a contender's name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


def boto3_client(endpoint: str, *, validate: bool = True) -> Any:
    """A low-level boto3 DynamoDB client on ``endpoint`` (botocore defaults)."""
    import boto3
    from botocore.config import Config

    config = None if validate else Config(parameter_validation=False)
    return boto3.session.Session().client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1", config=config
    )


def create_plain_table(endpoint: str, table: str) -> None:
    """Create ``table`` (PK, SK strings, on demand) with boto3 and wait for it."""
    client = boto3_client(endpoint)
    with contextlib.suppress(client.exceptions.ResourceInUseException):
        client.create_table(
            TableName=table,
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    client.get_waiter("table_exists").wait(
        TableName=table, WaiterConfig={"Delay": 0.05, "MaxAttempts": 200}
    )
    client.close()


# ----------------------------------------------------------------- makers


def make_boto3_client(
    endpoint: str, table: str, create: bool, validate: bool
) -> RequestClient:
    """boto3's low-level client with wire dicts written by hand."""
    if create:
        create_plain_table(endpoint, table)
    client = boto3_client(endpoint, validate=validate)
    items = [entity.wire_item(n) for n in range(POOL)]
    keys = [entity.wire_key(n) for n in range(POOL)]
    put_item, get_item = client.put_item, client.get_item

    def put(n: int) -> object:
        return put_item(TableName=table, Item=items[n % POOL])

    def get(n: int) -> object:
        return get_item(TableName=table, Key=keys[n % POOL])["Item"]

    note = "wire dicts in and out" + (
        "" if validate else "; parameter_validation=False"
    )
    return RequestClient(
        BOTO3_CLIENT if validate else "boto3 client (no validation)",
        put,
        get,
        note,
        client.close,
    )


def make_boto3_table(endpoint: str, table: str, create: bool) -> RequestClient:
    """boto3's Table resource with plain Python dicts."""
    import boto3

    if create:
        create_plain_table(endpoint, table)
    resource = boto3.session.Session().resource(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1"
    )
    handle = resource.Table(table)
    items = [entity.plain_item(n) for n in range(POOL)]
    keys = [{"PK": item["PK"], "SK": item["SK"]} for item in items]

    def put(n: int) -> object:
        return handle.put_item(Item=items[n % POOL])

    def get(n: int) -> object:
        return handle.get_item(Key=keys[n % POOL])["Item"]

    return RequestClient(
        "boto3 Table resource",
        put,
        get,
        "plain dicts in and out",
        resource.meta.client.close,
    )


def make_pydantic_boto3(endpoint: str, table: str, create: bool) -> RequestClient:
    """A pydantic model with hand-rolled TypeSerializer glue over the client."""
    if create:
        create_plain_table(endpoint, table)
    client = boto3_client(endpoint)
    glue = entity.PydanticBoto()
    orders = [entity.plain_order(n) for n in range(POOL)]
    keys = [entity.wire_key(n) for n in range(POOL)]

    def put(n: int) -> object:
        return client.put_item(TableName=table, Item=glue.to_item(orders[n % POOL]))

    def get(n: int) -> object:
        return glue.from_item(
            client.get_item(TableName=table, Key=keys[n % POOL])["Item"]
        )

    return RequestClient(
        "pydantic + boto3 client",
        put,
        get,
        "model_dump + TypeSerializer, TypeDeserializer + model_validate",
        client.close,
    )


def make_pynamodb(endpoint: str, table: str, create: bool) -> RequestClient:
    """PynamoDB 6: Model.save() and Model.get()."""
    model = entity.pynamodb_model_for(table, endpoint)
    if create:
        create_plain_table(endpoint, table)
    orders = [entity.pynamodb_order(model, n) for n in range(POOL)]
    keys = [(o.PK, o.SK) for o in orders]

    def put(n: int) -> object:
        return orders[n % POOL].save()

    def get(n: int) -> object:
        hash_key, range_key = keys[n % POOL]
        return model.get(hash_key, range_key)

    return RequestClient("PynamoDB", put, get, "Model.save() / Model.get()")


def make_pydynox(endpoint: str, table: str, create: bool) -> RequestClient:
    """pydynox (Rust core): Model.sync_save() and Model.sync_get()."""
    client = entity.pydynox_client(endpoint)
    model = entity.pydynox_model(table, client)
    if create:
        create_plain_table(endpoint, table)
    orders = [entity.pydynox_order(model, n) for n in range(POOL)]
    keys = [{"PK": o.PK, "SK": o.SK} for o in orders]

    def put(n: int) -> object:
        return orders[n % POOL].sync_save(full_replace=True)

    def get(n: int) -> object:
        return model.sync_get(**keys[n % POOL])

    return RequestClient(
        PYDYNOX, put, get, "Model.sync_save(full_replace=True) / Model.sync_get()"
    )


def dyngen_connect(endpoint: str, table: str, **settings: Any) -> Any:
    """``Bench.connect`` on ``endpoint``; ``Unavailable`` if a setting is refused."""
    bench = entity.bench_package()
    try:
        return bench.Bench.connect(
            table_name=table, endpoint_url=endpoint, region_name="us-east-1", **settings
        )
    except TypeError as error:
        raise Unavailable(f"connect() does not take {settings} yet ({error})") from None
    except Exception as error:
        if type(error).__name__ in ("ConfigurationError", "ValidationError"):
            raise Unavailable(f"connect({settings}) refused: {error}") from None
        raise


def make_dyngen(
    endpoint: str, table: str, create: bool, **settings: Any
) -> RequestClient:
    """dyngen's generated client: db.orders.put() and db.orders.get()."""
    db = dyngen_connect(endpoint, table, **settings)
    if create:
        db.create_table()
    orders = [entity.dyngen_order(n) for n in range(POOL)]
    keys = [entity.dyngen_key(n) for n in range(POOL)]
    repo = db.orders

    def put(n: int) -> object:
        return repo.put(orders[n % POOL])

    def get(n: int) -> object:
        return repo.get(**keys[n % POOL])

    transport = getattr(getattr(db, "_executor", None), "transport", None)
    label = (
        DYNGEN_DEFAULT
        if not settings
        else "dyngen " + ", ".join(f"{k}={v}" for k, v in settings.items())
    )
    note = "db.orders.put() / db.orders.get()"
    if transport is not None:
        note += f"; transport in use: {transport}"
    return RequestClient(label, put, get, note, db.close, {"transport": transport})


RAW_SOCKET = "raw socket (floor)"


def make_raw_socket(endpoint: str, table: str, create: bool) -> RequestClient:
    """The transport floor: pre-built request bytes on one keep-alive socket.

    No marshalling, no signing (the canned server checks nothing), only
    sending bytes, reading the response and parsing the GetItem JSON: what
    any Python client pays at least on this machine.
    """
    if create:
        raise Unavailable("only against the canned server (the requests are unsigned)")
    parts = urlsplit(endpoint)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")

    def request(operation: str, payload: dict[str, Any]) -> bytes:
        body = json.dumps(payload, separators=(",", ":")).encode()
        head = (
            f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/x-amz-json-1.0\r\n"
            f"X-Amz-Target: DynamoDB_20120810.{operation}\r\n"
            "Authorization: unsigned\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    puts = [
        request("PutItem", {"TableName": table, "Item": entity.wire_item(n)})
        for n in range(POOL)
    ]
    gets = [
        request("GetItem", {"TableName": table, "Key": entity.wire_key(n)})
        for n in range(POOL)
    ]

    def exchange(data: bytes) -> bytes:
        sock.sendall(data)
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b""):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return reader.read(length)

    def put(n: int) -> object:
        return exchange(puts[n % POOL])

    def get(n: int) -> object:
        return json.loads(exchange(gets[n % POOL]))["Item"]

    def close() -> None:
        reader.close()
        sock.close()

    return RequestClient(
        RAW_SOCKET,
        put,
        get,
        "pre-built unsigned request bytes, json.loads of the answer",
        close,
    )


#: (name, maker) of every request contender, in table order.
Maker = Callable[[str, str, bool], RequestClient]


def makers(*, floor: bool = False) -> list[tuple[str, Maker]]:
    """Every contender of the request parts (with ``floor``, the raw socket too)."""
    floors: list[tuple[str, Maker]] = [(RAW_SOCKET, make_raw_socket)] if floor else []
    return [
        *floors,
        (BOTO3_CLIENT, lambda e, t, c: make_boto3_client(e, t, c, True)),
        (
            "boto3 client (no validation)",
            lambda e, t, c: make_boto3_client(e, t, c, False),
        ),
        ("boto3 Table resource", make_boto3_table),
        ("PynamoDB", make_pynamodb),
        (PYDYNOX, make_pydynox),
        ("pydantic + boto3 client", make_pydantic_boto3),
        (DYNGEN_DEFAULT, make_dyngen),
        (
            "dyngen transport=boto3",
            lambda e, t, c: make_dyngen(e, t, c, transport="boto3"),
        ),
    ]


def request_contenders(
    endpoint: str, prefix: str, number: int, *, create: bool, floor: bool = False
) -> tuple[list[Contender], list[RequestClient]]:
    """Contenders doing ``number`` sequential put+get pairs per call.

    With ``create`` each gets a table of its own (``<prefix>_<name>``).
    """
    found: list[Contender] = []
    made: list[RequestClient] = []
    for name, maker in makers(floor=floor):
        table = f"{prefix}_{slug(name)}"
        try:
            client = maker(endpoint, table, create)
            client.put(0)
            client.get(0)  # a failure shows here, not mid-timing
        except Unavailable as error:
            found.append(Contender(name, unavailable=str(error)))
            continue
        except Exception as error:
            found.append(
                Contender(name, unavailable=f"{type(error).__name__}: {error}"[:200])
            )
            continue
        made.append(client)
        found.append(Contender(name, _pairs(client, number), number, note=client.note))
    return found, made


def _pairs(client: RequestClient, number: int) -> Callable[[], None]:
    put, get = client.put, client.get

    def run() -> None:
        for n in range(number):
            put(n)
            get(n)

    return run


def close_all(clients: list[RequestClient]) -> None:
    """Close every client, ignoring failures (the numbers are already taken)."""
    for client in clients:
        with contextlib.suppress(Exception):
            client.close()

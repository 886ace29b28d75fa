"""Record every request and response to a cassette, then replay with no network."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dyngen_runtime import (
    ConditionFailedError,
    ConfigurationError,
    DyngenError,
    RetryConfig,
    ServiceError,
    ThroughputError,
    TransactionFailedError,
)
from dyngen_runtime.cassette import Player, Recorder, ReplayMismatchError

from generated.shop import (
    Customer,
    CustomerKey,
    Order,
    OrderLines,
    OrderStatus,
    Shop,
)
from tests.backends import MotoServer
from tests.fault_proxy import FaultProxy, Faults

PLACED = datetime(2026, 3, 1, tzinfo=UTC)
NO_SLEEP = RetryConfig(sleep=lambda _: None)


# --- the cassette alone -------------------------------------------------------


class Canned:
    """A fake transport: answers each operation from a list, in order."""

    def __init__(self, *answers: dict[str, Any] | DyngenError) -> None:
        self.answers = list(answers)

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = self.answers.pop(0)
        if isinstance(answer, DyngenError):
            raise answer
        return answer


def record(path: Path, *calls: tuple[str, dict[str, Any]], send: Canned) -> list[Any]:
    """Send ``calls`` through a recorder; what each returned or raised."""
    recorder = Recorder(path, "shop")
    wrapped = recorder.around(send)
    outcomes: list[Any] = []
    for operation, params in calls:
        try:
            outcomes.append(wrapped(operation, params))
        except DyngenError as error:
            outcomes.append(error)
    recorder.save()
    return outcomes


def replay(path: Path, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    player = Player.load(path)
    outcomes: list[Any] = []
    for operation, params in calls:
        try:
            outcomes.append(player.send(operation, params))
        except DyngenError as error:
            outcomes.append(error)
    return outcomes


GET = ("GetItem", {"TableName": "shop", "Key": {"PK": {"S": "A"}, "SK": {"S": "B"}}})
BINARY_ITEM = {
    "Item": {
        "PK": {"S": "A"},
        "blob": {"B": b"\x00\xff"},
        "blobs": {"BS": [b"a", b"b"]},
        "nested": {"M": {"B": {"L": [{"B": b"\x01"}, {"S": "é"}]}}},
    }
}


def test_responses_replay_with_their_binaries(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    recorded = record(path, GET, send=Canned(BINARY_ITEM))
    assert replay(path, GET) == recorded == [BINARY_ITEM]
    # Readable JSON: binaries as base64 text, in the wire's own form.
    text = path.read_text(encoding="utf-8")
    assert '"B": "AP8="' in text
    assert "é" in text


def test_errors_replay_as_the_same_class_with_their_details(tmp_path: Path) -> None:
    conflict = ConditionFailedError(
        "The conditional request failed",
        raw_item={"PK": {"S": "A"}, "blob": {"B": b"\x02"}},
        code="ConditionalCheckFailedException",
        request_id="r1",
        operation="PutItem",
    )
    cancelled = TransactionFailedError(
        "Transaction cancelled",
        raw_reasons=[
            {"Code": "None"},
            {"Code": "ConditionalCheckFailed", "Item": {"x": {"B": b"\x03"}}},
        ],
        code="TransactionCanceledException",
        request_id="r2",
        operation="TransactWriteItems",
    )
    throttled = ThroughputError("slow down", code="ThrottlingException")
    put = ("PutItem", {"TableName": "shop", "Item": {"PK": {"S": "A"}}})
    write = ("TransactWriteItems", {"TransactItems": [], "ClientRequestToken": "t"})
    path = tmp_path / "c.json"
    record(path, put, write, GET, send=Canned(conflict, cancelled, throttled))
    again = replay(path, put, write, GET)
    assert [type(e) for e in again] == [
        ConditionFailedError,
        TransactionFailedError,
        ThroughputError,
    ]
    assert again[0].raw_item == conflict.raw_item
    assert (again[0].code, again[0].request_id) == (
        "ConditionalCheckFailedException",
        "r1",
    )
    assert again[1].raw_reasons == cancelled.raw_reasons
    assert str(again[2]) == "slow down (operation=GetItem, code=ThrottlingException)"


def test_identical_requests_replay_in_recorded_order(tmp_path: Path) -> None:
    # A throttled attempt and its retry are the same request twice.
    path = tmp_path / "c.json"
    throttled = ThroughputError("slow down", code="ThrottlingException")
    record(path, GET, GET, send=Canned(throttled, {"Item": {"n": {"N": "1"}}}))
    first, second = replay(path, GET, GET)
    assert isinstance(first, ThroughputError)
    assert second == {"Item": {"n": {"N": "1"}}}


def test_concurrent_requests_match_by_body_in_any_order(tmp_path: Path) -> None:
    calls = [
        ("GetItem", {"TableName": "shop", "Key": {"PK": {"S": f"k{n}"}}})
        for n in range(40)
    ]
    answers = [{"Item": {"PK": {"S": f"k{n}"}, "n": {"N": str(n)}}} for n in range(40)]
    path = tmp_path / "c.json"
    record(path, *calls, send=Canned(*answers))
    player = Player.load(path)
    shuffled = list(enumerate(calls))
    random.Random(3).shuffle(shuffled)
    got: dict[int, dict[str, Any]] = {}

    def worker(chunk: list[tuple[int, tuple[str, dict[str, Any]]]]) -> None:
        for position, (operation, params) in chunk:
            got[position] = player.send(operation, params)

    threads = [
        threading.Thread(target=worker, args=(shuffled[i::8],)) for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [got[n] for n in range(40)] == answers
    assert player.unplayed() == []


def test_a_request_that_matches_nothing_shows_the_nearest_difference(
    tmp_path: Path,
) -> None:
    put = (
        "PutItem",
        {"TableName": "shop", "Item": {"PK": {"S": "A"}, "name": {"S": "Ann"}}},
    )
    other = ("PutItem", {"TableName": "shop", "Item": {"PK": {"S": "Z"}}})
    path = tmp_path / "c.json"
    record(path, put, other, send=Canned({}, {}))
    changed = (
        "PutItem",
        {
            "TableName": "shop",
            "Item": {"PK": {"S": "A"}, "name": {"S": "Bob"}},
            "ConditionExpression": "x",
        },
    )
    with pytest.raises(ReplayMismatchError) as raised:
        Player.load(path).send(*changed)
    assert str(raised.value) == (
        f"{path}: no recorded PutItem request matches; the nearest differs in 2 "
        "place(s):\n"
        "  ConditionExpression: not recorded, sent 'x'\n"
        "  Item.name.S: recorded 'Ann', sent 'Bob' (operation=PutItem)"
    )


def test_used_up_and_unknown_requests_say_so(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    record(path, GET, send=Canned({}))
    player = Player.load(path)
    player.send(*GET)
    with pytest.raises(
        ReplayMismatchError, match="recorded 1 time\\(s\\) and is now sent 2"
    ):
        player.send(*GET)
    with pytest.raises(
        ReplayMismatchError,
        match=r"no Query request was recorded \(the cassette holds: GetItem x1\)",
    ):
        player.send("Query", {"TableName": "shop"})


def test_the_nearest_request_is_the_one_with_fewest_differences(
    tmp_path: Path,
) -> None:
    far = ("Query", {"TableName": "other", "Limit": 10, "Select": "COUNT"})
    near = ("Query", {"TableName": "shop", "Limit": 25, "ScanIndexForward": False})
    path = tmp_path / "c.json"
    record(path, far, near, send=Canned({}, {}))
    with pytest.raises(ReplayMismatchError) as raised:
        Player.load(path).send("Query", {"TableName": "shop", "ScanIndexForward": True})
    assert str(raised.value).splitlines()[1:] == [
        "  Limit: recorded 25, missing",
        "  ScanIndexForward: recorded False, sent True (operation=Query)",
    ]


def test_long_values_are_cut_and_only_five_differences_are_listed(
    tmp_path: Path,
) -> None:
    recorded = {f"k{n}": "x" * 100 for n in range(7)}
    path = tmp_path / "c.json"
    record(path, ("PutItem", recorded), send=Canned({}))
    with pytest.raises(ReplayMismatchError) as raised:
        Player.load(path).send("PutItem", dict.fromkeys(recorded, "y"))
    lines = str(raised.value).splitlines()
    assert lines[0].endswith("the nearest differs in 7 place(s):")
    assert lines[1] == f"  k0: recorded '{'x' * 56}..., sent 'y'"
    assert len(lines[1].split(": recorded ")[1].split(", sent")[0]) == 60
    assert [line.split(":")[0] for line in lines[1:6]] == [f"  k{n}" for n in range(5)]
    assert lines[6] == "  ... and 2 more (operation=PutItem)"


def test_an_empty_cassette_says_it_holds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    record(path, send=Canned())
    with pytest.raises(ReplayMismatchError, match=r"holds: nothing"):
        Player.load(path).send(*GET)


def test_a_failed_save_keeps_the_previous_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.json"
    record(path, GET, send=Canned({"Item": {"n": {"N": "1"}}}))
    before = path.read_bytes()
    recorder = Recorder(path, "shop")
    recorder.around(Canned({"Item": {"n": {"N": "2"}}}))(*GET)

    def refuse(source: object, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("dyngen_runtime.cassette.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        recorder.save()
    # Readers never see a half-written cassette, and no temporary file remains.
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such cassette"),
        ("{not json", "not a readable cassette"),
        ('{"format": "other"}', "not a dyngen-cassette file"),
        ('{"format": "dyngen-cassette", "version": 9}', "cassette version 9"),
        (
            '{"format": "dyngen-cassette", "version": 1, "interactions": [{}]}',
            "every interaction needs an operation",
        ),
        (
            '{"format": "dyngen-cassette", "version": 1, "interactions": '
            '[{"operation": "GetItem", "request": {}, "response": []}]}',
            "every interaction needs an operation",
        ),
    ],
)
def test_an_unusable_cassette_is_a_configuration_error_naming_it(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    for load in (Player.load, Shop.replay):
        with pytest.raises(ConfigurationError, match=message) as raised:
            load(path)
        assert str(path) in str(raised.value)


def test_recording_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    for path in (first, second):
        record(path, GET, GET, send=Canned(BINARY_ITEM, {}))
    assert first.read_bytes() == second.read_bytes()
    # Saved atomically: no temporary file is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.json", "2.json"]


# --- a whole scenario over HTTP, with faults ------------------------------------


def order(n: int) -> Order:
    return Order(
        customer_id="c1",
        order_id=f"o{n:03d}",
        placed_at=PLACED,
        status=OrderStatus.pending,
        total=Decimal(n) + Decimal("0.5"),
        lines=[OrderLines(sku=f"s{n}", qty=1, price=Decimal("0.5"))],
    )


def customer(n: int) -> Customer:
    return Customer(
        customer_id=f"c{n}",
        email=f"{n}@x",
        name=f"C{n}",
        created_at=PLACED,
        tags={"vip"} if n % 2 else set(),
    )


def scenario(db: Shop) -> list[Any]:
    """Every kind of call, faults absorbed by retries: what each returned or raised."""
    seen: list[Any] = []
    db.create_table()
    seen.append(db.customers.create(customer(1)))
    seen.append(db.customers.get(customer_id="c1"))
    with pytest.raises(ConditionFailedError) as conflict:
        db.customers.create(customer(1))
    seen.append(("conflict", type(conflict.value).__name__, conflict.value.code))
    updated = db.customers.update(customer_id="c1").set(name="Ann").add(order_count=2)
    seen.append(updated.execute())
    with pytest.raises(ConditionFailedError) as stale:
        db.customers.update(customer_id="c1").set(name="Stale").if_version(1).execute()
    seen.append(("stale", type(stale.value).__name__, stale.value.code))
    current = db.customers.get(customer_id="c1", consistent=True)
    assert current is not None
    seen.append(db.customers.put(current.model_copy(update={"email": "ann@x"})))
    for n in range(12):
        seen.append(db.orders.create(order(n)))
    seen.append(db.orders.delete(customer_id="c1", placed_at=PLACED, order_id="o011"))
    cursor: str | None = None
    pages = 0
    while True:
        page = db.orders.for_customer("c1", limit=4, cursor=cursor)
        seen.append((page.items, page.cursor))
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert pages >= 3
    seen.append(list(db.orders.iter_for_customer("c1")))
    written = db.batch_write(puts=[customer(n) for n in range(2, 62)])
    seen.append((written.succeeded, [f.reason for f in written.failed]))
    read = db.customers.batch_get([CustomerKey(customer_id=f"c{n}") for n in range(70)])
    seen.append((read.items, read.missing, read.unprocessed))
    with pytest.raises(TransactionFailedError) as cancelled:
        db.transaction("tx-fails", lambda tx: [tx.customers.create(customer(1))])
    reasons = [r.code for r in cancelled.value.reasons]
    seen.append(("cancelled", cancelled.value.code, reasons))
    db.transaction("tx-commits", lambda tx: [tx.orders.create(order(99))])
    seen.append(db.orders.get(customer_id="c1", placed_at=PLACED, order_id="o099"))
    seen.append(sorted(c.customer_id for c in db.customers.scan(segments=3)))
    return seen


@pytest.fixture(scope="module")
def recorded(
    moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, list[Any], FaultProxy]]:
    """The scenario recorded once through the fault proxy, for every test here."""
    table = f"cassette-{uuid.uuid4().hex[:10]}"
    proxy = FaultProxy(moto_server.port, seed=11)
    proxy.faults = Faults(throttle=0.08, server_error=0.05, partial_batch=0.5)
    proxy.start()
    path = tmp_path_factory.mktemp("cassette") / "scenario.json"
    db = Shop.connect(
        table_name=table, endpoint_url=proxy.endpoint_url, retry=NO_SLEEP, record=path
    )
    try:
        results = scenario(db)
    finally:
        db.close()
        proxy.stop()
    yield path, results, proxy
    with Shop.connect(table_name=table, endpoint_url=moto_server.endpoint_url) as gone:
        gone._executor.call("DeleteTable", {"TableName": table})


def test_a_recorded_scenario_with_faults_replays_identically(
    recorded: tuple[Path, list[Any], FaultProxy],
) -> None:
    path, results, proxy = recorded
    # The faults really happened while recording, and are in the cassette.
    assert proxy.injected["throttle"] > 0
    assert proxy.injected["server_error"] > 0
    assert proxy.injected["partial_batch"] > 0
    document = json.loads(path.read_text())
    codes = {e["error"]["code"] for e in document["interactions"] if "error" in e}
    assert {"ProvisionedThroughputExceededException", "InternalServerError"} <= codes
    assert any(
        e.get("response", {}).get("UnprocessedItems") for e in document["interactions"]
    )
    # Replayed twice: the cassette is read-only, every replay starts afresh.
    for _ in range(2):
        with Shop.replay(path, retry=NO_SLEEP) as replayed:
            assert scenario(replayed) == results
            assert replayed._player is not None
            assert replayed._player.unplayed() == []


def test_replay_of_a_changed_scenario_names_the_change(
    recorded: tuple[Path, list[Any], FaultProxy],
) -> None:
    path, _, _ = recorded
    replayed = Shop.replay(path)
    replayed.create_table()
    with pytest.raises(ReplayMismatchError) as raised:
        replayed.customers.create(customer(1).model_copy(update={"name": "Other"}))
    message = str(raised.value)
    assert message.startswith(f"{path}: no recorded PutItem request matches;")
    assert "\n  Item.name.S: recorded 'C1', sent 'Other'" in message
    # Nothing else of the request differs from the recorded create.
    assert "differs in 1 place(s)" in message


def test_replay_sends_nothing_over_the_network(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    db = Shop.in_memory(record=path)
    stored = db.customers.create(customer(1))
    assert db.customers.get(customer_id="c1") == stored
    db.close()
    replayed = Shop.replay(path)
    # No boto3 client and no HTTP pool: the cassette is the only backend.
    assert replayed._executor.client is None
    assert replayed._executor.http is None
    assert replayed.customers.create(customer(1)) == stored
    assert replayed.customers.get(customer_id="c1") == stored


def test_a_cassette_holds_no_metadata_or_secrets(
    moto_server: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Canary credentials; the boto3 transport's responses carry
    # ResponseMetadata (request ids, HTTP headers), which must be dropped.
    canaries = ("AKIDCASSETTECANARY01", "cassette-secret-canary", "cassette-token")
    for name, value in zip(
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
        canaries,
        strict=True,
    ):
        monkeypatch.setenv(name, value)
    table = f"cassette-{uuid.uuid4().hex[:10]}"
    path = tmp_path / "c.json"

    def calls(db: Shop) -> list[Any]:
        db.create_table()
        seen: list[Any] = [db.customers.create(customer(1))]
        try:
            db.customers.create(customer(1))
        except ConditionFailedError as error:
            seen.append((type(error).__name__, error.code, error.raw_item))
        seen.append(db.customers.get(customer_id="c1"))
        db._executor.call("DeleteTable", {"TableName": table})
        return seen

    with Shop.connect(
        table_name=table,
        endpoint_url=moto_server.endpoint_url,
        transport="boto3",
        record=path,
    ) as db:
        results = calls(db)
    text = path.read_text(encoding="utf-8")
    for secret in (
        *canaries,
        "ResponseMetadata",
        "HTTPHeaders",
        "RequestId",
        "Authorization",
        "X-Amz-Security-Token",
        "X-Amz-Date",
        "Signature",
        "Credential",
    ):
        assert secret.lower() not in text.lower(), secret
    document = json.loads(text)
    assert [e["operation"] for e in document["interactions"]][:2] == [
        "CreateTable",
        "DescribeTable",
    ]
    # botocore's datetimes (CreationDateTime) are kept as the wire's epoch
    # seconds, and the cassette replays on a client with no network.
    with Shop.replay(path) as replayed:
        assert calls(replayed) == results


def test_service_errors_without_a_known_class_replay_as_service_errors(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.json"
    record(path, GET, send=Canned(ServiceError("odd", code="Weird")))
    document = json.loads(path.read_text())
    document["interactions"][0]["error"]["type"] = "NotAnErrorClass"
    path.write_text(json.dumps(document))
    [error] = replay(path, GET)
    assert type(error) is ServiceError
    assert error.code == "Weird"

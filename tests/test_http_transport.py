"""The direct HTTP request path: signing, wire format, errors, pooling, settings.

The signer is checked against botocore's ``SigV4Auth``, responses against the
boto3 transport on real servers (dynalite, moto's server), and failure
handling against a scripted socket server that answers each request with
canned bytes (or drops it, or never answers).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import http
import ipaddress
import json
import os
import resource
import socket
import ssl
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, BinaryIO, cast

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from dyngen_runtime import (
    AuthenticationError,
    ConditionFailedError,
    ConfigurationError,
    DyngenError,
    ServiceError,
    ThroughputError,
    TransactionFailedError,
    ValidationError,
)
from dyngen_runtime.executor import Executor
from dyngen_runtime.http_transport import HttpTransport
from dyngen_runtime.retry import RetryConfig, RetryEvent, retry_class
from dyngen_runtime.sigv4 import Signer
from dyngen_runtime.wire_json import (
    EncodedRequest,
    decode_body,
    encode_body,
    json_text,
    plain,
)

from generated.shop import Shop

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET = "DynamoDB_20120810."
CREDENTIALS = Credentials("AKIDTEST", "secret")
# A session token shaped like a real one (base64: "/", "+" and "=").
TOKEN = "IQoJb3JpZ2luX2VjE/+xyz==" + "A" * 40


# --- botocore as the reference signer ----------------------------------------


def botocore_signed(
    monkeypatch: pytest.MonkeyPatch,
    credentials: Any,
    region: str,
    url: str,
    target: str,
    body: bytes,
    at: datetime,
) -> dict[str, str | None]:
    """The headers botocore's SigV4Auth adds when its clock reads ``at``."""
    # botocore.auth imported get_current_datetime by name: patch it there.
    monkeypatch.setattr(
        botocore.auth,
        "get_current_datetime",
        lambda remove_tzinfo=True: at.replace(tzinfo=None),
    )
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": target},
    )
    SigV4Auth(credentials, "dynamodb", region).add_auth(request)
    return {
        name: request.headers.get(name)
        for name in ("X-Amz-Date", "X-Amz-Security-Token", "Authorization")
    }


def signer_headers(
    signer: Signer, credentials: Any, target: str, body: bytes, at: datetime
) -> dict[str, str | None]:
    signed = dict(signer.headers(credentials, target, body, now=at))
    assert signed["Content-Type"] == CONTENT_TYPE
    assert signed["X-Amz-Target"] == target
    return {
        name: signed.get(name)
        for name in ("X-Amz-Date", "X-Amz-Security-Token", "Authorization")
    }


NON_ASCII_BODY = encode_body(
    {
        "TableName": "shop",
        "Item": {
            "PK": {"S": "KUNDE#Jürgen ✓ 日本 🎉"},
            "blob": {"B": b"\x00\xff"},
        },
    }
)
AT = datetime(2024, 2, 29, 12, 34, 56, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "host", "region", "token", "operation", "body"),
    [
        (
            "http://127.0.0.1:8000",
            "127.0.0.1:8000",
            "us-east-1",
            None,
            "PutItem",
            b"{}",
        ),
        (
            "http://127.0.0.1:8000",
            "127.0.0.1:8000",
            "us-east-1",
            TOKEN,
            "GetItem",
            b'{"TableName":"t"}',
        ),
        (
            "https://dynamodb.us-east-1.amazonaws.com",
            "dynamodb.us-east-1.amazonaws.com",
            "us-east-1",
            TOKEN,
            "PutItem",
            NON_ASCII_BODY,
        ),
        (
            "https://dynamodb.eu-west-1.amazonaws.com",
            "dynamodb.eu-west-1.amazonaws.com",
            "eu-west-1",
            None,
            "Query",
            NON_ASCII_BODY,
        ),
        ("http://[::1]:8000", "[::1]:8000", "us-east-1", TOKEN, "Scan", b"{}"),
    ],
)
def test_signer_matches_botocore(
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    host: str,
    region: str,
    token: str | None,
    operation: str,
    body: bytes,
) -> None:
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", token)
    target = TARGET + operation
    ours = signer_headers(
        Signer(host, "/", region, "dynamodb"),
        credentials.get_frozen_credentials(),
        target,
        body,
        AT,
    )
    theirs = botocore_signed(monkeypatch, credentials, region, url, target, body, AT)
    assert ours == theirs
    assert ours["X-Amz-Date"] == "20240229T123456Z"
    assert ours["X-Amz-Security-Token"] == token


def test_signing_key_follows_the_day_and_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One signer across midnight and a secret rotation: each signature is botocore's."""
    url = "https://dynamodb.us-east-1.amazonaws.com"
    signer = Signer("dynamodb.us-east-1.amazonaws.com", "/", "us-east-1", "dynamodb")
    before = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    after = datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC)
    first = Credentials("AKID", "secret-one", TOKEN)
    rotated = Credentials("AKID", "secret-two", TOKEN)
    authorizations = []
    for credentials, at in (
        (first, before),
        (first, after),
        (rotated, after),
        (first, after),
        (first, before),
    ):
        ours = signer_headers(
            signer, credentials.get_frozen_credentials(), TARGET + "PutItem", b"{}", at
        )
        theirs = botocore_signed(
            monkeypatch, credentials, "us-east-1", url, TARGET + "PutItem", b"{}", at
        )
        assert ours == theirs
        authorizations.append(ours["Authorization"])
    assert "/20241231/" in str(authorizations[0])
    assert "/20250101/" in str(authorizations[1])
    assert len(set(authorizations[:3])) == 3
    assert authorizations[3] == authorizations[1]
    assert authorizations[4] == authorizations[0]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("http://localhost:80", "localhost"),
        (
            "https://dynamodb.us-east-1.amazonaws.com",
            "dynamodb.us-east-1.amazonaws.com",
        ),
        (
            "https://dynamodb.us-east-1.amazonaws.com:443",
            "dynamodb.us-east-1.amazonaws.com",
        ),
        (
            "https://dynamodb.us-east-1.amazonaws.com:8443",
            "dynamodb.us-east-1.amazonaws.com:8443",
        ),
        ("http://[::1]:8000", "[::1]:8000"),
    ],
)
def test_request_bytes_host_and_signature_match_botocore(
    monkeypatch: pytest.MonkeyPatch, url: str, host: str
) -> None:
    """The transport derives the Host header (default ports dropped) as botocore does."""
    transport = HttpTransport(
        endpoint_url=url,
        region_name="us-east-1",
        credentials=CREDENTIALS,
        connect_timeout=1,
        read_timeout=1,
        max_connections=1,
    )
    credentials = Credentials("AKID", "secret", TOKEN)
    raw = transport.request_bytes(
        "PutItem", NON_ASCII_BODY, credentials.get_frozen_credentials()
    )
    transport.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    assert request_line == "POST / HTTP/1.1"
    assert body == NON_ASCII_BODY
    assert int(headers["Content-Length"]) == len(body)
    assert headers["Host"] == host
    at = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    theirs = botocore_signed(
        monkeypatch, credentials, "us-east-1", url, TARGET + "PutItem", body, at
    )
    assert {name: headers.get(name) for name in theirs} == theirs


# --- the same answers as boto3, on real servers -------------------------------


@dataclass
class Pair:
    """Two clients on one table: the direct HTTP path and boto3."""

    http: Shop
    boto: Shop
    table: str
    server: str

    def both(
        self, operation: str, params: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The operation's response on each transport, without ResponseMetadata."""
        answers = []
        for db in (self.http, self.boto):
            response = dict(db._executor.call(operation, copy.deepcopy(params)))
            response.pop("ResponseMetadata", None)
            answers.append(response)
        return answers[0], answers[1]


@pytest.fixture
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    """Clients on a fresh table of dynalite, or of moto's server when asked."""
    server = getattr(request, "param", "dynalite")
    fixture = "dynalite" if server == "dynalite" else "moto_server"
    endpoint_url = request.getfixturevalue(fixture).endpoint_url
    table = f"http-{uuid.uuid4().hex[:12]}"
    clients = {
        transport: Shop.connect(
            table_name=table,
            endpoint_url=endpoint_url,
            region_name="us-east-1",
            transport=transport,
        )
        for transport in ("http", "boto3")
    }
    assert clients["http"]._executor.transport == "http"
    assert clients["boto3"]._executor.transport == "boto3"
    clients["http"].create_table()
    yield Pair(clients["http"], clients["boto3"], table, server)
    clients["boto3"]._executor.call("DeleteTable", {"TableName": table})
    for db in clients.values():
        db.close()


def rich_item(sk: str = "A") -> dict[str, Any]:
    """An item using every attribute type, binaries nested in maps and lists."""
    return {
        "PK": {"S": "T#1"},
        "SK": {"S": sk},
        "bin": {"B": b"\x00\xffbin\x80"},
        "bins": {"BS": [b"\x01", b"\xfe\x00"]},
        "map": {
            "M": {
                "inner": {"B": b"\x02\x03"},
                "list": {"L": [{"B": b"\x04"}, {"S": "ünïcödé"}]},
                # A map attribute named "B" is not a binary value.
                "B": {"S": "x"},
                "BS": {"M": {"B": {"B": b"\x05"}}},
            }
        },
        "list": {"L": [{"B": b"\x06"}, {"M": {"deep": {"BS": [b"\x07"]}}}, {"N": "3"}]},
        "n": {"N": "12.5"},
        "ns": {"NS": ["1", "2.5", "-3"]},
        "ss": {"SS": ["a", "ß", "日本"]},
        "flag": {"BOOL": True},
        "off": {"BOOL": False},
        "nothing": {"NULL": True},
        "text": {"S": "héllo ✓ 🎉"},
    }


def key(sk: str = "A") -> dict[str, Any]:
    return {"PK": {"S": "T#1"}, "SK": {"S": sk}}


def test_reads_match_boto3(pair: Pair) -> None:
    table = pair.table
    for sk in ("A", "B"):
        put = pair.both("PutItem", {"TableName": table, "Item": rich_item(sk)})
        assert put == ({}, {})

    got = pair.both("GetItem", {"TableName": table, "Key": key()})
    assert got[0] == got[1] == {"Item": rich_item()}
    assert isinstance(got[0]["Item"]["map"]["M"]["list"]["L"][0]["B"], bytes)

    query = pair.both(
        "Query",
        {
            "TableName": table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": "T#1"}},
        },
    )
    assert query[0] == query[1]
    assert query[0]["Count"] == 2
    assert query[0]["Items"] == [rich_item("A"), rich_item("B")]

    scan = pair.both("Scan", {"TableName": table, "ConsistentRead": True})
    assert scan[0] == scan[1]
    assert scan[0]["Count"] == 2

    batch = pair.both(
        "BatchGetItem",
        {"RequestItems": {table: {"Keys": [key("A"), key("B"), key("none")]}}},
    )
    for answer in batch:
        # Neither server promises an order within Responses.
        answer["Responses"][table].sort(key=lambda item: item["SK"]["S"])
    assert batch[0] == batch[1]
    assert batch[0]["Responses"][table] == [rich_item("A"), rich_item("B")]


def test_writes_returning_values_match_boto3(pair: Pair) -> None:
    table = pair.table
    pair.both("PutItem", {"TableName": table, "Item": rich_item()})
    updated = pair.both(
        "UpdateItem",
        {
            "TableName": table,
            "Key": key(),
            "UpdateExpression": "SET #b = :b, #n = :n",
            "ExpressionAttributeNames": {"#b": "bin", "#n": "n"},
            "ExpressionAttributeValues": {":b": {"B": b"\x10\x00"}, ":n": {"N": "7"}},
            "ReturnValues": "ALL_NEW",
        },
    )
    expected = {**rich_item(), "bin": {"B": b"\x10\x00"}, "n": {"N": "7"}}
    assert updated[0] == updated[1]
    assert updated[0]["Attributes"] == expected

    deleted = []
    for db in (pair.http, pair.boto):
        db._executor.call("PutItem", {"TableName": table, "Item": rich_item()})
        response = dict(
            db._executor.call(
                "DeleteItem",
                {"TableName": table, "Key": key(), "ReturnValues": "ALL_OLD"},
            )
        )
        response.pop("ResponseMetadata", None)
        deleted.append(response)
    assert deleted[0] == deleted[1]
    assert deleted[0]["Attributes"] == rich_item()


# dynalite ignores ReturnValuesOnConditionCheckFailure; moto's server honours it.
@pytest.mark.parametrize("pair", ["dynalite", "moto-server"], indirect=True)
def test_condition_failure_matches_boto3(pair: Pair) -> None:
    table = pair.table
    pair.http._executor.call("PutItem", {"TableName": table, "Item": rich_item()})
    failures: list[ConditionFailedError] = []
    for db in (pair.http, pair.boto):
        with pytest.raises(ConditionFailedError) as caught:
            db._executor.call(
                "PutItem",
                {
                    "TableName": table,
                    "Item": rich_item(),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                },
            )
        failures.append(caught.value)
    http_error, boto_error = failures
    assert http_error.code == boto_error.code == "ConditionalCheckFailedException"
    assert http_error.raw_item == boto_error.raw_item
    assert http_error.request_id
    if pair.server == "moto-server":
        assert http_error.raw_item == rich_item()


# --- a scripted server --------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """Answer with ``data``; with ``close_after`` the server then closes."""

    data: bytes
    close_after: bool = False


@dataclass(frozen=True)
class Drop:
    """Close the connection without answering."""


@dataclass(frozen=True)
class Hang:
    """Never answer; wait until the client hangs up."""


Action = Reply | Drop | Hang


@dataclass(frozen=True)
class Received:
    """One request as the server read it (header names lower-cased)."""

    connection: int
    request_line: str
    headers: dict[str, str]
    body: bytes


def _read_request(reader: BinaryIO, connection: int) -> Received | None:
    line = reader.readline()
    if not line:
        return None
    headers: dict[str, str] = {}
    while True:
        header = reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get("content-length", "0")))
    return Received(connection, line.decode().strip(), headers, body)


class ScriptedServer:
    """Answers requests in arrival order from a script of actions."""

    def __init__(
        self, actions: Iterable[Action], tls: ssl.SSLContext | None = None
    ) -> None:
        self._tls = tls
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._actions = deque(actions)
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.requests: list[Received] = []
        self.connections = 0
        self.closed = threading.Event()  # set when the server closes a connection
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint_url(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def script(self, *actions: Action) -> None:
        """Replace the actions still to come."""
        with self._lock:
            self._actions = deque(actions)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
                self._sockets.append(conn)
            threading.Thread(
                target=self._serve, args=(conn, number), daemon=True
            ).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        if self._tls is not None:
            try:
                conn = self._tls.wrap_socket(conn, server_side=True)
            except OSError:  # the client refused the certificate
                conn.close()
                return
            with self._lock:
                self._sockets.append(conn)
        reader = cast(BinaryIO, conn.makefile("rb"))
        try:
            while True:
                request = _read_request(reader, number)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                    action = self._actions.popleft() if self._actions else Drop()
                if isinstance(action, Drop):
                    return
                if isinstance(action, Hang):
                    while conn.recv(4096):
                        pass
                    return
                conn.sendall(action.data)
                if action.close_after:
                    return
        except OSError:
            return
        finally:
            # The reader holds the socket open: close both so the FIN goes out.
            reader.close()
            conn.close()
            self.closed.set()

    def stop(self) -> None:
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def response(
    status: int, body: bytes, headers: Iterable[tuple[str, str]] = ()
) -> bytes:
    """A raw HTTP/1.1 response with a Content-Length."""
    lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def json_response(
    status: int,
    payload: dict[str, Any],
    *,
    request_id: str = "REQ-0",
    headers: Iterable[tuple[str, str]] = (),
) -> bytes:
    """DynamoDB's answer shape: JSON body, request id and CRC32 headers."""
    body = json.dumps(payload).encode()
    return response(
        status,
        body,
        [
            ("Content-Type", CONTENT_TYPE),
            ("x-amzn-RequestId", request_id),
            ("x-amz-crc32", str(zlib.crc32(body))),
            *headers,
        ],
    )


def error_response(
    code: str, message: str, *, status: int = 400, **fields: Any
) -> bytes:
    payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", **fields}
    if message:
        payload["message"] = message
    return json_response(status, payload, request_id=f"REQ-{code}")


OK = Reply(json_response(200, {}))
PUT = {"TableName": "tbl", "Item": {"PK": {"S": "a"}, "SK": {"S": "b"}}}


class Harness:
    """Starts scripted servers and the transports/executors that talk to them."""

    def __init__(self) -> None:
        self._servers: list[ScriptedServer] = []
        self._executors: list[Executor] = []
        self.events: list[RetryEvent] = []

    def server(
        self, *actions: Action, tls: ssl.SSLContext | None = None
    ) -> ScriptedServer:
        made = ScriptedServer(actions, tls)
        self._servers.append(made)
        return made

    def executor(
        self,
        server: ScriptedServer,
        *,
        read_timeout: float = 2.0,
        credentials: Any = CREDENTIALS,
        max_attempts: int | None = None,
        ca_bundle: str | None = None,
    ) -> Executor:
        transport = HttpTransport(
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            credentials=credentials,
            connect_timeout=1,
            read_timeout=read_timeout,
            max_connections=4,
            ca_bundle=ca_bundle,
        )
        retry = RetryConfig(
            sleep=lambda _: None, on_retry=self.events.append, max_attempts=max_attempts
        )
        made = Executor(None, "tbl", http=transport, retry=retry)
        self._executors.append(made)
        return made

    @property
    def retried_codes(self) -> list[str | None]:
        return [event.error_code for event in self.events]

    def close(self) -> None:
        for executor in self._executors:
            executor.close()
        for server in self._servers:
            server.stop()


@pytest.fixture
def harness() -> Iterator[Harness]:
    made = Harness()
    yield made
    made.close()


# --- errors, retries and connection handling -----------------------------------


def test_request_on_the_wire_is_signed_json(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = harness.server(OK)
    credentials = Credentials("AKIDWIRE", "wire-secret", TOKEN)
    executor = harness.executor(server, credentials=credentials)
    params = {
        "TableName": "tbl",
        "Item": {"PK": {"S": "ü"}, "blob": {"B": b"\x00\xff"}, "n": {"N": "1"}},
    }
    assert executor.call("PutItem", params) == {}

    [received] = server.requests
    assert received.request_line == "POST / HTTP/1.1"
    assert received.headers["host"] == f"127.0.0.1:{server.port}"
    assert received.headers["x-amz-target"] == "DynamoDB_20120810.PutItem"
    assert received.headers["content-type"] == CONTENT_TYPE
    assert received.headers["x-amz-security-token"] == TOKEN
    assert int(received.headers["content-length"]) == len(received.body)
    sent = json.loads(received.body)
    assert sent["Item"]["blob"] == {"B": "AP8="}
    assert sent["Item"]["PK"] == {"S": "ü"}
    at = datetime.strptime(received.headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
    theirs = botocore_signed(
        monkeypatch,
        credentials,
        "us-east-1",
        server.endpoint_url,
        TARGET + "PutItem",
        received.body,
        at.replace(tzinfo=UTC),
    )
    assert received.headers["authorization"] == theirs["Authorization"]


def test_html_503_is_service_unavailable_and_retried(harness: Harness) -> None:
    page = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
    server = harness.server(
        Reply(response(503, page, [("Content-Type", "text/html")])), OK
    )
    assert harness.executor(server).call("PutItem", PUT) == {}
    assert harness.retried_codes == ["ServiceUnavailable"]
    assert len(server.requests) == 2


def test_html_503_error_is_a_service_error(harness: Harness) -> None:
    page = b"<html>down</html>"
    server = harness.server(Reply(response(503, page, [("Content-Type", "text/html")])))
    with pytest.raises(ServiceError) as caught:
        harness.executor(server, max_attempts=1).call("PutItem", PUT)
    assert caught.value.code == "ServiceUnavailable"
    assert retry_class(caught.value) == "ServiceUnavailable"


def test_throttling_is_a_throughput_error_and_retried(harness: Harness) -> None:
    throttled = error_response("ThrottlingException", "Rate of requests exceeds")
    server = harness.server(Reply(throttled), Reply(throttled), OK)
    assert harness.executor(server).call("PutItem", PUT) == {}
    assert harness.retried_codes == ["ThrottlingException"] * 2

    server = harness.server(Reply(throttled))
    with pytest.raises(ThroughputError) as caught:
        harness.executor(server, max_attempts=1).call("PutItem", PUT)
    assert caught.value.code == "ThrottlingException"
    assert caught.value.message == "Rate of requests exceeds"
    assert caught.value.request_id == "REQ-ThrottlingException"


def test_crc32_mismatch_is_retried(harness: Harness) -> None:
    body = b'{"Item":{"PK":{"S":"a"}}}'
    bad = response(200, body, [("x-amz-crc32", str(zlib.crc32(body) ^ 1))])
    good = response(200, body, [("x-amz-crc32", str(zlib.crc32(body)))])
    server = harness.server(Reply(bad), Reply(good))
    answer = harness.executor(server).call("GetItem", {"TableName": "tbl"})
    assert answer == {"Item": {"PK": {"S": "a"}}}
    assert harness.retried_codes == ["CRC32CheckFailed"]

    server = harness.server(Reply(bad))
    with pytest.raises(ServiceError) as caught:
        harness.executor(server, max_attempts=1).call("GetItem", {"TableName": "tbl"})
    assert caught.value.code == "CRC32CheckFailed"


def test_chunked_body_is_parsed_and_the_connection_reused(harness: Harness) -> None:
    payload = json.dumps(
        {"Item": {"PK": {"S": "ä" * 50}, "blob": {"B": "AP8="}}}, ensure_ascii=False
    ).encode()
    pieces = [payload[:7], payload[7:40], payload[40:]]
    chunked = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
        + b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in pieces)
        + b"0\r\nX-Trailer: yes\r\n\r\n"
    )
    server = harness.server(Reply(chunked), Reply(chunked))
    executor = harness.executor(server, max_attempts=1)
    for _ in range(2):
        answer = executor.call("GetItem", {"TableName": "tbl"})
        assert answer == {"Item": {"PK": {"S": "ä" * 50}, "blob": {"B": b"\x00\xff"}}}
    assert server.connections == 1


def test_keep_alive_reuses_one_connection(harness: Harness) -> None:
    server = harness.server(OK, OK, OK)
    executor = harness.executor(server, max_attempts=1)
    for _ in range(3):
        executor.call("PutItem", PUT)
    assert server.connections == 1
    assert [r.connection for r in server.requests] == [1, 1, 1]


def test_connection_close_is_honoured(harness: Harness) -> None:
    # The server keeps its end open: only the header tells the client to go.
    closing = json_response(200, {}, headers=[("Connection", "close")])
    server = harness.server(Reply(closing), OK)
    executor = harness.executor(server, max_attempts=1)
    executor.call("PutItem", PUT)
    executor.call("PutItem", PUT)
    assert server.connections == 2
    assert [r.connection for r in server.requests] == [1, 2]


def test_dropped_request_is_a_connection_error_and_retried(harness: Harness) -> None:
    server = harness.server(Drop(), OK)
    assert harness.executor(server).call("PutItem", PUT) == {}
    assert harness.retried_codes == ["ConnectionError"]
    assert server.connections == 2

    server = harness.server(Drop())
    with pytest.raises(ServiceError) as caught:
        harness.executor(server, max_attempts=1).call("PutItem", PUT)
    assert caught.value.code == "ConnectionError"


def test_read_timeout(harness: Harness) -> None:
    server = harness.server(Hang(), OK)
    executor = harness.executor(server, read_timeout=0.2)
    started = time.monotonic()
    assert executor.call("PutItem", PUT) == {}
    assert harness.retried_codes == ["ReadTimeout"]
    assert 0.15 < time.monotonic() - started < 2

    server = harness.server(Hang())
    with pytest.raises(ServiceError) as caught:
        harness.executor(server, read_timeout=0.2, max_attempts=1).call("PutItem", PUT)
    assert caught.value.code == "ReadTimeout"
    assert retry_class(caught.value) == "connection"


def test_idle_connection_closed_by_server_is_replaced(harness: Harness) -> None:
    """A keep-alive connection the server closed while idle is never used."""
    server = harness.server(Reply(json_response(200, {}), close_after=True), OK)
    executor = harness.executor(server, max_attempts=1)
    executor.call("PutItem", PUT)
    assert server.closed.wait(2)
    time.sleep(0.05)  # let the FIN reach the client's socket
    assert executor.call("PutItem", PUT) == {}
    assert harness.events == []
    assert server.connections == 2
    assert [r.connection for r in server.requests] == [1, 2]


def test_interim_100_continue_is_skipped(harness: Harness) -> None:
    server = harness.server(
        Reply(b"HTTP/1.1 100 Continue\r\n\r\n" + json_response(200, {"Count": 1})),
        OK,
    )
    executor = harness.executor(server, max_attempts=1)
    assert executor.call("Query", {"TableName": "tbl"}) == {"Count": 1}
    assert executor.call("PutItem", PUT) == {}
    assert server.connections == 1


def test_body_delimited_by_close(harness: Harness) -> None:
    """Without Content-Length or chunking the body ends at EOF: no reuse after."""
    unframed = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n\r\n"
    server = harness.server(Reply(unframed + b'{"Count":2}', close_after=True), OK)
    executor = harness.executor(server, max_attempts=1)
    assert executor.call("Query", {"TableName": "tbl"}) == {"Count": 2}
    assert executor.call("PutItem", PUT) == {}
    assert server.connections == 2


def test_close_mid_body_is_a_connection_error(harness: Harness) -> None:
    truncated = json_response(200, {"Items": []})[:-3]
    server = harness.server(Reply(truncated, close_after=True), OK)
    assert harness.executor(server).call("PutItem", PUT) == {}
    assert harness.retried_codes == ["ConnectionError"]


def test_connection_refused_is_a_connection_error(harness: Harness) -> None:
    server = harness.server()
    server.stop()  # nothing listens on the port any more
    with pytest.raises(ServiceError) as caught:
        harness.executor(server, max_attempts=1).call("PutItem", PUT)
    assert caught.value.code == "ConnectionError"
    assert retry_class(caught.value) == "connection"


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://127.0.0.1", "http://"])
def test_endpoint_must_be_an_http_url(url: str) -> None:
    with pytest.raises(ConfigurationError, match="http"):
        HttpTransport(
            endpoint_url=url,
            region_name="us-east-1",
            credentials=CREDENTIALS,
            connect_timeout=1,
            read_timeout=1,
            max_connections=1,
        )


def test_keep_alive_with_many_open_files(harness: Harness) -> None:
    """Connection reuse must not depend on how many files the process has open.

    Busy servers routinely hold more than 1024 descriptors; the pool's
    dropped-connection check must work for sockets numbered above that.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1300
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    filler: list[int] = []
    try:
        # Push the next sockets past FD_SETSIZE (1024), the limit of select().
        while not filler or filler[-1] < 1100:
            filler.append(os.open(os.devnull, os.O_RDONLY))
        server = harness.server(OK, OK, OK)
        executor = harness.executor(server, max_attempts=1)
        for _ in range(3):
            assert executor.call("PutItem", PUT) == {}
        assert server.connections == 1
    finally:
        for fd in filler:
            os.close(fd)
        if soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1, and its key."""

    cert_path: str
    key_path: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(str(cert_path), str(key_path))


def test_tls_keep_alive_and_idle_close(
    harness: Harness, certificate: Certificate
) -> None:
    server = harness.server(
        OK,
        OK,
        Reply(json_response(200, {}), close_after=True),
        OK,
        tls=certificate.server_context(),
    )
    executor = harness.executor(server, max_attempts=1, ca_bundle=certificate.cert_path)
    for _ in range(3):
        assert executor.call("PutItem", PUT) == {}
    assert server.connections == 1
    assert server.closed.wait(2)
    time.sleep(0.05)  # let the close reach the client's socket
    assert executor.call("PutItem", PUT) == {}
    assert server.connections == 2
    assert server.requests[0].headers["host"] == f"127.0.0.1:{server.port}"


def test_tls_certificate_is_verified(
    harness: Harness, certificate: Certificate
) -> None:
    """Without the CA in the bundle, the self-signed server is refused."""
    server = harness.server(OK, tls=certificate.server_context())
    with pytest.raises(ServiceError) as caught:
        harness.executor(server, max_attempts=1).call("PutItem", PUT)
    assert caught.value.code == "ConnectionError"
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message
    assert server.requests == []


def test_validation_error_keeps_message_and_request_id(harness: Harness) -> None:
    message = "One or more parameter values were invalid: Missing the key SK"
    server = harness.server(Reply(error_response("ValidationException", message)))
    with pytest.raises(ValidationError) as caught:
        harness.executor(server).call("PutItem", PUT)
    error = caught.value
    assert error.code == "ValidationException"
    assert error.message == message
    assert error.request_id == "REQ-ValidationException"
    assert error.operation == "PutItem"
    assert error.attempts == 1
    assert len(server.requests) == 1


def test_transaction_cancelled_decodes_binary_items(harness: Harness) -> None:
    reasons = [
        {
            "Code": "ConditionalCheckFailed",
            "Message": "The conditional request failed",
            "Item": {
                "PK": {"S": "a"},
                "blob": {"B": "AP8="},
                "m": {"M": {"B": {"S": "x"}}},
            },
        },
        {"Code": "None"},
    ]
    server = harness.server(
        Reply(
            error_response(
                "TransactionCanceledException",
                "",
                Message="Transaction cancelled [ConditionalCheckFailed, None]",
                CancellationReasons=reasons,
            )
        )
    )
    with pytest.raises(TransactionFailedError) as caught:
        harness.executor(server).call("TransactWriteItems", {"TransactItems": []})
    error = caught.value
    assert error.code == "TransactionCanceledException"
    assert error.message == "Transaction cancelled [ConditionalCheckFailed, None]"
    assert error.raw_reasons[0]["Item"] == {
        "PK": {"S": "a"},
        "blob": {"B": b"\x00\xff"},
        "m": {"M": {"B": {"S": "x"}}},
    }
    assert error.raw_reasons[1] == {"Code": "None"}
    assert len(server.requests) == 1  # a failed condition is not retried


def test_signature_error_message_never_carries_the_token(harness: Harness) -> None:
    message = f"The canonical request was ... x-amz-security-token:{TOKEN} ..."
    server = harness.server(
        Reply(error_response("InvalidSignatureException", message, status=403))
    )
    credentials = Credentials("AKID", "secret", TOKEN)
    with pytest.raises(AuthenticationError) as caught:
        harness.executor(server, credentials=credentials).call("PutItem", PUT)
    assert TOKEN not in str(caught.value)
    assert "<redacted>" in caught.value.message


ERRORS = {
    "throttling": (
        "PutItem",
        error_response("ThrottlingException", "slow down"),
        ThroughputError,
    ),
    "validation": (
        "PutItem",
        error_response("ValidationException", "bad request"),
        ValidationError,
    ),
    "not-found": (
        "PutItem",
        error_response("ResourceNotFoundException", "no table"),
        ConfigurationError,
    ),
    "condition": (
        "PutItem",
        error_response(
            "ConditionalCheckFailedException",
            "The conditional request failed",
            Item={"PK": {"S": "a"}, "blob": {"B": "AP8="}},
        ),
        ConditionFailedError,
    ),
    "transaction": (
        "TransactWriteItems",
        error_response(
            "TransactionCanceledException",
            "",
            Message="Transaction cancelled",
            CancellationReasons=[
                {"Code": "ConditionalCheckFailed", "Item": {"blob": {"B": "AP8="}}}
            ],
        ),
        TransactionFailedError,
    ),
    # The JSON protocol lets __type carry a ":<url>" suffix after the name.
    "type-with-url-suffix": (
        "PutItem",
        json_response(
            400,
            {
                "__type": "com.amazon.coral.service#UnrecognizedClientException"
                ":http://internal.amazon.com/coral/com.amazon.coral.service/",
                "message": "The security token included in the request is invalid.",
            },
            request_id="REQ-suffix",
        ),
        AuthenticationError,
    ),
}


@pytest.fixture(scope="module")
def error_clients() -> Iterator[tuple[ScriptedServer, list[Shop]]]:
    """One scripted server and a client of each transport, for every error case."""
    server = ScriptedServer(())
    clients = [
        Shop.connect(
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            transport=transport,
            retry=RetryConfig(max_attempts=1),
        )
        for transport in ("http", "boto3")
    ]
    yield server, clients
    for db in clients:
        db.close()
    server.stop()


@pytest.mark.parametrize("case", list(ERRORS))
def test_json_errors_map_as_on_boto3(
    error_clients: tuple[ScriptedServer, list[Shop]], case: str
) -> None:
    """The same scripted error answer becomes the same runtime error on both paths."""
    operation, answer, expected = ERRORS[case]
    params: dict[str, Any] = (
        {"TransactItems": [{"Put": PUT}]} if operation == "TransactWriteItems" else PUT
    )
    server, clients = error_clients
    server.script(Reply(answer), Reply(answer))
    seen: list[DyngenError] = []
    for db in clients:
        with pytest.raises(DyngenError) as caught:
            db._executor.call(operation, params)
        seen.append(caught.value)
    ours, theirs = seen
    assert isinstance(theirs, expected)
    assert (type(ours), ours.code) == (type(theirs), theirs.code)
    assert (ours.code, ours.message, ours.request_id) == (
        theirs.code,
        theirs.message,
        theirs.request_id,
    )
    assert vars(ours).get("raw_item") == vars(theirs).get("raw_item")
    assert vars(ours).get("raw_reasons") == vars(theirs).get("raw_reasons")


# --- credentials ----------------------------------------------------------------


def test_no_credentials_fails_before_connecting(harness: Harness) -> None:
    server = harness.server(OK)
    with pytest.raises(AuthenticationError) as caught:
        harness.executor(server, credentials=None).call("PutItem", PUT)
    assert caught.value.code == "NoCredentials"
    time.sleep(0.05)  # a connection attempt would have been accepted by now
    assert server.connections == 0
    assert server.requests == []


def test_refreshable_credentials_are_refreshed_before_signing(
    harness: Harness,
) -> None:
    refreshes: list[str] = []

    def refresh() -> dict[str, str]:
        access_key = f"AKIDFRESH{len(refreshes) + 1}"
        refreshes.append(access_key)
        # Inside the advisory window (15 min) but not the mandatory one:
        # botocore refreshes again on every use.
        expiry = datetime.now(UTC) + timedelta(minutes=12)
        return {
            "access_key": access_key,
            "secret_key": f"secret-{len(refreshes)}",
            "token": "session-token",
            "expiry_time": expiry.isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(
        metadata={
            "access_key": "AKIDSTALE",
            "secret_key": "stale",
            "token": "stale-token",
            "expiry_time": "2000-01-01T00:00:00Z",
        },
        refresh_using=refresh,
        method="test",
    )
    server = harness.server(OK, OK)
    executor = harness.executor(server, credentials=credentials)
    executor.call("PutItem", PUT)
    executor.call("PutItem", PUT)
    assert refreshes == ["AKIDFRESH1", "AKIDFRESH2"]
    authorizations = [r.headers["authorization"] for r in server.requests]
    assert "Credential=AKIDFRESH1/" in authorizations[0]
    assert "Credential=AKIDFRESH2/" in authorizations[1]
    assert all(
        r.headers["x-amz-security-token"] == "session-token" for r in server.requests
    )


# --- connect() settings ---------------------------------------------------------


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every *_proxy variable (either case) for a known starting point."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


def test_client_with_http_transport_is_refused() -> None:
    client = boto3.client(
        "dynamodb", region_name="us-east-1", endpoint_url="http://127.0.0.1:1"
    )
    try:
        with pytest.raises(ConfigurationError, match="transport"):
            Shop.connect(client=client, transport="http")
    finally:
        client.close()


def test_unknown_transport_is_refused() -> None:
    bogus: Any = "bogus"
    with pytest.raises(ConfigurationError, match="bogus"):
        Shop.connect(
            endpoint_url="http://127.0.0.1:1", region_name="us-east-1", transport=bogus
        )


@pytest.mark.usefixtures("no_proxy_env")
def test_proxy_environment_picks_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    def transport(**settings: Any) -> str:
        with Shop.connect(
            endpoint_url="http://127.0.0.1:1", region_name="us-east-1", **settings
        ) as db:
            return db._executor.transport

    assert transport() == "http"
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert transport() == "boto3"
    # An explicit choice wins over the environment.
    assert transport(transport="http") == "http"
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert transport() == "http"


@pytest.mark.usefixtures("no_proxy_env")
def test_default_transports() -> None:
    with Shop.connect(endpoint_url="http://127.0.0.1:1", region_name="us-east-1") as db:
        assert db._executor.transport == "http"
        assert db._executor.http is not None
    with Shop.in_memory() as memory:
        assert memory._executor.transport == "boto3"
        assert memory._executor.http is None


# --- encode_body / decode_body --------------------------------------------------


def test_encode_body_base64s_binaries_and_keeps_utf8() -> None:
    params = {
        "Item": {
            "b": {"B": b"\x00\xff"},
            "bs": {"BS": [b"a", bytearray(b"b"), memoryview(b"c")]},
            "m": {"M": {"x": {"L": [{"B": b"\x01"}]}}},
            "s": {"S": "é ✓"},
        }
    }
    body = encode_body(params)
    assert "é ✓".encode() in body
    assert b" " not in body.replace("é ✓".encode(), b"")
    decoded = json.loads(body)
    assert decoded["Item"]["b"] == {"B": "AP8="}
    assert decoded["Item"]["bs"] == {"BS": ["YQ==", "Yg==", "Yw=="]}
    assert decoded["Item"]["m"]["M"]["x"]["L"][0] == {"B": "AQ=="}


def test_decode_body_decodes_only_binary_values() -> None:
    data = json.dumps(
        {
            "Item": {
                "b": {"B": "AP8="},
                "bs": {"BS": ["YQ==", "Yg=="]},
                "B": {"S": "x"},
                "map": {"M": {"B": {"S": "x"}, "BS": {"L": [{"S": "y"}]}}},
                "nested": {"M": {"B": {"B": "AQ=="}}},
                "list": {"L": [{"B": "Ag=="}, {"S": "B"}]},
            }
        }
    ).encode()
    assert decode_body(data) == {
        "Item": {
            "b": {"B": b"\x00\xff"},
            "bs": {"BS": [b"a", b"b"]},
            "B": {"S": "x"},
            "map": {"M": {"B": {"S": "x"}, "BS": {"L": [{"S": "y"}]}}},
            "nested": {"M": {"B": {"B": b"\x01"}}},
            "list": {"L": [{"B": b"\x02"}, {"S": "B"}]},
        }
    }
    assert decode_body(b"") == {}


def test_encode_decode_round_trip() -> None:
    item = rich_item()
    assert decode_body(encode_body({"Item": item})) == {"Item": item}
    assert (
        base64.b64decode(json.loads(encode_body(item))["bin"]["B"]) == item["bin"]["B"]
    )


def test_encoded_requests_go_into_the_body_as_written() -> None:
    item = rich_item()
    put = EncodedRequest('{"PutRequest":{"Item":' + json_text(item) + "}}")
    delete = {"DeleteRequest": {"Key": {"PK": {"S": "é"}, "SK": {"B": b"\x00"}}}}
    params = {
        "RequestItems": {"t1": [put, delete], "t2": [delete]},
        "ReturnConsumedCapacity": "TOTAL",
    }
    dicts = {
        "RequestItems": {
            "t1": [{"PutRequest": {"Item": item}}, delete],
            "t2": [delete],
        },
        "ReturnConsumedCapacity": "TOTAL",
    }
    body = encode_body(params)
    assert put.text.encode() in body  # spliced, not encoded again
    assert json.loads(body) == json.loads(encode_body(dicts))
    assert plain(params) == dicts  # what boto3 and interceptors get
    assert put.value() == {"PutRequest": {"Item": item}}
    assert plain(dicts) is dicts
    only = {"RequestItems": {"t": [put]}}
    assert json.loads(encode_body(only)) == json.loads(encode_body(plain(only)))


@pytest.mark.parametrize(
    ("value", "name"),
    [({1, 2}, "set"), (Decimal("1.5"), "Decimal"), (object(), "object")],
)
def test_encode_body_refuses_other_types(value: object, name: str) -> None:
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        encode_body({"Item": {"x": value}})

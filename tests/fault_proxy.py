"""A loopback HTTP proxy in front of a DynamoDB-compatible server that injects
the failures DynamoDB produces under load, by a seeded configuration:

- throttling answers in DynamoDB's exact JSON error format (HTTP 400),
- 500 InternalServerError and 503 ServiceUnavailable,
- dropped connections (before forwarding, or after applying the request),
- slow responses,
- partial batches: only part of a BatchWriteItem / BatchGetItem is forwarded,
  the rest comes back as UnprocessedItems / UnprocessedKeys.

Faults are drawn per request from ``random.Random(seed)``, so a run is
repeatable; counters record what was injected.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TYPE = "com.amazonaws.dynamodb.v20120810#"


@dataclass
class Faults:
    """Per-request probabilities of each fault (checked in this order)."""

    throttle: float = 0.0
    server_error: float = 0.0
    unavailable: float = 0.0
    drop_before: float = 0.0
    drop_after: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 0.05
    partial_batch: float = 0.0
    operations: frozenset[str] | None = None  # None: every operation
    max_injections: int | None = None  # stop injecting after this many faults


@dataclass
class FaultProxy:
    """Start with :meth:`start`; point clients at :attr:`endpoint_url`."""

    upstream_port: int
    faults: Faults = field(default_factory=Faults)
    seed: int = 7
    injected: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Exact responses to send instead of forwarding: (operation, status, body).
    scripted: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def endpoint_url(self) -> str:
        """Where clients send requests."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        """Listen on a free loopback port in a background thread."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                """Quiet."""

            def do_POST(self) -> None:
                proxy._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _draw(self, name: str, probability: float) -> bool:
        limit = self.faults.max_injections
        with self._lock:
            if limit is not None and sum(self.injected.values()) >= limit:
                return False
            hit = self._random.random() < probability
        if hit:
            self.injected[name] += 1
        return hit

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        target = handler.headers.get("X-Amz-Target", "")
        operation = target.rsplit(".", 1)[-1]
        with self._lock:
            self.requests.append((operation, json.loads(body or b"{}")))
        with self._lock:
            script = next((s for s in self.scripted if s[0] == operation), None)
            if script is not None:
                self.scripted.remove(script)
        if script is not None:
            _, status, payload = script
            self.injected["scripted"] += 1
            return _respond(
                handler,
                status,
                {"Content-Type": "application/x-amz-json-1.0"},
                json.dumps(payload).encode(),
            )
        faults = self.faults
        active = faults.operations is None or operation in faults.operations
        if active and self._draw("throttle", faults.throttle):
            return _error(
                handler,
                400,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            )
        if active and self._draw("server_error", faults.server_error):
            return _error(handler, 500, "InternalServerError", "Internal server error")
        if active and self._draw("unavailable", faults.unavailable):
            return _error(handler, 503, "ServiceUnavailable", "Service unavailable")
        if active and self._draw("drop_before", faults.drop_before):
            return _drop(handler)
        if active and self._draw("slow", faults.slow):
            time.sleep(faults.slow_seconds)
        held: dict[str, Any] | None = None
        if (
            active
            and operation in ("BatchWriteItem", "BatchGetItem")
            and self._draw("partial_batch", faults.partial_batch)
        ):
            body, held = _split_batch(operation, json.loads(body))
        status, headers, answer = self._forward(handler, body)
        if active and self._draw("drop_after", faults.drop_after):
            return _drop(handler)  # applied upstream, but the caller never hears
        if held and status == 200:
            answer = _merge_unprocessed(operation, answer, held)
        _respond(handler, status, headers, answer)

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.upstream_port, timeout=30
        )
        headers = {
            k: v for k, v in handler.headers.items() if k.lower() != "content-length"
        }
        headers["Content-Length"] = str(len(body))
        connection.request("POST", handler.path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        kept = {
            k: v
            for k, v in response.getheaders()
            if k.lower() not in ("content-length", "connection", "x-amz-crc32")
        }
        connection.close()
        return response.status, kept, answer


def _error(
    handler: BaseHTTPRequestHandler, status: int, code: str, message: str
) -> None:
    body = json.dumps({"__type": _TYPE + code, "message": message}).encode()
    _respond(handler, status, {"Content-Type": "application/x-amz-json-1.0"}, body)


def _respond(
    handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
) -> None:
    handler.send_response(status)
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.send_header("x-amzn-RequestId", f"fault-proxy-{time.monotonic_ns()}")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _drop(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True
    handler.connection.shutdown(2)


def _split_batch(
    operation: str, request: dict[str, Any]
) -> tuple[bytes, dict[str, Any]]:
    """Forward the first half of every table's batch; hold back the rest."""
    items = request["RequestItems"]
    forwarded: dict[str, Any] = {}
    held: dict[str, Any] = {}
    for table, entry in items.items():
        if operation == "BatchWriteItem":
            cut = max(1, len(entry) // 2)
            forwarded[table], rest = entry[:cut], entry[cut:]
            if rest:
                held[table] = rest
        else:
            keys = entry["Keys"]
            cut = max(1, len(keys) // 2)
            forwarded[table] = {**entry, "Keys": keys[:cut]}
            if keys[cut:]:
                held[table] = {**entry, "Keys": keys[cut:]}
    return json.dumps({**request, "RequestItems": forwarded}).encode(), held


def _merge_unprocessed(operation: str, answer: bytes, held: dict[str, Any]) -> bytes:
    response = json.loads(answer)
    field_name = (
        "UnprocessedItems" if operation == "BatchWriteItem" else "UnprocessedKeys"
    )
    unprocessed = response.setdefault(field_name, {})
    for table, entry in held.items():
        if operation == "BatchWriteItem":
            unprocessed[table] = unprocessed.get(table, []) + entry
        else:
            existing = unprocessed.get(table, {"Keys": []})
            unprocessed[table] = {**entry, "Keys": existing["Keys"] + entry["Keys"]}
    return json.dumps(response).encode()

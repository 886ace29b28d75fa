"""A loopback DynamoDB stand-in that answers at once with canned responses.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) and
DynamoDB's JSON protocol for clients to be measured with the server costing
next to nothing: every answer is prepared before the first request, with the
headers a client checks (``x-amzn-RequestId``, ``x-amz-crc32`` of the body).
Run it in its own process so its CPU time is not counted as the client's:

    python benchmarks/canned_server.py [--port 0]

prints ``listening <port>`` once it accepts connections, then serves until
killed. ``CannedServer`` starts and stops that process from a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import entity

_REQUEST_ID = "BENCH0000000000000000000000000000000000000000000000000"
_TYPE_PREFIX = "com.amazonaws.dynamodb.v20120810#"


def _response(status: int, body: bytes) -> bytes:
    reason = {200: "OK", 400: "Bad Request"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        f"x-amzn-RequestId: {_REQUEST_ID}\r\n"
        f"x-amz-crc32: {zlib.crc32(body) & 0xFFFFFFFF}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


def _json(status: int, payload: dict[str, Any]) -> bytes:
    return _response(status, json.dumps(payload, separators=(",", ":")).encode())


def _table_description(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "TableStatus": "ACTIVE",
        "TableArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}",
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ItemCount": 0,
        "TableSizeBytes": 0,
    }


class Answers:
    """The canned answer of every operation, prepared once."""

    def __init__(self) -> None:
        self.item = entity.wire_item(0)
        # PynamoDB parses only its own datetime text: tables whose name says
        # "pynamodb" get the item the way PynamoDB writes it.
        self.pynamodb_item = {
            **self.item,
            "placed_at": {"S": entity.PLACED_AT.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")},
        }
        self.pynamodb_get = _json(200, {"Item": self.pynamodb_item})
        self.fixed: dict[str, bytes] = {
            "PutItem": _json(200, {}),
            "DeleteItem": _json(200, {}),
            "UpdateItem": _json(200, {}),
            "GetItem": _json(200, {"Item": self.item}),
            "BatchWriteItem": _json(200, {"UnprocessedItems": {}}),
            "Query": _json(200, {"Items": [], "Count": 0, "ScannedCount": 0}),
            "Scan": _json(200, {"Items": [], "Count": 0, "ScannedCount": 0}),
            "UpdateTimeToLive": _json(200, {}),
        }
        self.unknown = _json(
            400,
            {
                "__type": _TYPE_PREFIX + "UnknownOperationException",
                "message": "the canned server does not know this operation",
            },
        )

    def answer(self, target: str, body: bytes) -> bytes:
        """The response bytes for ``X-Amz-Target: target`` with ``body``."""
        operation = target.rpartition(".")[2]
        if operation == "GetItem" and b"pynamodb" in body:
            return self.pynamodb_get
        fixed = self.fixed.get(operation)
        if fixed is not None:
            return fixed
        request: dict[str, Any] = json.loads(body or b"{}")
        if operation in ("DescribeTable", "CreateTable"):
            key = "Table" if operation == "DescribeTable" else "TableDescription"
            return _json(200, {key: _table_description(request.get("TableName", ""))})
        if operation == "BatchGetItem":
            responses = {
                table: [
                    {
                        **(self.pynamodb_item if "pynamodb" in table else self.item),
                        **key,
                    }
                    for key in spec.get("Keys", [])
                ]
                for table, spec in request.get("RequestItems", {}).items()
            }
            return _json(200, {"Responses": responses, "UnprocessedKeys": {}})
        return self.unknown


class _Connection(asyncio.Protocol):
    """One keep-alive connection: parse requests in order, answer each at once."""

    def __init__(self, answers: Answers) -> None:
        self._answers = answers
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            headers = self._parse_headers(bytes(self._buffer[:end]))
            start = end + 4
            if headers.get("transfer-encoding", "").lower() == "chunked":
                parsed = _dechunk(self._buffer, start)
                if parsed is None:
                    return
                body, consumed = parsed
            else:
                length = int(headers.get("content-length", "0"))
                if len(self._buffer) < start + length:
                    return
                body, consumed = (
                    bytes(self._buffer[start : start + length]),
                    start + length,
                )
            del self._buffer[:consumed]
            reply = self._answers.answer(headers.get("x-amz-target", ""), body)
            assert self._transport is not None
            self._transport.write(reply)

    @staticmethod
    def _parse_headers(head: bytes) -> dict[str, str]:
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return headers


def _dechunk(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    """A chunked body from ``start``: (body, end offset), or None if incomplete."""
    body = bytearray()
    at = start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        at = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", at)
            if trailer_end < 0:
                return None
            return bytes(body), trailer_end + 2
        if len(buffer) < at + size + 2:
            return None
        body += buffer[at : at + size]
        at += size + 2


async def serve(port: int) -> None:
    """Serve on 127.0.0.1:``port`` (0: any free port) until cancelled."""
    answers = Answers()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Connection(answers), "127.0.0.1", port, backlog=128
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"listening {bound}", flush=True)
    async with server:
        await server.serve_forever()


class CannedServer:
    """The canned server in a child process, as a context manager."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def endpoint_url(self) -> str:
        """The server's HTTP endpoint."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process and wait for its port."""
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"canned server did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        """Stop the process."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def __enter__(self) -> CannedServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()

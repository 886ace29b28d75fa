"""A small HTTP/1.1 keep-alive connection pool for one DynamoDB endpoint.

http.client and urllib3 parse every response's headers through the email
package and split each request into several writes; for DynamoDB's small JSON
exchanges that is most of the client's CPU. This pool writes a request in
one ``sendall`` and reads the status line, headers and a ``Content-Length``
or chunked body with a buffered reader. Connections are reused LIFO, checked
for a server-side close before reuse, and never retried here: the runtime's
retry policy decides what happens after a dropped connection.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import BinaryIO, cast


class ConnectTimeout(OSError):
    """The TCP or TLS connection was not established in time."""


class ReadTimeout(OSError):
    """The server did not answer in time."""


class ProtocolFault(OSError):
    """The server closed the connection or sent something that is not HTTP/1.1."""


@dataclass
class Response:
    """A complete HTTP response: status, lower-cased headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes


class _Connection:
    __slots__ = ("reader", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = cast(BinaryIO, sock.makefile("rb", buffering=65536))

    def dropped(self) -> bool:
        # An idle keep-alive connection has nothing to read; readable means the
        # server closed it (EOF) or sent something unasked: either way, unusable.
        # poll(), not select(): select() cannot watch descriptors past 1024,
        # which a busy process reaches.
        try:
            poller = select.poll()
            poller.register(self.sock, select.POLLIN)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.sock.close()


class ConnectionPool:
    """Keep-alive connections to ``host:port``, shared by threads."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: bool,
        connect_timeout: float,
        read_timeout: float,
        max_idle: int,
        ca_bundle: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_idle = max_idle
        self._context = ssl.create_default_context(cafile=ca_bundle) if tls else None
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connect(self) -> _Connection:
        try:
            sock = socket.create_connection(
                (self.host, self.port), timeout=self._connect_timeout
            )
        except TimeoutError as error:
            raise ConnectTimeout(
                f"connecting to {self.host}:{self.port} timed out"
            ) from error
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if self._context is not None:
                sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except TimeoutError as error:
            sock.close()
            raise ConnectTimeout(
                f"TLS handshake with {self.host}:{self.port} timed out"
            ) from error
        except BaseException:
            sock.close()
            raise
        sock.settimeout(self._read_timeout)
        return _Connection(sock)

    def _acquire(self) -> _Connection:
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._connect()
            if not connection.dropped():
                return connection
            connection.close()

    def _release(self, connection: _Connection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(connection)
                return
        connection.close()

    def send(self, request: bytes) -> Response:
        """Send a complete request (head and body); the whole response."""
        connection = self._acquire()
        try:
            connection.sock.sendall(request)
            response, keep = _read_response(connection.reader)
        except TimeoutError as error:
            connection.close()
            raise ReadTimeout(
                f"{self.host}:{self.port} did not answer in time"
            ) from error
        except BaseException:
            connection.close()
            raise
        if keep:
            self._release(connection)
        else:
            connection.close()
        return response

    def close(self) -> None:
        """Close every idle connection; connections in use close when done."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


_MAX_LINE = 65536


def _line(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_LINE + 1)
    if not line:
        raise ProtocolFault("the server closed the connection")
    if len(line) > _MAX_LINE:
        raise ProtocolFault("an HTTP header line is too long")
    return line


def _read_response(reader: BinaryIO) -> tuple[Response, bool]:
    status_line = _line(reader)
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ProtocolFault(f"not an HTTP response: {status_line[:80]!r}")
    try:
        status = int(parts[1])
    except ValueError:
        raise ProtocolFault(f"bad HTTP status: {status_line[:80]!r}") from None
    headers: dict[str, str] = {}
    while True:
        line = _line(reader)
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if status == 100:
        return _read_response(reader)
    keep = headers.get("connection", "").lower() != "close" and parts[0] != b"HTTP/1.0"
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _read_chunked(reader)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        body = reader.read(length)
        if len(body) != length:
            raise ProtocolFault("the server closed the connection mid-body")
    elif status in (204, 304):
        body = b""
    else:
        body = reader.read()
        keep = False
    return Response(status, headers, body), keep


def _read_chunked(reader: BinaryIO) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = _line(reader).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise ProtocolFault(f"bad chunk size {size_line[:20]!r}") from None
        if size == 0:
            while _line(reader) not in (b"\r\n", b"\n"):
                pass  # trailers carry nothing DynamoDB uses
            return b"".join(chunks)
        chunk = reader.read(size)
        if len(chunk) != size:
            raise ProtocolFault("the server closed the connection mid-body")
        chunks.append(chunk)
        reader.read(2)

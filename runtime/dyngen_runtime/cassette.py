"""Record every request and response to a cassette; replay them with no network.

``Shop.connect(..., record="path.json")`` wraps the client's transport (below
the retries, so each attempt is one interaction) and writes the cassette when
the client closes. ``Shop.replay("path.json")`` answers from it. Requests are
matched by operation and body, not by order, so concurrent fan-out (parallel
scan segments, sharded queries, batch chunks) replays whatever the threads'
timing; identical requests (a throttled attempt and its retry) are served in
recorded order.

TTL decisions read the executor's clock; its readings are recorded too and
served back in order on replay, so time-dependent requests (``:now`` in a
create's condition, the live-item filter) and expiry checks replay exactly.

The cassette is readable JSON, written atomically with sorted keys, so the
same scenario recorded twice gives the same bytes::

    {"format": "dyngen-cassette", "version": 1, "table": "shop",
     "interactions": [
       {"operation": "PutItem", "request": {...}, "response": {...}},
       {"operation": "TransactWriteItems", "request": {...},
        "error": {"type": "TransactionFailedError", "code": "...",
                  "message": "...", "request_id": "...", "raw_reasons": [...]}}],
     "clock": [1764849600.0, ...]}

Requests and responses are stored in DynamoDB's JSON wire form (binaries as
base64). Only operation names, request bodies and response bodies or error
fields are written: signatures, credentials and HTTP headers are added below
the layer this records and never reach it.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from dyngen_runtime import errors
from dyngen_runtime.executor import Send
from dyngen_runtime.wire_json import decode_body, encode_body

FORMAT = "dyngen-cassette"
VERSION = 1
_SHOWN_DIFFERENCES = 5
_SHOWN_VALUE = 60


class ReplayMismatchError(errors.ConfigurationError):
    """A replayed request matches no recorded one; the message shows the nearest."""


def _wire_default(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        # botocore parses the wire's epoch seconds (table descriptions) into
        # datetimes; the cassette keeps what the wire carried.
        return value.timestamp()
    raise TypeError(f"cannot record a {type(value).__name__} value")


def _wire(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` in JSON wire form (bytes as base64), as plain JSON data."""
    loaded: dict[str, Any] = json.loads(
        json.dumps(value, ensure_ascii=False, default=_wire_default)
    )
    return loaded


def _canonical(request: dict[str, Any]) -> str:
    return json.dumps(
        request, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _error_fields(error: errors.DyngenError) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": type(error).__name__,
        "code": error.code,
        "message": error.message,
        "request_id": error.request_id,
    }
    if isinstance(error, errors.ConditionFailedError) and error.raw_item is not None:
        fields["raw_item"] = _wire(error.raw_item)
    if isinstance(error, errors.TransactionFailedError):
        fields["raw_reasons"] = _wire({"r": error.raw_reasons})["r"]
    return fields


def _restore_error(fields: dict[str, Any], operation: str) -> errors.DyngenError:
    cls = getattr(errors, str(fields.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.DyngenError)):
        cls = errors.ServiceError
    common: dict[str, Any] = {
        "code": fields.get("code"),
        "request_id": fields.get("request_id"),
        "operation": operation,
        "attempts": 1,
    }
    message = str(fields.get("message") or fields.get("code") or "recorded error")
    if issubclass(cls, errors.TransactionFailedError):
        reasons = decode_body(encode_body({"r": fields.get("raw_reasons") or []}))
        return cls(message, raw_reasons=list(reasons["r"]), **common)
    if issubclass(cls, errors.ConditionFailedError):
        raw = fields.get("raw_item")
        item = decode_body(encode_body(raw)) if raw is not None else None
        return cls(message, raw_item=item, **common)
    if issubclass(cls, errors.RetriesExhaustedError):
        return errors.ServiceError(message, **common)
    return cls(message, **common)


class Recorder:
    """Collects every attempt's request and outcome, and writes them on save."""

    def __init__(self, path: str | os.PathLike[str], table: str) -> None:
        self.path = Path(path)
        self.table = table
        self._lock = threading.Lock()
        self._interactions: list[dict[str, Any]] = []
        self._readings: list[float] = []

    def around(self, send: Send) -> Send:
        """Wrap a transport's send (for ``Executor.intercept``)."""

        def recording(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            entry: dict[str, Any] = {"operation": operation, "request": _wire(params)}
            try:
                response: dict[str, Any] = send(operation, params)
            except errors.DyngenError as error:
                entry["error"] = _error_fields(error)
                self._add(entry)
                raise
            # boto3 adds ResponseMetadata: request ids and HTTP headers, not data.
            body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
            entry["response"] = _wire(body)
            self._add(entry)
            return response

        return recording

    def clock(self, inner: Callable[[], float]) -> Callable[[], float]:
        """Wrap the executor's clock: each reading is recorded, whole seconds."""

        def reading() -> float:
            now = float(int(inner()))
            with self._lock:
                self._readings.append(now)
            return now

        return reading

    def _add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._interactions.append(entry)

    def save(self) -> None:
        """Write the cassette: to a temporary file beside it, then renamed."""
        with self._lock:
            document = {
                "format": FORMAT,
                "version": VERSION,
                "table": self.table,
                "interactions": list(self._interactions),
                "clock": list(self._readings),
            }
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=folder
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text + "\n")
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class Player:
    """Serves recorded outcomes to matching requests."""

    def __init__(
        self,
        path: Path,
        table: str,
        interactions: list[dict[str, Any]],
        readings: list[float],
    ) -> None:
        self.path = path
        self.table = table
        self._lock = threading.Lock()
        self._readings = deque(readings)
        self._last = readings[-1] if readings else 0.0
        self._queues: dict[tuple[str, str], deque[dict[str, Any]]] = {}
        self._recorded: dict[tuple[str, str], int] = {}
        self._sent: dict[tuple[str, str], int] = {}
        self._by_operation: dict[str, list[dict[str, Any]]] = {}
        for entry in interactions:
            key = (entry["operation"], _canonical(entry["request"]))
            self._queues.setdefault(key, deque()).append(entry)
            self._recorded[key] = self._recorded.get(key, 0) + 1
            self._by_operation.setdefault(entry["operation"], []).append(
                entry["request"]
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Player:
        """Read a cassette; ``ConfigurationError`` naming the file if it is unusable."""
        where = Path(path)
        try:
            document = json.loads(where.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise errors.ConfigurationError(f"{where}: no such cassette") from None
        except (OSError, ValueError) as error:
            raise errors.ConfigurationError(
                f"{where}: not a readable cassette ({error})"
            ) from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise errors.ConfigurationError(f"{where}: not a {FORMAT} file")
        if document.get("version") != VERSION:
            raise errors.ConfigurationError(
                f"{where}: cassette version {document.get('version')!r}; "
                f"this runtime reads version {VERSION}"
            )
        interactions = document.get("interactions")
        if not isinstance(interactions, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("operation"), str)
            and isinstance(e.get("request"), dict)
            and (
                isinstance(e.get("response"), dict) or isinstance(e.get("error"), dict)
            )
            for e in interactions
        ):
            raise errors.ConfigurationError(
                f"{where}: every interaction needs an operation, a request, "
                "and a response or an error"
            )
        readings = document.get("clock", [])
        if not isinstance(readings, list) or not all(
            isinstance(r, int | float) for r in readings
        ):
            raise errors.ConfigurationError(f"{where}: 'clock' must list numbers")
        return cls(
            where,
            str(document.get("table", "")),
            interactions,
            [float(r) for r in readings],
        )

    def clock(self) -> float:
        """The recorded clock readings in order (the last one once used up)."""
        with self._lock:
            if self._readings:
                self._last = self._readings.popleft()
            return self._last

    def send(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The recorded answer to this request (or its recorded error)."""
        request = _wire(params)
        key = (operation, _canonical(request))
        with self._lock:
            sent = self._sent[key] = self._sent.get(key, 0) + 1
            queue = self._queues.get(key)
            entry = queue.popleft() if queue else None
        if entry is None:
            raise ReplayMismatchError(
                self._mismatch(operation, request, key, sent), operation=operation
            )
        if "error" in entry:
            raise _restore_error(entry["error"], operation)
        return decode_body(encode_body(entry["response"]))

    def unplayed(self) -> list[tuple[str, dict[str, Any]]]:
        """Recorded interactions not served yet: (operation, request)."""
        with self._lock:
            return [
                (entry["operation"], entry["request"])
                for queue in self._queues.values()
                for entry in queue
            ]

    def _mismatch(
        self, operation: str, request: dict[str, Any], key: Any, sent: int
    ) -> str:
        recorded = self._recorded.get(key, 0)
        if recorded:
            # The request itself is known: the scenario sends it more often
            # than it did when recorded (an extra retry, a repeated read).
            return (
                f"{self.path}: this {operation} request was recorded {recorded} "
                f"time(s) and is now sent {sent} times"
            )
        candidates = self._by_operation.get(operation)
        if not candidates:
            held = ", ".join(
                f"{name} x{len(requests)}"
                for name, requests in sorted(self._by_operation.items())
            )
            return (
                f"{self.path}: no {operation} request was recorded "
                f"(the cassette holds: {held or 'nothing'})"
            )
        # Nearest = fewest differing leaves; on a tie the earliest recorded,
        # so the message is the same on every run.
        scored = [(_differences(c, request), c) for c in candidates]
        differences, _ = min(scored, key=lambda pair: len(pair[0]))
        shown = "\n  ".join(differences[:_SHOWN_DIFFERENCES])
        more = len(differences) - _SHOWN_DIFFERENCES
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return (
            f"{self.path}: no recorded {operation} request matches; the nearest "
            f"differs in {len(differences)} place(s):\n  {shown}{tail}"
        )


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for name in sorted(value):
            yield from _leaves(value[name], f"{path}.{name}" if path else str(name))
    elif isinstance(value, list) and value:
        for position, item in enumerate(value):
            yield from _leaves(item, f"{path}[{position}]")
    else:
        yield path, value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_VALUE else text[: _SHOWN_VALUE - 3] + "..."


def _differences(recorded: dict[str, Any], sent: dict[str, Any]) -> list[str]:
    """``path: recorded X, sent Y`` for every leaf where the two differ."""
    old = dict(_leaves(recorded, ""))
    new = dict(_leaves(sent, ""))
    lines = []
    for path in sorted(old.keys() | new.keys()):
        if path in old and path in new:
            if old[path] != new[path]:
                lines.append(
                    f"{path}: recorded {_shown(old[path])}, sent {_shown(new[path])}"
                )
        elif path in old:
            lines.append(f"{path}: recorded {_shown(old[path])}, missing")
        else:
            lines.append(f"{path}: not recorded, sent {_shown(new[path])}")
    return lines

"""The one place where the runtime talks to DynamoDB.

Every request goes through :meth:`Executor.call`, which maps botocore's
exceptions into the runtime's taxonomy; retries, metrics and tracing hook in here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dyngen_runtime import errors
from dyngen_runtime.breaker import CircuitBreaker, CircuitBreakerConfig
from dyngen_runtime.error_mapping import (
    map_botocore_error,
    map_client_error,
    redact,
)
from dyngen_runtime.http_transport import HttpTransport
from dyngen_runtime.observe import Observer
from dyngen_runtime.retry import RetryConfig, call_with_retries, retry_class
from dyngen_runtime.wire_json import plain

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")

# Batch requests in flight per batch_write/batch_get. With 10 ms of latency
# per request, as a network round trip adds, 8 wrote 1.8x the items/s of 4
# (benchmarks/bulk_latency.py). Against local dynalite, bound by its own CPU,
# 4 and 8 are within noise of each other. What DynamoDB throttles comes back
# unprocessed and is retried with backoff, so more in flight never loses a
# write.
BATCH_CONCURRENCY = 8

Send = Callable[[str, dict[str, Any]], dict[str, Any]]
"""Sends one attempt of an operation: the parsed response, or a runtime error."""


class Executor:
    """Sends requests for one table, over boto3 or the direct HTTP path."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        on_close: Callable[[], None] | None = None,
        cursor_secret: bytes | None = None,
        retry: RetryConfig | None = None,
        circuit_breaker: CircuitBreakerConfig | None = None,
        http: HttpTransport | None = None,
        observer: Observer | None = None,
        batch_concurrency: int = BATCH_CONCURRENCY,
        trusted_reads: bool = False,
    ) -> None:
        if batch_concurrency < 1:
            raise errors.ConfigurationError(
                f"batch_concurrency must be at least 1, not {batch_concurrency}"
            )
        self.client = client
        self.table_name = table_name
        self.cursor_secret = cursor_secret
        self.retry = retry if retry is not None else RetryConfig()
        self.breaker = CircuitBreaker(circuit_breaker or CircuitBreakerConfig())
        self.http = http
        self.batch_concurrency = batch_concurrency
        # The wall clock TTL checks read (epoch seconds); replay pins it to
        # the readings recorded with the cassette.
        self.clock: Callable[[], float] = time.time
        self.trusted_reads = trusted_reads
        self.observer = (
            observer
            if observer is not None
            else Observer(table_name, pk_attribute=None, sk_attribute=None)
        )
        self._send: Send = http.send if http is not None else self._send_boto
        self._intercepted = False
        self._close_hooks: list[Callable[[], None]] = []
        if on_close is not None:
            self._close_hooks.append(on_close)
        self._methods: dict[str, Callable[..., dict[str, Any]]] = {}
        self._closed = False

    @property
    def transport(self) -> str:
        """``"http"`` for the direct path, ``"boto3"`` for the boto3 client."""
        return "http" if self.http is not None else "boto3"

    def _send_boto(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        method = self._methods.get(operation)
        if method is None:
            method = getattr(self.client, _SNAKE.sub("_", operation).lower())
            self._methods[operation] = method
        try:
            response: dict[str, Any] = method(**params)
            return response
        except ClientError as error:
            mapped = map_client_error(error, operation)
        except BotoCoreError as error:
            mapped = map_botocore_error(error, operation)
        raise redact(mapped, self._boto_credentials())

    def _boto_credentials(self) -> Any:
        # The credentials the boto3 client signed with, to keep them out of
        # error messages; only read on the error path.
        signer = getattr(self.client, "_request_signer", None)
        credentials = getattr(signer, "_credentials", None)
        try:
            return credentials.get_frozen_credentials() if credentials else None
        except Exception:  # a refresh that fails here must not hide the error
            return None

    def now(self) -> int:
        """The current time in whole epoch seconds, as TTL compares it."""
        return int(self.clock())

    def add_close_hook(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when the executor closes (before its connections)."""
        self._close_hooks.append(hook)

    def intercept(self, wrap: Callable[[Send], Send]) -> None:
        """Route every attempt through ``wrap(send)``, whatever the transport.

        The seam for recording and for tests that inject faults: the wrapper
        sees each attempt's operation and wire-shaped parameters and returns
        the response or raises a runtime error, as ``send`` does.
        """
        self._send = wrap(self._send)
        self._intercepted = True

    def call(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        replayed: Callable[[errors.ConditionFailedError], bool] | None = None,
        entity: str | None = None,
    ) -> dict[str, Any]:
        """Send ``operation`` (``"PutItem"``, ...) with retries; the parsed response.

        A write that failed with a 5xx or a dropped connection may have been
        applied; when its retry then fails its condition, ``replayed(error)``
        says whether the stored item is exactly what this call wrote, which
        counts as success (an empty response) instead of a false conflict.
        ``entity`` names the entity the call is about, for logs and spans.
        """
        observer = self.observer
        if self._intercepted or self.http is None:
            # Only the direct HTTP path writes EncodedRequest entries into the
            # body as they are; boto3, recording, replay and test wrappers
            # read dicts.
            params = plain(params)
        params = observer.prepare(operation, params)
        state = observer.start(operation, params, entity)

        def attempt(number: int) -> dict[str, Any]:
            state.attempts = number
            try:
                return self._send(operation, params)
            except errors.ConditionFailedError as error:
                if number > 1 and replayed is not None and replayed(error):
                    return {}
                raise
            except errors.DyngenError as error:
                if retry_class(error) == "throttling":
                    observer.throttled(operation)
                raise

        try:
            self.breaker.before_call(operation)
            try:
                response = call_with_retries(
                    self.retry, operation, self.table_name, attempt
                )
            except errors.DyngenError as error:
                self.breaker.record(error)
                raise
        except errors.DyngenError as error:
            observer.failed(state, params, error)
            raise
        self.breaker.record(None)
        observer.succeeded(state, params, response)
        return response

    def close(self) -> None:
        """Release what the client holds (connections, in-memory tables)."""
        if self._closed:
            return
        self._closed = True
        for hook in self._close_hooks:
            hook()
        if self.http is not None:
            self.http.close()
        if self.client is not None:
            self.client.close()

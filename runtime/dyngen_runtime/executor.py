"""The one place where the runtime talks to DynamoDB.

Every request goes through :meth:`Executor.call`, which maps botocore's
exceptions into the runtime's taxonomy; retries, metrics and tracing hook in here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dyngen_runtime import errors
from dyngen_runtime.breaker import CircuitBreaker, CircuitBreakerConfig
from dyngen_runtime.error_mapping import map_botocore_error, map_client_error
from dyngen_runtime.http_transport import HttpTransport
from dyngen_runtime.retry import RetryConfig, call_with_retries

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")

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
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.cursor_secret = cursor_secret
        self.retry = retry if retry is not None else RetryConfig()
        self.breaker = CircuitBreaker(circuit_breaker or CircuitBreakerConfig())
        self.http = http
        self._send: Send = http.send if http is not None else self._send_boto
        self._on_close = on_close
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
        raise mapped

    def intercept(self, wrap: Callable[[Send], Send]) -> None:
        """Route every attempt through ``wrap(send)``, whatever the transport.

        The seam for recording and for tests that inject faults: the wrapper
        sees each attempt's operation and wire-shaped parameters and returns
        the response or raises a runtime error, as ``send`` does.
        """
        self._send = wrap(self._send)

    def call(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        replayed: Callable[[errors.ConditionFailedError], bool] | None = None,
    ) -> dict[str, Any]:
        """Send ``operation`` (``"PutItem"``, ...) with retries; the parsed response.

        A write that failed with a 5xx or a dropped connection may have been
        applied; when its retry then fails its condition, ``replayed(error)``
        says whether the stored item is exactly what this call wrote, which
        counts as success (an empty response) instead of a false conflict.
        """

        def attempt(number: int) -> dict[str, Any]:
            try:
                return self._send(operation, params)
            except errors.ConditionFailedError as error:
                if number > 1 and replayed is not None and replayed(error):
                    return {}
                raise

        self.breaker.before_call(operation)
        try:
            response = call_with_retries(
                self.retry, operation, self.table_name, attempt
            )
        except errors.DyngenError as error:
            self.breaker.record(error)
            raise
        self.breaker.record(None)
        return response

    def close(self) -> None:
        """Release what the client holds (connections, in-memory tables)."""
        if self._closed:
            return
        self._closed = True
        if self._on_close is not None:
            self._on_close()
        if self.http is not None:
            self.http.close()
        if self.client is not None:
            self.client.close()
